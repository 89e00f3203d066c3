"""StackSettings: the one place the Pulumi program reads stack configuration."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra.workspace import DEFAULT_TOKEN_STORE, GOOGLE_CERTS_URL, TOKEN_STORES, Function, GmailPush

ARCHITECTURES = ("arm64", "x86_64")
ARTIFACT_SOURCES = ("built", "sources")
DEFAULT_GEMINI_MODEL = "gemini-2.5-flash"


@dataclass(frozen=True)
class Apns:
    """Token-based APNs credentials for the SNS platform application (all from stack config)."""

    signing_key: pulumi.Output[str]  # the .p8 key, a secret
    key_id: str
    team_id: str
    bundle_id: str
    sandbox: bool


@dataclass(frozen=True)
class StackSettings:
    stack: str
    project: str
    architecture: str
    log_retention_days: int
    point_in_time_recovery: bool
    deletion_protection: bool
    artifacts: str  # "built": read `paypulse build`'s manifest; "sources": offline plans only
    build_dir: str | None
    secret_namespace: str
    gemini_model: str
    jwt_key_version: int
    alarm_email: str | None
    config_secrets: dict[str, pulumi.Output[str] | None]
    apns: Apns | None
    queue_concurrency: dict[str, int]  # function -> its SQS mapping's maximum concurrency
    token_store: str = DEFAULT_TOKEN_STORE  # where the Gmail tokens live (README)
    gmail_push: GmailPush | None = None  # Gmail push notifications; None: off (README)

    def maximum_concurrency(self, fn: Function) -> int | None:
        """The SQS event source mapping's ScalingConfig.MaximumConcurrency of ``fn``: stack
        config ``paypulse:maximumConcurrency`` (``{"sync_invoices": 20}``) or the declaration."""
        if fn.sqs is None:
            return None
        return self.queue_concurrency.get(fn.name, fn.sqs.maximum_concurrency)

    @property
    def lambda_arch(self) -> str:
        return self.architecture

    def secret_name(self, logical: str) -> str:
        """Physical name of a stack-owned secret, e.g. ``paypulse/dev/jwt_signing_key``."""
        return f"{self.secret_namespace}paypulse/{self.stack}/{logical}"

    def secret_prefix(self, prefix: str) -> str:
        """Name prefix of secrets created at runtime, scoped to the stack like every other
        secret, e.g. ``paypulse/dev/gmail/user/``: a stack's functions (IAM ``<prefix>*``)
        never reach another stack's per-user secrets."""
        return f"{self.secret_namespace}paypulse/{self.stack}/{prefix}"


def load_settings(config_keys: dict[str, str] | None = None) -> StackSettings:
    """Read ``paypulse:*`` config. ``config_keys`` maps secret logical names to config keys."""
    cfg = pulumi.Config("paypulse")
    arch = cfg.get("architecture") or "arm64"
    if arch not in ARCHITECTURES:
        raise ValueError(f"paypulse:architecture must be one of {ARCHITECTURES}, got {arch!r}")
    namespace = cfg.get("secretNamespace") or ""
    if namespace and not namespace.endswith("/"):
        namespace += "/"
    secrets: dict[str, pulumi.Output[str] | None] = {}
    for logical, key in (config_keys or {}).items():
        secrets[logical] = cfg.get_secret(key)
    apns = None
    apns_key = cfg.get_secret("apnsSigningKey")
    if apns_key is not None:
        apns = Apns(
            signing_key=apns_key,
            key_id=cfg.require("apnsKeyId"),
            team_id=cfg.require("apnsTeamId"),
            bundle_id=cfg.require("apnsBundleId"),
            sandbox=cfg.get_bool("apnsSandbox") or False,
        )
    artifacts = cfg.get("artifacts") or "built"
    if artifacts not in ARTIFACT_SOURCES:
        raise ValueError(f"paypulse:artifacts must be one of {ARTIFACT_SOURCES}, got {artifacts!r}")
    token_store = cfg.get("tokenStore") or DEFAULT_TOKEN_STORE
    if token_store not in TOKEN_STORES:
        raise ValueError(f"paypulse:tokenStore must be one of {TOKEN_STORES}, got {token_store!r}")
    return StackSettings(
        stack=pulumi.get_stack(),
        project=pulumi.get_project(),
        architecture=arch,
        log_retention_days=cfg.get_int("logRetentionDays") or 30,
        point_in_time_recovery=_bool(cfg.get_bool("pointInTimeRecovery"), True),
        deletion_protection=_bool(cfg.get_bool("deletionProtection"), False),
        artifacts=artifacts,
        build_dir=cfg.get("buildDir"),
        secret_namespace=namespace,
        gemini_model=cfg.get("geminiModel") or DEFAULT_GEMINI_MODEL,
        jwt_key_version=cfg.get_int("jwtKeyVersion") or 1,
        alarm_email=cfg.get("alarmEmail"),
        config_secrets=secrets,
        apns=apns,
        queue_concurrency={
            str(k): int(v) for k, v in (cfg.get_object("maximumConcurrency") or {}).items()
        },
        token_store=token_store,
        gmail_push=_gmail_push(cfg),
    )


def _gmail_push(cfg: pulumi.Config) -> GmailPush | None:
    """``paypulse:gmailPushTopic`` turns Gmail push on; it then needs the push subscription's
    OIDC audience and service account (README "Gmail push notifications")."""
    topic = cfg.get("gmailPushTopic")
    if not topic:
        return None
    if not topic.startswith("projects/") or "/topics/" not in topic:  # `check-config` checks more
        raise ValueError(f"paypulse:gmailPushTopic must be projects/<p>/topics/<t>, got {topic!r}")
    return GmailPush(
        topic=topic,
        audience=cfg.require("gmailPushAudience"),
        service_account=cfg.require("gmailPushServiceAccount").lower(),
        certs_url=cfg.get("googleCertsUrl") or GOOGLE_CERTS_URL,
    )


def _bool(value: bool | None, default: bool) -> bool:
    return default if value is None else value
