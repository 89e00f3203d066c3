"""The iOS app's models (ios-contract.md) as JSON Schemas, and a strict decoder mirroring Swift's
``JSONDecoder``: required keys present, exact types (Int is a JSON integer, Double any number,
Bool only true/false), optionals may be null or absent. The client's side of the contract, an
oracle for the contract and end-to-end tests (the API's own models are the handlers' contracts,
from which the OpenAPI document is generated)."""

from __future__ import annotations

from typing import Any

from paypulse_common.categories import RETAIL_SUB_TYPES

ERROR_CODES = (
    "INVALID_CREDENTIALS",
    "INVALID_TOKEN",
    "TOKEN_EXPIRED",
    "GMAIL_TOKEN_EXPIRED",
    "USER_NOT_FOUND",
    "USER_ALREADY_EXISTS",
    "JWT_ERROR",
    "INVALID_JSON",
    "MISSING_FIELDS",
    "INVOICE_PARSE_ERROR",
    "DEPENDENCY_FAILURE",
    "INTERNAL_SERVER_ERROR",
)

S = {"type": "string"}
I = {"type": "integer"}  # noqa: E741
D = {"type": "number"}
B = {"type": "boolean"}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    props = {
        **required,
        **{k: {"anyOf": [v, {"type": "null"}]} for k, v in (optional or {}).items()},
    }
    return {"type": "object", "properties": props, "required": sorted(required)}


def arr(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def by_key(values: dict[str, Any], pattern: str = r"^\d{4}$") -> dict[str, Any]:
    return {"type": "object", "patternProperties": {pattern: values}, "additionalProperties": False}


AuthResponse = obj({"username": S, "access_token": S, "token_type": S})
UserModel = obj({"name": S, "email": S, "created_on": S})
GmailResponseModel = obj({"google_email": S, "scope": S, "account_switch": B, "message": S})
InvoiceCountModel = obj({"invoiceCount": I})
RentalInvoice = obj(
    {
        "InvoiceID": S,
        "Filename": S,
        "Hyra": I,
        "El": I,
        "Kallvatten": I,
        "Varmvatten": I,
        "Total Amount": I,
        "due_date_month": S,
        "due_date_year": S,
        "Due Date": S,
        "Moms": I,
        "OCR": S,
    }
)
RentalInvoiceResponse = obj({"invoiceCount": I, "invoices": by_key(arr(RentalInvoice))})
RetailInvoiceCountsResponse = obj(dict.fromkeys(RETAIL_SUB_TYPES, I))
RetailInvoiceBase = obj(
    {"InvoiceID": S, "invoice_date": S, "total_amount": D, "vendor_name": S}, {"currency": S}
)
RetailInvoiceByYearResponse = obj(
    {"invoiceCount": I, "invoices": by_key(arr(RetailInvoiceBase), r"^.*$")}
)
FoodItem = obj({"name": S, "price": D, "quantity": D}, {"description": S})
NamedItemInt = obj({"name": S, "price": D, "quantity": I})
NamedItemDouble = obj({"name": S, "price": D, "quantity": D})
DETAIL_MODELS: dict[str, dict[str, Any]] = {
    "food-delivery": obj(
        {"InvoiceID": S, "delivery_fee": D, "items": arr(FoodItem)},
        {"discount": D, "promo_code": S},
    ),
    "clothing": obj(
        {
            "InvoiceID": S,
            "tax": D,
            "delivery_fee": D,
            "items": arr(obj({"name": S, "quantity": I, "brand": S, "price": D})),
        },
        {"payment_method": S},
    ),
    "technology": obj(
        {"InvoiceID": S, "delivery_fee": D, "tax": D, "items": arr(NamedItemInt)},
        {"payment_method": S, "notes": S, "description": S},
    ),
    "miscellaneous": obj(
        {"InvoiceID": S, "tax": D, "items": arr(NamedItemDouble)},
        {"delivery_fee": D, "notes": S, "category": S, "description": S},
    ),
    "subscriptions": obj(
        {"InvoiceID": S},
        {"payment_method": S, "duration": S, "invoice_number": S, "receipt_number": S},
    ),
    "travel": obj(
        {
            "InvoiceID": S,
            "travel_details": arr(
                obj(
                    {"arrival_location": S, "departure_location": S},
                    {"arrival_date": S, "departure_date": S},
                )
            ),
            "transport_type": S,
            "booking_reference": S,
            "passengers": arr(obj({"name": S})),
        },
        {"transport_company": S},
    ),
    # The app has no grocery/utility detail models: it decodes them as [String: AnyCodable].
    "grocery": obj({"InvoiceID": S}),
    "utility": obj({"InvoiceID": S}),
}


ErrorResponse = obj({"error": obj({"code": S, "message": S})})


class ContractError(AssertionError):
    """The value would not decode in the iOS app."""


def decode(schema: dict[str, Any], value: Any, path: str = "$") -> Any:
    """Raise ContractError where ``value`` would fail the app's decoder; return value."""
    if "anyOf" in schema:
        errors = []
        for option in schema["anyOf"]:
            try:
                return decode(option, value, path)
            except ContractError as exc:
                errors.append(str(exc))
        raise ContractError("; ".join(errors))
    kind = schema.get("type")
    if kind == "null":
        if value is not None:
            raise ContractError(f"{path}: expected null")
    elif kind == "string":
        if not isinstance(value, str):
            raise ContractError(f"{path}: expected String, got {type(value).__name__}")
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ContractError(f"{path}: expected Int, got {value!r}")
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ContractError(f"{path}: expected Double, got {value!r}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise ContractError(f"{path}: expected Bool, got {value!r}")
    elif kind == "array":
        if not isinstance(value, list):
            raise ContractError(f"{path}: expected Array")
        for i, item in enumerate(value):
            decode(schema["items"], item, f"{path}[{i}]")
    elif kind == "object":
        if not isinstance(value, dict):
            raise ContractError(f"{path}: expected Object, got {type(value).__name__}")
        for key in schema.get("required", []):
            if key not in value or value[key] is None:
                raise ContractError(f"{path}: missing required key {key!r}")
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                decode(sub, value[key], f"{path}.{key}")
        import re

        for pattern, sub in schema.get("patternProperties", {}).items():
            for key, item in value.items():
                if re.match(pattern, key):
                    decode(sub, item, f"{path}.{key}")
                elif schema.get("additionalProperties") is False:
                    raise ContractError(f"{path}: unexpected key {key!r}")
    return value


def decode_success(data_schema: dict[str, Any] | None, body: Any) -> Any:
    """Decode an ``APISuccessResponse<T>`` body; return its data."""
    decode(obj({"message": S, "code": I}), body)
    if data_schema is not None and body.get("data") is not None:
        decode(data_schema, body["data"], "$.data")
    return body.get("data")


def decode_error(body: Any) -> tuple[str, str]:
    decode(ErrorResponse, body)
    return body["error"]["code"], body["error"]["message"]
