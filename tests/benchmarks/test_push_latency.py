"""The schedule side of benchmarks/push_latency: the wait for cron(30 8 ? * MON-FRI *)."""

from datetime import UTC, datetime

from benchmarks.push_latency import next_weekday_0830, schedule_waits


def test_next_run_skips_the_weekend_and_the_run_that_just_passed():
    friday = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    assert next_weekday_0830(friday) == datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
    assert next_weekday_0830(friday.replace(minute=29)) == friday
    saturday = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)
    assert next_weekday_0830(saturday) == datetime(2026, 11, 30, 8, 30, tzinfo=UTC)


def test_a_week_of_deliveries_waits_up_to_three_days():
    waits = schedule_waits()
    assert len(waits) == 7 * 24 * 60
    assert max(waits) == 72 * 3600  # Friday 08:30 → Monday 08:30
    assert min(waits) == 60
