"""Device registration and per-user pushes."""

import json

import pytest

from paypulse_devkit.local_stack import published_notifications

TOKEN_A = "a" * 64
TOKEN_B = "b1" * 32


@pytest.fixture
def user(signup):
    return signup("dev@example.com")


def stream_insert(user_id, invoice_id="Invoice_1", amount="9876"):
    return {
        "Records": [
            {
                "eventName": "INSERT",
                "dynamodb": {
                    "NewImage": {
                        "UserID": {"S": user_id},
                        "InvoiceID": {"S": invoice_id},
                        "Total Amount": {"N": amount},
                        "Due Date": {"S": "31-12-2026"},
                    }
                },
            }
        ]
    }


def test_register_push_and_delete_device(api, invoke, user):
    token, user_id = user
    r = api("POST", "/v1/user/devices", token=token, json_body={"device_token": TOKEN_A.upper()})
    assert r.status == 201 and r.json["data"]["device_token"] == TOKEN_A
    assert (
        api("POST", "/v1/user/devices", token=token, form=[("device_token", TOKEN_B)]).status == 201
    )

    assert invoke("send_invoice_notification", stream_insert(user_id)) == {"sent": 1}
    mine = [n for n in published_notifications() if n["user_id"] == user_id]
    topic = [n for n in mine if ":endpoint/" not in n["target"]]
    devices = [n for n in mine if ":endpoint/" in n["target"]]
    assert len(topic) == 1 and "9 876 SEK" in topic[0]["message"]
    assert len(devices) == 2
    apns = json.loads(json.loads(devices[0]["message"])["APNS"])
    assert (
        apns["aps"]["alert"]["title"] == "New invoice available!"
        and apns["invoice_id"] == "Invoice_1"
    )

    assert api("DELETE", f"/v1/user/devices/{TOKEN_A}", token=token).status == 200
    assert api("DELETE", f"/v1/user/devices/{TOKEN_A}", token=token).status == 404


def test_retried_batch_sends_no_duplicate(invoke, user):
    _, user_id = user
    event = stream_insert(user_id, "Invoice_2")
    assert invoke("send_invoice_notification", event) == {"sent": 1}
    assert invoke("send_invoice_notification", event) == {"sent": 0}
    modify = {"Records": [{**event["Records"][0], "eventName": "MODIFY"}]}
    assert invoke("send_invoice_notification", modify) == {"sent": 0}
    assert len([n for n in published_notifications() if n["user_id"] == user_id]) == 1


def test_pushes_reach_only_the_owner(api, invoke, user):
    token, user_id = user
    api("POST", "/v1/user/devices", token=token, json_body={"device_token": TOKEN_A})
    other = api(
        "POST",
        "/v1/auth/signup",
        json_body={"name": "O", "email": "o@example.com", "password": "secret-pass-1"},
    ).json["data"]["access_token"]
    api("POST", "/v1/user/devices", token=other, json_body={"device_token": TOKEN_B})
    invoke("send_invoice_notification", stream_insert(user_id, "Invoice_3"))
    endpoint_pushes = [n for n in published_notifications() if ":endpoint/" in n["target"]]
    assert [n["user_id"] for n in endpoint_pushes] == [user_id]
    assert api("DELETE", f"/v1/user/devices/{TOKEN_A}", token=other).status == 404


@pytest.mark.parametrize("body", [{}, {"device_token": "xyz"}, {"device_token": "a" * 500}])
def test_bad_device_tokens(api, user, body):
    token, _ = user
    r = api("POST", "/v1/user/devices", token=token, json_body=body)
    assert r.status == 400 and r.error_code in ("MISSING_FIELDS", "INVALID_REQUEST")


def test_delete_user_removes_devices_and_endpoints(api, user, local_stack):
    from paypulse_devkit.aws_local import boto_client

    token, _ = user
    api("POST", "/v1/user/devices", token=token, json_body={"device_token": TOKEN_A})
    sns = boto_client("sns", local_stack.aws_endpoint)
    app_arn = local_stack.names.apns_platform_app_arn
    assert (
        len(sns.list_endpoints_by_platform_application(PlatformApplicationArn=app_arn)["Endpoints"])
        == 1
    )
    assert api("DELETE", "/v1/user/me", token=token).status == 200
    assert (
        sns.list_endpoints_by_platform_application(PlatformApplicationArn=app_arn)["Endpoints"]
        == []
    )


def _device_rows(local_stack, user_id):
    from paypulse_devkit.aws_local import boto_client

    return boto_client("dynamodb", local_stack.aws_endpoint).query(
        TableName=local_stack.names.tables["devices"],
        KeyConditionExpression="UserID = :u",
        ExpressionAttributeValues={":u": {"S": user_id}},
        ConsistentRead=True,
    )["Items"]


def test_device_token_moves_to_the_account_that_registered_it_last(
    api, invoke, local_stack, signup
):
    """Two accounts on one phone: the second registration takes the token's endpoint over
    (SNS has one endpoint per token), the first account's row goes, and its pushes no longer
    reach the phone."""
    first, first_id = signup("first@example.com")
    second, second_id = signup("second@example.com")
    assert (
        api("POST", "/v1/user/devices", token=first, json_body={"device_token": TOKEN_A}).status
        == 201
    )
    r = api("POST", "/v1/user/devices", token=second, json_body={"device_token": TOKEN_A})
    assert r.status == 201, r
    assert _device_rows(local_stack, first_id) == []
    (row,) = _device_rows(local_stack, second_id)
    from paypulse_devkit.aws_local import boto_client

    sns = boto_client("sns", local_stack.aws_endpoint)
    attributes = sns.get_endpoint_attributes(EndpointArn=row["EndpointArn"]["S"])["Attributes"]
    assert attributes["CustomUserData"] == second_id and attributes["Enabled"] == "true"

    invoke("send_invoice_notification", stream_insert(first_id, "Invoice_first"))
    invoke("send_invoice_notification", stream_insert(second_id, "Invoice_second"))
    to_phone = [n for n in published_notifications() if ":endpoint/" in n["target"]]
    assert [json.loads(json.loads(n["message"])["APNS"])["invoice_id"] for n in to_phone] == [
        "Invoice_second"
    ]
    # the first account registering again takes it back
    assert (
        api("POST", "/v1/user/devices", token=first, json_body={"device_token": TOKEN_A}).status
        == 201
    )
    assert (
        _device_rows(local_stack, second_id) == [] and len(_device_rows(local_stack, first_id)) == 1
    )


def test_deleted_account_registers_no_device_and_gets_no_push(api, invoke, local_stack, user):
    """After DELETE /v1/user/me the token is refused (the app logs out on TOKEN_EXPIRED) and
    a stream record still in flight for the account is dropped, not pushed or retried."""
    token, user_id = user
    assert api("DELETE", "/v1/user/me", token=token).status == 200
    r = api("POST", "/v1/user/devices", token=token, json_body={"device_token": TOKEN_A})
    assert (r.status, r.error_code) == (401, "TOKEN_EXPIRED")
    assert _device_rows(local_stack, user_id) == []
    assert invoke("send_invoice_notification", stream_insert(user_id)) == {"sent": 0}
    assert [n for n in published_notifications() if n["user_id"] == user_id] == []
