"""paypulse_users."""
