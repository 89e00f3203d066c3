"""This month's rent notice: already stored (200), found and ingested now (201), or not sent
yet (204). The month an invoice belongs to is its own due date's month (read from the PDF),
not the month the e-mail was sent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from paypulse_common import ledger
from paypulse_common.errors import InvoiceParseError
from paypulse_common.runtime import gather_all
from paypulse_invoices import rental_store
from paypulse_invoices.rental_ingest import Candidate, candidates, upload_many


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


async def ingest_latest(user_id: str, *, today: date | None = None) -> LatestOutcome:
    today = today or datetime.now(UTC).date()
    label = f"{today.month}/{today.year}"
    if await rental_store.has_invoice_for(user_id, today.year, today.month):
        return LatestOutcome(200, label)
    since = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    found = await candidates(user_id, after=since)
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
