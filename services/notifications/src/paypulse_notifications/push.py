"""New rental invoice → a notification to its owner only.

The topic message carries a ``user_id`` message attribute (subscriptions filter on it), and
each of the user's registered devices gets an APNs payload. A ledger entry per invoice
(``push#<invoice id>``, claimed before sending, given back on failure) makes a retried stream batch send nothing twice.
"""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from typing import Any

from paypulse_common import aws, ledger
from paypulse_common.dynamo import from_item
from paypulse_common.errors import DependencyError, UserDeletedError
from paypulse_common.logs import get_logger
from paypulse_common.runtime import settings
from paypulse_notifications import devices

log = get_logger("paypulse.notifications")


def message_for(invoice: dict[str, Any]) -> tuple[str, str]:
    amount = invoice.get("Total Amount")
    amount_text = f"{int(amount):,}".replace(",", " ") if isinstance(amount, Decimal) else "?"
    due = invoice.get("Due Date") or "?"
    return (
        "New invoice available!",
        f"New rental invoice of {amount_text} SEK with due date of {due} is now available!",
    )


def apns_payload(title: str, body: str, invoice_id: str) -> str:
    aps = {
        "aps": {"alert": {"title": title, "body": body}, "sound": "default"},
        "invoice_id": invoice_id,
        "type": "rental",
    }
    return json.dumps({"APNS": json.dumps(aps), "APNS_SANDBOX": json.dumps(aps), "default": body})


async def notify(record: dict[str, Any]) -> bool:
    """Send the pushes for one stream record; False when it was not an INSERT, already sent,
    left to its ingest job's summary (``import_summary.covers``), or its owner was deleted
    (the claim is fenced by the deletion tombstone: dropped, not raised)."""
    from paypulse_notifications import import_summary

    if record.get("eventName") != "INSERT":
        return False
    invoice = from_item(record["dynamodb"]["NewImage"])
    user_id, invoice_id = invoice["UserID"], invoice["InvoiceID"]
    job = invoice.get("ingest_job")
    if job and await import_summary.covers(user_id, str(job), invoice_id):
        return False
    title, body = message_for(invoice)
    return await send_once(user_id, f"push#{invoice_id}", title, body, invoice_id)


async def send_once(user_id: str, entry: str, title: str, body: str, invoice_id: str) -> bool:
    """Publish one notification to the user's topic subscription and devices, claimed in the
    ledger as ``entry`` first (given back on failure, so a retry sends it; never twice).
    False when already sent or the user was deleted."""
    try:
        if not await ledger.claim(user_id, entry):
            return False
    except UserDeletedError:
        log.info("dropped: the account was deleted")
        return False
    sns = await aws.client("sns")
    try:
        await sns.publish(
            TopicArn=settings().topic("invoice_notifications"),
            Subject=title,
            Message=body,
            MessageAttributes={"user_id": {"DataType": "String", "StringValue": user_id}},
        )
        async for device in devices.endpoints(user_id):
            try:
                await sns.publish(
                    TargetArn=device["EndpointArn"],
                    MessageStructure="json",
                    Message=apns_payload(title, body, invoice_id),
                )
            except Exception as exc:
                if aws.error_code(exc) != "EndpointDisabled":
                    raise
                log.info("device endpoint disabled", extra={"user_id": user_id})
    except Exception as exc:
        await ledger.release(user_id, entry)
        raise DependencyError("Could not send the notification") from exc
    with contextlib.suppress(UserDeletedError):  # deleted since the claim: nothing to record
        await ledger.record(user_id, entry, status="sent", kind="push")
    return True
