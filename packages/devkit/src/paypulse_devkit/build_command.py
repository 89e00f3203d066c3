"""`paypulse build`: the Lambda layers and code zips for one architecture, and the manifest the
Pulumi program reads (``build/lambda/manifest-<arch>.json``).

Run it before ``pulumi preview`` / ``pulumi up``; the program never builds. Unchanged sources and
lock are a cache hit (no uv, no download). The architecture comes from ``--arch`` or the stack
file's ``paypulse:architecture`` (default arm64).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", default="dev", help="read paypulse:architecture from this stack")
    parser.add_argument("--arch", choices=("arm64", "x86_64"), help="overrides the stack's")
    parser.add_argument("--build-dir", type=Path, help="default: build/lambda in the repository")
    parser.add_argument(
        "--no-bytecode",
        dest="bytecode",
        action="store_false",
        help="ship no cp312 .pyc (no CPython 3.12 needed; slower cold starts)",
    )


def run(args: argparse.Namespace) -> int:
    from infra.build import BuildError, BuildOptions, build_all, write_manifest
    from infra.workspace import ROOT, workspace

    arch = args.arch or _stack_architecture(ROOT / f"Pulumi.{args.stack}.yaml")
    options = BuildOptions("full", arch, args.build_dir, bytecode=args.bytecode)
    try:
        artifacts = build_all(workspace(), options)
    except BuildError as exc:
        print(f"paypulse build: {exc}", file=sys.stderr)
        return 1
    for group in (artifacts.layers, artifacts.services):
        for a in group.values():
            print(f"{a.kind:8} {a.name:14} {a.unzipped_size / 1e6:7.1f} MB unzipped  "
                  f"{a.zip_size / 1e6:6.1f} MB zip  {a.sha256[:12]}  {a.path}")  # fmt: skip
    for note in artifacts.notes:
        print(f"note: {note}")
    print(f"manifest: {write_manifest(artifacts, options)}")
    return 0


def _stack_architecture(stack_file: Path) -> str:
    if not stack_file.is_file():
        return "arm64"
    from infra.mocks import read_stack_config

    config, _ = read_stack_config(stack_file)
    return config.get("paypulse:architecture", "arm64")
