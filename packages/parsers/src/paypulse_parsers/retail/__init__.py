"""Retail invoice extraction from HTML/EML/text order e-mails: schema.org markup first, then
Gemini (when configured) or deterministic rules, then validation."""

from paypulse_parsers.retail.gemini import GeminiSettings
from paypulse_parsers.retail.pipeline import extract_retail

__all__ = ["GeminiSettings", "extract_retail"]
