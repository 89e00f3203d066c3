"""`paypulse check-config`: is a stack's Pulumi.<stack>.yaml complete enough to deploy?

Fails (exit 1) naming each missing or invalid setting with the command that sets it, as GitHub
annotations (``::error``) so a workflow shows them on the run. Offline: secure values are only
checked for presence, never decrypted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

APNS_KEYS = ("apnsKeyId", "apnsTeamId", "apnsBundleId")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--file", type=Path, help="default: Pulumi.<stack>.yaml of the repository")


def problems(config: dict[str, str], stack: str) -> list[str]:
    """What is missing or invalid, each with the command that fixes it."""
    from infra.aws_rules import LOG_RETENTION_DAYS
    from infra.config import ARCHITECTURES, ARTIFACT_SOURCES
    from infra.workspace import TOKEN_STORES, workspace

    out = []
    for secret in workspace().resources.secrets.values():
        key = f"paypulse:{secret.config}" if secret.config else None
        if key and not secret.optional and key not in config:
            out.append(
                f"{key} is not set: pulumi config set --secret {key} <value> --stack {stack}"
            )
    if "paypulse:apnsSigningKey" in config:
        for key in APNS_KEYS:
            if f"paypulse:{key}" not in config:
                out.append(f"paypulse:{key} is required with an APNs signing key: "
                           f"pulumi config set paypulse:{key} <value> --stack {stack}")  # fmt: skip
    checks = (
        ("paypulse:architecture", ARCHITECTURES),
        ("paypulse:logRetentionDays", tuple(str(d) for d in sorted(LOG_RETENTION_DAYS))),
        ("paypulse:artifacts", ARTIFACT_SOURCES),
        ("paypulse:tokenStore", TOKEN_STORES),
    )
    for key, allowed in checks:
        if key in config and config[key] not in allowed:
            out.append(f"{key}={config[key]!r} is not one of {', '.join(allowed)}")
    topic = config.get("paypulse:gmailPushTopic")
    if topic is not None:
        from paypulse_common.settings import PUBSUB_TOPIC_NAME

        if not PUBSUB_TOPIC_NAME.match(topic):
            out.append(
                f"paypulse:gmailPushTopic={topic!r} is not projects/<project>/topics/<topic>"
            )
        for key in ("gmailPushAudience", "gmailPushServiceAccount"):
            if f"paypulse:{key}" not in config:
                out.append(f"paypulse:{key} is required with paypulse:gmailPushTopic: "
                           f"pulumi config set paypulse:{key} <value> --stack {stack}")  # fmt: skip
    if config.get("paypulse:artifacts") == "sources":
        out.append("paypulse:artifacts=sources deploys layers without their dependencies")
    return out


def run(args: argparse.Namespace) -> int:
    from infra.mocks import read_stack_config
    from infra.workspace import ROOT

    path = args.file or ROOT / f"Pulumi.{args.stack}.yaml"
    if not path.is_file():
        print(f"::error::no {path.name}: pulumi stack init {args.stack}, then set its config")
        return 1
    config, _ = read_stack_config(path)
    found = problems(config, args.stack)
    for problem in found:
        print(f"::error file={path.name}::{problem}")
    if not found:
        print(f"{path.name}: complete")
    return 1 if found else 0
