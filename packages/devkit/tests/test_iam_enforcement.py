"""IAM enforcement in the local stack: every AWS call of a function is authorized by the policy
infra renders for it, and a denied call fails as AWS fails it."""

import shutil

import pytest
from botocore.exceptions import ClientError

from infra.workspace import ROOT, load


def denied(exc_info) -> tuple[str, int]:
    err = exc_info.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]


async def _call(service, operation, **params):
    from paypulse_common import aws

    client = await aws.client(service)
    return await getattr(client, operation)(**params)


def test_enforcement_is_on_in_the_test_stack(local_stack):
    assert local_stack.iam is not None
    assert set(local_stack.iam.policies) == set(local_stack.ws.functions)


def test_action_not_granted_is_access_denied_exception_403(run_as, local_stack):
    users = local_stack.names.tables["users"]
    # get_user_profile reads users (GetItem) but may not write them
    with pytest.raises(ClientError) as exc:
        run_as(
            "get_user_profile",
            _call("dynamodb", "put_item", TableName=users, Item={"UserID": {"S": "u"}}),
        )
    assert denied(exc) == ("AccessDeniedException", 403)
    assert run_as(
        "get_user_profile",
        _call("dynamodb", "get_item", TableName=users, Key={"UserID": {"S": "u"}}),
    )


def test_resource_not_granted_is_denied_even_for_a_granted_action(run_as, local_stack):
    # get_rental_invoice may GetItem on rental_invoices (and users, the token's account) only
    with pytest.raises(ClientError) as exc:
        run_as(
            "get_rental_invoice",
            _call(
                "dynamodb",
                "get_item",
                TableName=local_stack.names.tables["devices"],
                Key={"UserID": {"S": "u"}, "DeviceToken": {"S": "t"}},
            ),
        )
    assert denied(exc) == ("AccessDeniedException", 403)


def test_s3_denial_is_access_denied_and_keys_outside_the_prefix_are_refused(run_as, local_stack):
    bucket = local_stack.names.buckets["invoices"]
    with pytest.raises(ClientError) as exc:  # parse_invoice reads, never writes
        run_as(
            "parse_invoice",
            _call("s3", "put_object", Bucket=bucket, Key="invoices/u/x.pdf", Body=b"x"),
        )
    assert denied(exc) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as exc:  # grants cover invoices/* only
        run_as(
            "sync_invoices", _call("s3", "put_object", Bucket=bucket, Key="other/x.pdf", Body=b"x")
        )
    assert denied(exc) == ("AccessDenied", 403)
    run_as(
        "sync_invoices",
        _call("s3", "put_object", Bucket=bucket, Key="invoices/u/x.pdf", Body=b"x"),
    )


def test_listing_outside_the_granted_prefix_fails_on_the_condition(run_as, local_stack):
    bucket = local_stack.names.buckets["invoices"]
    with pytest.raises(ClientError) as exc:
        run_as("delete_user", _call("s3", "list_object_versions", Bucket=bucket, Prefix="other/"))
    assert denied(exc) == ("AccessDenied", 403)
    run_as("delete_user", _call("s3", "list_object_versions", Bucket=bucket, Prefix="invoices/u/"))


def test_sns_denial_is_authorization_error(run_as, local_stack):
    topic = local_stack.names.topics["invoice_notifications"]
    with pytest.raises(ClientError) as exc:  # register_device manages endpoints, never publishes
        run_as("register_device", _call("sns", "publish", TopicArn=topic, Message="hi"))
    assert denied(exc) == ("AuthorizationError", 403)


def test_secret_grants_follow_the_name_and_its_random_suffix(run_as, local_stack):
    names = local_stack.names.secrets
    assert run_as(
        "login_user", _call("secretsmanager", "get_secret_value", SecretId=names["jwt_signing_key"])
    )
    with pytest.raises(ClientError) as exc:  # login_user has no Gmail grant
        run_as(
            "login_user",
            _call("secretsmanager", "describe_secret", SecretId=names["gmail_tokens"] + "u1"),
        )
    assert denied(exc) == ("AccessDeniedException", 403)
    with pytest.raises(ClientError) as exc:  # a missing secret under a granted prefix: not found
        run_as(
            "get_user_profile",
            _call("secretsmanager", "describe_secret", SecretId=names["gmail_tokens"] + "u1"),
        )
    assert denied(exc)[0] == "ResourceNotFoundException"  # authorized; moto answers the rest


def test_removing_one_declared_grant_breaks_its_journey(api, local_stack, tmp_path):
    """On a copy of the declarations, login_user loses its login_attempts grant: the login
    journey (signup, then login) fails, on exactly that call."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for src in (ROOT / "services").glob("*/pyproject.toml"):
        (tmp_path / "services" / src.parent.name).mkdir(parents=True)
        shutil.copy(src, tmp_path / "services" / src.parent.name / "pyproject.toml")
    users = tmp_path / "services/users/pyproject.toml"
    text = users.read_text()
    declared = 'tables = { users = "r", login_attempts = "rwd" }'
    assert declared in text
    users.write_text(text.replace(declared, 'tables = { users = "r" }'))
    reduced = load(tmp_path).functions["login_user"]

    body = {"name": "Ann", "email": "ann@example.com", "password": "secret-pass-1"}
    assert api("POST", "/v1/auth/signup", json_body=body).status == 201
    login = {"email": "ann@example.com", "password": "secret-pass-1"}
    assert api("POST", "/v1/auth/login", json_body=login).status == 200

    original = local_stack.ws.functions["login_user"]
    local_stack.iam.configure(local_stack.names, [reduced])
    try:
        r = api("POST", "/v1/auth/login", json_body=login)
    finally:
        local_stack.iam.configure(local_stack.names, [original])
    assert r.status >= 500, r
    table = local_stack.names.tables["login_attempts"]
    assert any(
        d.function == "login_user" and d.resource.endswith(f":table/{table}")
        for d in local_stack.iam.denials
    )
    assert api("POST", "/v1/auth/login", json_body=login).status == 200


def test_profile_reads_whether_gmail_is_connected_never_the_tokens(run_as, local_stack):
    from paypulse_devkit.aws_local import boto_client

    name = local_stack.names.secrets["gmail_tokens"] + "user_x"
    boto_client("secretsmanager", local_stack.aws_endpoint).create_secret(
        Name=name, SecretString='{"refresh_token": "1//r"}'
    )
    assert run_as("get_user_profile", _call("secretsmanager", "describe_secret", SecretId=name))
    with pytest.raises(ClientError) as exc:
        run_as("get_user_profile", _call("secretsmanager", "get_secret_value", SecretId=name))
    assert denied(exc) == ("AccessDeniedException", 403)


INGEST = ("fetch_invoices", "fetch_latest_invoice", "fetch_retail_invoices", "sync_invoices")


@pytest.mark.parametrize("function", INGEST)
def test_ingest_functions_cannot_delete_secrets_objects_or_versions(run_as, local_stack, function):
    from paypulse_devkit.aws_local import boto_client

    bucket = local_stack.names.buckets["invoices"]
    key = "invoices/user_x/rental/a.pdf"
    version = boto_client("s3", local_stack.aws_endpoint).put_object(
        Bucket=bucket, Key=key, Body=b"%PDF"
    )["VersionId"]
    secret = local_stack.names.secrets["gmail_tokens"] + "user_x"
    boto_client("secretsmanager", local_stack.aws_endpoint).create_secret(
        Name=secret, SecretString="{}"
    )
    for call, code in (
        (
            _call(
                "secretsmanager", "delete_secret", SecretId=secret, ForceDeleteWithoutRecovery=True
            ),
            "AccessDeniedException",
        ),
        # (a version by its id they may delete: an upload they made for an account deleted
        # meanwhile, paypulse_common.tombstone; without listing, they cannot find others)
        (_call("s3", "delete_object", Bucket=bucket, Key=key), "AccessDenied"),
        (
            _call("s3", "list_object_versions", Bucket=bucket, Prefix="invoices/user_x/"),
            "AccessDenied",
        ),
        (_call("s3", "get_object", Bucket=bucket, Key=key), "AccessDenied"),
    ):
        with pytest.raises(ClientError) as exc:
            run_as(function, call)
        assert denied(exc) == (code, 403)
    # nothing was deleted
    assert boto_client("s3", local_stack.aws_endpoint).head_object(
        Bucket=bucket, Key=key, VersionId=version
    )


def test_delete_objects_answers_each_denied_key_as_s3_does(run_as, local_stack):
    from paypulse_devkit.aws_local import boto_client

    s3 = boto_client("s3", local_stack.aws_endpoint)
    bucket = local_stack.names.buckets["invoices"]
    inside = s3.put_object(Bucket=bucket, Key="invoices/u/a.pdf", Body=b"a")["VersionId"]
    outside = s3.put_object(Bucket=bucket, Key="other/u/a.pdf", Body=b"b")["VersionId"]
    objects = [
        {"Key": "invoices/u/a.pdf", "VersionId": inside},
        {"Key": "other/u/a.pdf", "VersionId": outside},
    ]
    response = run_as(
        "delete_user",
        _call("s3", "delete_objects", Bucket=bucket, Delete={"Objects": objects, "Quiet": True}),
    )
    assert [(e["Key"], e["Code"]) for e in response["Errors"]] == [
        ("other/u/a.pdf", "AccessDenied")
    ]
    assert s3.list_object_versions(Bucket=bucket, Prefix="other/")["Versions"]
    assert "Versions" not in s3.list_object_versions(Bucket=bucket, Prefix="invoices/u/")
    # every key denied: still HTTP 200 with one error per key
    response = run_as(
        "delete_user", _call("s3", "delete_objects", Bucket=bucket, Delete={"Objects": objects[1:]})
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [e["Code"] for e in response["Errors"]] == ["AccessDenied"]
