"""`paypulse plan`: the Pulumi stack offline (mocks, no cloud credentials) with policy findings.

Reads ``Pulumi.<stack>.yaml``, runs the program under ``pulumi.runtime.set_mocks``, prints every
resource (type, logical name, key properties) grouped under its component, then runs the policy
pack's policies on the mocked resources. Exit status 1 when a mandatory policy is violated.
``secure:`` values are never decrypted: they become placeholders, as do required secrets that the
stack file does not set yet.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import warnings
from pathlib import Path

SECRET_MASK = "[secret]"  # noqa: S105
KEY_PROPS = {
    "aws:dynamodb/table:Table": ("hashKey", "rangeKey", "billingMode", "streamViewType",
                                 "globalSecondaryIndexes", "pointInTimeRecovery", "ttl"),
    "aws:lambda/function:Function": ("handler", "runtime", "architectures", "memorySize",
                                     "timeout", "layers", "environment", "deadLetterConfig"),
    "aws:lambda/layerVersion:LayerVersion": ("layerName", "compatibleArchitectures", "s3Key"),
    "aws:apigatewayv2/route:Route": ("routeKey",),
    "aws:apigatewayv2/stage:Stage": ("name", "autoDeploy", "defaultRouteSettings"),
    "aws:apigatewayv2/integration:Integration": ("integrationType", "payloadFormatVersion"),
    "aws:lambda/permission:Permission": ("principal", "sourceArn"),
    "aws:cloudwatch/eventRule:EventRule": ("scheduleExpression",),
    "aws:cloudwatch/eventTarget:EventTarget": ("arn", "retryPolicy"),
    "aws:lambda/eventSourceMapping:EventSourceMapping": ("batchSize", "bisectBatchOnFunctionError",
                                                         "maximumRetryAttempts", "filterCriteria"),
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": ("maximumRetryAttempts",),
    "aws:s3/bucketNotification:BucketNotification": ("lambdaFunctions",),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ("rules",),
    "aws:secretsmanager/secret:Secret": ("name",),
    "aws:cloudwatch/logGroup:LogGroup": ("name", "retentionInDays"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("metricName", "dimensions"),
    "aws:dynamodb/tableItem:TableItem": ("hashKey",),
    "aws:sns/platformApplication:PlatformApplication": ("platform",),
}  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to read")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--built",
        action="store_true",
        help="plan with the artifacts of `paypulse build` (its manifest) instead of source-only zips",
    )


def run(args: argparse.Namespace) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulumi_aws(\..*)?")
    from infra.mocks import read_stack_config, run_offline
    from infra.workspace import ROOT, workspace

    stack_file = ROOT / f"Pulumi.{args.stack}.yaml"
    if not stack_file.is_file():
        print(f"paypulse plan: no {stack_file.name} (create it with pulumi stack init)",
              file=sys.stderr)  # fmt: skip
        return 2
    config, secret_keys = read_stack_config(stack_file)
    config["paypulse:artifacts"] = "built" if args.built else "sources"
    placeholders = []
    for secret in workspace().resources.secrets.values():
        key = f"paypulse:{secret.config}" if secret.config else None
        if key and key not in config and not secret.optional:
            config[key] = "offline-placeholder"
            secret_keys.append(key)
            placeholders.append(key)
    result = run_offline(config, stack=args.stack, secret_keys=secret_keys)
    findings = evaluate(result.resources, ROOT / "policy" / "policies.py")
    if args.json:
        doc = {
            "stack": args.stack,
            "resources": [
                {
                    "type": r.typ,
                    "name": r.name,
                    "props": key_props(r.typ, r.inputs, r.secret_inputs),
                }
                for r in result.resources
            ],
            "outputs": _mask(result.outputs),
            "findings": findings,
            "placeholders": placeholders,
        }
        print(json.dumps(doc, indent=2, sort_keys=True, default=str))
    else:
        print(render_tree(result.resources))
        print(f"\n{len(result.resources)} resources (stack {args.stack}, offline mocks)")
        for key in placeholders:
            print(f"note: {key} is not set; planned with a placeholder")
        print("\nOutputs:")
        for key, value in sorted(_mask(result.outputs).items()):
            print(f"  {key}: {json.dumps(value, default=str)}")
        print(f"\nPolicy findings: {len(findings)}")
        for f in findings:
            print(f"  [{f['policy']}] {f['resource']}: {f['message']}")
    return 1 if findings else 0


def evaluate(resources, policies_path: Path) -> list[dict]:
    """Run every policy of the pack on mocked resources: resource policies on inputs, the stack
    policy on the resolved state (ARNs)."""
    from pulumi_policy import ResourceValidationArgs, StackValidationArgs
    from pulumi_policy.policy import PolicyResource

    policies = _load(policies_path)
    findings: list[dict] = []
    custom = [r for r in resources if not r.typ.startswith("paypulse:")]
    for r in custom:
        for policy in policies.RESOURCE_POLICIES:
            args = ResourceValidationArgs(r.typ, r.inputs, r.urn, r.name, None, None)  # type: ignore[arg-type]
            policy.validate(args, _collect(findings, policy.name, r.name))
    stack_resources = [
        PolicyResource(r.typ, r.state, r.urn, r.name, None, None, None, [], {})  # type: ignore[arg-type]
        for r in custom
    ]
    for policy in policies.STACK_POLICIES:
        policy.validate(
            StackValidationArgs(stack_resources), _collect(findings, policy.name, "stack")
        )
    return findings


def render_tree(resources) -> str:
    components = [r for r in resources if r.typ.startswith("paypulse:")]
    lines = []
    placed: set[int] = set()
    for comp in components:
        lines.append(f"{comp.typ}  {comp.name}")
        for i, r in enumerate(resources):
            if (
                r.typ.startswith("paypulse:")
                or i in placed
                or not r.name.startswith(f"{comp.name}-")
            ):
                continue
            placed.add(i)
            props = key_props(r.typ, r.inputs, r.secret_inputs)
            shown = "  " + json.dumps(props, sort_keys=True, default=str) if props else ""
            lines.append(f"  {r.typ}  {r.name}{shown}")
    rest = [
        r for i, r in enumerate(resources) if i not in placed and not r.typ.startswith("paypulse:")
    ]
    for r in rest:
        lines.append(f"{r.typ}  {r.name}")
    return "\n".join(lines)


def key_props(typ: str, inputs: dict, secret_inputs: frozenset[str] = frozenset()) -> dict:
    props: dict = {
        k: SECRET_MASK if k in secret_inputs else inputs[k]
        for k in KEY_PROPS.get(typ, ())
        if k in inputs
    }
    if typ == "aws:iam/rolePolicy:RolePolicy" and isinstance(inputs.get("policy"), str):
        statements = json.loads(inputs["policy"]).get("Statement", [])
        props["statements"] = [
            f"{s.get('Sid', '?')}: {','.join(_as_list(s.get('Action')))} -> "
            f"{','.join(_as_list(s.get('Resource')))}"
            for s in statements
        ]
    if typ == "aws:lambda/function:Function" and "environment" in props:
        props["environment"] = sorted((props["environment"] or {}).get("variables", {}))
    return _mask(props)


def _as_list(value) -> list:
    return list(value) if isinstance(value, list) else [value]


def _mask(value):
    if isinstance(value, dict):
        if any(len(k) == 32 and all(c in "0123456789abcdef" for c in k) for k in value):
            return SECRET_MASK  # Pulumi's secret sigil
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def _collect(findings: list[dict], policy: str, resource: str):
    def report(message: str, urn: str | None = None) -> None:
        findings.append({"policy": policy, "resource": resource, "message": message})

    return report


def _load(path: Path):
    spec = importlib.util.spec_from_file_location("paypulse_policy_pack", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
