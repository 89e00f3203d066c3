"""Retail invoice extraction from HTML/EML/text order e-mails: an attached e-invoice, schema.org
markup, deterministic rules, and Gemini (when configured) only for what those leave unsettled;
every result validated the same way."""

from paypulse_parsers.retail.gemini import GeminiSettings
from paypulse_parsers.retail.pipeline import extract_retail

__all__ = ["GeminiSettings", "extract_retail"]
