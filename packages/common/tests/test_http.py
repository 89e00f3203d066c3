import base64
import json
from decimal import Decimal

import pytest

from paypulse_common import errors
from paypulse_common.http import (
    MAX_BODY_BYTES,
    Request,
    error_response,
    no_content,
    ok,
)
from paypulse_common.schema import Arr, Bool, Int, Obj, Str


def event(body="", *, b64=False, headers=None, query=None):
    return {
        "version": "2.0",
        "routeKey": "POST /v1/x",
        "rawPath": "/v1/x",
        "headers": headers or {},
        "queryStringParameters": query,
        "requestContext": {"http": {"method": "POST", "path": "/v1/x", "sourceIp": "1.2.3.4"}},
        "body": body,
        "isBase64Encoded": b64,
    }


def test_json_body_and_lowercase_headers():
    req = Request.from_event(
        event('{"email": "a@b.se"}', headers={"Content-Type": "application/json", "X-Id": "1"})
    )
    assert req.json() == {"email": "a@b.se"}
    assert req.headers == {"content-type": "application/json", "x-id": "1"}
    assert req.source_ip == "1.2.3.4"


def test_app_form_encoding_with_arrays_and_maps():
    body = (
        "access_token=ya29.x&refresh_token=1%2F%2Fr&scope%5B%5D=openid"
        "&scope%5B%5D=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fgmail.readonly"
        "&client_info%5Bplatform%5D=iOS&client_info%5BappVersion%5D=1.4&expires_in=3600"
    )
    req = Request.from_event(
        event(
            base64.b64encode(body.encode()).decode(),
            b64=True,
            headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
    )
    payload = req.payload()
    assert payload["scope"] == ["openid", "https://www.googleapis.com/auth/gmail.readonly"]
    assert payload["client_info"] == {"platform": "iOS", "appVersion": "1.4"}
    assert payload["refresh_token"] == "1//r"
    assert payload["expires_in"] == "3600"


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"'])
def test_invalid_or_non_object_json(body):
    with pytest.raises(errors.InvalidJsonError):
        Request.from_event(event(body)).json()


def test_empty_body_is_empty_object():
    assert Request.from_event(event("")).json() == {}


def test_body_limit_plain_and_base64():
    with pytest.raises(errors.PayloadTooLargeError):
        Request.from_event(event("x" * (MAX_BODY_BYTES + 1)))
    big = base64.b64encode(b"x" * (MAX_BODY_BYTES + 1)).decode()
    with pytest.raises(errors.PayloadTooLargeError):
        Request.from_event(event(big, b64=True))


def test_bad_base64_is_a_client_error():
    with pytest.raises(errors.InvalidRequestError):
        Request.from_event(event("@@not-base64@@", b64=True))


def test_required_fields_are_all_named_when_missing_or_blank():
    model = Obj(
        {n: Str() for n in ("name", "email", "password")}, required=("name", "email", "password")
    )
    with pytest.raises(errors.MissingFieldsError) as info:
        model.parse({"email": "a@b.se", "password": "  "})
    assert info.value.fields == ("name", "password")
    assert info.value.http_status == 400


def test_form_text_is_typed_by_the_model():
    model = Obj(
        {"n": Int(minimum=1), "flag": Bool(), "tags": Arr(Str()), "meta": Obj({"k": Str()})}
    )
    req = Request.from_event(event("n=3&flag=true&tags=a&tags=b&meta[k]=v&meta2=null"))
    assert model.parse(req.form(), from_text=True, form=True) == {
        "n": 3,
        "flag": True,
        "tags": ["a", "b"],
        "meta": {"k": "v"},
    }
    with pytest.raises(errors.InvalidRequestError):
        model.parse({"n": "3"})  # JSON bodies are not converted
    with pytest.raises(errors.InvalidRequestError):
        model.parse({"n": "null"}, from_text=True)  # a query string has no null


def test_success_envelope_serialises_decimals():
    out = ok({"n": Decimal("12"), "x": Decimal("1.5")}, "fine", 201).to_event()
    assert out["statusCode"] == 201
    assert json.loads(out["body"]) == {"message": "fine", "code": 201, "data": {"n": 12, "x": 1.5}}


def test_204_has_no_body():
    out = no_content().to_event()
    assert out["statusCode"] == 204 and out["body"] == ""


def all_errors():
    seen, todo = [], [errors.PayPulseError]
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


@pytest.mark.parametrize("cls", all_errors(), ids=lambda c: c.__name__)
def test_every_error_maps_to_the_error_envelope(cls):
    err = cls("m") if cls is not errors.MissingFieldsError else cls("email")
    out = error_response(err).to_event()
    body = json.loads(out["body"])
    assert out["statusCode"] == cls.http_status
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == cls.code and isinstance(body["error"]["message"], str)
