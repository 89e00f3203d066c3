"""paypulse_devkit."""
