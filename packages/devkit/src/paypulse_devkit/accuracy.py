"""``paypulse accuracy DIR [--json]``: score amount, currency and date extraction on a corpus
folder with expected values (layout of ../shared/corpus, see its README) and print tables per
source, per language and per extraction method (xml / markup / rules / llm). Retail e-mails go
through ``extract_retail`` (markup/rules path, or Gemini with ``--llm`` and GEMINI_API_KEY);
PDFs through ``paypulse_parsers.rental.parse_pdf`` (embedded e-invoice XML first); e-invoice
XML through ``paypulse_parsers.einvoice.parse_einvoice``. A document's language is the one its
expected values name, else the one the extractor detected ("?" when none).

Expected values: a document with several receipts is expected to total their sum (the money
that left the account for that e-mail); seller-side negative totals are compared by absolute
value; ``no_receipts`` documents use the hand-observed order totals when present; a ``null``
total expects no amount (status skipped); an expected 0 (a fully prepaid e-invoice) expects 0.
Amounts compare by absolute value (credit notes are negative in results, positive in the XML).
Documents without an expected date are not scored on date.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

# The per-source counters summed into the total.
COUNTED = (
    "documents",
    "amount_ok",
    "currency_ok",
    "currency_n",
    "date_ok",
    "date_n",
    "no_llm",
    "skipped",
)


@dataclass
class Case:
    source: str
    path: Path
    amount: Decimal | None  # None = no amount expected
    currency: str | None
    date: str | None
    kind: str  # "retail" | "pdf" | "einvoice"
    language: str | None = None


@dataclass
class Score:
    documents: int = 0
    amount_ok: int = 0
    currency_ok: int = 0
    currency_n: int = 0
    date_ok: int = 0
    date_n: int = 0
    no_llm: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)


def _dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    return abs(Decimal(str(value)))


def _retail_cases(folder: Path, root: Path) -> list[Case]:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    cases = []
    for name, exp in expected.items():
        if name.startswith("_") or not isinstance(exp, dict) or not (folder / name).is_file():
            continue
        parts = Path(name).parts
        source = f"{folder.name}/{parts[0]}" if len(parts) > 1 else folder.name
        receipts = exp.get("receipts") or []
        currency = exp.get("currency")
        amount: Decimal | None
        if receipts:
            amount = sum((_dec(r["total"]) or Decimal(0) for r in receipts), Decimal(0))
            currency = receipts[0].get("currency", "GBP")
        elif exp.get("no_receipts") and (exp.get("hand_observed") or {}).get(
            "order_totals_in_text"
        ):
            totals = exp["hand_observed"]["order_totals_in_text"]
            amount = sum((Decimal(t["order_total"]) for t in totals), Decimal(0))
            currency = currency or "GBP"
        elif "total" in exp:
            amount = _dec(exp["total"])
        else:
            continue  # no assertion for this file upstream
        when = exp.get("message_date") or exp.get("date") or exp.get("due_date")
        cases.append(
            Case(
                source,
                folder / name,
                amount,
                currency if amount else None,
                when[:10] if isinstance(when, str) else None,
                "retail",
            )
        )
    return cases


def _pdf_cases(folder: Path) -> list[Case]:
    cases = []
    for exp_path in sorted(folder.glob("*.json")):
        doc = exp_path.with_suffix(".pdf")
        if not doc.is_file():
            continue
        data = json.loads(exp_path.read_text(encoding="utf-8"))
        exp = data[0] if isinstance(data, list) and data else data
        if not isinstance(exp, dict):
            continue
        when = exp.get("date")
        cases.append(
            Case(
                "invoice2data/" + folder.name,
                doc,
                _dec(exp.get("amount")),
                exp.get("currency"),
                when[:10] if isinstance(when, str) else None,
                "pdf",
            )
        )
    return cases


def _einvoice_cases(folder: Path) -> list[Case]:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    cases = []
    for name, exp in expected.items():
        path = folder / name
        if name.startswith("_") or not isinstance(exp, dict) or not path.is_file():
            continue
        cases.append(
            Case(
                f"e-invoices/{folder.name}",
                path,
                _dec(exp.get("total")),
                exp.get("currency"),
                exp.get("date"),
                "pdf" if path.suffix.lower() == ".pdf" else "einvoice",
                exp.get("language"),
            )
        )
    return cases


def collect_cases(root: Path) -> list[Case]:
    """Every scorable document under ``root`` (a corpus folder or one of its sub-folders)."""
    cases: list[Case] = []
    for expected in sorted(root.rglob("expected.json")):
        if "retail-emails" in expected.parts or expected.parent.name.startswith("gmail-markup"):
            cases += _retail_cases(expected.parent, root)
        elif "e-invoices" in expected.parts or expected.parent.parent.name == "e-invoices":
            cases += _einvoice_cases(expected.parent)
    for compare in sorted(root.rglob("compare")):
        if compare.is_dir() and "invoice2data" in compare.parts:
            cases += _pdf_cases(compare)
    return cases


def _gemini_settings(use_llm: bool) -> Any:
    key = os.environ.get("GEMINI_API_KEY") if use_llm else None
    if not key:
        return None
    from paypulse_parsers.retail import GeminiSettings

    return GeminiSettings(api_key=key, base_url=os.environ.get("GEMINI_BASE_URL") or None)


def _run_pdf(path: Path) -> tuple[Any, str | None]:
    try:
        from paypulse_parsers.rental import parse_pdf
    except ImportError:
        return None, "skipped: parser unavailable"
    try:
        return parse_pdf(path.read_bytes(), filename=path.name, template=None), None
    except Exception as exc:
        return None, f"error: {type(exc).__name__}"


def _run_einvoice(path: Path) -> tuple[Any, str | None]:
    from paypulse_parsers.einvoice import parse_einvoice

    doc = parse_einvoice(path.read_bytes())
    return doc, None if doc is not None else "error: not an e-invoice"


def _miss(got: object) -> str:
    """How a value missed, without printing it (the corpus holds personal mail)."""
    return "missing" if got is None else "different"


Scores = dict[str, dict[str, Score]]  # dimension (source/language/method) -> key -> score


async def score_cases(cases: list[Case], *, gemini: Any = None) -> tuple[Scores, float]:
    """Scores per source, per language and per method, and the mean seconds per document."""
    from paypulse_parsers.retail import extract_retail

    scores: Scores = {"sources": {}, "languages": {}, "methods": {}}
    started = time.perf_counter()
    for case in cases:
        if case.kind == "pdf":
            doc, note = _run_pdf(case.path)
        elif case.kind == "einvoice":
            doc, note = _run_einvoice(case.path)
        else:
            doc, note = await extract_retail(case.path.read_bytes(), gemini=gemini), None
        keys = {
            "sources": case.source,
            "languages": case.language or (doc.language if doc is not None else None) or "?",
            "methods": doc.method if doc is not None else "error",
        }
        for dimension, key in keys.items():
            _score(scores[dimension].setdefault(key, Score()), case, doc, note)
    per_doc = (time.perf_counter() - started) / max(len(cases), 1)
    return scores, per_doc


def _score(score: Score, case: Case, doc: Any, note: str | None) -> None:
    if doc is None:
        score.failures.append(f"{case.path.name}: {note}")
    score.documents += 1
    amount = doc.total_amount if doc is not None else None
    if doc is not None and doc.status == "skipped":
        score.skipped += 1
        if amount != 0:
            amount = None
    if doc is not None and doc.method != "llm":
        score.no_llm += 1
    got = abs(amount) if amount is not None else None
    if (got is None and case.amount is None) or (
        got is not None and case.amount is not None and abs(got - case.amount) < Decimal("0.005")
    ):
        score.amount_ok += 1
    else:
        score.failures.append(f"{case.path.name}: amount {_miss(got)}")
    if case.currency:
        score.currency_n += 1
        if doc is not None and doc.currency == case.currency:
            score.currency_ok += 1
        else:
            score.failures.append(f"{case.path.name}: currency {_miss(doc and doc.currency)}")
    if case.date:
        score.date_n += 1
        got_date = doc and (doc.invoice_date or doc.due_date)
        if got_date == case.date or (doc is not None and doc.due_date == case.date):
            score.date_ok += 1
        else:
            score.failures.append(f"{case.path.name}: date {_miss(got_date)}")


def _row(s: Score) -> dict[str, Any]:
    return {name: getattr(s, name) for name in COUNTED} | {"failures": s.failures}


def summary(scores: Scores) -> dict[str, Any]:
    """JSON-ready numbers per source, language and method, and the total (failures name files
    and fields, never values)."""
    out: dict[str, Any] = {
        dimension: {key: _row(s) for key, s in sorted(by_key.items())}
        for dimension, by_key in scores.items()
    }
    total = Score()
    for s in scores["sources"].values():
        for name in COUNTED:
            setattr(total, name, getattr(total, name) + getattr(s, name))
    out["total"] = {k: getattr(total, k) for k in COUNTED}
    return out


def _pct(ok: int, n: int) -> str:
    return f"{ok}/{n} ({100 * ok / n:.0f}%)" if n else "-"


def table(result: dict[str, Any], dimension: str = "sources") -> str:
    """One table of ``dimension`` (sources / languages / methods) with a TOTAL row."""
    head = {"sources": "source", "languages": "language", "methods": "method"}[dimension]
    rows = [(head, "docs", "amount", "currency", "date", "no LLM")]
    for key, s in [*result[dimension].items(), ("TOTAL", result["total"])]:
        rows.append(
            (
                key,
                str(s["documents"]),
                _pct(s["amount_ok"], s["documents"]),
                _pct(s["currency_ok"], s["currency_n"]),
                _pct(s["date_ok"], s["date_n"]),
                _pct(s["no_llm"], s["documents"]),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, help="corpus folder (e.g. ../shared/corpus)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--llm", action="store_true", help="use Gemini when GEMINI_API_KEY is set")
    parser.add_argument("--verbose", action="store_true", help="list the misses (file names only)")


def run(args: argparse.Namespace) -> int:
    root = Path(args.dir)
    if not root.is_dir():
        print(f"not a folder: {root}")
        return 2
    cases = collect_cases(root)
    scores, per_doc = asyncio.run(score_cases(cases, gemini=_gemini_settings(args.llm)))
    result = summary(scores)
    result["seconds_per_document"] = round(per_doc, 5)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        "\n\n".join(table(result, dimension) for dimension in ("sources", "languages", "methods"))
    )
    print(f"mean parse time per document: {per_doc * 1000:.1f} ms")
    if args.verbose:
        for source, s in result["sources"].items():
            for failure in s["failures"]:
                print(f"  miss [{source}] {failure}")
    return 0
