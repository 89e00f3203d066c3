"""One pulumi.ComponentResource per module."""
