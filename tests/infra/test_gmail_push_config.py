"""Gmail push in the Pulumi program: off unless paypulse:gmailPushTopic is set; then the watching
functions get the topic, the push route the OIDC audience, service account and certs URL, and
nothing else gets any of them. The route is public (no JWT authorizer) and the renewal runs
daily from EventBridge."""

from __future__ import annotations

import pytest

from infra.mocks import run_offline

from .conftest import CONFIG, SECRET_VALUES, STACK
from .test_token_store_switch import _functions

TOPIC = "projects/paypulse-prod/topics/gmail-push"
PUSH = {
    "paypulse:gmailPushTopic": TOPIC,
    "paypulse:gmailPushAudience": "https://api.example.com/v1/gmail/push",
    "paypulse:gmailPushServiceAccount": "gmail-push@paypulse-prod.iam.gserviceaccount.com",
}
WATCHERS = {"gmail_store_tokens", "sync_invoices", "renew_gmail_watches"}


@pytest.fixture(scope="module")
def push_run(tmp_path_factory):
    build = tmp_path_factory.getbasetemp() / "lambda-build"
    config = dict(CONFIG, **{"paypulse:buildDir": str(build)}, **PUSH)
    return run_offline(config, stack=STACK, secret_keys=list(SECRET_VALUES))


def _push_env(run) -> dict[str, dict[str, str]]:
    return {
        name: {k: v for k, v in env.items() if "GMAIL_PUSH" in k or "CERTS" in k}
        for name, (env, _) in _functions(run).items()
    }


def test_push_is_off_without_a_topic(offline):
    assert not any(_push_env(offline).values())


def test_the_topic_goes_to_the_watchers_and_the_audience_to_the_route_only(push_run):
    found = {name: env for name, env in _push_env(push_run).items() if env}
    assert set(found) == WATCHERS | {"receive_gmail_push"}
    for name in WATCHERS:
        assert found[name] == {"PAYPULSE_GMAIL_PUSH_TOPIC": TOPIC}
    assert found["receive_gmail_push"] == {
        "PAYPULSE_GMAIL_PUSH_AUDIENCE": PUSH["paypulse:gmailPushAudience"],
        "PAYPULSE_GMAIL_PUSH_SERVICE_ACCOUNT": PUSH["paypulse:gmailPushServiceAccount"],
        "PAYPULSE_GOOGLE_CERTS_URL": "https://www.googleapis.com/oauth2/v3/certs",
    }


def test_the_push_route_has_no_authorizer_and_the_renewal_runs_daily(push_run):
    (route,) = [
        r
        for r in push_run.of_type("aws:apigatewayv2/route:Route")
        if r.inputs["routeKey"] == "POST /v1/gmail/push"
    ]
    assert route.inputs.get("authorizationType", "NONE") == "NONE"
    rules = [
        r
        for r in push_run.resources
        if "gmail-watch-renewal" in r.name and "scheduleExpression" in r.inputs
    ]
    assert [r.inputs["scheduleExpression"] for r in rules] == ["cron(15 4 * * ? *)"]
