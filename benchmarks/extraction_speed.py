"""Extraction time per document over every kind of input the parsers read: retail HTML/EML
(markup and rules paths), invoice PDFs (text and embedded Factur-X), e-invoice XML (CII/UBL).
Best of ``repeat`` per document (imports warmed outside the clock); median and p95 per kind and
overall. Targets: median <= 5 ms, p95 <= 20 ms per document.

Default documents: the corpus copy in packages/parsers/tests/fixtures/corpus (no ../shared
needed). Run: ``uv run python -m benchmarks.extraction_speed [DIR]`` (prints JSON).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "packages/parsers/tests/fixtures/corpus"
TARGET_MEDIAN_MS = 5.0
TARGET_P95_MS = 20.0


def _kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix == ".xml" and "e-invoices" in path.parts:
        return "xml"
    if suffix == ".pdf" and ("e-invoices" in path.parts or "compare" in path.parts):
        return "pdf"
    if suffix in (".html", ".eml") and "retail-emails" in path.parts:
        return "retail"
    return None


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run(corpus: Path = CORPUS, repeat: int = 3) -> dict:
    from paypulse_parsers.einvoice import parse_einvoice
    from paypulse_parsers.pdf_text import PdfParseError
    from paypulse_parsers.rental import parse_pdf
    from paypulse_parsers.retail import extract_retail

    def work(kind: str, data: bytes, name: str) -> None:
        if kind == "xml":
            parse_einvoice(data)
        elif kind == "pdf":
            with contextlib.suppress(PdfParseError):
                parse_pdf(data, filename=name, template=None)
        else:
            ctype = "message/rfc822" if name.endswith(".eml") else "text/html"
            asyncio.run(extract_retail(data, content_type=ctype))

    docs = [(p, k) for p in sorted(corpus.rglob("*")) if p.is_file() and (k := _kind(p))]
    times: dict[str, list[float]] = {}
    for path, kind in docs:
        data = path.read_bytes()
        work(kind, data, path.name)  # warm imports and caches
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            work(kind, data, path.name)
            best = min(best, time.perf_counter() - started)
        times.setdefault(kind, []).append(best * 1000)
    everything = [t for values in times.values() for t in values]
    out: dict = {
        kind: {
            "documents": len(values),
            "median_ms": round(statistics.median(values), 2),
            "p95_ms": round(_p95(values), 2),
            "max_ms": round(max(values), 2),
        }
        for kind, values in sorted(times.items())
    }
    out["all"] = {
        "documents": len(everything),
        "median_ms": round(statistics.median(everything), 2),
        "p95_ms": round(_p95(everything), 2),
        "max_ms": round(max(everything), 2),
        "target_median_ms": TARGET_MEDIAN_MS,
        "target_p95_ms": TARGET_P95_MS,
    }
    return out


def table(result: dict) -> str:
    rows = [("kind", "docs", "median ms", "p95 ms", "max ms")]
    for kind, r in result.items():
        rows.append((kind, str(r["documents"]), str(r["median_ms"]), str(r["p95_ms"]),
                     str(r["max_ms"])))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"targets: median <= {TARGET_MEDIAN_MS} ms, p95 <= {TARGET_P95_MS} ms")
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS), indent=2))
