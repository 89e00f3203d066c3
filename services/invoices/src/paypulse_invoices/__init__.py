"""paypulse_invoices."""
