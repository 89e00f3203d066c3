"""paypulse_notifications."""
