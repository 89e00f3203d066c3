"""The invoice routes' request parameters and response models (validated by the runtime, and the
OpenAPI document's schemas). Shapes follow the iOS app's models (ios-contract.md §2.4-2.5)."""

from __future__ import annotations

from paypulse_common.categories import RETAIL_SUB_TYPES
from paypulse_common.schema import AnyOf, Arr, Bool, Int, Map, Num, Obj, Str

INVOICE_ID = Str(
    min_length=1,
    max_length=200,
    pattern=r"^[A-Za-z0-9_.#:-]+$",
    description="An invoice id as listed by the API",
)
SUB_TYPE = Str(enum=RETAIL_SUB_TYPES, description="A retail category (the app's raw values)")
MAX_LIMIT = 100

# ------------------------------------------------------------------------------ parameters
RENTAL_ID_PARAMS = Obj({"invoice_id": INVOICE_ID}, required=("invoice_id",), extra=False)
RETAIL_ID_PARAMS = RENTAL_ID_PARAMS
RENTAL_LIST_PARAMS = Obj(
    {
        "limit": Int(
            minimum=1,
            maximum=MAX_LIMIT,
            description="Page size; without it (and without a cursor) every invoice is returned",
        ),
        "cursor": Str(
            min_length=1,
            max_length=512,
            format="paypulse-cursor",
            description="`next_cursor` of the previous page (opaque; pages continue newest first)",
        ),
    },
    extra=False,
)
RETAIL_LIST_PARAMS = Obj(
    {
        "subtype": SUB_TYPE,
        "invoice-id": Str(
            min_length=1,
            max_length=200,
            pattern=INVOICE_ID.pattern,
            description="One invoice's details (`{invoiceDetails}`); takes precedence over counts",
        ),
        "counts": Bool(description="Counts per category (only `subtype` when given)"),
    },
    extra=False,
)
RETAIL_INGEST_BODY = Obj(
    {
        "start_date": Str(
            pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            max_length=10,
            format="date",
            description="First day (YYYY-MM-DD); default 30 days before end_date. A window "
            "longer than 3 years keeps its last 3 years; an end before the start finds nothing",
        ),
        "end_date": Str(
            pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            max_length=10,
            format="date",
            description="Last day, inclusive (YYYY-MM-DD); default and at most today",
        ),
        "vendor_category": SUB_TYPE,
    },
    name="RetailIngestRequest",
    description="Without dates: from the last complete scheduled run (else 30 days) to today",
)

# ------------------------------------------------------------------------------ responses
InvoiceCount = Obj(
    {"invoiceCount": Int(minimum=0)}, required=("invoiceCount",), name="InvoiceCount"
)
AMOUNT = Int(description="Whole kronor")
_RENTAL_REQUIRED = (
    "InvoiceID",
    "Filename",
    "Hyra",
    "El",
    "Kallvatten",
    "Varmvatten",
    "Total Amount",
    "due_date_month",
    "due_date_year",
    "Due Date",
    "Moms",
    "OCR",
)
RentalInvoice = Obj(
    {
        "InvoiceID": Str(),
        "Filename": Str(),
        "Hyra": AMOUNT,
        "El": AMOUNT,
        "Kallvatten": AMOUNT,
        "Varmvatten": AMOUNT,
        "Total Amount": AMOUNT,
        "Moms": AMOUNT,
        "due_date_month": Str(pattern=r"^([1-9]|1[0-2])$"),
        "due_date_year": Str(pattern=r"^[0-9]{4}$"),
        "Due Date": Str(pattern=r"^[0-9]{2}-[0-9]{2}-[0-9]{4}$", description="DD-MM-YYYY"),
        "OCR": Str(description="Payment reference; empty when the notice has none"),
        "status": Str(enum=("parsed", "needs_review")),
        "extraction_method": Str(),
    },
    required=_RENTAL_REQUIRED,
    extra=Num(description="Other amount rows of the notice, under their printed labels"),
    name="RentalInvoice",
)
RentalInvoiceList = Obj(
    {
        "invoiceCount": Int(minimum=0),
        "invoices": Map(Arr(RentalInvoice, max_items=1000), keys=r"^[0-9]{4}$"),
        "failed": Arr(
            Obj({"file": Str(), "reason": Str()}, required=("file", "reason")), max_items=1000
        ),
        "next_cursor": Str(description="Present when more invoices follow"),
    },
    required=("invoiceCount", "invoices", "failed"),
    name="RentalInvoiceList",
)
RetailCounts = Obj(
    dict.fromkeys(RETAIL_SUB_TYPES, Int(minimum=0)),
    name="RetailInvoiceCounts",
    description="All eight categories; only the requested one with `subtype`",
)
RetailSummary = Obj(
    {
        "InvoiceID": Str(),
        "invoice_date": Str(),
        "total_amount": Num(),
        "vendor_name": Str(),
        "currency": Str(),
    },
    required=("InvoiceID", "invoice_date", "total_amount", "vendor_name"),
    name="RetailInvoice",
)
RetailList = Obj(
    {
        "invoiceCount": Int(minimum=0),
        "invoices": Map(Arr(RetailSummary, max_items=10000)),
        "failed": Arr(
            Obj({"file": Str(), "reason": Str()}, required=("file", "reason")),
            max_items=1000,
            description="E-mails that could not be parsed, with the reason (as for rental)",
        ),
    },
    required=("invoiceCount", "invoices", "failed"),
    name="RetailInvoiceList",
    description="Grouped by year with `subtype`, else by category; newest first",
)
RetailDetails = Obj(
    {"invoiceDetails": Obj({"InvoiceID": Str()}, required=("InvoiceID",))},
    required=("invoiceDetails",),
    name="RetailInvoiceDetails",
)
RetailListing = AnyOf((RetailCounts, RetailList, RetailDetails))
RetailIngestResult = Obj(
    {
        "totalEmailsFound": Int(minimum=0),
        "byVendor": Map(Int(minimum=0)),
        "dateRange": Obj(
            {"start": Str(format="date"), "end": Str(format="date")},
            required=("start", "end"),
            description="The window searched, YYYY-MM-DD, end inclusive",
        ),
        "errors": Arr(Str(), max_items=20),
    },
    required=("totalEmailsFound", "byVendor", "dateRange", "errors"),
    name="RetailIngestResult",
)
DeletedRetailInvoice = Obj(
    {
        "deleted_invoice": Obj(
            {
                "invoice_id": Str(),
                "vendor_name": Str(),
                "sub_type": SUB_TYPE,
                "invoice_date": Str(),
                "total_amount": Num(),
                "currency": Str(),
            },
            required=("invoice_id", "sub_type", "currency"),
        )
    },
    required=("deleted_invoice",),
    name="DeletedRetailInvoice",
)

# ------------------------------------------------------------------------------ ingest status
IngestStatus = Obj(
    {
        "jobId": Str(description="The last ingest job"),
        "startedAt": Str(format="date-time", description="When the last ingest job started"),
        "found": Int(minimum=0, description="New messages the job handed to the worker"),
        "processed": Int(minimum=0, description="Of those, messages the worker has handled"),
        "stored": Int(minimum=0, description="Invoice files uploaded for parsing"),
        "parsed": Int(minimum=0, description="Files parsed since the job started"),
        "failed": Int(minimum=0, description="Messages or files that failed for good"),
        "failures": Arr(
            Obj(
                {"messageId": Str(), "reason": Str()},
                required=("messageId", "reason"),
            ),
            max_items=100,
        ),
        "complete": Bool(description="Every found message was processed"),
    },
    required=("found", "processed", "stored", "parsed", "failed", "failures", "complete"),
    name="IngestStatus",
)
