"""Vendor JSON -> DynamoDB JSON, and reading a Pulumi.<stack>.yaml for offline runs."""

from __future__ import annotations

import json

import pytest

from infra.components.vendor_items import VendorFileError, to_dynamodb, vendor_files, vendor_item
from infra.mocks import read_stack_config


def test_plain_json_becomes_dynamodb_json():
    assert to_dynamodb({"a": "x", "n": 3, "f": 1.5, "b": True, "z": None, "l": ["p", 2]}) == {
        "M": {
            "a": {"S": "x"},
            "n": {"N": "3"},
            "f": {"N": "1.5"},
            "b": {"BOOL": True},
            "z": {"NULL": True},
            "l": {"L": [{"S": "p"}, {"N": "2"}]},
        }
    }


def test_vendor_files_skip_schema_and_recurse(tmp_path):
    (tmp_path / "retail").mkdir()
    (tmp_path / "retail" / "zalando.json").write_text(
        json.dumps({"vendor_id": "zalando", "active": True})
    )
    (tmp_path / "schema.json").write_text("{}")
    files = vendor_files(tmp_path)
    assert [f.name for f in files] == ["zalando.json"]
    key, item = vendor_item(files[0], "vendor_id")
    assert key == "zalando"
    assert json.loads(item) == {"vendor_id": {"S": "zalando"}, "active": {"BOOL": True}}


def test_a_vendor_file_without_its_key_is_rejected(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"vendor_name": "No id"}))
    with pytest.raises(VendorFileError):
        vendor_item(bad, "vendor_id")


def test_every_shipped_vendor_file_converts(ws):
    for path in vendor_files(ws.root / "vendor_configs"):
        key, item = vendor_item(path, "vendor_id")
        assert json.loads(item)["vendor_id"] == {"S": key}


def test_stack_config_secure_values_become_placeholders(tmp_path):
    stack = tmp_path / "Pulumi.x.yaml"
    stack.write_text(
        "config:\n  aws:region: eu-north-1\n  paypulse:pointInTimeRecovery: false\n"
        "  paypulse:googleClientId:\n    secure: AAABAJunk\n"
        "  aws:defaultTags:\n    tags:\n      stack: x\n"
    )  # fmt: skip
    config, secret_keys = read_stack_config(stack)
    assert config["aws:region"] == "eu-north-1"
    assert config["paypulse:pointInTimeRecovery"] == "false"
    assert config["paypulse:googleClientId"] == "offline-placeholder"
    assert secret_keys == ["paypulse:googleClientId"]
    assert json.loads(config["aws:defaultTags"]) == {"tags": {"stack": "x"}}


def test_the_dev_stack_file_has_no_plaintext_secret(ws):
    config, _ = read_stack_config(ws.root / "Pulumi.dev.yaml")
    assert not any(k.endswith(("ApiKey", "SigningKey", "ClientId")) for k in config)
    assert config["paypulse:architecture"] == "arm64"


def test_check_config_wants_a_valid_push_topic_with_its_audience_and_account():
    from paypulse_devkit.stack_config import problems

    base = {"paypulse:googleClientId": "secure"}
    assert not [p for p in problems(base, "dev") if "gmailPush" in p]
    found = problems({**base, "paypulse:gmailPushTopic": "gmail-push"}, "dev")
    assert len([p for p in found if "gmailPush" in p]) == 3
    complete = {
        **base,
        "paypulse:gmailPushTopic": "projects/my-project/topics/gmail-push",
        "paypulse:gmailPushAudience": "https://api.example.com/v1/gmail/push",
        "paypulse:gmailPushServiceAccount": "push@my-project.iam.gserviceaccount.com",
    }
    assert not [p for p in problems(complete, "dev") if "gmailPush" in p]
