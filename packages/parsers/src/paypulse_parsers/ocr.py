"""Swedish OCR payment references (bankgiro/plusgiro): Luhn (mod 10) check digit, lengths 2-25.

The second-to-last digit may be the total length mod 10 (Bankgirot's "variable length" control);
landlords choose their control level, so the check digit is required and the length digit is a hint.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_LENGTH = 2
MAX_LENGTH = 25


@dataclass(frozen=True, slots=True)
class OcrCheck:
    value: str
    check_digit_valid: bool
    length_digit_valid: bool

    @property
    def valid(self) -> bool:
        return self.check_digit_valid


def normalize(reference: str) -> str:
    """Drop spaces and dashes people and PDFs put inside OCR numbers."""
    return "".join(ch for ch in reference if ch not in " -\u00a0")


def luhn_valid(digits: str) -> bool:
    """Luhn mod 10 over the whole string (check digit included)."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_check_digit(payload: str) -> str:
    """The digit that makes ``payload + digit`` pass Luhn."""
    for digit in "0123456789":
        if luhn_valid(payload + digit):
            return digit
    raise ValueError("payload must be digits")  # unreachable for digit strings


def length_digit_valid(digits: str) -> bool:
    """Second-to-last digit equals the total length mod 10."""
    return len(digits) >= 2 and digits.isdigit() and int(digits[-2]) == len(digits) % 10


def check(reference: str) -> OcrCheck:
    """Validate a reference: digits only, 2-25 long, Luhn check digit; length digit as a hint."""
    digits = normalize(reference)
    in_range = MIN_LENGTH <= len(digits) <= MAX_LENGTH and digits.isascii() and digits.isdigit()
    return OcrCheck(
        value=digits,
        check_digit_valid=in_range and luhn_valid(digits),
        length_digit_valid=in_range and length_digit_valid(digits),
    )


def is_valid(reference: str) -> bool:
    return check(reference).valid
