"""The IAM evaluator against cases the IAM User Guide documents (evaluation logic, wildcards in
Action/Resource, condition operators, missing condition keys)."""

import pytest

from paypulse_devkit.iam_policy import Policy, Request, UnsupportedPolicyError

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/Books"
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"


def policy(*statements):
    return Policy({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource, **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_default_deny_when_nothing_matches():
    p = policy(allow("dynamodb:GetItem", TABLE))
    assert not p.evaluate(Request.of("dynamodb:PutItem", TABLE)).allowed
    assert p.evaluate(Request.of("dynamodb:GetItem", TABLE)).allowed


def test_explicit_deny_overrides_allow():
    p = policy(
        allow("dynamodb:*", "*"),
        {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE},
    )
    decision = p.evaluate(Request.of("dynamodb:DeleteItem", TABLE))
    assert not decision.allowed and decision.explicit_deny
    assert p.evaluate(Request.of("dynamodb:DeleteItem", TABLE + "2")).allowed


def test_action_wildcards_and_case_insensitivity():
    # reference_policies_elements_action: "iam:*AccessKey*", action names are case-insensitive
    p = policy(
        allow("iam:*AccessKey*", "*"), allow("s3:getobject", "*"), allow("sqs:Send?essage", "*")
    )
    assert p.evaluate(Request.of("iam:CreateAccessKey", "*")).allowed
    assert p.evaluate(Request.of("iam:ListAccessKeys", "*")).allowed
    assert not p.evaluate(Request.of("iam:CreateUser", "*")).allowed
    assert p.evaluate(Request.of("s3:GetObject", BUCKET + "/k")).allowed
    assert p.evaluate(Request.of("sqs:SendMessage", "*")).allowed
    assert not p.evaluate(Request.of("sqs:SendMessageBatch", "*")).allowed


def test_not_action_allows_everything_else():
    # reference_policies_elements_notaction: NotAction with Allow grants all other actions
    p = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert p.evaluate(Request.of("s3:GetObject", BUCKET + "/x")).allowed
    assert not p.evaluate(Request.of("iam:CreateUser", "*")).allowed


def test_resource_mismatch_and_wildcards():
    p = policy(
        allow("dynamodb:Query", [TABLE, f"{TABLE}/index/*"]),
        allow("s3:GetObject", f"{BUCKET}/home/*"),
    )
    assert p.evaluate(Request.of("dynamodb:Query", f"{TABLE}/index/ByAuthor")).allowed
    assert not p.evaluate(Request.of("dynamodb:Query", TABLE + "Archive")).allowed
    assert p.evaluate(Request.of("s3:GetObject", f"{BUCKET}/home/a/b.pdf")).allowed
    assert not p.evaluate(Request.of("s3:GetObject", f"{BUCKET}/other/b.pdf")).allowed
    # resources are case-sensitive
    assert not p.evaluate(Request.of("s3:GetObject", f"{BUCKET}/HOME/a.pdf")).allowed


def test_secret_name_with_six_character_suffix():
    # Secrets Manager: "MySecret-??????" matches the ARN with its six random characters only.
    arn = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:app/jwt"
    p = policy(allow("secretsmanager:GetSecretValue", arn + "-??????"))
    assert p.evaluate(Request.of("secretsmanager:GetSecretValue", arn + "-a1B2c3")).allowed
    assert not p.evaluate(
        Request.of("secretsmanager:GetSecretValue", arn + "-extra-a1B2c3")
    ).allowed
    assert not p.evaluate(Request.of("secretsmanager:GetSecretValue", arn)).allowed


def test_string_like_prefix_condition_and_missing_key():
    # The S3 user guide's "home folder" example: ListBucket only with s3:prefix home/*.
    p = policy(allow("s3:ListBucket", BUCKET, Condition={"StringLike": {"s3:prefix": ["home/*"]}}))
    assert p.evaluate(Request.of("s3:ListBucket", BUCKET, **{"s3:prefix": "home/u1/"})).allowed
    assert not p.evaluate(Request.of("s3:ListBucket", BUCKET, **{"s3:prefix": "other/"})).allowed
    # a missing key makes a non-negated operator false
    assert not p.evaluate(Request.of("s3:ListBucket", BUCKET)).allowed


def test_negated_operator_and_if_exists_hold_when_the_key_is_missing():
    p = policy(
        allow("s3:ListBucket", BUCKET, Condition={"StringNotLike": {"s3:prefix": "private/*"}}),
        allow(
            "s3:GetObject", "*", Condition={"StringEqualsIfExists": {"s3:ExistingObjectTag/x": "1"}}
        ),
    )
    assert p.evaluate(Request.of("s3:ListBucket", BUCKET)).allowed
    assert not p.evaluate(Request.of("s3:ListBucket", BUCKET, **{"s3:prefix": "private/a"})).allowed
    assert p.evaluate(Request.of("s3:GetObject", BUCKET + "/k")).allowed


def test_arn_equals_compares_segments_and_null_checks_presence():
    source = "arn:aws:events:eu-west-1:123456789012:rule/nightly"
    p = policy(
        allow(
            "sqs:SendMessage",
            "*",
            Condition={"ArnLike": {"aws:SourceArn": "arn:aws:events:*:123456789012:rule/*"}},
        ),
        allow("sns:Publish", "*", Condition={"Null": {"aws:SourceArn": "true"}}),
    )
    assert p.evaluate(Request.of("sqs:SendMessage", "q", **{"aws:SourceArn": source})).allowed
    other = source.replace("123456789012", "210987654321")
    assert not p.evaluate(Request.of("sqs:SendMessage", "q", **{"aws:SourceArn": other})).allowed
    assert p.evaluate(Request.of("sns:Publish", "t")).allowed
    assert not p.evaluate(Request.of("sns:Publish", "t", **{"aws:SourceArn": source})).allowed


def test_for_any_and_for_all_values():
    p = policy(
        allow("a:Any", "*", Condition={"ForAnyValue:StringEquals": {"k": ["x", "y"]}}),
        allow("a:All", "*", Condition={"ForAllValues:StringEquals": {"k": ["x", "y"]}}),
    )
    assert p.evaluate(Request.of("a:Any", "*", k=["z", "y"])).allowed
    assert not p.evaluate(Request.of("a:Any", "*", k=["z"])).allowed
    assert p.evaluate(Request.of("a:All", "*", k=["x", "y"])).allowed
    assert not p.evaluate(Request.of("a:All", "*", k=["x", "z"])).allowed


def test_every_matching_grant_is_reported_for_the_usage_record():
    p = policy(allow(["s3:GetObject", "s3:Get*"], [f"{BUCKET}/a/*", f"{BUCKET}/*"], Sid="Read"))
    grants = p.evaluate(Request.of("s3:GetObject", f"{BUCKET}/a/b")).grants
    assert {(g.action, g.resource) for g in grants} == {
        ("s3:GetObject", f"{BUCKET}/a/*"), ("s3:GetObject", f"{BUCKET}/*"),
        ("s3:Get*", f"{BUCKET}/a/*"), ("s3:Get*", f"{BUCKET}/*"),
    }  # fmt: skip
    assert len(p.grants()) == 4


@pytest.mark.parametrize(
    "statement",
    [
        {
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}},
        },
        {"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"},
        {"Effect": "Permit", "Action": "s3:*", "Resource": "*"},
    ],
)
def test_unsupported_policies_are_refused_not_guessed(statement):
    with pytest.raises(UnsupportedPolicyError):
        policy(statement)
