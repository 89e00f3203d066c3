"""`paypulse migrate-tokens`: move every user's Gmail tokens from their Secrets Manager secret
(``<prefix><user id>``) into the dynamodb-kms token table, then delete the secret.

Per user: read the secret; write the sealed item only if the user has none (an item the
functions wrote after the switch is newer and wins); then delete the secret (no recovery
window: the tokens now live in the table). Every step is idempotent, so an interrupted run is
resumed by running it again: what was moved has no secret left, what was not is moved now.
``--dry-run`` lists what would move. Runs with the operator's credentials (README "Gmail token
stores"); the functions never list secrets."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any


@dataclass
class MigrationReport:
    moved: list[str] = field(default_factory=list)  # item written, secret deleted
    kept_newer: list[str] = field(default_factory=list)  # item existed; secret deleted
    unreadable: list[str] = field(default_factory=list)  # secret without parsable tokens: kept
    planned: list[str] = field(default_factory=list)  # --dry-run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--secret-prefix",
        required=True,
        help="the per-user secret prefix, e.g. paypulse/prod/gmail/user/",
    )
    parser.add_argument("--table", required=True, help="the gmail_tokens table (stack output)")
    parser.add_argument("--key", required=True, help="the gmail_tokens KMS key ARN or alias")
    parser.add_argument("--region", default=None)
    parser.add_argument("--endpoint-url", default=None, help="e.g. a local moto server")
    parser.add_argument("--dry-run", action="store_true")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    import os

    env = {
        "AWS_REGION": args.region or os.environ.get("AWS_REGION") or "eu-west-1",
        "PAYPULSE_TABLE_GMAIL_TOKENS": args.table,
        "PAYPULSE_KEY_GMAIL_TOKENS": args.key,
        "PAYPULSE_SECRET_GMAIL_TOKENS": args.secret_prefix,
    }
    if args.endpoint_url:
        env["PAYPULSE_AWS_ENDPOINT_URL"] = args.endpoint_url
    report = migrate_in(env, dry_run=args.dry_run)
    for label in ("planned", "moved", "kept_newer", "unreadable"):
        users = getattr(report, label)
        if users:
            print(f"{label}: {len(users)}")
    return 1 if report.unreadable else 0


def migrate_in(env: dict[str, str], *, dry_run: bool = False) -> MigrationReport:
    """Run the migration in a runtime configured by ``env`` (names, region, endpoint)."""
    from paypulse_common.runtime import Runtime, activated

    rt = Runtime(env)
    try:
        with activated(rt):
            return rt.run(migrate(dry_run=dry_run))
    finally:
        rt.close()


async def migrate(*, dry_run: bool = False) -> MigrationReport:
    from paypulse_common import aws
    from paypulse_common.runtime import settings
    from paypulse_gmail.token_store import KmsTokenStore, SecretTokenStore

    prefix = settings().secret("gmail_tokens")
    secrets, items = SecretTokenStore(prefix), KmsTokenStore()
    report = MigrationReport()
    async for user_id in _user_ids(await aws.client("secretsmanager"), prefix):
        if dry_run:
            report.planned.append(user_id)
            continue
        tokens = await secrets.load(user_id)
        if tokens is None:
            report.unreadable.append(user_id)
            continue
        written = await items.insert(user_id, tokens)
        await secrets.delete(user_id)
        (report.moved if written else report.kept_newer).append(user_id)
    return report


async def _user_ids(sm: Any, prefix: str) -> Any:
    """User ids of the secrets named ``<prefix><user id>`` (ListSecrets, every page; the name
    filter is a prefix match: Secrets Manager API reference, ListSecrets Filters)."""
    kwargs: dict[str, Any] = {"Filters": [{"Key": "name", "Values": [prefix]}], "MaxResults": 100}
    while True:
        page = await sm.list_secrets(**kwargs)
        for secret in page.get("SecretList", []):
            name = secret["Name"]
            if name.startswith(prefix) and len(name) > len(prefix):
                yield name[len(prefix) :]
        if not page.get("NextToken"):
            return
        kwargs["NextToken"] = page["NextToken"]
