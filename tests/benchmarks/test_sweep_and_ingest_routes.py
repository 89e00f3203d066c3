"""The sweep and ingest-route benchmarks at a tiny size: their invariants hold (every user
handled exactly once, nothing failed or dead-lettered, one stored notice per user with this
month's notice, worker concurrency within the mapping's bound; every matching message queued
by the routes). Timings are reported by the benchmarks, not asserted."""

from __future__ import annotations

from benchmarks import ingest_routes, sweep


def test_sweep_handles_every_user_once_within_the_concurrency_bound():
    r = sweep.run(users=12)
    seeded = r["seeded"]
    assert r["enqueued"] == seeded["users"] == 12
    assert r["handled_once"] == 12
    assert r["handled_twice_or_more"] == r["not_handled"] == 0
    assert r["failed_records"] == r["dead_lettered"] == 0
    assert r["stored"] == seeded["with_this_months_notice"] == 9  # users i % 4 != 0
    assert r["missing"] == 0 and r["missing_users"] == {}
    assert 0 < r["scheduler_max_s"] < r["limit_s"]  # the function declaring the schedule
    assert 1 <= r["worker_peak_concurrency"] <= r["maximum_concurrency"]
    assert r["pump_peak_in_flight"] <= r["maximum_concurrency"]
    assert r["max_queue_depth"] >= 1 and r["gmail_units"] > 0
    assert "sweep" in sweep.table(r)


def test_ingest_routes_queue_every_matching_message():
    r = ingest_routes.run(sizes=(4,), latency=0.0)
    for key in ("rental_4", "retail_4"):
        assert r[key]["status"] == 200, r
        assert r[key]["queued"] == 4, r
    assert "rental_4" in ingest_routes.table(r)
