"""Both Gmail token stores against the local stack, IAM enforced: Secrets Manager (the session
stack) and DynamoDB + KMS envelope encryption (a stack with paypulse:tokenStore=dynamodb-kms)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra.workspace import workspace
from paypulse_devkit.aws_local import boto_client
from paypulse_gmail import envelope
from paypulse_gmail.token_store import (
    KmsTokenStore,
    SecretTokenStore,
    StoredTokens,
    TokenStore,
    token_store,
)

WRITER = "gmail_store_tokens"  # tokens "rw"
PROFILE = "get_user_profile"  # tokens "m"


@pytest.fixture(scope="module")
def kms_stack() -> Iterator[Any]:
    from paypulse_devkit.local_stack import LocalStack

    stack = LocalStack(workspace("dynamodb-kms"), workers=2, mailbox=None)
    stack.start()
    yield stack
    stack.stop()


def _runner(stack: Any) -> Callable[[str, Any], Any]:
    from paypulse_common.runtime import current

    def run(function: str, coro: Any) -> Any:
        return stack.run_in(function, lambda: current().run(coro))

    return run


@pytest.fixture(params=["secretsmanager", "dynamodb-kms"])
def store(request, kms_stack) -> tuple[Any, Callable[[str, Any], Any]]:
    if request.param == "secretsmanager":
        stack = request.getfixturevalue("local_stack")
    else:
        kms_stack.reset()
        stack = kms_stack
    return stack, _runner(stack)


def tokens(access: str, refresh: str | None, google_id: str = "g-1") -> StoredTokens:
    return StoredTokens(
        access_token=access,
        refresh_token=refresh,
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        scope="https://www.googleapis.com/auth/gmail.readonly",
        google_user_id=google_id,
        google_email="ann.g@gmail.com",
    )


async def _selected() -> TokenStore:
    return token_store()


def test_the_environment_selects_the_store(store):
    stack, run = store
    selected = run(WRITER, _selected())
    expected = KmsTokenStore if stack.ws.token_store == "dynamodb-kms" else SecretTokenStore
    assert type(selected) is expected


def test_round_trip_keeps_the_refresh_token_and_delete_removes_it(store):
    _, run = store

    async def scenario() -> tuple[Any, ...]:
        s = token_store()
        first = await s.load("u1")
        await s.save("u1", tokens("a-1", "r-1"))
        # A refresh answer carries no refresh token: the stored one stays.
        written = await s.save("u1", tokens("a-2", None))
        return first, written, await s.load("u1")

    first, written, loaded = run(WRITER, scenario())
    exists = run(PROFILE, _exists("u1"))
    run("delete_user", _delete_twice("u1"))  # deleting what is gone is fine
    after = run(WRITER, _load("u1"))
    exists_after = run(PROFILE, _exists("u1"))
    assert first is None
    assert written.refresh_token == "r-1"
    assert loaded is not None
    assert (loaded.access_token, loaded.refresh_token) == ("a-2", "r-1")
    assert loaded.google_email == "ann.g@gmail.com"
    assert exists is True
    assert after is None and exists_after is False


def test_the_profile_sees_whether_tokens_exist_with_its_narrow_grant(store):
    _, run = store
    assert run(PROFILE, _exists("u2")) is False
    run(WRITER, token_store_save("u2"))
    assert run(PROFILE, _exists("u2")) is True


async def _delete_twice(user_id: str) -> None:
    await token_store().delete(user_id)
    await token_store().delete(user_id)


async def _exists(user_id: str) -> bool:
    return await token_store().exists(user_id)


async def token_store_save(user_id: str) -> None:
    await token_store().save(user_id, tokens("a", "r"))


def test_a_different_google_account_replaces_the_tokens(store):
    _, run = store

    async def scenario() -> StoredTokens | None:
        s = token_store()
        await s.save("u3", tokens("a-1", "r-1", google_id="g-1"))
        await s.save("u3", tokens("a-2", None, google_id="g-2"))
        return await s.load("u3")

    loaded = run(WRITER, scenario())
    assert loaded is not None
    assert loaded.google_user_id == "g-2" and loaded.refresh_token is None


# ------------------------------------------------------------------ dynamodb-kms only


def _item(stack: Any, user_id: str) -> dict[str, Any]:
    ddb = boto_client("dynamodb", stack.aws_endpoint)
    return ddb.get_item(
        TableName=stack.names.tables["gmail_tokens"], Key={"UserID": {"S": user_id}}
    ).get("Item", {})


def test_the_item_holds_no_token_in_clear_and_a_fresh_data_key_per_write(kms_stack):
    kms_stack.reset()
    run = _runner(kms_stack)
    run(WRITER, token_store_save("u1"))
    first = _item(kms_stack, "u1")
    run(WRITER, token_store_save("u1"))
    second = _item(kms_stack, "u1")
    assert set(first) == {"UserID", "Ciphertext", "Nonce", "DataKey", "KeyId", "Envelope"}
    raw = b"".join(v.get("B", b"") for v in first.values())
    assert b'"refresh_token"' not in raw and b"gmail.readonly" not in raw
    assert first["DataKey"]["B"] != second["DataKey"]["B"]
    assert first["Nonce"]["B"] != second["Nonce"]["B"]
    assert first["KeyId"]["S"] == kms_stack.names.key_arns["gmail_tokens"]


def test_an_item_copied_to_another_user_does_not_decrypt(kms_stack):
    kms_stack.reset()
    run = _runner(kms_stack)
    run(WRITER, token_store_save("victim"))
    item = _item(kms_stack, "victim")
    ddb = boto_client("dynamodb", kms_stack.aws_endpoint)
    ddb.put_item(
        TableName=kms_stack.names.tables["gmail_tokens"],
        Item={**item, "UserID": {"S": "attacker"}},
    )

    async def open_as(user_id: str) -> str:
        return await envelope.open_item(item, user_id)

    with pytest.raises(envelope.UndecryptableError):
        run(WRITER, open_as("attacker"))
    assert run(WRITER, _load("attacker")) is None
    assert '"refresh_token": "r"' in run(WRITER, open_as("victim"))
    loaded = run(WRITER, _load("victim"))
    assert loaded is not None and loaded.refresh_token == "r"


async def _load(user_id: str) -> StoredTokens | None:
    return await token_store().load(user_id)


def test_a_tampered_ciphertext_does_not_decrypt(kms_stack):
    kms_stack.reset()
    run = _runner(kms_stack)
    run(WRITER, token_store_save("u1"))
    item = _item(kms_stack, "u1")
    sealed = bytearray(item["Ciphertext"]["B"])
    sealed[0] ^= 1
    tampered = {**item, "Ciphertext": {"B": bytes(sealed)}}

    async def open_it() -> str:
        return await envelope.open_item(tampered, "u1")

    with pytest.raises(envelope.UndecryptableError):
        run(WRITER, open_it())


def _kms_error(run: Callable[[str, Any], Any], function: str, call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        run(function, call)
    error = caught.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]


def test_kms_grants_need_the_user_context_and_the_profile_has_none(kms_stack):
    kms_stack.reset()
    run = _runner(kms_stack)
    key = kms_stack.names.keys["gmail_tokens"]

    async def data_key(context: dict[str, str] | None) -> Any:
        from paypulse_common import aws

        kms = await aws.client("kms")
        kwargs: dict[str, Any] = {"KeyId": key, "KeySpec": "AES_256"}
        if context is not None:
            kwargs["EncryptionContext"] = context
        return await kms.generate_data_key(**kwargs)

    # Without a context, or with another context key, the writer is refused as KMS refuses.
    assert _kms_error(run, WRITER, data_key(None)) == ("AccessDeniedException", 400)
    assert _kms_error(run, WRITER, data_key({"tenant": "u1"})) == ("AccessDeniedException", 400)
    assert _kms_error(run, WRITER, data_key({"user_id": "u1", "x": "y"})) == (
        "AccessDeniedException",
        400,
    )
    assert (
        run(WRITER, data_key({"user_id": "u1"}))["KeyId"]
        == kms_stack.names.key_arns["gmail_tokens"]
    )
    # The profile only checks existence: no KMS at all.
    assert _kms_error(run, PROFILE, data_key({"user_id": "u1"})) == ("AccessDeniedException", 400)
    doc = kms_stack.iam.documents[PROFILE]
    assert not any("kms" in str(s["Action"]) for s in doc["Statement"])


def test_delete_user_purges_the_token_item(kms_stack):
    kms_stack.reset()
    run = _runner(kms_stack)

    def call(method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        status, _, payload = kms_stack.handle_http(
            method, path, headers, json.dumps(body).encode() if body else b"", "127.0.0.1"
        )
        return status, json.loads(payload) if payload else None

    status, signup = call(
        "POST",
        "/v1/auth/signup",
        {"name": "Ann", "email": "ann@example.com", "password": "secret-pass-1"},
    )
    assert status == 201, signup
    token = signup["data"]["access_token"]
    claims = token.split(".")[1]
    user_id = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["sub"]
    run(WRITER, token_store_save(user_id))
    assert _item(kms_stack, user_id)
    status, me = call("GET", "/v1/user/me", token=token)
    assert status == 200 and me["data"]["gmail_account_connected"] is True, me
    status, _ = call("DELETE", "/v1/user/me", token=token)
    assert status in (200, 204)
    assert _item(kms_stack, user_id) == {}


# ------------------------------------------------------------------ migration


def test_migrate_tokens_moves_secrets_into_the_table_and_resumes(kms_stack):
    from paypulse_devkit.migrate_tokens import migrate_in

    kms_stack.reset()
    run = _runner(kms_stack)
    prefix = "paypulse/local/gmail/user/"
    sm = boto_client("secretsmanager", kms_stack.aws_endpoint)
    sm.create_secret(Name=prefix + "u1", SecretString=tokens("a-1", "r-1").to_secret())
    sm.create_secret(Name=prefix + "u2", SecretString=tokens("old", "r-old").to_secret())
    sm.create_secret(Name=prefix + "u3", SecretString="not json")
    sm.create_secret(Name="paypulse/other/gmail/user/u4", SecretString="{}")  # another stack
    run(WRITER, token_store_save("u2"))  # u2 reconnected after the switch: the item is newer
    env = {
        "AWS_REGION": "eu-west-1",
        "PAYPULSE_AWS_ENDPOINT_URL": kms_stack.aws_endpoint,
        "PAYPULSE_SECRET_GMAIL_TOKENS": prefix,
        "PAYPULSE_TABLE_GMAIL_TOKENS": kms_stack.names.tables["gmail_tokens"],
        "PAYPULSE_KEY_GMAIL_TOKENS": kms_stack.names.keys["gmail_tokens"],
    }
    assert sorted(migrate_in(env, dry_run=True).planned) == ["u1", "u2", "u3"]
    report = migrate_in(env)
    assert (report.moved, report.kept_newer, report.unreadable) == (["u1"], ["u2"], ["u3"])
    u1, u2 = run(WRITER, _load("u1")), run(WRITER, _load("u2"))
    assert u1 is not None and (u1.access_token, u1.refresh_token) == ("a-1", "r-1")
    assert u2 is not None and (u2.access_token, u2.refresh_token) == ("a", "r")
    left = sorted(s["Name"] for s in sm.list_secrets()["SecretList"] if "/gmail/" in s["Name"])
    assert left == [prefix + "u3", "paypulse/other/gmail/user/u4"]
    # Run again (resumed): nothing left to move, the unreadable secret is still reported.
    again = migrate_in(env)
    assert (again.moved, again.kept_newer, again.unreadable) == ([], [], ["u3"])
