"""paypulse:tokenStore switches the Gmail token store in the program: "dynamodb-kms" creates the
token table and a rotated KMS key (+ alias), gives the functions the table and the key instead
of the per-user secret prefix, and grants KMS only with the user encryption context."""

from __future__ import annotations

import json

import pytest

from infra.iam import KEY_CONTEXT_KEYS
from infra.mocks import run_offline
from infra.workspace import workspace

from .conftest import CONFIG, SECRET_VALUES, STACK

# The table letter "w" is PutItem + UpdateItem (+ BatchWriteItem) for every table (infra/iam.py).
WRITE = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"}
TOKEN_USERS = {  # function -> (table actions, KMS actions) with dynamodb-kms
    # it also deletes what it just wrote when the account was deleted meanwhile (tombstone)
    "gmail_store_tokens": (WRITE | {"dynamodb:DeleteItem"}, {"kms:Decrypt", "kms:GenerateDataKey"}),
    "fetch_invoices": (WRITE, {"kms:Decrypt", "kms:GenerateDataKey"}),
    "get_user_profile": ({"dynamodb:GetItem", "dynamodb:Query"}, set()),
    # reads the tokens to stop the Gmail watch (users.stop) before deleting them
    "delete_user": ({"dynamodb:GetItem", "dynamodb:Query", "dynamodb:DeleteItem"}, {"kms:Decrypt"}),
}  # fmt: skip


@pytest.fixture(scope="module")
def kms_run(tmp_path_factory):
    build = tmp_path_factory.getbasetemp() / "lambda-build"
    config = dict(
        CONFIG, **{"paypulse:buildDir": str(build), "paypulse:tokenStore": "dynamodb-kms"}
    )
    return run_offline(config, stack=STACK, secret_keys=list(SECRET_VALUES))


def _functions(run) -> dict[str, tuple[dict, dict]]:
    out = {}
    for fn in run.of_type("aws:lambda/function:Function"):
        name = fn.inputs["tags"]["paypulse:function"]
        (policy,) = [p for p in run.of_type("aws:iam/rolePolicy:RolePolicy")
                     if p.name == f"fn-{name}-policy"]  # fmt: skip
        out[name] = (fn.inputs["environment"]["variables"], json.loads(policy.inputs["policy"]))
    return out


def _statements(policy: dict, prefix: str) -> list[dict]:
    return [
        s
        for s in policy["Statement"]
        if any(a.startswith(prefix) for a in s["Action"])
        and ("gmail" in json.dumps(s["Resource"]) or prefix == "kms:")
    ]


def test_default_store_is_secrets_manager(offline):
    assert offline.outputs["token_store"] == "secretsmanager"
    assert not offline.of_type("aws:kms/alias:Alias")
    assert not [t for t in offline.of_type("aws:dynamodb/table:Table") if "gmail_tokens" in t.name]
    env, policy = _functions(offline)["gmail_store_tokens"]
    assert "PAYPULSE_SECRET_GMAIL_TOKENS" in env and "PAYPULSE_KEY_GMAIL_TOKENS" not in env
    assert not [s for s in policy["Statement"] if any(a.startswith("kms:") for a in s["Action"])]


def test_dynamodb_kms_creates_the_table_and_a_rotated_key(kms_run):
    assert kms_run.outputs["token_store"] == "dynamodb-kms"
    (table,) = [t for t in kms_run.of_type("aws:dynamodb/table:Table") if "gmail_tokens" in t.name]
    assert table.inputs["hashKey"] == "UserID"
    assert table.inputs["billingMode"] == "PAY_PER_REQUEST"
    (key,) = [k for k in kms_run.of_type("aws:kms/key:Key") if "gmail_tokens" in k.name]
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    key_policy = json.loads(key.inputs["policy"])
    # Only the account (root) is named: use is delegated to the role policies.
    principals = [s["Principal"]["AWS"] for s in key_policy["Statement"]]
    assert len(principals) == 1 and principals[0].endswith(":root")
    (alias,) = kms_run.of_type("aws:kms/alias:Alias")
    assert alias.inputs["name"] == f"alias/paypulse/{STACK}/gmail-tokens"
    assert alias.inputs["targetKeyId"] == key.state["keyId"]


@pytest.mark.parametrize("name", sorted(TOKEN_USERS))
def test_functions_get_the_table_and_key_instead_of_the_secret(kms_run, name):
    table_actions, kms_actions = TOKEN_USERS[name]
    env, policy = _functions(kms_run)[name]
    (key,) = [k for k in kms_run.of_type("aws:kms/key:Key") if "gmail_tokens" in k.name]
    assert "PAYPULSE_SECRET_GMAIL_TOKENS" not in env
    assert env["PAYPULSE_TABLE_GMAIL_TOKENS"]
    assert not any("gmail" in json.dumps(s["Resource"]) and any(
        a.startswith("secretsmanager:") for a in s["Action"]) for s in policy["Statement"])  # fmt: skip
    granted = {
        a for s in policy["Statement"] if s["Sid"] == "TableGmailTokens" for a in s["Action"]
    }
    # BatchWriteItem comes with w and d (IAM cannot tell its puts from its deletes).
    assert granted - {"dynamodb:BatchWriteItem"} == table_actions
    kms = [s for s in policy["Statement"] if any(a.startswith("kms:") for a in s["Action"])]
    if not kms_actions:
        assert not kms and "PAYPULSE_KEY_GMAIL_TOKENS" not in env
        return
    (statement,) = kms
    assert set(statement["Action"]) == kms_actions
    assert statement["Resource"] == [key.state["arn"]]
    assert env["PAYPULSE_KEY_GMAIL_TOKENS"] == key.state["arn"]
    condition = statement["Condition"]
    assert condition["ForAllValues:StringEquals"]["kms:EncryptionContextKeys"] == list(
        KEY_CONTEXT_KEYS
    )
    assert condition["Null"]["kms:EncryptionContextKeys"] == "false"


def test_delete_user_purges_the_token_table(kms_run):
    env, _ = _functions(kms_run)["delete_user"]
    registry = json.loads(env["PAYPULSE_USER_DATA"])
    assert registry["tables"]["gmail_tokens"] == ["UserID", None]
    assert registry["secrets"] == {}


def test_an_unknown_store_is_refused(tmp_path_factory):
    build = tmp_path_factory.getbasetemp() / "lambda-build"
    config = dict(CONFIG, **{"paypulse:buildDir": str(build), "paypulse:tokenStore": "s3"})
    with pytest.raises(Exception, match="tokenStore"):
        run_offline(config, stack=STACK, secret_keys=list(SECRET_VALUES))


def test_every_token_function_is_covered():
    ws = workspace("dynamodb-kms")
    users = {n for n, f in ws.functions.items() if "gmail_tokens" in f.tables}
    assert {"gmail_store_tokens", "fetch_invoices", "get_user_profile", "delete_user"} <= users


def test_check_config_refuses_an_unknown_store(tmp_path, capsys):
    from paypulse_devkit.cli import main

    stack = tmp_path / "Pulumi.x.yaml"
    base = "config:\n  paypulse:googleClientId:\n    secure: AAAB\n"
    stack.write_text(base + "  paypulse:tokenStore: dynamodb\n")
    assert main(["check-config", "--stack", "x", "--file", str(stack)]) == 1
    assert "paypulse:tokenStore" in capsys.readouterr().out
    stack.write_text(base + "  paypulse:tokenStore: dynamodb-kms\n")
    assert main(["check-config", "--stack", "x", "--file", str(stack)]) == 0
