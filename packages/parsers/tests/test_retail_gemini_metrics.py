"""Each Gemini call is counted with the tokens the API reported (usageMetadata.totalTokenCount),
read back from the EMF line the invocation writes."""

from __future__ import annotations

import asyncio
import json

from paypulse_common import metrics
from paypulse_devkit.gemini_server import GeminiServer
from paypulse_parsers.retail import GeminiSettings, extract_retail

HTML = (
    "<html><body><p>Tack för din beställning hos Pizzeria X</p>"
    "<table><tr><td>Totalt</td><td>199,00 kr</td></tr></table></body></html>"
)
ANSWER = {  # what the food-delivery schema requires
    "vendor_name": "Foodora",
    "total_amount": 199.0,
    "currency": "SEK",
    "invoice_date": "2025-02-01",
    "order_id": "FD-1",
}
VENDOR = {"vendor_id": "foodora", "vendor_name": "Foodora", "invoice_sub_type": "food-delivery"}


def test_calls_and_tokens_are_counted():
    lines: list[str] = []
    previous = metrics.set_writer(lines.append)
    try:
        with GeminiServer() as server:
            server.add_fixture(match={"contains": ["Pizzeria X"]}, response=ANSWER)
            settings = GeminiSettings(
                api_key="local-gemini-key", model="gemini-test-model", base_url=server.base_url
            )

            async def twice() -> None:
                with metrics.invocation("test"):
                    for _ in range(2):
                        doc = await extract_retail(HTML, vendor=VENDOR, gemini=settings)
                        assert doc.method == "llm"

            asyncio.run(twice())
            served = [r for r in server.requests if r["path"].endswith(":generateContent")]
    finally:
        metrics.set_writer(previous)
    (doc,) = (json.loads(line) for line in lines)
    assert doc[metrics.GEMINI_CALLS] == len(served) == 2
    assert doc[metrics.GEMINI_TOKENS] > 0
