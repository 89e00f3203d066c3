"""This month's rent notice: already stored (200), found and ingested now (201), or not sent
yet (204). The month an invoice belongs to is its own due date's month (read from the PDF),
not the month the e-mail was sent.

Messages taken before whose every PDF has a parse outcome are not fetched again: their invoice,
if it is this month's, already answered 200 (``has_invoice_for``), and otherwise it is not this
month's (or not parseable) whatever a new download says. Only taken messages still being parsed
are downloaded, to answer 200 for a notice in flight."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from paypulse_common import ledger
from paypulse_common.errors import InvoiceParseError
from paypulse_common.runtime import gather_all
from paypulse_invoices import rental_store
from paypulse_invoices.rental_ingest import KIND, Candidate, candidates, upload_many


@dataclass(frozen=True)
class LatestOutcome:
    status: int  # 200 already processed, 201 ingested now, 204 not yet available
    month: str  # "M/YYYY"


def _due_date(c: Candidate) -> date | None:
    from paypulse_parsers.rental import parse_pdf

    try:
        doc = parse_pdf(c.data, filename=c.filename, template=c.vendor.get("parser") or None)
    except InvoiceParseError:
        return None
    return date.fromisoformat(doc.due_date) if doc.due_date else None


async def _unsettled(user_id: str, ids: list[str]) -> list[str]:
    """``ids`` without the messages taken before whose every upload has a parse outcome."""
    seen = await ledger.seen_messages(user_id, KIND, ids)

    async def settled(message_id: str) -> bool:
        uploads = [e async for e in ledger.entries(user_id, ledger.message_key(message_id, ""))]
        outcomes = await gather_all(
            *(ledger.get(user_id, ledger.object_key(str(e.get("s3_key")))) for e in uploads)
        )
        return bool(uploads) and all(o is not None for o in outcomes)

    done = await gather_all(*(settled(i) for i in ids if i in seen))
    settled_ids = {i for i, ok in zip([i for i in ids if i in seen], done, strict=True) if ok}
    return [i for i in ids if i not in settled_ids]


async def ingest_latest(user_id: str, *, today: date | None = None) -> LatestOutcome:
    today = today or datetime.now(UTC).date()
    label = f"{today.month}/{today.year}"
    if await rental_store.has_invoice_for(user_id, today.year, today.month):
        return LatestOutcome(200, label)
    since = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    found = await candidates(user_id, after=since, keep=lambda ids: _unsettled(user_id, ids))
    dues = await gather_all(*(asyncio.to_thread(_due_date, c) for c in found))
    this_month = [
        c
        for c, due in zip(found, dues, strict=True)
        if due and (due.year, due.month) == (today.year, today.month)
    ]
    if not this_month:
        return LatestOutcome(204, label)
    if (await upload_many(user_id, this_month)).uploaded:
        return LatestOutcome(201, label)
    # Already taken from Gmail by an earlier run: stored, or being parsed right now.
    for c in this_month:
        if await ledger.get(user_id, ledger.message_key(c.message_id, c.sha256)):
            return LatestOutcome(200, label)
    return LatestOutcome(204, label)
