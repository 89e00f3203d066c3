"""The PayPulse policy pack (pulumi-policy): policies.py holds them, __main__.py serves them."""
