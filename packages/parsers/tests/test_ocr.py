"""Swedish OCR validation against the public vectors (tests/fixtures/corpus/swedish-ocr)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paypulse_parsers import ocr

VECTORS = Path(__file__).resolve().parent / "fixtures/corpus/swedish-ocr/test_vectors.json"


def _vectors() -> dict:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def test_check_digit_matches_every_reference_vector() -> None:
    refs = _vectors()["ocr_references"]
    assert len(refs) >= 40
    for ref in refs:
        result = ocr.check(ref["value"])
        assert result.check_digit_valid is ref["expected_check_digit_valid"], ref["value"]
        assert result.valid is ref["expected_check_digit_valid"]


def test_length_digit_matches_vectors_where_known() -> None:
    checked = 0
    for ref in _vectors()["ocr_references"]:
        expected = ref["expected_length_digit_valid"]
        if expected is None:  # upstream does not assert it; the corpus recomputed it by hand
            expected = ref["verified_here_length"]
        assert ocr.check(ref["value"]).length_digit_valid is expected, ref["value"]
        checked += 1
    assert checked >= 40


def test_bankgiro_numbers_use_the_same_mod10() -> None:
    for number in _vectors()["bankgiro_numbers"]:
        assert ocr.luhn_valid(number["bankgiro"]) is number["expected_mod10_valid"]


@pytest.mark.parametrize("value", ["0", "1" * 26 + "0", "", "12a4", "\uff11\uff12"])
def test_out_of_range_or_non_digits_is_invalid(value: str) -> None:
    assert not ocr.is_valid(value)


def test_spaces_and_dashes_are_ignored() -> None:
    assert ocr.is_valid("1810 8401 3456-78778")
    assert ocr.check("1810 8401 3456-78778").value == "18108401345678778"


@pytest.mark.parametrize("payload", ["130679810", "1", "000000000", "9" * 24])
def test_check_digit_completes_a_valid_reference(payload: str) -> None:
    reference = payload + ocr.luhn_check_digit(payload)
    assert ocr.is_valid(reference)
    wrong = payload + str((int(reference[-1]) + 1) % 10)
    assert not ocr.is_valid(wrong)


def test_length_digit_is_only_a_hint() -> None:
    # Luhn-valid, but the 2nd-to-last digit is not the length (10 % 10 = 0): still valid.
    without = ocr.check("130679811" + ocr.luhn_check_digit("130679811"))
    assert without.valid and not without.length_digit_valid
    with_length = ocr.check("130679810" + ocr.luhn_check_digit("130679810"))
    assert with_length.valid and with_length.length_digit_valid
