"""schema.org Order / Invoice / *Reservation / ParcelDelivery objects → extraction fields."""

from __future__ import annotations

from typing import Any

from paypulse_parsers.retail.jsonld import types_of
from paypulse_parsers.retail.money import currency_in, to_decimal

ORDER_TYPES = frozenset({"Order"})
INVOICE_TYPES = frozenset({"Invoice"})
RESERVATION_TRANSPORT = {
    "FlightReservation": "flight",
    "TrainReservation": "train",
    "BusReservation": "bus",
    "BoatReservation": "ferry",
    "TaxiReservation": "taxi",
    "RentalCarReservation": "car",
    "LodgingReservation": "hotel",
    "EventReservation": "event",
    "FoodEstablishmentReservation": "restaurant",
    "Reservation": "other",
}
USEFUL_TYPES = ORDER_TYPES | INVOICE_TYPES | set(RESERVATION_TRANSPORT) | {"ParcelDelivery"}


def _name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("legalName")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _first(obj: dict, *keys: str) -> Any:
    for key in keys:
        value = obj.get(key)
        if value not in (None, "", []):
            return value
    return None


def _price(spec: Any) -> tuple[Any, str | None]:
    """(amount, currency) from a number/string, PriceSpecification or MonetaryAmount."""
    if isinstance(spec, list):
        spec = spec[0] if spec else None
    if isinstance(spec, dict):
        amount = _first(spec, "price", "value", "amount")
        currency = _first(spec, "priceCurrency", "currency")
        if currency is None and isinstance(amount, str):
            currency = currency_in(amount)
        return amount, currency
    if isinstance(spec, str):
        return spec, currency_in(spec)
    return spec, None


def _date(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def useful_objects(objects: list[dict]) -> list[dict]:
    """The objects worth extracting from, in document order."""
    return [o for o in objects if USEFUL_TYPES.intersection(types_of(o))]


def _items(offers: Any) -> list[dict]:
    offers = offers if isinstance(offers, list) else [offers] if offers else []
    items = []
    for offer in offers:
        if not isinstance(offer, dict):
            continue
        product = offer.get("itemOffered")
        name = _name(product) or _name(offer)
        if not name:
            continue
        quantity = offer.get("eligibleQuantity")
        if isinstance(quantity, dict):
            quantity = quantity.get("value")
        unit = to_decimal(offer.get("price"))
        qty = to_decimal(quantity) or 1
        item: dict[str, Any] = {"name": name, "price": unit, "quantity": qty}
        item["amount"] = unit * qty if unit is not None else None
        if isinstance(product, dict) and product.get("sku"):
            item["sku"] = product["sku"]
        seller = _name(offer.get("seller"))
        if seller:
            item["seller"] = seller
        items.append(item)
    return items


def _legs(reservation: dict) -> list[dict]:
    trips = reservation.get("reservationFor")
    trips = trips if isinstance(trips, list) else [trips] if trips else []
    legs = []
    for trip in trips:
        if not isinstance(trip, dict):
            continue
        dep = _first(
            trip,
            "departureAirport",
            "departureStation",
            "departureBusStop",
            "departureBoatTerminal",
        )
        arr = _first(
            trip, "arrivalAirport", "arrivalStation", "arrivalBusStop", "arrivalBoatTerminal"
        )
        if dep is None and arr is None:
            if "LodgingReservation" in types_of(reservation):
                place = _name(trip) or ""
                legs.append(
                    {
                        "departure_location": place,
                        "arrival_location": place,
                        "departure_date": reservation.get("checkinDate"),
                        "arrival_date": reservation.get("checkoutDate"),
                    }
                )
            continue
        legs.append(
            {
                "departure_location": _name(dep)
                or (dep.get("iataCode") if isinstance(dep, dict) else ""),
                "arrival_location": _name(arr)
                or (arr.get("iataCode") if isinstance(arr, dict) else ""),
                "departure_date": trip.get("departureTime"),
                "arrival_date": trip.get("arrivalTime"),
            }
        )
    return legs


def _company(reservation: dict) -> str | None:
    trip = reservation.get("reservationFor")
    if isinstance(trip, list):
        trip = trip[0] if trip else None
    if isinstance(trip, dict):
        return _name(_first(trip, "airline", "provider", "trainCompany", "busCompany")) or (
            _name(trip) if "LodgingReservation" in types_of(reservation) else None
        )
    return None


def from_objects(objects: list[dict]) -> tuple[dict, str | None] | None:
    """(extraction fields, category hint) from the useful schema.org objects, else None."""
    useful = useful_objects(objects)
    if not useful:
        return None
    first = useful[0]
    kinds = set(types_of(first))
    if kinds & ORDER_TYPES:
        orders = [o for o in useful if ORDER_TYPES.intersection(types_of(o))]
        return _from_orders(orders), None
    if kinds & INVOICE_TYPES:
        return _from_invoice(first), None
    if "ParcelDelivery" in kinds:
        order = first.get("partOfOrder") if isinstance(first.get("partOfOrder"), dict) else {}
        fields = _from_orders([order]) if order else {}
        fields.setdefault("vendor_name", _name(first.get("provider")))
        item = _name(first.get("itemShipped"))
        if item and not fields.get("items"):
            fields["items"] = [{"name": item, "price": None, "quantity": 1}]
        fields["document_type"] = "ParcelDelivery"
        return fields, None
    reservations = [o for o in useful if set(RESERVATION_TRANSPORT).intersection(types_of(o))]
    return _from_reservations(reservations), "travel"


def _payment_method(value: Any) -> str | None:
    name = _name(value)
    return name.rsplit("/", 1)[-1] if name and name.startswith("http") else name


def _from_orders(orders: list[dict]) -> dict:
    totals, currencies, items = [], set(), []
    for order in orders:
        amount, currency = _price(_first(order, "price", "totalPaymentDue", "totalPrice"))
        currency = order.get("priceCurrency") or currency
        if amount is not None:
            totals.append(to_decimal(amount))
        if currency:
            currencies.add(currency)
        items += _items(order.get("acceptedOffer"))
    first = orders[0]
    total = sum(t for t in totals if t is not None) if any(t is not None for t in totals) else None
    payment = first.get("paymentMethod")
    fields: dict[str, Any] = {
        "vendor_name": _name(_first(first, "seller", "merchant", "broker")),
        "order_id": _first(first, "orderNumber", "confirmationNumber"),
        "total_amount": total,
        "currency": next(iter(currencies)) if len(currencies) == 1 else None,
        "invoice_date": _date(first.get("orderDate")),
        "items": items,
        "discount": to_decimal(first.get("discount")),
        "payment_method": _payment_method(payment),
        "document_type": "Order",
    }
    if len(orders) > 1:
        fields["orders"] = [
            {
                "order_id": o.get("orderNumber"),
                "total_amount": to_decimal(_price(o.get("price"))[0]),
            }
            for o in orders
        ]
    return fields


def _from_invoice(invoice: dict) -> dict:
    amount, currency = _price(_first(invoice, "totalPaymentDue", "minimumPaymentDue"))
    return {
        "vendor_name": _name(_first(invoice, "provider", "broker", "seller")),
        "order_id": _first(invoice, "confirmationNumber", "identifier", "accountId"),
        "total_amount": to_decimal(amount),
        "currency": currency,
        "invoice_date": _date(_first(invoice, "billingPeriod", "dateCreated")),
        "due_date": _date(_first(invoice, "paymentDueDate", "paymentDue")),
        "payment_status": str(invoice.get("paymentStatus") or "").rsplit("/", 1)[-1] or None,
        "document_type": "Invoice",
    }


def _from_reservations(reservations: list[dict]) -> dict:
    first = reservations[0]
    legs, passengers, totals, currency = [], [], [], None
    for r in reservations:
        legs += _legs(r)
        person = _name(r.get("underName"))
        if person and {"name": person} not in passengers:
            passengers.append({"name": person})
        amount, cur = _price(_first(r, "totalPrice", "price"))
        currency = r.get("priceCurrency") or cur or currency
        value = to_decimal(amount)
        if value is not None:
            totals.append(value)
    transport = next(
        (RESERVATION_TRANSPORT[t] for t in types_of(first) if t in RESERVATION_TRANSPORT), "other"
    )
    seen, unique_legs = set(), []
    for leg in legs:
        key = tuple(sorted((k, str(v)) for k, v in leg.items()))
        if key not in seen:
            seen.add(key)
            unique_legs.append(leg)
    company = _company(first)
    return {
        "vendor_name": company or _name(first.get("provider")) or _name(first.get("broker")),
        "order_id": first.get("reservationNumber"),
        "booking_reference": first.get("reservationNumber"),
        "total_amount": max(totals) if totals else None,  # totalPrice repeats per leg
        "currency": currency,
        "invoice_date": _date(first.get("bookingTime")),
        "transport_type": transport,
        "transport_company": company,
        "travel_details": unique_legs,
        "passengers": passengers,
        "document_type": next(iter(types_of(first)), "Reservation"),
    }
