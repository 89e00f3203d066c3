"""The cost model prices calls it counted in the local stack (one simulated user per store)."""

from __future__ import annotations

import pytest

from benchmarks import cost_model as cm

SYNCS = cm.RENTAL_SYNCS_PER_MONTH + cm.RETAIL_SYNCS_PER_MONTH


@pytest.fixture(scope="module")
def scenarios() -> dict[str, dict[str, cm.Usage]]:
    return {store: cm.simulate(store, n=1) for store in cm.STORES}


@pytest.fixture(scope="module")
def months(scenarios) -> dict[str, cm.Usage]:
    return {store: cm.monthly_usage(s) for store, s in scenarios.items()}


def test_token_calls_are_counted_per_refresh(months):
    secrets, kms = months["secretsmanager"].calls, months["dynamodb-kms"].calls
    # A sync that reaches Gmail refreshes the stale access token and writes it back once.
    assert 0 < secrets["secretsmanager:PutSecretValue"] <= SYNCS
    assert kms["kms:GenerateDataKey"] == pytest.approx(secrets["secretsmanager:PutSecretValue"])
    assert kms["kms:Decrypt"] >= kms["kms:GenerateDataKey"]
    assert not any(k.startswith("kms:") for k in secrets)
    # With dynamodb-kms no per-user secret is read or written (the JWT key still is).
    assert "secretsmanager:PutSecretValue" not in kms
    assert "secretsmanager:DescribeSecret" not in kms
    for month in months.values():
        assert month.gb_s > 0 and month.http == pytest.approx(3 * cm.APP_SESSIONS_PER_MONTH)
        assert month.invocations["fetch_latest_invoice"] == pytest.approx(cm.RENTAL_SYNCS_PER_MONTH)
        # The retail route only queues: its worker ran and was counted, SQS requests with it.
        assert month.invocations["sync_invoices"] >= cm.RETAIL_SYNCS_PER_MONTH
        assert month.calls["esm:sqs:ReceiveMessage"] >= cm.RETAIL_SYNCS_PER_MONTH
        assert month.calls["esm:sqs:DeleteMessageBatch"] >= cm.RETAIL_SYNCS_PER_MONTH


def test_a_push_is_one_request_two_invocations_and_counted_sqs(scenarios):
    for store, s in scenarios.items():
        push = s["gmail_push"]
        assert push.http == 1  # the Pub/Sub push through API Gateway
        assert push.invocations["receive_gmail_push"] == 1
        assert push.invocations["sync_invoices"] == 1
        assert sum(push.invocations.values()) == 2  # unrelated mail: nothing parsed
        sent = push.calls["sqs:SendMessage"] + push.calls["sqs:SendMessageBatch"]
        assert sent == 1 and push.calls["esm:sqs:ReceiveMessage"] == 1
        assert push.calls["esm:sqs:DeleteMessageBatch"] == 1
        assert push.calls["dynamodb:Query"] >= 1  # GmailAddress-index
        assert push.wru > 0 and push.rru > 0
        # A fresh token is not refreshed; a stale one is, once.
        assert not any(k.startswith(("kms:GenerateDataKey", "secretsmanager:Put")) for k in
                       push.calls)  # fmt: skip
        refresh = s["gmail_push_refresh"].calls
        assert refresh["kms:GenerateDataKey"] + refresh["secretsmanager:PutSecretValue"] == 1
        renewal = s["watch_renewal"]
        assert renewal.invocations["renew_gmail_watches"] == 1
        assert renewal.invocations["sync_invoices"] == 1  # the gmail_watch job
        assert renewal.http == 0, store


def test_a_burst_of_pushes_is_one_sync(scenarios):
    for s in scenarios.values():
        burst = s["gmail_push_burst"]
        assert burst.http == cm.BURST  # every push still reaches the route ...
        assert burst.invocations["receive_gmail_push"] == cm.BURST
        assert burst.invocations["sync_invoices"] == 1  # ... one job is queued and run
        sent = burst.calls["sqs:SendMessage"] + burst.calls["sqs:SendMessageBatch"]
        assert sent == 1
        bursty = cm.monthly_usage(s, 1_500, cm.BURST)
        steady = cm.monthly_usage(s, 1_500)
        assert bursty.http == pytest.approx(steady.http)
        assert bursty.invocations["receive_gmail_push"] == pytest.approx(1_500)
        assert bursty.invocations["sync_invoices"] < steady.invocations["sync_invoices"] - 1_000
        assert bursty.gb_s < steady.gb_s and bursty.wru < steady.wru


def test_push_adds_cost_that_grows_with_the_mail(scenarios):
    for store, s in scenarios.items():
        off = cm.cost(cm.monthly_usage(s, 0), 10_000, store)
        totals = [cm.cost(cm.monthly_usage(s, n), 10_000, store) for n in cm.PUSH_PROFILES[1:]]
        assert off["total"] < totals[0]["total"] < totals[1]["total"] < totals[2]["total"]
        on = totals[1]
        # 1,500 pushes: 1,500 HTTP API requests and >= 3,000 invocations per user.
        month = cm.monthly_usage(s, cm.PUSH_PROFILES[2])
        assert month.http - cm.monthly_usage(s, 0).http == pytest.approx(cm.PUSH_PROFILES[2])
        assert on["api_gateway"] - off["api_gateway"] == pytest.approx(
            10_000 * cm.PUSH_PROFILES[2] * cm.PRICES["http_api_request"]
        )
        assert on["sqs"] > off["sqs"] and on["lambda"] > off["lambda"]


def test_totals_scale_with_users(months):
    for store, month in months.items():
        totals = [cm.cost(month, users, store)["total"] for users in cm.USERS]
        fixed = cm.cost(month, 0, store)["total"]
        assert totals[0] < totals[1] < totals[2]
        # Everything but the stack's fixed charges (keys, stack secrets, idle polling) grows.
        assert totals[2] - fixed == pytest.approx(10 * (totals[1] - fixed))


def test_dynamodb_kms_is_cheaper_at_ten_thousand_users(scenarios):
    for pushes in (0, cm.PUSHES_PER_MONTH):
        secrets = cm.cost(cm.monthly_usage(scenarios["secretsmanager"], pushes), 10_000,
                          "secretsmanager")  # fmt: skip
        kms = cm.cost(cm.monthly_usage(scenarios["dynamodb-kms"], pushes), 10_000, "dynamodb-kms")
        assert kms["total"] < secrets["total"]
        assert secrets["secrets_manager"] >= 10_000 * cm.PRICES["secret_month"]
        assert kms["secrets_manager"] < 10  # only the stack's own secrets and the JWT key reads
