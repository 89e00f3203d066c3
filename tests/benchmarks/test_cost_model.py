"""The cost model prices calls it counted in the local stack (one simulated user per store)."""

from __future__ import annotations

import pytest

from benchmarks import cost_model as cm

SYNCS = cm.RENTAL_SYNCS_PER_MONTH + cm.RETAIL_SYNCS_PER_MONTH


@pytest.fixture(scope="module")
def months() -> dict[str, cm.Usage]:
    return {store: cm.monthly_usage(cm.simulate(store, n=1)) for store in cm.STORES}


def test_token_calls_are_counted_per_refresh(months):
    secrets, kms = months["secretsmanager"].calls, months["dynamodb-kms"].calls
    # Every sync refreshes the stale access token and writes it back once.
    assert secrets["secretsmanager:PutSecretValue"] == pytest.approx(SYNCS)
    assert kms["kms:GenerateDataKey"] == pytest.approx(SYNCS)
    assert kms["kms:Decrypt"] >= SYNCS
    assert not any(k.startswith("kms:") for k in secrets)
    # With dynamodb-kms no per-user secret is read or written (the JWT key still is).
    assert "secretsmanager:PutSecretValue" not in kms
    assert "secretsmanager:DescribeSecret" not in kms
    for month in months.values():
        assert month.gb_s > 0 and month.http == pytest.approx(3 * cm.APP_SESSIONS_PER_MONTH)
        assert month.invocations["fetch_latest_invoice"] == pytest.approx(cm.RENTAL_SYNCS_PER_MONTH)


def test_totals_scale_with_users(months):
    for store, month in months.items():
        totals = [cm.cost(month, users, store)["total"] for users in cm.USERS]
        fixed = cm.cost(month, 0, store)["total"]
        assert totals[0] < totals[1] < totals[2]
        # Everything but the stack's fixed charges (keys, stack secrets) grows with users.
        assert totals[2] - fixed == pytest.approx(10 * (totals[1] - fixed))


def test_dynamodb_kms_is_cheaper_at_ten_thousand_users(months):
    secrets = cm.cost(months["secretsmanager"], 10_000, "secretsmanager")
    kms = cm.cost(months["dynamodb-kms"], 10_000, "dynamodb-kms")
    assert kms["total"] < secrets["total"]
    assert secrets["secrets_manager"] >= 10_000 * cm.PRICES["secret_month"]
    assert kms["secrets_manager"] < 10  # only the stack's own secrets and the JWT key reads
