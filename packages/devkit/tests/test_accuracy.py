"""``paypulse accuracy`` on the public corpus and on a small synthetic folder."""

from __future__ import annotations

import json
from pathlib import Path

from paypulse_devkit.cli import main

CORPUS = Path(__file__).resolve().parents[2] / "parsers" / "tests" / "fixtures" / "corpus"


def test_corpus_retail_floors(capsys):
    assert main(["accuracy", str(CORPUS / "retail-emails"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    sources = result["sources"]
    assert {
        "beancount-import-gmail/uk_amazon_email",
        "beancount-import-gmail/uk_ebay_email",
        "beancount-import-gmail/uk_paypal_email",
        "gmail-markup-google-examples",
    } == set(sources)
    total = result["total"]
    # measured 35/35 amounts and 32/32 currencies on the rules/markup path; target >= 90 %
    assert total["amount_ok"] / total["documents"] >= 0.9
    assert total["currency_ok"] / total["currency_n"] >= 0.9
    assert total["no_llm"] == total["documents"]


def test_einvoices_are_all_exact_and_reported_per_language_and_method(capsys):
    assert main(["accuracy", str(CORPUS / "e-invoices"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    total = result["total"]
    assert total["documents"] == 40
    assert total["amount_ok"] == total["documents"] == total["currency_ok"]
    assert set(result["methods"]) == {"xml"}
    assert {"de", "en", "fr", "nl", "sv"} <= set(result["languages"])
    assert sum(s["documents"] for s in result["languages"].values()) == 40
    assert main(["accuracy", str(CORPUS / "e-invoices")]) == 0
    out = capsys.readouterr().out
    assert "language" in out and "method" in out


def test_synthetic_folder_table_and_misses(tmp_path, capsys):
    folder = tmp_path / "retail-emails" / "shop"
    folder.mkdir(parents=True)
    (folder / "a.html").write_text("<p>Order #AB1234</p><p>Order total: $10.00</p>")
    (folder / "b.html").write_text("<p>Grand total: €3,50</p><p>Date: 2024-05-06</p>")
    (folder / "expected.json").write_text(
        json.dumps(
            {
                "_format": "test",
                "a.html": {"total": 10.0, "currency": "USD"},
                "b.html": {"total": 9.0, "currency": "EUR", "date": "2024-05-06"},
                "missing.html": {"total": 1.0},
            }
        )
    )
    assert main(["accuracy", str(tmp_path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    shop = result["sources"]["shop"]
    assert (shop["documents"], shop["amount_ok"], shop["currency_ok"], shop["date_ok"]) == (
        2,
        1,
        2,
        1,
    )
    assert shop["failures"] == ["b.html: amount different"]
    assert main(["accuracy", str(tmp_path)]) == 0
    assert "TOTAL" in capsys.readouterr().out
    assert main(["accuracy", str(tmp_path / "nope")]) == 2
