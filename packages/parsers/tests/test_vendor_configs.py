"""Every vendor file is valid; the Gmail query is built as spec §(f) describes."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from paypulse_common.errors import ConfigurationError
from paypulse_parsers.vendors import (
    RETAIL_SUB_TYPES,
    load_vendor_configs,
    validate,
    vendor_for_sender,
)

FOLDER = Path(__file__).resolve().parents[3] / "vendor_configs"
SPEC_IDS = {
    "zalando",
    "fotproffsen",
    "jack&jones",
    "dominos",
    "foodora",
    "aws",
    "cdon",
    "proshop",
    "dbrand",
    "elgiganten",
    "mediamarkt",
    "power",
    "anthropic",
    "mevlana",
    "amazon.com",
    "amazon.se",
    "liseberg",
    "clasohlson",
    "filmstaden",
    "sternglas",
    "british_airways",
    "etihad_airways",
    "lufthansa",
    "qatar_airways",
    "turkish_airlines",
    "bus4you",
    "eurowings",
    "flix",
    "omio",
    "ryanair",
    "saudia_airlines",
}
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


@pytest.fixture(scope="module")
def vendors() -> list[dict]:
    return load_vendor_configs(FOLDER)


def test_all_spec_vendors_and_the_rental_entry(vendors):
    retail = {v["vendor_id"] for v in vendors if v["invoice_category"] == "retail"}
    assert retail == SPEC_IDS
    rental = [v for v in vendors if v["invoice_category"] == "rental"]
    assert [(v["vendor_id"], v["parser"], v["sender_patterns"]) for v in rental] == [
        ("wallenstam", "hyresavi", ["kundservice@wallenstam.se"])
    ]


def test_ids_unique_file_names_match_and_fields_well_formed(vendors):
    ids = [v["vendor_id"] for v in vendors]
    assert len(ids) == len(set(ids)) == 32
    assert {p.stem for p in FOLDER.glob("*.json")} - {"schema"} == set(ids)
    for v in vendors:
        if v["invoice_category"] == "retail":
            assert v["invoice_sub_type"] in RETAIL_SUB_TYPES
            assert v["supports_html"] is True and v["supports_pdf"] is False
        assert all(EMAIL.match(s) for s in v["sender_patterns"]), v["vendor_id"]
        assert re.fullmatch(r"[A-Z]{3}", v["parser_hints"]["currency"])
        assert v["active"] is True


def test_every_file_passes_the_schema():
    schema = json.loads((FOLDER / "schema.json").read_text())
    for path in FOLDER.glob("*.json"):
        if path.name != "schema.json":
            assert validate(json.loads(path.read_text()), schema) == [], path.name


def test_logo_urls_only_where_the_spec_has_them(vendors):
    with_logo = {v["vendor_id"] for v in vendors if v["logo_url"]}
    assert with_logo == {
        "zalando",
        "dominos",
        "amazon.com",
        "amazon.se",
        "elgiganten",
        "mediamarkt",
        "foodora",
    }


@pytest.mark.parametrize(
    "change",
    [
        {"invoice_sub_type": "food_delivery"},
        {"sender_patterns": ["not-an-address"]},
        {"subject_keywords": [{"keywords": ["a"], "logic": "XOR"}]},
        {"parser_hints": {"language": "sv"}},
        {"unexpected": 1},
        {"vendor_id": "other"},
    ],
)
def test_invalid_files_are_rejected(tmp_path, change):
    shutil.copy(FOLDER / "schema.json", tmp_path / "schema.json")
    config = json.loads((FOLDER / "zalando.json").read_text())
    config.update(change)
    (tmp_path / "zalando.json").write_text(json.dumps(config))
    with pytest.raises(ConfigurationError) as err:
        load_vendor_configs(tmp_path)
    assert err.value.code == "INTERNAL_SERVER_ERROR"


def test_duplicate_ids_are_rejected(tmp_path):
    shutil.copy(FOLDER / "schema.json", tmp_path / "schema.json")
    shutil.copy(FOLDER / "cdon.json", tmp_path / "cdon.json")
    (tmp_path / "not-json.json").write_text("{")
    with pytest.raises(ConfigurationError):
        load_vendor_configs(tmp_path)


def test_every_vendor_builds_a_gmail_query(vendors):
    from paypulse_gmail.query import vendor_query

    for vendor in vendors:
        query = vendor_query(vendor, after=date(2024, 1, 1), before=date(2024, 2, 1))
        # UTC midnights as epoch seconds (Gmail reads YYYY/MM/DD dates as midnight PST)
        assert query.endswith("after:1704067200 before:1706745600"), vendor["vendor_id"]
        assert "from:" in query and "subject:" in query


def test_vendor_for_sender(vendors):
    assert vendor_for_sender(vendors, "Foodora <INFO@mail.foodora.se>")["vendor_id"] == "foodora"
    assert vendor_for_sender(vendors, "someone@example.com") is None
