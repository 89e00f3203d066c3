"""The committed CLDR tables (paypulse_parsers/cldr.py) are what babel's CLDR data says."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from paypulse_parsers import cldr

TOOL = Path(__file__).resolve().parents[1] / "tools" / "cldr_tables.py"


def test_generated_module_matches_babel():
    spec = importlib.util.spec_from_file_location("cldr_tables", TOOL)
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tables = tool.build()
    assert tables["MONTHS"] == cldr.MONTHS
    assert tables["SYMBOLS"] == cldr.SYMBOLS
    assert tables["HOME_CURRENCY"] == cldr.HOME_CURRENCY


def test_month_names_cover_every_language_and_grammatical_case():
    # nominative and genitive forms (pl "marzec"/"marca", cs "březen"/"března", el, fi)
    for name in (
        "march",
        "mars",
        "märz",
        "maart",
        "marzo",
        "março",
        "marzec",
        "marca",
        "březen",
        "března",
        "μάρτιος",
        "μαρτίου",
        "maaliskuu",
        "maaliskuuta",
        "marts",
    ):
        assert cldr.MONTHS[name] == 3, name
