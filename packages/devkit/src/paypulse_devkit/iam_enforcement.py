"""IAM enforced per function in the local stack, on action and resource, as AWS does.

moto's own enforcement checks resources only for S3 (and actions only for some services), so
the local stack evaluates policies itself: each function's execution environment gets an
aiobotocore session carrying two botocore event hooks.

- ``before-parameter-build``: the call's API parameters are mapped to IAM action(s) and
  resource ARN(s) (``iam_requests``) and evaluated against the function's policy, rendered by
  ``infra.iam.function_policy`` (the very function the Pulumi program uses) with the ARNs of
  the moto resources. Decisions are cached per function.
- ``before-call``: a denied call is answered without reaching moto, with what AWS answers:
  HTTP 403 and ``AccessDeniedException`` (DynamoDB, Secrets Manager), ``AccessDenied`` (S3,
  SQS) or ``AuthorizationError`` (SNS), "User: <assumed role> is not authorized to perform:
  <action> on resource: <arn> because no identity-based policy allows the <action> action".
  S3 DeleteObjects answers per key (denied keys in ``Errors`` with ``AccessDenied``).

Hooks on the session (not in paypulse-common) keep production code free of test switches.
``PAYPULSE_IAM=off`` turns enforcement off, for debugging only (README).

Every authorization is recorded: which (function, action, resource) were used and which policy
grants they exercised. ``PAYPULSE_IAM_USAGE=<dir>`` makes the stack write that record when it
stops; ``paypulse iam-report`` (and the pytest summary) list the grants never exercised.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.iam import Arns, function_policy, secret_prefix_arn
from infra.workspace import Function, Resources, Workspace
from paypulse_devkit.iam_policy import Decision, Grant, Policy, Request
from paypulse_devkit.iam_requests import Scope, requests_for

SWITCH = "PAYPULSE_IAM"
USAGE_DIR = "PAYPULSE_IAM_USAGE"
ACCOUNT = "123456789012"  # moto's default account (moto.core.DEFAULT_ACCOUNT_ID)
ROLE_PREFIX = "paypulse-local-"
# Statements whose grants the Lambda service exercises with the function's role, not the code:
# logs (runtime), the dead-letter queue (async invokes) and stream reads (event source mapping).
SERVICE_SIDS = ("Logs", "DeadLetterQueue", "ListStreams", "Stream")
_ERROR_CODES = {
    "s3": "AccessDenied",
    "sqs": "AccessDenied",
    "sns": "AuthorizationError",
}
_DENIED = "paypulse:iam-denied"
_PARTIAL = "paypulse:iam-denied-keys"


def enabled() -> bool:
    """Enforcement is on unless ``PAYPULSE_IAM=off`` (debugging only)."""
    return os.environ.get(SWITCH, "on").strip().lower() not in ("off", "0", "false", "no")


def is_service_grant(grant: Grant) -> bool:
    return grant.sid.startswith(SERVICE_SIDS)


def local_arns(
    fn: Function, resources: Resources, names: Any, region: str, account: str = ACCOUNT
) -> Arns:
    """The ARNs infra would pass to ``function_policy``, for the moto resources.

    Fixed secrets are granted as ``NAME-??????``: the six random characters Secrets Manager
    appends to every secret ARN (Secrets Manager user guide, "Permissions policy examples":
    "to match the random characters use ??????"), so the grant survives the local stack's
    resets, which recreate the secrets with new suffixes."""
    secrets = {}
    for logical in fn.secrets:
        physical = names.secrets[logical]
        if resources.secrets[logical].prefix:  # runtime-created, per-user secrets
            secrets[logical] = secret_prefix_arn(region, account, physical)
        else:
            secrets[logical] = f"arn:aws:secretsmanager:{region}:{account}:secret:{physical}-??????"
    return Arns(
        region=region,
        account=account,
        tables={
            t: f"arn:aws:dynamodb:{region}:{account}:table/{names.tables[t]}" for t in fn.tables
        },
        streams={fn.stream.table: names.stream_arns[fn.stream.table]} if fn.stream else {},
        buckets={b: f"arn:aws:s3:::{names.buckets[b]}" for b in fn.buckets},
        secrets=secrets,
        topics={t: names.topics[t] for t in fn.topics},
        queues={q: names.queue_arns[q] for q in {*fn.queues, *([fn.sqs.queue] if fn.sqs else [])}},
        keys={k: names.key_arns[k] for k in fn.keys},
        platform_application=names.apns_platform_app_arn if fn.topics else None,
        log_group=f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{ROLE_PREFIX}{fn.name}",
        dead_letter_queue=(
            f"arn:aws:sqs:{region}:{account}:{ROLE_PREFIX}{fn.name}-dlq"
            if fn.is_async_trigger
            else None
        ),
    )


@dataclass
class Denial:
    function: str
    action: str
    resource: str
    explicit: bool


class AccessDeniedError(Exception):
    """Raised by ``Enforcer.check`` (callers outside botocore, e.g. the event pump)."""


class Enforcer:
    """The policies of every function and the record of what they were used for."""

    def __init__(self, ws: Workspace, names: Any, endpoint: str, region: str) -> None:
        self.ws = ws
        self.region = region
        self.account = ACCOUNT
        self._endpoint = endpoint
        self._lock = threading.Lock()
        self._secret_arns: dict[str, str] = {}
        self._key_arns: dict[str, str] = {}
        self._sm: Any = None
        self._kms: Any = None
        self.documents: dict[str, dict] = {}
        self.policies: dict[str, Policy] = {}
        self._cache: dict[str, dict[Request, Decision]] = {}
        self.used: set[tuple[str, str, str]] = set()
        self.exercised: set[tuple[str, str, str, int]] = set()
        self.denials: list[Denial] = []
        self.scope = Scope(
            region=region, account=ACCOUNT, secret_arn=self._secret_arn, key_arn=self._key_arn
        )
        self.configure(names)

    # ---------------------------------------------------------------- policies
    def configure(self, names: Any, functions: Iterable[Function] | None = None) -> None:
        """(Re)render the policies from the declarations and the physical names."""
        with self._lock:
            for fn in functions or self.ws.functions.values():
                arns = local_arns(fn, self.ws.resources, names, self.region, self.account)
                doc = function_policy(fn, self.ws.resources, arns)
                self.documents[fn.name] = doc
                self.policies[fn.name] = Policy(doc)
                self._cache[fn.name] = {}
            self._secret_arns.clear()
            self._key_arns.clear()

    def reset(self) -> None:
        """moto was emptied: secrets are new (new ARN suffixes), keys too (new key ids)."""
        with self._lock:
            self._secret_arns.clear()
            self._key_arns.clear()

    def role_arn(self, function: str) -> str:
        return f"arn:aws:sts::{self.account}:assumed-role/{ROLE_PREFIX}{function}-role/{function}"

    # ---------------------------------------------------------------- evaluation
    def authorize(self, function: str, requests: list[Request]) -> list[Decision]:
        policy = self.policies[function]
        cache = self._cache[function]
        out = []
        for request in requests:
            decision = cache.get(request)
            if decision is None:
                decision = cache[request] = policy.evaluate(request)
            out.append(decision)
        with self._lock:
            for request, decision in zip(requests, out, strict=True):
                if decision.allowed:
                    self.used.add((function, request.action, request.resource))
                    self.exercised.update((function, *g.key) for g in decision.grants)
                else:
                    self.denials.append(
                        Denial(function, request.action, request.resource, decision.explicit_deny)
                    )
        return out

    def check(self, function: str, requests: list[Request]) -> None:
        for request, decision in zip(requests, self.authorize(function, requests), strict=True):
            if not decision.allowed:
                raise AccessDeniedError(self.message(function, request, decision))

    def message(self, function: str, request: Request, decision: Decision) -> str:
        why = (
            "with an explicit deny in an identity-based policy"
            if decision.explicit_deny
            else f"because no identity-based policy allows the {request.action} action"
        )
        return (
            f"User: {self.role_arn(function)} is not authorized to perform: {request.action} "
            f"on resource: {request.resource} {why}"
        )

    def _secret_arn(self, secret_id: str) -> str:
        """A secret's full ARN (with its random suffix) from its name or ARN, as Secrets
        Manager resolves it before authorizing; a secret that does not exist is evaluated
        under its name alone, which a ``NAME-??????`` grant does not match (AWS then answers
        AccessDenied, not ResourceNotFound)."""
        if secret_id.startswith("arn:"):
            return secret_id
        arn = self._secret_arns.get(secret_id)
        if arn is None:
            if self._sm is None:
                from paypulse_devkit.aws_local import boto_client

                self._sm = boto_client("secretsmanager", self._endpoint)
            try:
                arn = self._sm.describe_secret(SecretId=secret_id)["ARN"]
            except self._sm.exceptions.ResourceNotFoundException:
                return f"arn:aws:secretsmanager:{self.region}:{self.account}:secret:{secret_id}"
            self._secret_arns[secret_id] = arn
        return arn

    def _key_arn(self, alias: str) -> str:
        """The ARN of the key an alias names (KMS authorizes a call by alias on the key)."""
        arn = self._key_arns.get(alias)
        if arn is None:
            if self._kms is None:
                from paypulse_devkit.aws_local import boto_client

                self._kms = boto_client("kms", self._endpoint)
            try:
                arn = self._kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
            except self._kms.exceptions.NotFoundException:
                return f"arn:aws:kms:{self.region}:{self.account}:{alias}"
            self._key_arns[alias] = arn
        return arn

    # ---------------------------------------------------------------- botocore hooks
    def install(self, events: Any, function: str) -> None:
        """Register the hooks on a botocore/aiobotocore session or client event emitter."""
        if function not in self.policies:
            raise KeyError(f"no policy for function {function!r}")
        uid = f"paypulse-iam-{function}-{uuid.uuid4().hex}"

        def before_parameter_build(params: dict, model: Any, context: dict, **_: Any) -> None:
            service = model.service_model.service_name
            requests = requests_for(service, model.name, params, self.scope)
            decisions = self.authorize(function, requests)
            if service == "s3" and model.name == "DeleteObjects":
                objects = params["Delete"]["Objects"]
                denied = [o for o, d in zip(objects, decisions, strict=True) if not d.allowed]
                if denied:
                    params["Delete"]["Objects"] = [
                        o for o, d in zip(objects, decisions, strict=True) if d.allowed
                    ]
                    context[_PARTIAL] = denied
                    if not params["Delete"]["Objects"]:
                        context[_DENIED] = ("partial", None)
                return
            for request, decision in zip(requests, decisions, strict=True):
                if not decision.allowed:
                    context[_DENIED] = (service, self.message(function, request, decision))
                    return
            if service == "secretsmanager" and model.name == "DeleteSecret":
                self._secret_arns.pop(params.get("SecretId", ""), None)

        def before_call(model: Any, context: dict, **_: Any) -> Any:
            denied = context.get(_DENIED)
            if denied is None:
                return None
            service, message = denied
            if service == "partial":
                return _response(200), {"Errors": _key_errors(context[_PARTIAL]), **_meta(200)}
            code = _ERROR_CODES.get(service, "AccessDeniedException")
            # KMS answers AccessDeniedException with HTTP 400 (KMS API reference, Common Errors).
            status = 400 if service == "kms" else 403
            return _response(status), {"Error": {"Code": code, "Message": message}, **_meta(status)}

        def after_call(parsed: dict, model: Any, context: dict, **_: Any) -> None:
            if context.get(_PARTIAL) and context.get(_DENIED) is None:
                parsed.setdefault("Errors", []).extend(_key_errors(context[_PARTIAL]))

        events.register("before-parameter-build", before_parameter_build, unique_id=uid + "-p")
        events.register("before-call", before_call, unique_id=uid + "-c")
        events.register("after-call.s3.DeleteObjects", after_call, unique_id=uid + "-a")

    def session(self, function: str) -> Any:
        """An aiobotocore session whose clients are authorized as ``function``."""
        from aiobotocore.session import get_session

        session = get_session()
        self.install(session, function)
        return session

    # ---------------------------------------------------------------- usage record
    def usage(self) -> dict[str, Any]:
        with self._lock:
            return {
                "policies": self.documents,
                "exercised": sorted(self.exercised),
                "used": sorted(self.used),
                "denied": sorted({(d.function, d.action, d.resource) for d in self.denials}),
            }

    def write_usage(self, folder: str | os.PathLike[str] | None = None) -> Path | None:
        """Write the record to ``folder`` (default ``$PAYPULSE_IAM_USAGE``), one file per stack."""
        folder = folder or os.environ.get(USAGE_DIR)
        if not folder:
            return None
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        out = path / f"usage-{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
        out.write_text(json.dumps(self.usage(), sort_keys=True))
        return out


def _key_errors(objects: list[dict]) -> list[dict]:
    return [
        {
            "Key": o["Key"],
            **({"VersionId": o["VersionId"]} if o.get("VersionId") else {}),
            "Code": "AccessDenied",
            "Message": "Access Denied",
        }
        for o in objects
    ]


def _meta(status: int) -> dict:
    return {
        "ResponseMetadata": {
            "RequestId": uuid.uuid4().hex,
            "HTTPStatusCode": status,
            "HTTPHeaders": {},
            "RetryAttempts": 0,
        }
    }


def _response(status: int) -> Any:
    from botocore.awsrequest import AWSResponse

    return AWSResponse("", status, {}, None)
