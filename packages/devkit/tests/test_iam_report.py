"""The unused-grant report: grants no recorded call exercised, service grants apart."""

import json

from paypulse_devkit.iam_report import load_usage, new_run_folder, summarize

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:PutLogEvents"],
            "Resource": ["arn:aws:logs:r:1:log-group:/x:*"],
        },
        {
            "Sid": "TableUsers",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
            "Resource": ["arn:aws:dynamodb:r:1:table/u"],
        },
    ],
}


def test_unused_grants_are_the_code_grants_never_exercised(tmp_path):
    record = {
        "policies": {"f": POLICY},
        "exercised": [["f", "TableUsers", "dynamodb:GetItem", 0]],
        "used": [["f", "dynamodb:GetItem", "arn:aws:dynamodb:r:1:table/u"]],
        "denied": [["f", "dynamodb:Scan", "arn:aws:dynamodb:r:1:table/u"]],
    }
    folder = new_run_folder(tmp_path)
    (folder / "usage-1.json").write_text(json.dumps(record))
    summary = summarize(load_usage(tmp_path))  # the newest run folder
    assert [(g.sid, g.action) for g in summary["unused"]["f"]] == [
        ("TableUsers", "dynamodb:PutItem")
    ]
    assert [g.sid for g in summary["service"]["f"]] == ["Logs"]
    assert summary["code_grants"] == 2
    assert summary["denied"] == [("f", "dynamodb:Scan", "arn:aws:dynamodb:r:1:table/u")]


def test_enforcement_is_on_unless_switched_off_for_debugging(monkeypatch):
    from paypulse_devkit.iam_enforcement import SWITCH, enabled

    monkeypatch.delenv(SWITCH, raising=False)
    assert enabled()
    monkeypatch.setenv(SWITCH, "off")
    assert not enabled()
