"""paypulse_parsers."""
