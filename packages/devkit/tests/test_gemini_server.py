"""The local Gemini server speaks what the real google-genai client expects."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from google import genai
from google.genai import errors, types

from paypulse_devkit.gemini_server import GeminiServer, text_hash

SCHEMA = {
    "type": "OBJECT",
    "properties": {"total_amount": {"type": "NUMBER"}, "currency": {"type": "STRING"}},
    "required": ["total_amount"],
}


@pytest.fixture
def server(tmp_path):
    (tmp_path / "by-hash.json").write_text(
        json.dumps(
            {
                "match": {"text_sha256": text_hash("exact prompt")},
                "response": {"total_amount": 12.5, "currency": "EUR"},
            }
        )
    )
    (tmp_path / "by-vendor.json").write_text(
        json.dumps(
            {
                "match": {"contains": ["Zalando", "clothing"]},
                "response": {"total_amount": 499, "currency": "SEK"},
            }
        )
    )
    (tmp_path / "notes.txt").write_text("ignored")
    with GeminiServer(tmp_path) as srv:
        yield srv


def _client(server, key="local-gemini-key", api_version=None):
    options = types.HttpOptions(base_url=server.base_url, api_version=api_version)
    return genai.Client(api_key=key, http_options=options)


def _config():
    return types.GenerateContentConfig(
        response_mime_type="application/json", response_schema=SCHEMA
    )


def test_sync_client_hash_fixture(server):
    client = _client(server)  # keep a reference: a collected Client closes its transport
    response = client.models.generate_content(
        model="gemini-2.5-flash-lite", contents="exact prompt", config=_config()
    )
    assert json.loads(response.text) == {"total_amount": 12.5, "currency": "EUR"}
    assert response.usage_metadata.prompt_token_count >= 1
    request = server.requests[-1]
    assert request["path"] == "/v1/models/gemini-2.5-flash-lite:generateContent"
    assert request["response_schema"]["required"] == ["total_amount"]


def test_async_client_matcher_fixture_and_v1beta(server):
    import asyncio

    async def call():
        client = _client(server, api_version="v1beta")
        try:
            return await client.aio.models.generate_content(
                model="m", contents="Parse this Zalando email. clothing orders", config=_config()
            )
        finally:
            await client.aio.aclose()

    response = asyncio.run(call())
    assert json.loads(response.text)["currency"] == "SEK"
    assert server.requests[-1]["path"] == "/v1beta/models/m:generateContent"


def test_wrong_key_is_401(server):
    with pytest.raises(errors.ClientError) as err:
        client = _client(server, key="nope")
        client.models.generate_content(model="m", contents="exact prompt")
    assert err.value.code == 401 and err.value.status == "UNAUTHENTICATED"


def test_no_fixture_is_404(server):
    with pytest.raises(errors.ClientError) as err:
        client = _client(server)
        client.models.generate_content(model="m", contents="unknown prompt")
    assert err.value.code == 404 and err.value.status == "NOT_FOUND"


def test_fixture_not_fitting_the_schema_is_400(server):
    schema = {"type": "OBJECT", "properties": {"other": {"type": "STRING"}}, "required": ["other"]}
    config = types.GenerateContentConfig(
        response_mime_type="application/json", response_schema=schema
    )
    with pytest.raises(errors.ClientError) as err:
        client = _client(server)
        client.models.generate_content(model="m", contents="exact prompt", config=config)
    assert err.value.code == 400


def test_unknown_route_and_bad_json(server):
    request = urllib.request.Request(
        server.base_url + "/v1/models/m:generateContent",
        data=b"{bad",
        headers={"x-goog-api-key": "local-gemini-key"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=5)
    assert err.value.code == 400
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(server.base_url + "/v1/other", timeout=5)
    assert err.value.code == 404
