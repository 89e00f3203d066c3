"""Deleting one retail invoice of the caller: base row, detail row and ledger entries in one
transaction, then every S3 version of its e-mail. The Gmail message's ledger entry is kept
(marked ``deleted``) so the next fetch does not ingest the e-mail again."""

from __future__ import annotations

from typing import Any

from paypulse_common import aws, ledger
from paypulse_common.categories import DETAIL_TABLES
from paypulse_common.errors import DependencyError, NotFoundError
from paypulse_common.objects import delete_versions
from paypulse_common.runtime import settings
from paypulse_invoices import retail_store


async def delete_retail(user_id: str, invoice_id: str) -> dict[str, Any]:
    base = await retail_store.base_row(user_id, invoice_id)
    if base is None:
        raise NotFoundError("Invoice not found or you don't have permission to delete it")
    s = settings()
    key = {"UserID": {"S": user_id}, "InvoiceID": {"S": invoice_id}}
    items: list[dict[str, Any]] = [
        {"Delete": {"TableName": s.table("retail_invoices"), "Key": key}},
        {"Delete": {"TableName": s.table(DETAIL_TABLES[base["sub_type"]]), "Key": key}},
    ]
    for entry in (
        f"order#{base.get('vendor_order_key')}",
        ledger.object_key(base.get("s3_path", "")),
    ):
        items.append(
            {
                "Delete": {
                    "TableName": s.table("ingestion_ledger"),
                    "Key": {"UserID": {"S": user_id}, "LedgerKey": {"S": entry}},
                }
            }
        )
    db = await aws.client("dynamodb")
    try:
        await db.transact_write_items(TransactItems=items)
    except Exception as exc:
        raise DependencyError("Database error while deleting the invoice") from exc
    if base.get("ledger_key"):
        await ledger.record(user_id, base["ledger_key"], status="deleted", kind="retail")
    if base.get("s3_path"):
        await delete_versions(s.bucket("invoices"), base["s3_path"], exact=True)
    return {
        "invoice_id": invoice_id,
        "vendor_name": base.get("vendor_name"),
        "sub_type": base.get("sub_type"),
        "invoice_date": base.get("invoice_date"),
        "total_amount": base.get("total_amount"),
        "currency": base.get("currency") or "SEK",
    }
