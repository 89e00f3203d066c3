"""Typed settings, read from the environment once per execution environment and validated then.

The environment carries only *names* of resources (tables, bucket, secret names/ARNs, topic ARNs),
one variable per resource the function declared (``PAYPULSE_<KIND>_<LOGICAL>``, see
``infra.workspace.runtime_environment``). Secret *values* live in Secrets Manager.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paypulse_common.errors import ConfigurationError

_KINDS = {
    "TABLE": "tables",
    "BUCKET": "buckets",
    "SECRET": "secrets",
    "TOPIC": "topics",
    "QUEUE": "queues",
    "KEY": "keys",  # KMS key ARNs
}
_HTTPS_OR_LOCAL = ("https://", "http://127.0.0.1", "http://localhost")
# A Pub/Sub topic's resource name (https://cloud.google.com/pubsub/docs/pubsub-basics, resource
# names): project id 6-30 of [a-z0-9-] starting with a letter, not ending with "-"; topic id
# 3-255 of [A-Za-z0-9-._~%+] starting with a letter and not with "goog".
PUBSUB_TOPIC_NAME = re.compile(
    r"^projects/(?P<project>[a-z][a-z0-9-]{4,28}[a-z0-9])"
    r"/topics/(?P<topic>(?!goog)[A-Za-z][A-Za-z0-9\-._~%+]{2,254})$"
)


@dataclass(frozen=True)
class Settings:
    stack: str
    region: str
    tables: Mapping[str, str] = field(default_factory=dict)
    buckets: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)
    topics: Mapping[str, str] = field(default_factory=dict)
    queues: Mapping[str, str] = field(default_factory=dict)  # queue URLs
    keys: Mapping[str, str] = field(default_factory=dict)
    aws_endpoint_url: str | None = None  # local stack only (moto server)
    google_oauth_base: str = "https://oauth2.googleapis.com"
    google_userinfo_base: str = "https://www.googleapis.com"
    gmail_api_root: str = "https://gmail.googleapis.com"
    gemini_base_url: str | None = None
    gemini_model: str = "gemini-2.5-flash-lite"
    apns_platform_app_arn: str | None = None
    jwt_issuer: str = "paypulse"
    jwt_audience: str = "paypulse-ios"
    user_data: Mapping[str, Any] = field(default_factory=dict)
    # Gmail push notifications (None: off): the topic users.watch names, and what a push must
    # carry: its OIDC token's audience and service account, checked with Google's keys.
    gmail_push_topic: str | None = None
    gmail_push_audience: str | None = None
    gmail_push_service_account: str | None = None
    google_certs_url: str = "https://www.googleapis.com/oauth2/v3/certs"

    def _get(self, kind: str, logical: str) -> str:
        value = getattr(self, kind).get(logical)
        if not value:
            raise ConfigurationError(f"{kind[:-1]} {logical!r} is not granted to this function")
        return value

    def table(self, logical: str) -> str:
        return self._get("tables", logical)

    def bucket(self, logical: str) -> str:
        return self._get("buckets", logical)

    def secret(self, logical: str) -> str:
        return self._get("secrets", logical)

    def topic(self, logical: str) -> str:
        return self._get("topics", logical)

    def queue(self, logical: str) -> str:
        return self._get("queues", logical)

    def key(self, logical: str) -> str:
        return self._get("keys", logical)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build and validate Settings; raise ConfigurationError naming what is wrong."""
    env = os.environ if env is None else env
    groups: dict[str, dict[str, str]] = {v: {} for v in _KINDS.values()}
    for key, value in env.items():
        parts = key.split("_", 2)
        if len(parts) == 3 and parts[0] == "PAYPULSE" and parts[1] in _KINDS:
            groups[_KINDS[parts[1]]][parts[2].lower()] = value
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if not region:
        raise ConfigurationError("AWS_REGION is not set")
    urls = {
        "google_oauth_base": env.get("PAYPULSE_GOOGLE_OAUTH_BASE"),
        "google_userinfo_base": env.get("PAYPULSE_GOOGLE_USERINFO_BASE"),
        "gmail_api_root": env.get("PAYPULSE_GMAIL_API_ROOT"),
        "gemini_base_url": env.get("PAYPULSE_GEMINI_BASE_URL"),
        "aws_endpoint_url": env.get("PAYPULSE_AWS_ENDPOINT_URL"),
        "google_certs_url": env.get("PAYPULSE_GOOGLE_CERTS_URL"),
    }
    for name, url in urls.items():
        if url and not url.startswith(_HTTPS_OR_LOCAL):
            raise ConfigurationError(f"{name} must be https (or a loopback URL locally)")
    topic = env.get("PAYPULSE_GMAIL_PUSH_TOPIC") or None
    if topic and not PUBSUB_TOPIC_NAME.match(topic):
        raise ConfigurationError("PAYPULSE_GMAIL_PUSH_TOPIC is not projects/<p>/topics/<t>")
    try:
        user_data = json.loads(env.get("PAYPULSE_USER_DATA", "{}"))
    except ValueError as exc:
        raise ConfigurationError("PAYPULSE_USER_DATA is not valid JSON") from exc
    return Settings(
        stack=env.get("PAYPULSE_STACK", "local"),
        region=region,
        tables=groups["tables"],
        buckets=groups["buckets"],
        secrets=groups["secrets"],
        topics=groups["topics"],
        queues=groups["queues"],
        keys=groups["keys"],
        user_data=user_data,
        gemini_model=env.get("PAYPULSE_GEMINI_MODEL", Settings.gemini_model),
        apns_platform_app_arn=env.get("PAYPULSE_APNS_PLATFORM_APP_ARN") or None,
        jwt_issuer=env.get("PAYPULSE_JWT_ISSUER", Settings.jwt_issuer),
        jwt_audience=env.get("PAYPULSE_JWT_AUDIENCE", Settings.jwt_audience),
        gmail_push_topic=topic,
        gmail_push_audience=env.get("PAYPULSE_GMAIL_PUSH_AUDIENCE") or None,
        gmail_push_service_account=(env.get("PAYPULSE_GMAIL_PUSH_SERVICE_ACCOUNT") or "").lower()
        or None,
        **{k: v.rstrip("/") for k, v in urls.items() if v},  # type: ignore[arg-type]
    )
