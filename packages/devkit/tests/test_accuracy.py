"""``paypulse accuracy`` on the public corpus and on a small synthetic folder."""

from __future__ import annotations

import json

from infra.workspace import ROOT
from paypulse_devkit.cli import main

# Google's Gmail markup examples (Apache-2.0 / CC BY 4.0, see SOURCE.md), copied from the public
# corpus; `paypulse accuracy ../shared/corpus` scores the whole corpus when it is present.
CORPUS = ROOT / "tests/fixtures/retail-emails"


def test_corpus_retail_floors(capsys):
    assert main(["accuracy", str(CORPUS), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    sources = result["sources"]
    assert set(sources) == {"gmail-markup-google-examples"}
    total = result["total"]
    assert total["documents"] == 8
    # measured 8/8 amounts and 5/5 currencies on the markup path; target >= 90 %
    assert total["amount_ok"] / total["documents"] >= 0.9
    assert total["currency_ok"] / total["currency_n"] >= 0.9
    assert total["no_llm"] == total["documents"]


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
