"""Demo retail order e-mails from vendors in vendor_configs/ (several categories): some carry
schema.org markup (JSON-LD Order, FlightReservation), others only a rendered HTML receipt, as
real order confirmations do. ``expected`` holds what a correct extraction finds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from paypulse_devkit.mailbox import compose_message


@dataclass(frozen=True)
class DemoOrder:
    vendor_id: str
    sub_type: str
    sender: str
    subject: str
    sent: datetime
    html: str
    expected: dict[str, Any]

    def raw(self, to: str) -> bytes:
        return compose_message(
            sender=self.sender, to=to, subject=self.subject, sent=self.sent, html=self.html
        )


def _page(title: str, body: str, head: str = "") -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
        f"{title}</title><style>td{{padding:4px}} .hidden{{display:none}}</style>{head}</head>"
        "<body><table width='600' cellpadding='0' cellspacing='0'><tr><td>"
        f"{body}</td></tr></table>"
        "<img src='https://track.example.com/open.gif?u=1' width='1' height='1' alt=''>"
        "</body></html>"
    )


def _jsonld(obj: dict[str, Any]) -> str:
    return f"<script type='application/ld+json'>{json.dumps(obj)}</script>"


def demo_orders(anchor: date | None = None) -> list[DemoOrder]:
    """Five orders in five categories, sent in the days before ``anchor`` (default: today)."""
    anchor = anchor or datetime.now(UTC).date()

    def at(days: int) -> datetime:
        return datetime.combine(anchor - timedelta(days=days), time(9, 15), tzinfo=UTC)

    zalando_order = {
        "@context": "http://schema.org",
        "@type": "Order",
        "merchant": {"@type": "Organization", "name": "Zalando"},
        "orderNumber": "10203040506",
        "orderDate": f"{at(6):%Y-%m-%d}T09:15:00+01:00",
        "price": "1298.00",
        "priceCurrency": "SEK",
        "acceptedOffer": [
            {
                "@type": "Offer",
                "itemOffered": {
                    "@type": "Product",
                    "name": "Jeans slim fit",
                    "brand": {"@type": "Brand", "name": "Levi's"},
                },
                "price": "899.00",
                "priceCurrency": "SEK",
                "eligibleQuantity": {"@type": "QuantitativeValue", "value": "1"},
            },
            {
                "@type": "Offer",
                "itemOffered": {
                    "@type": "Product",
                    "name": "T-shirt 2-pack",
                    "brand": {"@type": "Brand", "name": "Pier One"},
                },
                "price": "399.00",
                "priceCurrency": "SEK",
                "eligibleQuantity": {"@type": "QuantitativeValue", "value": "1"},
            },
        ],
    }
    flight = {
        "@context": "http://schema.org",
        "@type": "FlightReservation",
        "reservationNumber": "QX7P2K",
        "reservationStatus": "http://schema.org/ReservationConfirmed",
        "underName": {"@type": "Person", "name": "Eva Svensson"},
        "totalPrice": "745.50",
        "priceCurrency": "SEK",
        "reservationFor": {
            "@type": "Flight",
            "flightNumber": "FR 3152",
            "airline": {"@type": "Airline", "name": "Ryanair", "iataCode": "FR"},
            "departureAirport": {
                "@type": "Airport",
                "name": "Göteborg Landvetter",
                "iataCode": "GOT",
            },
            "departureTime": f"{anchor + timedelta(days=20):%Y-%m-%d}T06:25:00+01:00",
            "arrivalAirport": {"@type": "Airport", "name": "London Stansted", "iataCode": "STN"},
            "arrivalTime": f"{anchor + timedelta(days=20):%Y-%m-%d}T07:45:00+00:00",
        },
    }
    return [
        DemoOrder(
            "zalando",
            "clothing",
            "Zalando <info@service-mail.zalando.se>",
            "Thanks for your order",
            at(6),
            _page(
                "Zalando",
                "<h1>Thanks for your order!</h1><p>Order 10203040506</p>"
                "<p>Jeans slim fit (Levi's) 899,00 kr</p><p>T-shirt 2-pack 399,00 kr</p>"
                "<p><b>Total 1 298,00 kr</b></p>",
                _jsonld(zalando_order),
            ),
            {
                "total": 1298.0,
                "currency": "SEK",
                "order_id": "10203040506",
                "date": f"{at(6):%Y-%m-%d}",
            },
        ),
        DemoOrder(
            "ryanair",
            "travel",
            "Ryanair <Itinerary@ryanair.com>",
            "Ryanair Travel Itinerary",
            at(4),
            _page(
                "Ryanair",
                "<h2>Your booking is confirmed</h2><p>Reservation QX7P2K</p>"
                "<p>GOT → STN, FR 3152</p><p>Total paid: 745.50 SEK</p>",
                _jsonld(flight),
            ),
            {"total": 745.5, "currency": "SEK", "order_id": "QX7P2K"},
        ),
        DemoOrder(
            "foodora",
            "food-delivery",
            "foodora <info@mail.foodora.se>",
            "Orderbekräftelse",
            at(3),
            _page(
                "foodora",
                "<h1>Tack för din beställning!</h1>"
                "<p>Ordernummer: <b>FD-88412</b></p><table>"
                "<tr><td>1 x Margherita</td><td>119,00 kr</td></tr>"
                "<tr><td>2 x Coca-Cola 33 cl</td><td>50,00 kr</td></tr>"
                "<tr><td>Leveransavgift</td><td>29,00 kr</td></tr>"
                "<tr><td><b>Totalt att betala</b></td><td><b>198,00 kr</b></td></tr>"
                "</table><p class='hidden'>Ladda ner appen</p>",
            ),
            {"total": 198.0, "currency": "SEK", "order_id": "FD-88412"},
        ),
        DemoOrder(
            "elgiganten",
            "technology",
            "Elgiganten <donotreply@elgiganten.se>",
            "Orderbekräftelse",
            at(2),
            _page(
                "Elgiganten",
                "<h1>Orderbekräftelse</h1><p>Ordernummer 4455667788</p>"
                "<table><tr><td>Sony WH-1000XM5 hörlurar</td><td>3 490:-</td></tr>"
                "<tr><td>Frakt</td><td>0:-</td></tr>"
                "<tr><td>Varav moms</td><td>698:-</td></tr>"
                "<tr><td><b>Att betala</b></td><td><b>3 490:-</b></td></tr></table>",
            ),
            {"total": 3490.0, "currency": "SEK", "order_id": "4455667788"},
        ),
        DemoOrder(
            "anthropic",
            "subscriptions",
            "Anthropic <invoice+statements@mail.anthropic.com>",
            "Your receipt from Anthropic",
            at(1),
            _page(
                "Anthropic",
                "<h1>Receipt from Anthropic, PBC</h1>"
                "<p>Receipt number 2291-4410</p><p>Invoice number ABCD1234-0007</p>"
                "<p>Claude Pro — monthly</p><p>Amount paid <b>$20.00</b></p>"
                "<p>Paid with Visa ending in 4242</p>",
            ),
            {"total": 20.0, "currency": "USD"},
        ),
    ]
