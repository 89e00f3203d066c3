"""paypulse_gmail."""
