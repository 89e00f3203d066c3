"""Entry point of the policy pack: `pulumi preview --policy-pack policy`."""

from pulumi_policy import EnforcementLevel, PolicyPack

try:
    from policies import ALL_POLICIES
except ImportError:  # imported as the package `policy`
    from policy.policies import ALL_POLICIES

PolicyPack(
    name="paypulse",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=ALL_POLICIES,
)
