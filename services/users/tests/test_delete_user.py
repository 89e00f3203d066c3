"""delete_user removes everything the user owns, and nothing of anyone else's."""

import json

from paypulse_devkit import app_contract as app
from paypulse_devkit.aws_local import boto_client


def seed(local_stack, user_id):
    """One row in every user-data table, S3 versions + a delete marker, the Gmail secret."""
    ddb = boto_client("dynamodb", local_stack.aws_endpoint)
    registry = json.loads(local_stack.function_env("delete_user")["PAYPULSE_USER_DATA"])
    for logical, (hash_key, range_key) in registry["tables"].items():
        table = local_stack.names.tables[logical]
        for i in range(30):  # > one BatchWrite of 25
            ddb.put_item(
                TableName=table, Item={hash_key: {"S": user_id}, range_key: {"S": f"k{i}"}}
            )
    s3 = boto_client("s3", local_stack.aws_endpoint)
    bucket = local_stack.names.buckets["invoices"]
    for v in range(3):
        s3.put_object(Bucket=bucket, Key=f"invoices/{user_id}/rental/a.pdf", Body=f"v{v}".encode())
    s3.delete_object(Bucket=bucket, Key=f"invoices/{user_id}/rental/a.pdf")  # delete marker
    s3.put_object(Bucket=bucket, Key=f"invoices/{user_id}/retail/food-delivery/x.html", Body=b"<p>")
    sm = boto_client("secretsmanager", local_stack.aws_endpoint)
    sm.create_secret(Name=local_stack.names.secrets["gmail_tokens"] + user_id, SecretString="{}")
    return registry


def counts(local_stack, user_id, registry):
    ddb = boto_client("dynamodb", local_stack.aws_endpoint)
    rows = {
        logical: ddb.query(
            TableName=local_stack.names.tables[logical],
            KeyConditionExpression="#h = :u",
            ExpressionAttributeNames={"#h": keys[0]},
            ExpressionAttributeValues={":u": {"S": user_id}},
        )["Count"]
        for logical, keys in registry["tables"].items()
    }
    s3 = boto_client("s3", local_stack.aws_endpoint)
    listing = s3.list_object_versions(
        Bucket=local_stack.names.buckets["invoices"], Prefix=f"invoices/{user_id}/"
    )
    versions = len(listing.get("Versions", [])) + len(listing.get("DeleteMarkers", []))
    secrets = boto_client("secretsmanager", local_stack.aws_endpoint).list_secrets()["SecretList"]
    has_secret = any(
        s["Name"] == local_stack.names.secrets["gmail_tokens"] + user_id for s in secrets
    )
    return rows, versions, has_secret


def test_delete_removes_everything_owned(signup, api, local_stack):
    token, uid = signup("del@example.com")
    _, other = signup("keep@example.com")
    registry = seed(local_stack, uid)
    seed(local_stack, other)
    assert set(registry["tables"]) >= {
        "rental_invoices",
        "retail_invoices",
        "travel_invoices",
        "ingestion_ledger",
        "devices",
    }

    r = api("DELETE", "/v1/user/me", token=token)
    assert r.status == 200
    app.decode_success(None, r.json)

    rows, versions, has_secret = counts(local_stack, uid, registry)
    assert set(rows.values()) == {0} and versions == 0 and not has_secret
    rows, versions, has_secret = counts(local_stack, other, registry)
    assert set(rows.values()) == {30} and versions == 5 and has_secret

    # the account is gone: login fails like any unknown e-mail, the old token is refused with
    # the code on which the app logs out
    r = api(
        "POST",
        "/v1/auth/login",
        json_body={"email": "del@example.com", "password": "secret-pass-1"},
    )
    assert (r.status, r.error_code) == (401, "INVALID_CREDENTIALS")
    r = api("GET", "/v1/user/me", token=token)
    assert (r.status, r.error_code) == (401, "TOKEN_EXPIRED")
    # the e-mail can be used again
    assert (
        api(
            "POST",
            "/v1/auth/signup",
            json_body={"name": "X", "email": "del@example.com", "password": "secret-pass-1"},
        ).status
        == 201
    )


def test_delete_is_safe_to_repeat_after_partial_failure(signup, api, local_stack, run_as):
    """Simulate a crash after S3 + tables were purged: the retry completes the job."""
    token, uid = signup("retry@example.com")
    registry = seed(local_stack, uid)
    from paypulse_common.objects import delete_versions
    from paypulse_common.users import get_user

    async def partial():
        user = await get_user(uid)
        await delete_versions(local_stack.names.buckets["invoices"], f"invoices/{uid}/")
        return user

    run_as("delete_user", partial())
    assert api("DELETE", "/v1/user/me", token=token).status == 200
    rows, versions, has_secret = counts(local_stack, uid, registry)
    assert set(rows.values()) == {0} and versions == 0 and not has_secret


def test_delete_removes_more_versions_than_one_listing_page(signup, api, local_stack):
    """ListObjectVersions returns at most 1000 per page; every page must go."""
    from concurrent.futures import ThreadPoolExecutor

    token, uid = signup("many@example.com")
    s3 = boto_client("s3", local_stack.aws_endpoint)
    bucket = local_stack.names.buckets["invoices"]

    def two_versions(i: int) -> None:
        for v in (b"1", b"2"):
            s3.put_object(Bucket=bucket, Key=f"invoices/{uid}/rental/doc{i}", Body=v)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(two_versions, range(600)))
    assert api("DELETE", "/v1/user/me", token=token).status == 200
    listing = s3.list_object_versions(Bucket=bucket, Prefix=f"invoices/{uid}/")
    assert listing.get("Versions", []) == [] and listing.get("DeleteMarkers", []) == []


def test_second_delete_finishes_what_an_interrupted_one_began(signup, api, local_stack, run_as):
    """The first DELETE wrote its tombstone and purged S3, then failed: the account's token is
    refused everywhere (401 TOKEN_EXPIRED) except by DELETE, which finishes the job."""
    token, uid = signup("again@example.com")
    registry = seed(local_stack, uid)
    from paypulse_common.objects import delete_versions
    from paypulse_common.tombstone import mark_deleted

    async def interrupted():
        await mark_deleted(uid)
        await delete_versions(local_stack.names.buckets["invoices"], f"invoices/{uid}/")

    run_as("delete_user", interrupted())
    for method, path in (("GET", "/v1/user/me"), ("GET", "/v1/invoices/rental")):
        r = api(method, path, token=token)
        assert (r.status, r.error_code) == (401, "TOKEN_EXPIRED")
    assert api("DELETE", "/v1/user/me", token=token).status == 200
    rows, versions, has_secret = counts(local_stack, uid, registry)
    assert set(rows.values()) == {0} and versions == 0 and not has_secret
    r = api("DELETE", "/v1/user/me", token=token)  # all gone now: nothing left to delete
    assert (r.status, r.error_code) == (404, "USER_NOT_FOUND")
