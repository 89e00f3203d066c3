"""Retail ingestion: order e-mails of the active vendors in VendorConfig → S3 HTML objects
(``invoices/{user}/retail/{sub_type}/{vendor_id}_{date}_{hash}.html``), which trigger
``parse_retail_invoice``. Vendors are processed concurrently (bounded), every Gmail page is
followed, and the ledger (user, message id, body hash) prevents re-uploads. Messages taken
before are skipped by Gmail id before they are fetched; a run over the incremental window for
every vendor (the schedule, or the route without a range or category) is incremental after its
first complete run (``mail_sync``: only messages added since are looked at)."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from paypulse_common import ledger, users
from paypulse_common.errors import (
    DependencyError,
    PayPulseError,
    UserDeletedError,
    UserNotFoundError,
)
from paypulse_common.runtime import gather_all, settings
from paypulse_common.tombstone import put_object_fenced
from paypulse_invoices import mail_sync
from paypulse_invoices.gmail_session import gmail_for
from paypulse_invoices.retail_window import Window, incremental
from paypulse_invoices.vendor_source import vendors

KIND = "retail"
VENDOR_CONCURRENCY = 4
MAX_HTML_BYTES = 2 * 1024 * 1024


@dataclass
class RetailFetch:
    window: Window
    found: int = 0
    by_vendor: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, str]] = field(default_factory=list)
    transient: int = 0  # errors a later run may not repeat (storage); the others are permanent

    def to_json(self) -> dict[str, Any]:
        return {
            "totalEmailsFound": self.found,
            "byVendor": dict(sorted(self.by_vendor.items())),
            "dateRange": self.window.to_json(),
            "errors": self.errors[:20],
        }


def retail_key(user_id: str, vendor: dict[str, Any], sent: datetime, message_id: str) -> str:
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:8]
    return (
        f"invoices/{user_id}/retail/{vendor['invoice_sub_type']}/"
        f"{vendor['vendor_id']}_{sent:%Y-%m-%d}_{digest}.html"
    )


async def _upload(user_id: str, vendor: dict[str, Any], message: dict[str, Any]) -> bool | None:
    """Store the message's body: True when uploaded now, False when taken before (stored or
    deleted by the user), None when another run holds the claim right now."""
    from paypulse_gmail.mime import message_bodies, message_info

    info = message_info(message)
    text, html = message_bodies(message.get("payload") or {})
    body = html if html is not None else text
    if body is None:
        raise ValueError("no text or HTML body")
    if html is None:  # keep plain-text mail readable as HTML
        import html as html_lib

        body = f"<html><body><pre>{html_lib.escape(body)}</pre></body></html>"
    data = body.encode("utf-8")[:MAX_HTML_BYTES]
    sha = hashlib.sha256(data).hexdigest()
    entry = ledger.message_key(info.id, sha)
    sent = info.date or info.internal_date or datetime.now(UTC)
    key = retail_key(user_id, vendor, sent, info.id)
    if not await ledger.claim(user_id, entry, s3_key=key):
        row = await ledger.get(user_id, entry)
        return None if row is None or row.get("status") == ledger.CLAIMED else False
    try:
        await put_object_fenced(
            user_id,
            Bucket=settings().bucket("invoices"),
            Key=key,
            Body=data,
            ContentType="text/html; charset=utf-8",
            Metadata={"message-id": info.id, "vendor-id": vendor["vendor_id"], "ledger-key": entry},
        )
    except UserDeletedError:
        raise
    except Exception as exc:
        await ledger.release(user_id, entry)
        raise DependencyError("Error storing the e-mail") from exc
    await ledger.record(user_id, entry, s3_key=key, kind="retail")
    return True


@dataclass
class RetailRun:
    """What a retail run over ``vendors`` starts from: the user's window, the Gmail client and,
    for the default run over every vendor, the incremental scope (``mail_sync``)."""

    user_id: str
    result: RetailFetch
    vendors: list[dict[str, Any]]
    gmail: Any
    sync: mail_sync.SyncScope | None

    @property
    def searching(self) -> bool:
        """False when an incremental run knows nothing was added to the mailbox."""
        return self.sync is None or not self.sync.nothing_new


async def prepare(
    user_id: str, window: Window | None = None, category: str | None = None, *, full: bool = False
) -> RetailRun:
    """The user (404 when unknown, UserDeletedError when deleted), the window (the incremental
    one unless ``window`` is given), the active vendors (of ``category``) and, for the default
    run over every vendor, the incremental scope (a full one with ``full``); vendors that cannot have a new message (by
    the added messages' senders) are left out."""
    user = await users.get_user(user_id)
    if user is None:
        raise UserNotFoundError()
    if user.deleted_at:
        raise UserDeletedError()
    result = RetailFetch(window or incremental(user.last_retail_invoice_fetch))
    chosen = [
        v for v in await vendors("retail") if category is None or v["invoice_sub_type"] == category
    ]
    gmail = await gmail_for(user_id)
    every_vendor = window is None and category is None
    sync = await mail_sync.scope(gmail, user_id, KIND, full=full) if every_vendor else None
    run = RetailRun(user_id, result, chosen, gmail, sync)
    if run.searching and sync is not None:
        senders = await mail_sync.added_senders(gmail, sync, len(chosen))
        run.vendors = [
            v for v in chosen if mail_sync.may_match_sender(senders, v["sender_patterns"])
        ]
    return run


async def search(run: RetailRun) -> dict[str, list[str]]:
    """Per vendor (in ``run.vendors`` order), the message ids its search finds in the window
    (only those added since the last run when incremental); searches run concurrently, bounded
    by VENDOR_CONCURRENCY, and each follows every page. ``run.result.found`` counts them."""
    from paypulse_gmail.query import vendor_query

    bound = asyncio.Semaphore(VENDOR_CONCURRENCY)
    window = run.result.window

    async def one(vendor: dict[str, Any]) -> list[str]:
        async with bound:
            ids = await run.gmail.list_message_ids(
                vendor_query(vendor, after=window.start, before=window.before)
            )
        return run.sync.narrow(ids) if run.sync is not None else ids

    if not run.searching:
        return {}
    found = await gather_all(*(one(v) for v in run.vendors))
    run.result.found += sum(len(ids) for ids in found)
    return {v["vendor_id"]: ids for v, ids in zip(run.vendors, found, strict=True)}


async def fetch_retail(
    user_id: str, window: Window | None = None, category: str | None = None
) -> RetailFetch:
    """Fetch one user's retail e-mails; the incremental window unless ``window`` is given.
    ``found`` counts the search results looked at (incremental: those added since the last
    complete run)."""
    run = await prepare(user_id, window, category)
    found = await search(run)
    bound = asyncio.Semaphore(VENDOR_CONCURRENCY)

    async def one_vendor(vendor: dict[str, Any]) -> None:
        async with bound:
            unseen = await mail_sync.unseen(user_id, KIND, found[vendor["vendor_id"]])
            await store_messages(user_id, vendor, await run.gmail.get_messages(unseen), run.result)

    await gather_all(*(one_vendor(v) for v in run.vendors if found.get(v["vendor_id"])))
    if run.sync is not None and not run.result.errors:
        await mail_sync.complete(user_id, run.sync)
    return run.result


async def store_messages(
    user_id: str, vendor: dict[str, Any], messages: list[dict[str, Any]], result: RetailFetch
) -> None:
    """Upload each message's body (once, through the ledger); a message that fails is
    recorded in ``result.errors`` (``transient`` counts the retryable ones). The messages taken
    (stored now or before) are recorded as seen (``mail_sync``); UserDeletedError propagates."""
    taken: list[str] = []
    for message in messages:
        try:
            uploaded = await _upload(user_id, vendor, message)
            if uploaded:
                result.by_vendor[vendor["vendor_id"]] += 1
            if uploaded is not None:
                taken.append(str(message["id"]))
        except UserDeletedError:
            raise
        except (ValueError, PayPulseError) as exc:
            result.transient += bool(getattr(exc, "retryable", False))
            result.errors.append(
                {"message_id": str(message.get("id")), "error": getattr(exc, "code", str(exc))}
            )
    await ledger.mark_seen(user_id, KIND, taken)


async def scheduled_fetch(user_id: str) -> RetailFetch:
    """The weekly run for one user: incremental window; the window start moves only when no
    e-mail failed transiently (custom API ranges never move it). E-mails that failed for good
    (no body) are in ``errors`` for the caller to record; they do not hold the window back."""
    started = datetime.now(UTC)
    result = await fetch_retail(user_id)
    if result.transient:
        raise DependencyError(f"{result.transient} e-mail(s) could not be stored")
    await users.set_user_attribute(user_id, "last_retail_invoice_fetch", started.isoformat())
    return result
