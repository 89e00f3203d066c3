"""A chunk of message ids that dead-letters after its transient retries is not lost for good,
although the mailbox's history id advanced when it was queued: once every message of the job
must be done or dead-lettered (the dead-letter horizon), the next ingest is a full search,
which finds the messages no ledger entry holds (sync_status.lost, ingest_jobs)."""

from paypulse_common.errors import DependencyError


def test_dead_lettered_ids_are_found_again_after_the_horizon(
    api, local_stack, connected_user, demo_mail, monkeypatch
):
    from paypulse_invoices import sync_jobs, sync_status

    token, _ = connected_user
    kind, job = sync_jobs.JOBS["rental_ids"]

    async def gmail_down(user_id, body):
        raise DependencyError("Gmail unavailable")

    monkeypatch.setitem(sync_jobs.JOBS, "rental_ids", (kind, gmail_down))

    def ingest() -> int:
        r = api("POST", "/v1/invoices/rental/ingest", token=token)
        assert r.status == 200, r
        return r.json["data"]["invoiceCount"]

    assert ingest() == 12
    local_stack.events.drain()
    assert len(local_stack.events.queue_dead_letters("sync")) == 1  # the chunk of 12 ids

    # Within the horizon the job may still be running: incremental, nothing new in Gmail.
    assert ingest() == 0
    assert ingest() == 0  # an overlapping job carries the unfinished state over

    monkeypatch.setattr(sync_status, "DEAD_LETTER_HORIZON_S", 0)
    monkeypatch.setitem(sync_jobs.JOBS, "rental_ids", (kind, job))  # Gmail is back
    assert ingest() == 12  # a full search: the dead-lettered messages are found again
    local_stack.events.drain()
    status = api("GET", "/v1/invoices/rental/ingest/status", token=token).json["data"]
    assert (status["stored"], status["parsed"], status["complete"]) == (12, 12, True)
    assert ingest() == 0  # done: back to incremental syncs


def test_the_horizon_matches_the_sync_queue_declarations(local_stack):
    from paypulse_invoices.sync_status import DEAD_LETTER_HORIZON_S

    ws = local_stack.ws
    receives = ws.resources.queues["sync"].max_receive_count
    assert ws.visibility_timeout("sync") * receives == DEAD_LETTER_HORIZON_S
