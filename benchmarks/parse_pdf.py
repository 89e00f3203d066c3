"""Rental PDF parse throughput: our pymupdf parser (open + words + rows + hyresavi template) vs a
baseline that shells out to ``pdftotext`` (poppler, the engine behind the original's textract)
for the text alone, on the same generated rent notices. Reported as a ratio; target >= 10x.

Run: ``uv run python -m benchmarks.parse_pdf [N]`` (prints JSON). Without ``pdftotext`` on PATH
(``apt-get install poppler-utils``) the baseline is reported as unavailable.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

TARGET_RATIO = 10.0
CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus/pdf-invoices/invoice2data/compare"


def _best_of(repeat: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def run(n: int = 50, repeat: int = 3) -> dict:
    """Parse ``n`` generated hyresavi PDFs both ways; best of ``repeat`` rounds each."""
    from paypulse_devkit.demo_invoices import demo_hyresavi_series
    from paypulse_parsers.pdf_text import read_pdf
    from paypulse_parsers.rental import parse_pdf, to_rental_row

    invoices = demo_hyresavi_series(n, start=date(2022, 1, 1), seed=7)
    parse_pdf(invoices[0].pdf, filename=invoices[0].filename)  # import pymupdf outside the clock

    correct = 0
    for invoice in invoices:
        doc = parse_pdf(invoice.pdf, filename=invoice.filename)
        stem = invoice.filename.removesuffix(".pdf")
        correct += doc.status == "parsed" and to_rental_row(doc, filename_stem=stem) == (
            invoice.expected
        )

    def ours() -> None:
        for invoice in invoices:
            parse_pdf(invoice.pdf, filename=invoice.filename)

    def ours_text_only() -> None:
        for invoice in invoices:
            read_pdf(invoice.pdf)

    ours_s = _best_of(repeat, ours)
    text_s = _best_of(repeat, ours_text_only)
    result: dict = {
        "documents": n,
        "ours_ms_per_pdf": round(ours_s / n * 1000, 3),
        "ours_text_only_ms_per_pdf": round(text_s / n * 1000, 3),
        "ours_pdfs_per_s": round(n / ours_s, 1),
        "ours_rows_correct": f"{correct}/{n}",
        "target_ratio": TARGET_RATIO,
    }

    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        result.update(baseline="baseline unavailable (pdftotext not on PATH)", ratio=None)
        return result

    def baseline() -> None:
        for invoice in invoices:
            _pdftotext(pdftotext, invoice.pdf)

    baseline_s = _best_of(repeat, baseline)
    ratio = baseline_s / ours_s
    result.update(
        baseline="pdftotext subprocess (text only, no field parsing)",
        baseline_ms_per_pdf=round(baseline_s / n * 1000, 3),
        ratio=round(ratio, 1),
        meets_target=ratio >= TARGET_RATIO,
    )
    real = sorted(CORPUS.glob("*.pdf")) if CORPUS.exists() else []
    if real:  # the same comparison on real third-party PDFs (embedded fonts), for context
        blobs = [p.read_bytes() for p in real]
        ours_real = _best_of(repeat, lambda: [parse_pdf(b, filename="x.pdf") for b in blobs])
        base_real = _best_of(repeat, lambda: [_pdftotext(pdftotext, b) for b in blobs])
        result["real_pdfs"] = {
            "documents": len(blobs),
            "ours_ms_per_pdf": round(ours_real / len(blobs) * 1000, 3),
            "baseline_ms_per_pdf": round(base_real / len(blobs) * 1000, 3),
            "ratio": round(base_real / ours_real, 1),
        }
    return result


def _pdftotext(binary: str, pdf: bytes) -> bytes:
    return subprocess.run(
        [binary, "-q", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 50), indent=2))
