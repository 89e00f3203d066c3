"""Pulumi mocks for offline runs (tests and ``paypulse plan``): realistic ids, names and ARNs,
and every resource's inputs checked against AWS's documented rules (infra.aws_rules).

``run_offline(config, stack=..., preview=False)`` runs the program under
``pulumi.runtime.set_mocks`` with the given ``paypulse:*``/``aws:*`` config and returns every
registered resource with its inputs; it raises AwsRuleError, naming each broken rule, when AWS
would reject an input. ``preview=True`` behaves like ``pulumi preview`` of a new stack: what AWS
computes (ids, ARNs, names it generates) stays unknown, so ``apply`` callbacks on it do not run.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from infra.aws_rules import UNKNOWN, Registered, check_resource, check_stack

REGION = "eu-west-1"
ACCOUNT = "123456789012"
PROJECT = "paypulse"


class AwsRuleError(ValueError):
    """Inputs AWS would reject (one line per broken rule)."""

    def __init__(self, violations: list[str]):
        self.violations = violations
        super().__init__("AWS would reject this stack:\n  " + "\n  ".join(violations))


@dataclass
class MockedResource:
    typ: str
    name: str
    inputs: dict
    state: dict
    id: str
    urn: str
    dependencies: frozenset[str] = frozenset()
    ignore_changes: tuple[str, ...] = ()
    secret_inputs: frozenset[str] = frozenset()

    def registered(self) -> Registered:
        return Registered(self.typ, self.name, self.urn, self.inputs, self.state,
                          self.dependencies, self.ignore_changes, self.secret_inputs,
                          self.id)  # fmt: skip


@dataclass
class OfflineRun:
    resources: list[MockedResource] = field(default_factory=list)
    outputs: dict = field(default_factory=dict)

    def of_type(self, typ: str) -> list[MockedResource]:
        return [r for r in self.resources if r.typ == typ]

    def named(self, name: str) -> MockedResource:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(name)
        return matches[0]


def _suffix(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:7]


def _plain(value):
    """Inputs as the rules read them: secrets unwrapped, unknowns as aws_rules.UNKNOWN."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if rpc.is_rpc_secret(value):
        return _plain(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _wire(value):
    if isinstance(value, Unknown):
        return rpc.UNKNOWN
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


class _Monitor(MockMonitor):
    """The SDK's mock monitor, also keeping what the mocks' arguments leave out: each resource's
    dependencies (explicit and through its inputs) and ignore_changes."""

    def __init__(self, mocks: PayPulseMocks):
        super().__init__(mocks)
        self._lock = threading.Lock()

    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        deps = set(request.dependencies)
        for prop in request.propertyDependencies.values():
            deps |= set(prop.urns)
        with self._lock:
            self.mocks.meta[(request.type, request.name)] = (
                urn,
                frozenset(deps),
                tuple(request.ignoreChanges),
            )
        return super().RegisterResource(request)


class PayPulseMocks(pulumi.runtime.Mocks):
    def __init__(
        self, stack: str, region: str = REGION, account: str = ACCOUNT, preview: bool = False
    ):
        self.stack = stack
        self.region = region
        self.account = account
        self.preview = preview
        self.resources: list[MockedResource] = []
        self.meta: dict[tuple[str, str], tuple[str, frozenset[str], tuple[str, ...]]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        typ, name = args.typ, args.name
        secrets = frozenset(k for k, v in args.inputs.items() if rpc.is_rpc_secret(v))
        inputs = _plain(dict(args.inputs))
        state = dict(inputs)
        physical = inputs.get("name") or f"{name}-{_suffix(name)}"
        r, a = self.region, self.account
        rid = f"{name}-id"
        if typ == "aws:dynamodb/table:Table":
            state.update(name=physical, arn=f"arn:aws:dynamodb:{r}:{a}:table/{physical}")
            if inputs.get("streamEnabled"):
                # A real label reads 2026-01-01T00:00:00.000; parliament splits ARNs on ':'.
                state["streamArn"] = f"{state['arn']}/stream/2026-01-01T00.00.00.000"
            rid = physical
        elif typ == "aws:s3/bucket:Bucket":
            physical = inputs.get("bucket") or physical.replace("_", "-")
            state.update(bucket=physical, arn=f"arn:aws:s3:::{physical}")
            rid = physical
        elif typ == "aws:secretsmanager/secret:Secret":
            state["arn"] = f"arn:aws:secretsmanager:{r}:{a}:secret:{physical}-AbCdEf"
            rid = state["arn"]
        elif typ == "aws:sns/topic:Topic":
            state.update(name=physical, arn=f"arn:aws:sns:{r}:{a}:{physical}")
            rid = state["arn"]
        elif typ == "aws:sns/platformApplication:PlatformApplication":
            state["arn"] = f"arn:aws:sns:{r}:{a}:app/{inputs.get('platform')}/{physical}"
            rid = state["arn"]
        elif typ == "aws:lambda/function:Function":
            arn = f"arn:aws:lambda:{r}:{a}:function:{physical}"
            state.update(
                name=physical,
                arn=arn,
                invokeArn=f"arn:aws:apigateway:{r}:lambda:path/2015-03-31/functions/{arn}/invocations",
            )
            rid = physical
        elif typ == "aws:lambda/layerVersion:LayerVersion":
            state["arn"] = f"arn:aws:lambda:{r}:{a}:layer:{inputs.get('layerName')}:1"
            rid = state["arn"]
        elif typ == "aws:cloudwatch/logGroup:LogGroup":
            state.update(name=physical, arn=f"arn:aws:logs:{r}:{a}:log-group:{physical}")
            rid = physical
        elif typ == "aws:sqs/queue:Queue":
            state.update(
                name=physical,
                arn=f"arn:aws:sqs:{r}:{a}:{physical}",
                url=f"https://sqs.{r}.amazonaws.com/{a}/{physical}",
            )
            rid = state["url"]
        elif typ == "aws:iam/role:Role":
            state.update(name=physical, arn=f"arn:aws:iam::{a}:role/{physical}")
            rid = physical
        elif typ == "aws:apigatewayv2/api:Api":
            rid = _suffix(name)
            state.update(
                apiEndpoint=f"https://{rid}.execute-api.{r}.amazonaws.com",
                executionArn=f"arn:aws:execute-api:{r}:{a}:{rid}",
            )
        elif typ == "aws:apigatewayv2/stage:Stage":
            state["invokeUrl"] = f"https://{_suffix('http-api')}.execute-api.{r}.amazonaws.com/"
        elif typ == "aws:cloudwatch/eventRule:EventRule":
            state.update(name=physical, arn=f"arn:aws:events:{r}:{a}:rule/{physical}")
            rid = physical
        elif typ == "aws:cognito/identityPool:IdentityPool":
            rid = f"{r}:00000000-0000-4000-8000-{_suffix(name)}00000"
        elif typ == "aws:kms/key:Key":
            rid = f"00000000-0000-4000-8000-{_suffix(name)}00000"
            state.update(keyId=rid, arn=f"arn:aws:kms:{r}:{a}:key/{rid}")
        elif typ == "aws:apigatewayv2/integration:Integration":
            rid = _suffix(name)
        urn, deps, ignore = self.meta.get(
            (typ, name), (f"urn:pulumi:{self.stack}::{PROJECT}::{typ}::{name}", frozenset(), ())
        )
        if self.preview:
            # A preview of a new stack: only the inputs are known, AWS computes the rest.
            state = {k: v for k, v in inputs.items() if v is not UNKNOWN}
            rid = ""
        self.resources.append(
            MockedResource(typ, name, inputs, state, rid, urn, deps, ignore, secrets)
        )
        # Inputs go back as the engine sent them (secrets stay secret, unknowns unknown).
        return rid, {
            k: _wire(args.inputs[k]) if k in args.inputs else v
            for k, v in state.items()
            if v is not UNKNOWN
        }

    def call(self, args: pulumi.runtime.MockCallArgs):
        token = args.token
        if token == "aws:index/getRegion:getRegion":  # noqa: S105
            return {"name": self.region, "region": self.region, "id": self.region}
        if token == "aws:index/getCallerIdentity:getCallerIdentity":  # noqa: S105
            return {
                "accountId": self.account,
                "arn": f"arn:aws:iam::{self.account}:user/plan",
                "userId": "PLAN",
                "id": self.account,
            }
        return {}


def read_stack_config(path: Path) -> tuple[dict[str, str], list[str]]:
    """Flat ``{"ns:key": "value"}`` config of a Pulumi.<stack>.yaml; ``secure:`` values become
    a placeholder (mocks never decrypt) and are listed as secret keys."""
    import yaml

    doc = yaml.safe_load(path.read_text()) or {}
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in (doc.get("config") or {}).items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        if isinstance(value, dict) and "secure" in value:
            config[full] = "offline-placeholder"
            secret_keys.append(full)
        elif isinstance(value, dict | list):
            import json

            config[full] = json.dumps(value)
        else:
            config[full] = str(value).lower() if isinstance(value, bool) else str(value)
    return config, secret_keys


def run_offline(
    config: dict[str, str],
    *,
    stack: str = "dev",
    secret_keys: list[str] | None = None,
    program: Callable[[], dict] | None = None,
    preview: bool = False,
    validate: bool = True,
) -> OfflineRun:
    """Run the program under mocks; return the registered resources and resolved outputs.

    Raises AwsRuleError when a resource's inputs break one of AWS's rules (``validate``)."""
    try:  # Pulumi's runtime (set_mocks, runtime.test) works on the thread's current loop
        asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:  # an earlier asyncio.run() / Runner in this thread cleared it
        asyncio.set_event_loop(asyncio.new_event_loop())
    mocks = PayPulseMocks(stack, region=config.get("aws:region", REGION), preview=preview)
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack=stack, preview=preview, monitor=_Monitor(mocks)
    )
    pulumi.runtime.set_all_config(dict(config), list(secret_keys or []))
    if program is None:
        from infra.program import main as program
    run = OfflineRun(resources=mocks.resources)

    @pulumi.runtime.test
    def _execute():
        outputs = program()
        return pulumi.Output.from_input(outputs).apply(run.outputs.update)

    _execute()
    if validate:
        registered = [r.registered() for r in run.resources]
        violations = [v for r in registered for v in check_resource(r)]
        violations += check_stack(registered)
        if violations:
            raise AwsRuleError(violations)
    return run
