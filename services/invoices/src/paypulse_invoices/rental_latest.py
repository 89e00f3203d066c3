"""This month's rent notice: already stored (200), found and being processed (201), or not
found (204), answered within a time budget whatever the size of the mailbox. The month an
invoice belongs to is its own due date's month (read from the PDF), not the month the e-mail
was sent.

1. A row for this month answers 200 (one query).
2. The window (since the first day of last month) is searched for message ids only (list
   calls, no bodies). Messages taken before whose every upload has a parse outcome are left
   out (two ledger queries, whatever their number): their invoice, if it is this month's,
   already answered 200, and otherwise no new download changes that. Taken messages still
   being parsed are looked at first, to answer 200 for a notice in flight.
3. The others are examined newest first, EXAMINE at a time: the full message (part tree and
   subject), its PDFs downloaded (a PDF over the size limit never is, ``body.size``) and their
   due dates read. The first of this month is uploaded (claimed in the ledger: the S3 trigger
   parses it and the stream pushes it) → 201; one another run took already → 200.
4. Examination stops at the time budget: in the route at most ROUTE_BUDGET_S and never later
   than the Lambda's remaining time minus MARGIN_S (the route's timeout is API Gateway's 29 s).
   The ids not examined yet are handed to the sync queue (``rental_latest`` messages with
   them, at most MAX_HANDOFF_IDS each; the ``sync_invoices`` worker examines them with its own,
   longer budget and uploads this month's notice, which is pushed when parsed) and the route
   answers **204**: 201 is only answered for a notice that was found, never for one that may
   be among the messages still to examine. The app then shows "not yet available"; the push
   tells the user when the worker finds it, and the next call answers 200.
5. The worker hands on in the same way what its own budget leaves, after examining at least
   one step: every invocation makes progress, so a window of any size is examined in as many
   invocations as it needs (none of them retried or dead-lettered for running long).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from paypulse_common import ledger, queue
from paypulse_common.errors import InvoiceParseError
from paypulse_common.logs import get_logger
from paypulse_common.runtime import gather_all, remaining_seconds
from paypulse_invoices import rental_store
from paypulse_invoices.gmail_session import gmail_for
from paypulse_invoices.rental_ingest import (
    KIND,
    Candidate,
    candidates_of,
    rental_query,
    upload_many,
)
from paypulse_invoices.scheduled import SYNC_QUEUE
from paypulse_invoices.vendor_source import vendors

log = get_logger("paypulse.rental_latest")

ROUTE_BUDGET_S = (
    4.0  # inline examination in the route: answers in ~5 s (issue 9 §8), API Gateway waits 30 s
)
MARGIN_S = 6.0  # kept for the last step's uploads, the hand-off and the answer
EXAMINE = 10  # messages fetched, downloaded and read per step (bounds a step's duration)
MAX_HANDOFF_IDS = 5_000  # ids in one queue message (~25 bytes each, SQS allows 256 KiB)


@dataclass(frozen=True)
class LatestOutcome:
    status: int  # 200 already processed, 201 found and being processed, 204 not found
    month: str  # "M/YYYY"
    handed_off: int = 0  # messages left to the sync worker (budget exhausted)


def budget(cap: float | None) -> float:
    """Seconds of examination: the invocation's remaining time minus MARGIN_S, at most ``cap``
    (None: no cap, the worker)."""
    left = remaining_seconds()
    usable = max(0.0, left - MARGIN_S) if left is not None else (cap or ROUTE_BUDGET_S)
    return min(usable, cap) if cap is not None else usable


def _due_date(c: Candidate) -> date | None:
    from paypulse_parsers.rental import parse_pdf

    try:
        doc = parse_pdf(c.data, filename=c.filename, template=c.vendor.get("parser") or None)
    except InvoiceParseError:
        return None
    return date.fromisoformat(doc.due_date) if doc.due_date else None


async def _parse_states(user_id: str, ids: list[str]) -> tuple[set[str], set[str]]:
    """(settled, in flight) among ``ids``: messages taken before whose every upload has a parse
    outcome (or that held nothing to take), and taken ones still being parsed. One Query of
    the user's ``mail#``, ``msg#`` and rental ``obj#`` entries each (every page)."""
    seen = await ledger.seen_messages(user_id, KIND, ids)
    if not seen:
        return set(), set()
    uploads: dict[str, list[str]] = {}
    async for entry in ledger.entries(user_id, "msg#"):
        parts = str(entry.get("LedgerKey", "")).split("#")
        if len(parts) >= 3 and parts[1] in seen and entry.get("s3_key"):
            uploads.setdefault(parts[1], []).append(str(entry["s3_key"]))
    prefix = ledger.object_key("")
    outcomes = {
        str(e["LedgerKey"])[len(prefix) :]
        async for e in ledger.entries(user_id, ledger.object_key(f"invoices/{user_id}/rental/"))
    }
    settled = {m for m in seen if all(k in outcomes for k in uploads.get(m, []))}
    return settled, seen - settled


async def _this_months(
    gmail: Any, step: list[tuple[dict[str, Any], str]], today: date
) -> list[Candidate]:
    """The PDFs of the messages in ``step`` whose due date is in ``today``'s month."""
    by_vendor: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for vendor, message_id in step:
        by_vendor.setdefault(str(vendor["vendor_id"]), (vendor, []))[1].append(message_id)
    fetched = await gather_all(*(candidates_of(gmail, v, ids) for v, ids in by_vendor.values()))
    found = [c for f in fetched for c in f.candidates]
    dues = await gather_all(*(asyncio.to_thread(_due_date, c) for c in found))
    return [
        c
        for c, due in zip(found, dues, strict=True)
        if due and (due.year, due.month) == (today.year, today.month)
    ]


async def _take(user_id: str, found: list[Candidate]) -> int:
    """Upload this month's notice: 201 uploaded now, 200 taken by another run already."""
    if (await upload_many(user_id, found)).uploaded:
        return 201
    # not claimed: taken by an earlier run (stored, or being parsed right now)
    return 200


async def _hand_off(user_id: str, pending: list[tuple[dict[str, Any], str]]) -> None:
    """``rental_latest`` messages for the worker with the ids not examined yet, newest first,
    at most MAX_HANDOFF_IDS in each."""
    bodies = []
    for start in range(0, len(pending), MAX_HANDOFF_IDS):
        ids: dict[str, list[str]] = {}
        for vendor, message_id in pending[start : start + MAX_HANDOFF_IDS]:
            ids.setdefault(str(vendor["vendor_id"]), []).append(message_id)
        bodies.append({"kind": "rental_latest", "user_id": user_id, "ids": ids})
    await queue.send_all(SYNC_QUEUE, bodies)
    log.info("latest: examination handed to the sync worker", extra={"messages": len(pending)})


async def ingest_latest(
    user_id: str,
    *,
    today: date | None = None,
    budget_s: float | None = None,
    only: dict[str, list[str]] | None = None,
    first_step: bool = False,
) -> LatestOutcome:
    """``budget_s``: seconds of examination (default: the route's, ``budget(ROUTE_BUDGET_S)``);
    ``only``: examine these message ids per vendor id instead of searching the window (a
    hand-off); what the budget leaves is queued for the worker. ``first_step``: examine one
    step whatever the budget (the worker: each invocation makes progress)."""
    today = today or datetime.now(UTC).date()
    label = f"{today.month}/{today.year}"
    if await rental_store.has_invoice_for(user_id, today.year, today.month):
        return LatestOutcome(200, label)
    seconds = budget(ROUTE_BUDGET_S) if budget_s is None else budget_s
    deadline = time.monotonic() + seconds
    gmail = await gmail_for(user_id, time_budget_s=seconds + MARGIN_S / 2)
    since = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    listed: list[tuple[dict[str, Any], str]] = []
    for vendor in await vendors("rental"):
        if only is None:
            ids = await gmail.list_message_ids(rental_query(vendor, since))
        else:
            ids = [str(i) for i in only.get(str(vendor["vendor_id"]), [])]
        listed += [(vendor, i) for i in dict.fromkeys(ids)]
    settled, in_flight = await _parse_states(user_id, [i for _, i in listed])
    pending = [p for p in listed if p[1] in in_flight] + [
        p for p in listed if p[1] not in in_flight and p[1] not in settled
    ]
    examined = 0
    while pending:
        if time.monotonic() >= deadline and (examined or not first_step):
            await _hand_off(user_id, pending)
            return LatestOutcome(204, label, handed_off=len(pending))
        step, pending = pending[:EXAMINE], pending[EXAMINE:]
        examined += len(step)
        found = await _this_months(gmail, step, today)
        if found:
            return LatestOutcome(await _take(user_id, found), label)
    return LatestOutcome(204, label)
