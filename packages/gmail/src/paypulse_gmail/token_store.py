"""Per-user Google OAuth tokens, in one of two stores behind one interface (``TokenStore``),
chosen by the stack (``paypulse:tokenStore``; the function's environment names the resources):

- ``SecretTokenStore`` ("secretsmanager"): one secret per user, ``<prefix><user_id>`` (e.g.
  ``paypulse/<stack>/gmail/user/<user_id>``), with the keys of the original format (spec §g).
- ``KmsTokenStore`` ("dynamodb-kms"): one item per user in the ``gmail_tokens`` table, the
  same JSON sealed with envelope encryption (``paypulse_gmail.envelope``).

Saving merges with what is stored: a payload without a refresh token never erases the stored
one, and empty identity fields never erase known ones."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from paypulse_common import aws, token_presence
from paypulse_common.errors import DependencyError
from paypulse_common.runtime import settings
from paypulse_common.token_presence import LOGICAL


@dataclass
class StoredTokens:
    access_token: str
    refresh_token: str | None
    expires_at: datetime  # aware, UTC
    scope: str
    token_type: str = "Bearer"  # noqa: S105 - a token type, not a secret
    google_user_id: str = ""
    google_email: str = ""
    google_name: str = ""
    google_verified_email: bool = False
    created_at: datetime | None = None

    def to_secret(self) -> str:
        now = datetime.now(UTC)
        data: dict[str, Any] = {
            k: v for k, v in asdict(self).items() if k not in ("expires_at", "created_at")
        }
        if not self.refresh_token:
            data.pop("refresh_token")
        data["expires_at"] = _naive_iso(self.expires_at)
        data["expires_in"] = max(0, int((self.expires_at - now).total_seconds()))
        data["created_at"] = _naive_iso(self.created_at or now)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_secret(cls, text: str) -> StoredTokens:
        data = json.loads(text)
        return cls(
            access_token=data.get("access_token", ""),
            refresh_token=data.get("refresh_token") or None,
            expires_at=_parse_time(data.get("expires_at")),
            scope=data.get("scope", ""),
            token_type=data.get("token_type", "Bearer"),
            google_user_id=data.get("google_user_id", ""),
            google_email=data.get("google_email", ""),
            google_name=data.get("google_name", ""),
            google_verified_email=bool(data.get("google_verified_email", False)),
            created_at=_parse_time(data.get("created_at")) if data.get("created_at") else None,
        )

    def merged_over(self, previous: StoredTokens | None) -> StoredTokens:
        """These tokens, keeping the previous refresh token / identity where these lack them."""
        if previous is None:
            return self
        return replace(
            self,
            refresh_token=self.refresh_token or previous.refresh_token,
            google_user_id=self.google_user_id or previous.google_user_id,
            google_email=self.google_email or previous.google_email,
            google_name=self.google_name or previous.google_name,
            google_verified_email=self.google_verified_email or previous.google_verified_email,
            created_at=previous.created_at or self.created_at,
        )


def _naive_iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat()


def _parse_time(value: str | None) -> datetime:
    if not value:
        return datetime.fromtimestamp(0, UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def expiry_in(seconds: int) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


class TokenStore(Protocol):
    """What every Gmail token store offers."""

    async def load(self, user_id: str) -> StoredTokens | None: ...

    async def save(
        self, user_id: str, tokens: StoredTokens, *, previous: StoredTokens | None = None
    ) -> StoredTokens: ...

    async def delete(self, user_id: str) -> None: ...

    async def exists(self, user_id: str) -> bool: ...


class _MergingStore:
    """``save`` = load, merge (never lose the refresh token), write."""

    async def load(self, user_id: str) -> StoredTokens | None:
        raise NotImplementedError

    async def _write(self, user_id: str, text: str, *, exists: bool) -> None:
        raise NotImplementedError

    async def save(
        self, user_id: str, tokens: StoredTokens, *, previous: StoredTokens | None = None
    ) -> StoredTokens:
        """Merge over the stored tokens (or ``previous`` when the caller already loaded them)
        and write; returns what was written. Tokens of a *different* Google account (another
        ``google_user_id``) replace the stored ones instead of merging with them."""
        previous = previous or await self.load(user_id)
        exists = previous is not None
        if (
            previous
            and tokens.google_user_id
            and previous.google_user_id
            not in (
                "",
                tokens.google_user_id,
            )
        ):
            previous = None
        merged = tokens.merged_over(previous)
        try:
            await self._write(user_id, merged.to_secret(), exists=exists)
        except DependencyError:
            raise
        except Exception as exc:
            raise DependencyError("Error storing OAuth tokens") from exc
        return merged


class SecretTokenStore(_MergingStore):
    """Read, merge-write and delete one user's token secret."""

    def __init__(self, prefix: str | None = None) -> None:
        self._prefix = prefix

    def name(self, user_id: str) -> str:
        return (self._prefix or settings().secret(LOGICAL)) + user_id

    async def load(self, user_id: str) -> StoredTokens | None:
        sm = await aws.client("secretsmanager")
        try:
            response = await sm.get_secret_value(SecretId=self.name(user_id))
        except Exception as exc:
            if aws.error_code(exc) == "ResourceNotFoundException":
                return None
            raise DependencyError("Error retrieving OAuth tokens") from exc
        try:
            return StoredTokens.from_secret(response["SecretString"])
        except (ValueError, KeyError):
            return None

    async def _write(self, user_id: str, text: str, *, exists: bool) -> None:
        sm = await aws.client("secretsmanager")
        if not exists:
            try:
                await sm.create_secret(
                    Name=self.name(user_id),
                    SecretString=text,
                    Tags=[{"Key": "paypulse:user", "Value": user_id}],
                )
                return
            except Exception as exc:
                if aws.error_code(exc) != "ResourceExistsException":
                    raise
        await sm.put_secret_value(SecretId=self.name(user_id), SecretString=text)

    async def delete(self, user_id: str) -> None:
        sm = await aws.client("secretsmanager")
        try:
            await sm.delete_secret(SecretId=self.name(user_id), ForceDeleteWithoutRecovery=True)
        except Exception as exc:
            if aws.error_code(exc) != "ResourceNotFoundException":
                raise DependencyError("Error deleting OAuth tokens") from exc

    async def exists(self, user_id: str) -> bool:
        """DescribeSecret: metadata only, the value is never read."""
        return await token_presence.tokens_exist(user_id, secret_prefix=self._prefix)


GmailTokenStore = SecretTokenStore  # the original name


class KmsTokenStore(_MergingStore):
    """One item per user: ``UserID`` + the sealed token JSON (``envelope.Sealed``)."""

    def __init__(self, table: str | None = None, key_arn: str | None = None) -> None:
        self._table = table
        self._key = key_arn

    @property
    def table(self) -> str:
        return self._table or settings().table(LOGICAL)

    @property
    def key_arn(self) -> str:
        return self._key or settings().key(LOGICAL)

    async def load(self, user_id: str) -> StoredTokens | None:
        from paypulse_gmail import envelope

        db = await aws.client("dynamodb")
        try:
            response = await db.get_item(
                TableName=self.table, Key={"UserID": {"S": user_id}}, ConsistentRead=True
            )
        except Exception as exc:
            raise DependencyError("Error retrieving OAuth tokens") from exc
        item = response.get("Item")
        if not item:
            return None
        try:
            text = await envelope.open_item(item, user_id)
        except envelope.UndecryptableError:
            # Not this user's item (copied from another user) or damaged: unusable, as an
            # unreadable secret is; reconnecting Gmail overwrites it.
            return None
        except Exception as exc:
            raise DependencyError("Error retrieving OAuth tokens") from exc
        try:
            return StoredTokens.from_secret(text)
        except (ValueError, KeyError):
            return None

    async def _write(self, user_id: str, text: str, *, exists: bool) -> None:
        from paypulse_gmail import envelope

        item = await envelope.seal_item(text, user_id, self.key_arn)
        db = await aws.client("dynamodb")
        await db.put_item(TableName=self.table, Item={"UserID": {"S": user_id}, **item})

    async def insert(self, user_id: str, tokens: StoredTokens) -> bool:
        """Write ``tokens`` only if the user has no item yet (the migration from secrets: an
        item written meanwhile by the functions is newer). False when one existed."""
        from paypulse_gmail import envelope

        item = await envelope.seal_item(tokens.to_secret(), user_id, self.key_arn)
        db = await aws.client("dynamodb")
        try:
            await db.put_item(
                TableName=self.table,
                Item={"UserID": {"S": user_id}, **item},
                ConditionExpression="attribute_not_exists(UserID)",
            )
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise DependencyError("Error storing OAuth tokens") from exc
        return True

    async def delete(self, user_id: str) -> None:
        db = await aws.client("dynamodb")
        try:
            await db.delete_item(TableName=self.table, Key={"UserID": {"S": user_id}})
        except Exception as exc:
            raise DependencyError("Error deleting OAuth tokens") from exc

    async def exists(self, user_id: str) -> bool:
        """GetItem of the key attribute only: nothing is decrypted."""
        return await token_presence.tokens_exist(user_id)


def token_store() -> TokenStore:
    """The store this function's environment names: the token table (dynamodb-kms) or the
    token secret prefix (secretsmanager); infra grants exactly one of them."""
    if token_presence.uses_token_table():
        return KmsTokenStore()
    return SecretTokenStore()
