"""Label patterns are compiled on first use and then behave exactly as the compiled pattern."""

from __future__ import annotations

import random
import re
import subprocess
import sys

import pytest

from paypulse_parsers import labels

ROLES = ["due", "gross", "prepaid", "not_total", "tax", "including", "issue_date", "due_date"]


def _lines(role: str) -> list[str]:
    """Every label of the role in generated lines: as printed, upper case, after lead words,
    glued to a following word (no match), with a value, and unrelated text."""
    rng = random.Random(role)
    out = []
    for word in labels.words(role):
        out += [f"{word}: 12,00", f"  {word.upper()}\t99.90", f"Gesamt {word} 5",
                f"{word}x 1", f"x{word} 2", rng.choice(["Thank you", "Order 123", ""])]  # fmt: skip
    return out


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("anchored", [False, True])
def test_lazy_pattern_matches_like_the_compiled_one(role, anchored):
    lazy = labels.LazyPattern(labels.pattern(role, anchored=anchored).source)
    compiled = re.compile(lazy.source, re.IGNORECASE)
    for line in _lines(role):
        for pos in (0, 2):
            a, b = lazy.search(line, pos), compiled.search(line, pos)
            assert (a and a.span()) == (b and b.span()), line
            a, b = lazy.match(line, pos), compiled.match(line, pos)
            assert (a and a.span()) == (b and b.span()), line
        assert [m.span() for m in lazy.finditer(line)] == [
            m.span() for m in compiled.finditer(line)
        ]


def test_importing_the_rules_compiles_no_label_pattern():
    code = (
        "import paypulse_parsers.retail.rules, paypulse_parsers.rental.generic\n"
        "from paypulse_parsers import labels\n"
        "print(labels.pattern.cache_info().currsize,"
        " sum('search' in labels.pattern(r).__dict__ for r in ('due', 'tax', 'issue_date')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    made, compiled = out.stdout.split()
    assert int(made) > 0 and compiled == "0"
