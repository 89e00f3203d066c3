"""paypulse_common."""
