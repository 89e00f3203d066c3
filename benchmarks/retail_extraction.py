"""Retail extraction benchmark on the corpus copy in packages/parsers/tests/fixtures/corpus
(retail-emails and the kitinerary travel markup): characters an LLM would receive per document (raw HTML vs the
compacted text; ~4 characters per token), the share of documents resolved with no LLM call
(schema.org markup or confident rules), and parse time per document.

Run: ``uv run python -m benchmarks.retail_extraction`` (prints JSON).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "packages/parsers/tests/fixtures/corpus"
TARGET_RATIO = 5.0


def _documents(corpus: Path) -> list[Path]:
    retail = corpus / "retail-emails"
    docs = sorted(p for p in retail.rglob("*.html") if p.is_file())
    docs += sorted((corpus / "travel-markup").rglob("*.html"))
    return docs


def run(corpus: Path = CORPUS, repeat: int = 3) -> dict:
    """Measure and return the numbers (see module docstring)."""
    from paypulse_parsers.retail import extract_retail
    from paypulse_parsers.retail.gemini import build_prompt
    from paypulse_parsers.retail.pipeline import read_document

    docs = _documents(corpus)
    raw_chars, prompt_chars, times = [], [], []
    outcomes = {"markup": 0, "rules_parsed": 0, "rules_needs_review": 0, "skipped": 0, "failed": 0}
    for path in docs:
        data = path.read_bytes()
        source, parsed = read_document(data)
        raw_chars.append(len(source.body))
        prompt_chars.append(len(build_prompt(parsed.text, vendor=None, category="miscellaneous")))
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            doc = asyncio.run(extract_retail(data))
            best = min(best, time.perf_counter() - started)
        times.append(best)
        if doc.method == "markup":
            outcomes["markup"] += 1  # never reaches the LLM, even with a key configured
        elif doc.status in ("skipped", "failed"):
            outcomes[doc.status] += 1
        else:
            outcomes["rules_parsed" if doc.status == "parsed" else "rules_needs_review"] += 1
    total_raw, total_prompt = sum(raw_chars), sum(prompt_chars)
    n = max(len(docs), 1)
    return {
        "documents": len(docs),
        "llm_chars_raw_html_mean": round(statistics.mean(raw_chars)),
        "llm_chars_compacted_prompt_mean": round(statistics.mean(prompt_chars)),
        "compaction_ratio_total": round(total_raw / max(total_prompt, 1), 1),
        "compaction_ratio_median": round(
            statistics.median(r / max(p, 1) for r, p in zip(raw_chars, prompt_chars, strict=True)),
            1,
        ),
        "target_ratio": TARGET_RATIO,
        # With a Gemini key only markup documents skip the LLM; without one, everything is
        # resolved locally and "confident" = markup + rules results with status parsed.
        "no_llm_share_with_key": round(outcomes["markup"] / n, 3),
        "confident_without_llm_share": round(
            (outcomes["markup"] + outcomes["rules_parsed"]) / n, 3
        ),
        "outcomes": outcomes,
        "parse_ms_per_document_median": round(statistics.median(times) * 1000, 2),
        "parse_ms_per_document_max": round(max(times) * 1000, 2),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
