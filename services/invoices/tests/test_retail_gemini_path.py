"""With a Gemini key in Secrets Manager, parse_retail_invoice calls Gemini (google-genai against
the local Gemini server) for documents that neither markup nor the rules settle, and only then."""

import json

from paypulse_common.runtime import activated
from paypulse_devkit.aws_local import boto_client
from paypulse_devkit.gemini_server import GeminiServer


def test_gemini_is_used_when_a_key_is_stored(local_stack, connected_user, api):
    token, user_id = connected_user
    env = local_stack.function_env("parse_retail_invoice")
    boto_client("secretsmanager", local_stack.aws_endpoint).put_secret_value(
        SecretId=env["PAYPULSE_SECRET_GEMINI_API_KEY"], SecretString="test-gemini-key"
    )
    answer = {
        "vendor_name": "Clas Ohlson",
        "total_amount": 349.0,
        "currency": "SEK",
        "invoice_date": "2026-03-04",
        "order_id": "CO-5521",
        "category": "Tools",
        "description": "Skruvdragare",
        "tax": 69.8,
        "delivery_fee": 0,
        "items": [{"name": "Skruvdragare 12V", "price": 349.0, "quantity": 1}],
        "notes": "",
    }
    with GeminiServer(api_key="test-gemini-key") as gemini:
        gemini.add_fixture({"contains": ["Skruvdragare"]}, response=answer)
        html = b"<html><body><h1>Orderbekr\xc3\xa4ftelse</h1><p>Skruvdragare 12V</p><p>Summa 349 kr</p></body></html>"
        key = f"invoices/{user_id}/retail/miscellaneous/clasohlson_2026-03-04_cccccccc.html"
        boto_client("s3", local_stack.aws_endpoint).put_object(
            Bucket=local_stack.names.buckets["invoices"], Key=key, Body=html
        )
        event = {
            "Records": [
                {
                    "s3": {
                        "bucket": {"name": local_stack.names.buckets["invoices"]},
                        "object": {"key": key},
                    }
                }
            ]
        }
        rt = local_stack.runtime(
            "parse_retail_invoice", {"PAYPULSE_GEMINI_BASE_URL": gemini.base_url}
        )
        try:
            with activated(rt):
                from paypulse_invoices.handlers.parse_retail_invoice import handler

                result = handler(event, None)
        finally:
            rt.close()
        assert result["results"][0]["outcome"] == "inserted"
        assert len(gemini.requests) == 1 and gemini.requests[0]["api_key_ok"]
    r = api("GET", "/v1/invoices/retail?subtype=miscellaneous", token=token)
    (items,) = r.json["data"]["invoices"].values()
    assert items[0]["total_amount"] == 349 and items[0]["currency"] == "SEK"
    detail = api(
        "GET",
        f"/v1/invoices/retail?subtype=miscellaneous&invoice-id={items[0]['InvoiceID']}",
        token=token,
    )
    assert detail.json["data"]["invoiceDetails"]["items"][0]["name"] == "Skruvdragare 12V"
    assert json.dumps(detail.json)  # decodes as JSON


def _parse_with_gemini(local_stack, user_id, gemini, html: bytes, digest: str):
    """One Lambda invocation of parse_retail_invoice with Gemini at the local server."""
    env = local_stack.function_env("parse_retail_invoice")
    boto_client("secretsmanager", local_stack.aws_endpoint).put_secret_value(
        SecretId=env["PAYPULSE_SECRET_GEMINI_API_KEY"], SecretString="test-gemini-key"
    )
    key = f"invoices/{user_id}/retail/miscellaneous/clasohlson_2026-03-04_{digest}.html"
    bucket = local_stack.names.buckets["invoices"]
    boto_client("s3", local_stack.aws_endpoint).put_object(Bucket=bucket, Key=key, Body=html)
    event = {"Records": [{"s3": {"bucket": {"name": bucket}, "object": {"key": key}}}]}
    rt = local_stack.runtime("parse_retail_invoice", {"PAYPULSE_GEMINI_BASE_URL": gemini.base_url})
    try:
        with activated(rt):
            from paypulse_invoices.handlers.parse_retail_invoice import handler

            return handler(event, None)
    finally:
        rt.close()


def test_gemini_throttling_is_raised_for_a_retry(local_stack, connected_user):
    import pytest

    from paypulse_common.errors import DependencyError

    _, user_id = connected_user
    with GeminiServer(api_key="test-gemini-key") as gemini:
        gemini.add_fixture({"contains": ["Tack"]}, response={}, status=429)
        with pytest.raises(DependencyError):
            _parse_with_gemini(
                local_stack, user_id, gemini, b"<html><body><p>Tack!</p></body></html>", "eeeeeeee"
            )


def test_invoice_dynamodb_rejects_is_a_permanent_failure_gemini_asked_once(
    local_stack, connected_user, run_as
):
    """The model answers an amount DynamoDB cannot store (1e999): retrying the same bytes
    cannot help, so the failure is recorded once instead of retried (and Gemini asked) 3 times."""
    from paypulse_common import ledger

    _, user_id = connected_user
    answer = {
        "vendor_name": "Clas Ohlson",
        "total_amount": 1,
        "currency": "SEK",
        "invoice_date": "2026-03-04",
        "order_id": "CO-9",
        "category": "Tools",
        "description": "x",
        "tax": 0,
        "delivery_fee": 0,
        "items": [],
        "notes": "",
    }
    text = json.dumps(answer).replace('"total_amount": 1,', '"total_amount": 1e999,')
    with GeminiServer(api_key="test-gemini-key") as gemini:
        gemini.add_fixture({"contains": ["Tack"]}, response_text=text)
        result = _parse_with_gemini(
            local_stack, user_id, gemini, b"<html><body><p>Tack!</p></body></html>", "ffffffff"
        )
        assert result["results"] == [{"outcome": "failed"}]
        assert len(gemini.requests) == 1
    key = f"invoices/{user_id}/retail/miscellaneous/clasohlson_2026-03-04_ffffffff.html"
    entry = run_as("parse_retail_invoice", ledger.get(user_id, ledger.object_key(key)))
    assert entry["status"] == "failed"


def test_an_email_the_rules_settle_is_stored_without_asking_gemini(
    local_stack, connected_user, api
):
    """A labelled amount with its currency, an order number and a date: the rules settle it, so
    the stored invoice costs no model call (requests counted at the local Gemini server), and
    the app's detail row still decodes with an empty item list."""
    token, user_id = connected_user
    html = (
        "<html><body><h1>Orderbekräftelse</h1><p>Ordernummer: 4455667788</p>"
        "<p>Orderdatum: 2026-03-04</p><p>Skruvdragare 12V</p><p>Att betala: 1 249,00 SEK</p>"
        "</body></html>"
    ).encode()
    with GeminiServer(api_key="test-gemini-key") as gemini:
        gemini.add_fixture({"contains": ["Skruvdragare"]}, response={})
        result = _parse_with_gemini(local_stack, user_id, gemini, html, "abababab")
        assert result["results"][0]["outcome"] == "inserted"
        assert gemini.requests == []
    r = api("GET", "/v1/invoices/retail?subtype=miscellaneous", token=token)
    (items,) = r.json["data"]["invoices"].values()
    (row,) = [i for i in items if i["total_amount"] == 1249]
    assert row["currency"] == "SEK" and row["invoice_date"] == "2026-03-04"
    detail = api(
        "GET",
        f"/v1/invoices/retail?subtype=miscellaneous&invoice-id={row['InvoiceID']}",
        token=token,
    )
    assert detail.status == 200 and detail.json["data"]["invoiceDetails"]["items"] == []
