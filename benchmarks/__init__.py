"""PayPulse benchmarks: `python -m benchmarks [suite ...]` (or `paypulse bench`)."""
