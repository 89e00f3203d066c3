"""Per-category fields (backend spec §(f)): the Gemini response schema and the detail row shaped
for the iOS app's detail models (ios-contract §2.5: required strings never None, clothing and
technology quantities are ints, amounts are Decimals)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from paypulse_common.categories import RETAIL_SUB_TYPES
from paypulse_parsers.retail.money import to_decimal

DEFAULT_CATEGORY = "miscellaneous"
_S, _N, _I = (
    {"type": "STRING", "nullable": True},
    {"type": "NUMBER", "nullable": True},
    {
        "type": "INTEGER",
        "nullable": True,
    },
)
BASE_FIELDS: dict[str, dict] = {
    "vendor_name": _S,
    "total_amount": {**_N, "description": "the amount to pay, after discounts, incl. fees and tax"},
    "currency": {**_S, "description": "ISO 4217 code, e.g. SEK, USD, EUR"},
    "invoice_date": {**_S, "description": "YYYY-MM-DD"},
    "order_id": _S,
}


def _items(**extra: dict) -> dict:
    props = {"name": {"type": "STRING"}, "price": _N, "quantity": _N, **extra}
    return {"type": "ARRAY", "items": {"type": "OBJECT", "properties": props, "required": ["name"]}}


CATEGORY_FIELDS: dict[str, dict[str, dict]] = {
    "food-delivery": {
        "delivery_fee": _N,
        "discount": _N,
        "promo_code": _S,
        "items": _items(description=_S),
    },
    "clothing": {
        "tax": _N,
        "delivery_fee": _N,
        "payment_method": _S,
        "items": _items(brand=_S),
    },
    "technology": {
        "description": _S,
        "tax": _N,
        "delivery_fee": _N,
        "payment_method": _S,
        "notes": _S,
        "items": _items(),
    },
    "subscriptions": {
        "receipt_number": _S,
        "invoice_number": _S,
        "payment_method": _S,
        "duration": {**_S, "description": "billing period, e.g. 2025-01-01 to 2025-01-31"},
    },
    "grocery": {
        "store_name": _S,
        "store_location": _S,
        "items": _items(unit=_S, category=_S),
    },
    "utility": {"utility_type": _S, "provider": _S, "usage_details": _S},
    "miscellaneous": {
        "category": _S,
        "description": _S,
        "tax": _N,
        "delivery_fee": _N,
        "notes": _S,
        "items": _items(),
    },
    "travel": {
        "transport_type": {**_S, "description": "flight, train, bus, ferry, hotel, car..."},
        "transport_company": _S,
        "booking_reference": _S,
        "travel_details": {
            "type": "ARRAY",
            "items": {
                "type": "OBJECT",
                "properties": {
                    "departure_location": _S,
                    "arrival_location": _S,
                    "departure_date": _S,
                    "arrival_date": _S,
                },
            },
        },
        "passengers": {
            "type": "ARRAY",
            "items": {"type": "OBJECT", "properties": {"name": {"type": "STRING"}}},
        },
    },
}


def normalize_category(category: str | None) -> str:
    """A valid sub-type (``food_delivery`` → ``food-delivery``); unknown → miscellaneous."""
    value = (category or "").strip().lower().replace("_", "-")
    if value == "subscription":
        value = "subscriptions"
    return value if value in RETAIL_SUB_TYPES else DEFAULT_CATEGORY


def response_schema(category: str) -> dict:
    """OpenAPI-style schema for ``GenerateContentConfig.response_schema``."""
    props = {**BASE_FIELDS, **CATEGORY_FIELDS[normalize_category(category)]}
    return {"type": "OBJECT", "properties": props, "required": list(BASE_FIELDS)}


# ----------------------------------------------------------------- detail rows for the app
def _dec(value: Any, default: Decimal | None = Decimal(0)) -> Decimal | None:
    number = to_decimal(value)
    return default if number is None else number


def _str(value: Any, default: str | None = None) -> str | None:
    if value is None:
        return default
    text = str(value).strip()
    return text if text else default


def _qty(value: Any, *, integral: bool) -> Decimal | int:
    number = to_decimal(value)
    if number is None or number <= 0:
        number = Decimal(1)
    return int(number.to_integral_value()) or 1 if integral else number


def _item(raw: Any, *, integral: bool, **defaults: Any) -> dict | None:
    if not isinstance(raw, dict) or not _str(raw.get("name")):
        return None
    item: dict[str, Any] = {
        "name": _str(raw.get("name")),
        "price": _dec(raw.get("price")),
        "quantity": _qty(raw.get("quantity"), integral=integral),
    }
    for key, default in defaults.items():
        value = _str(raw.get(key), default)
        if value is not None:
            item[key] = value
    return item


def _item_list(data: dict, *, integral: bool = False, **defaults: Any) -> list[dict]:
    raw = data.get("items")
    items = [
        _item(i, integral=integral, **defaults) for i in (raw if isinstance(raw, list) else [])
    ]
    return [i for i in items if i is not None]


def _drop_none(row: dict) -> dict:
    return {k: v for k, v in row.items() if v is not None}


def detail_row(category: str, data: dict, *, vendor_name: str) -> dict:
    """The category's detail row (without InvoiceID) shaped for the app's detail model."""
    category = normalize_category(category)
    g = data.get
    row: dict[str, Any]
    if category == "food-delivery":
        row = {
            "delivery_fee": _dec(g("delivery_fee")),
            "items": _item_list(data, description=None),
            "discount": _dec(g("discount")),
            "promo_code": _str(g("promo_code")),
        }
    elif category == "clothing":
        row = {
            "tax": _dec(g("tax")),
            "delivery_fee": _dec(g("delivery_fee")),
            "payment_method": _str(g("payment_method")),
            "items": _item_list(data, integral=True, brand=vendor_name),
        }
    elif category == "technology":
        row = {
            "delivery_fee": _dec(g("delivery_fee")),
            "tax": _dec(g("tax")),
            "payment_method": _str(g("payment_method")),
            "notes": _str(g("notes")),
            "description": _str(g("description")),
            "items": _item_list(data, integral=True),
        }
    elif category == "miscellaneous":
        row = {
            "delivery_fee": _dec(g("delivery_fee")),
            "tax": _dec(g("tax")),
            "notes": _str(g("notes")),
            "category": _str(g("category")),
            "description": _str(g("description")),
            "items": _item_list(data),
        }
    elif category == "subscriptions":
        row = {k: _str(g(k)) for k in ("payment_method", "duration", "invoice_number")}
        row["receipt_number"] = _str(g("receipt_number"))
    elif category == "grocery":
        row = {
            "store_name": _str(g("store_name"), vendor_name),
            "store_location": _str(g("store_location"), ""),
            "items": _item_list(data, unit="pcs", category="miscellaneous"),
        }
    elif category == "utility":
        row = {
            "utility_type": _str(g("utility_type"), "other"),
            "provider": _str(g("provider"), vendor_name),
            "usage_details": _str(g("usage_details"), ""),
        }
    else:  # travel
        legs = [leg for leg in (g("travel_details") or []) if isinstance(leg, dict)]
        people = [p for p in (g("passengers") or []) if isinstance(p, dict) and _str(p.get("name"))]
        row = {
            "transport_type": _str(g("transport_type"), "other"),
            "transport_company": _str(g("transport_company"), vendor_name),
            "booking_reference": _str(g("booking_reference"), _str(g("order_id"), "")),
            "travel_details": [
                {
                    "departure_location": _str(leg.get("departure_location"), ""),
                    "arrival_location": _str(leg.get("arrival_location"), ""),
                    "departure_date": _str(leg.get("departure_date")),
                    "arrival_date": _str(leg.get("arrival_date")),
                }
                for leg in legs
            ],
            "passengers": [{"name": _str(p.get("name"))} for p in people],
        }
        row["travel_details"] = [_drop_none(leg) for leg in row["travel_details"]]
    return _drop_none(row)
