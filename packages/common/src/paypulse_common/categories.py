"""Retail invoice categories (the app's ``RetailInvoiceSubType`` raw values, in its order) and
the detail table that holds each category's extra fields."""

from __future__ import annotations

RETAIL_SUB_TYPES: tuple[str, ...] = (
    "food-delivery",
    "clothing",
    "technology",
    "subscriptions",
    "grocery",
    "utility",
    "miscellaneous",
    "travel",
)

DETAIL_TABLES: dict[str, str] = {
    "food-delivery": "food_delivery_invoices",
    "clothing": "clothing_invoices",
    "technology": "technology_invoices",
    "subscriptions": "subscription_invoices",
    "grocery": "grocery_invoices",
    "utility": "utility_invoices",
    "miscellaneous": "miscellaneous_invoices",
    "travel": "travel_invoices",
}


def valid_sub_types() -> str:
    return ", ".join(RETAIL_SUB_TYPES)
