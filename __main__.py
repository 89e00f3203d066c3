"""PayPulse Cloud: the Pulumi program's entry point (see infra/program.py)."""

import pulumi

from infra.program import main

for key, value in main().items():
    pulumi.export(key, value)
