"""The `paypulse` command. Each subcommand lives in its own module, imported only when used,
exposing ``add_arguments(parser)`` and ``run(args) -> int``."""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "dev": ("paypulse_devkit.local_stack", "run the API locally on an embedded AWS + Google stack"),
    "iam-report": ("paypulse_devkit.iam_report", "list IAM grants the recorded calls never used"),
    "plan": ("paypulse_devkit.plan", "show the Pulumi stack offline (mocks) with policy findings"),
    "build": ("paypulse_devkit.build_command", "build the Lambda layers and code zips + manifest"),
    "check-config": ("paypulse_devkit.stack_config", "is Pulumi.<stack>.yaml complete to deploy?"),
    "parse": ("paypulse_devkit.parse_command", "parse one invoice file and print JSON"),
    "accuracy": ("paypulse_devkit.accuracy", "score extraction on a corpus folder"),
    "migrate-tokens": (
        "paypulse_devkit.migrate_tokens",
        "move Gmail tokens from per-user secrets into the dynamodb-kms table",
    ),
    "bench": ("benchmarks.__main__", "run the benchmark suite"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="paypulse", description="PayPulse Cloud developer CLI")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    argv = sys.argv[1:] if argv is None else argv
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text)
        if name == chosen:  # import only the module of the command being run
            mod = importlib.import_module(module)
            mod.add_arguments(cmd)
            cmd.set_defaults(_run=mod.run)
    args = parser.parse_args(argv)
    return int(args._run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
