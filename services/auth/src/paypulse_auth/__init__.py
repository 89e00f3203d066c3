"""paypulse_auth."""
