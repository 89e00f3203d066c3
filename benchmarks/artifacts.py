"""Lambda artifact benchmark: unzipped size of each function's code + layers against the 250 MB
limit, and the cold import time of each handler from the built artifacts unzipped in a temp dir.

Run on demand only (not part of pytest): ``uv run python -m benchmarks.artifacts``. Builds the real
layers (uv, downloads from PyPI on a cold cache). Import times need the artifacts' platform and a
CPython 3.12 (the wheels are cp312): the default architecture is this machine's; each row says
which interpreter imported it, and an import that cannot run here is reported as an error.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from infra.build import LAMBDA_UNZIPPED_LIMIT, BuildOptions, build_all, find_python312
from infra.workspace import workspace

_IMPORT = (
    "import sys, time; t = time.perf_counter(); import importlib; "
    "importlib.import_module(sys.argv[1]); print(time.perf_counter() - t)"
)


def run(architecture: str | None = None, build_dir: Path | None = None) -> list[dict]:
    """One row per function: sizes (bytes), limit share and cold import seconds."""
    arch = architecture or ("arm64" if platform.machine() in ("aarch64", "arm64") else "x86_64")
    ws = workspace()
    started = time.perf_counter()
    options = BuildOptions(mode="full", architecture=arch, build_dir=build_dir,
                           bytecode=find_python312() is not None)  # fmt: skip
    artifacts = build_all(ws, options)
    build_seconds = time.perf_counter() - started
    python = find_python312()
    interpreter = python or sys.executable
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="paypulse-artifacts-") as tmp:
        unpacked: dict[str, Path] = {}
        for kind, group in (("layer", artifacts.layers), ("service", artifacts.services)):
            for name, artifact in group.items():
                dest = Path(tmp) / f"{kind}-{name}"
                with zipfile.ZipFile(artifact.path) as zf:
                    zf.extractall(dest)
                unpacked[f"{kind}-{name}"] = dest
        for fn in ws.functions.values():
            code, layers = artifacts.for_function(fn)
            total = code.unzipped_size + sum(layer.unzipped_size for layer in layers)
            path = [str(unpacked[f"service-{fn.service}"])] + [
                str(unpacked[f"layer-{layer}"] / "python") for layer in fn.layers
            ]
            seconds, error = _import_time(interpreter, fn.module, path)
            rows.append(
                {
                    "function": fn.name,
                    "architecture": arch,
                    "code_bytes": code.unzipped_size,
                    "layers_bytes": {layer.name: layer.unzipped_size for layer in layers},
                    "unzipped_bytes": total,
                    "limit_share": round(total / LAMBDA_UNZIPPED_LIMIT, 3),
                    "within_limit": total <= LAMBDA_UNZIPPED_LIMIT,
                    "cold_import_seconds": seconds,
                    "import_error": error,
                    "interpreter": _version(interpreter),
                    "bytecode": code.compiled and all(layer.compiled for layer in layers),
                    "build_seconds": round(build_seconds, 1),
                }
            )
    return rows


def _import_time(python: str, module: str, path: list[str]) -> tuple[float | None, str | None]:
    env = {"PYTHONPATH": ":".join(path), "PYTHONDONTWRITEBYTECODE": "1", "AWS_REGION": "eu-west-1"}
    proc = subprocess.run(
        [python, "-s", "-c", _IMPORT, module], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return None, last[:200]
    return round(float(proc.stdout.strip()), 4), None


def _version(python: str) -> str:
    out = subprocess.run([python, "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).strip()


if __name__ == "__main__":
    results = run(sys.argv[1] if len(sys.argv) > 1 else None)
    print(json.dumps(results, indent=1))
