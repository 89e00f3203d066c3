"""The Pulumi program: settings -> declarations -> artifacts -> components -> outputs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import cast

import pulumi
import pulumi_aws as aws

from infra.build import Artifacts, BuildError, BuildOptions, build_all, load_manifest
from infra.components.artifacts import LambdaArtifacts, LambdaArtifactsArgs
from infra.components.buckets import Buckets, BucketsArgs, BucketSpec
from infra.components.dashboard import Dashboard, DashboardArgs
from infra.components.function import FunctionArgs, LambdaFunction, PolicyInputs
from infra.components.http_api import HttpApi, HttpApiArgs, RouteTarget
from infra.components.keys import Keys, KeysArgs
from infra.components.notifications import Notifications, NotificationsArgs
from infra.components.observability import Observability, ObservabilityArgs
from infra.components.queues import QueuesArgs, WorkQueues
from infra.components.s3_triggers import S3Target, S3Triggers, S3TriggersArgs
from infra.components.schedules import Schedules, SchedulesArgs, ScheduleTarget
from infra.components.secrets import Secrets, SecretsArgs
from infra.components.tables import Tables, TablesArgs
from infra.components.vendor_items import VendorItems, VendorItemsArgs
from infra.config import StackSettings, load_settings
from infra.workspace import Function, gmail_push_environment, runtime_environment, workspace

ARTIFACTS_BUCKET = "lambda_artifacts"
VENDOR_TABLE = "vendor_config"
APNS_ENV = "PAYPULSE_APNS_PLATFORM_APP_ARN"
GEMINI_MODEL_ENV = "PAYPULSE_GEMINI_MODEL"


def function_name(settings: StackSettings, fn: Function) -> str:
    return f"paypulse-{settings.stack}-{fn.name}"


def lambda_artifacts(settings: StackSettings) -> Artifacts:
    """The zips `paypulse build` made (checked against the sources; the program never builds),
    or, with paypulse:artifacts=sources, zips of the sources alone for offline plans."""
    build_dir = Path(settings.build_dir) if settings.build_dir else None
    if settings.artifacts == "sources":
        pulumi.log.warn(
            "paypulse:artifacts=sources: layers hold the workspace sources only (no third-party "
            "packages); for offline plans and tests, never for a deployment"
        )
        options = BuildOptions("sources", settings.architecture, build_dir)
        return build_all(workspace(), options)
    artifacts = load_manifest(workspace(), settings.architecture, build_dir)
    if artifacts.mode != "full" and not pulumi.runtime.is_dry_run():
        raise BuildError("the manifest holds source-only artifacts: run `paypulse build` first")
    return artifacts


def main() -> dict[str, object]:
    """Declare every resource of the stack; return the stack outputs."""
    settings = load_settings(
        {s.name: s.config for s in workspace().resources.secrets.values() if s.config}
    )
    ws = workspace(settings.token_store)
    res = ws.resources
    region = aws.get_region_output().region
    account = aws.get_caller_identity_output().account_id
    artifacts = lambda_artifacts(settings)
    for note in artifacts.notes:
        pulumi.log.warn(note)

    tables = Tables(
        "data",
        TablesArgs(
            tables=tuple(res.tables.values()),
            point_in_time_recovery=settings.point_in_time_recovery,
            deletion_protection=settings.deletion_protection,
        ),
    )
    buckets = Buckets(
        "storage",
        BucketsArgs(
            (
                *(BucketSpec(b.name, b.noncurrent_version_days) for b in res.buckets.values()),
                BucketSpec(ARTIFACTS_BUCKET, 7),
            )
        ),
    )
    secrets = Secrets(
        "secrets",
        SecretsArgs(
            secrets=tuple(res.secrets.values()),
            names={
                s.name: settings.secret_prefix(s.prefix)
                if s.prefix
                else settings.secret_name(s.name)
                for s in res.secrets.values()
            },
            values=settings.config_secrets,
            jwt_key_version=settings.jwt_key_version,
            region=region,
            account=account,
        ),
    )
    keys = Keys(
        "keys", KeysArgs(keys=tuple(res.keys.values()), stack=settings.stack, account=account)
    )
    notifications = Notifications(
        "notifications",
        NotificationsArgs(
            topics=tuple(res.topics.values()), apns=settings.apns, stack=settings.stack
        ),
    )
    code = LambdaArtifacts(
        "lambda",
        LambdaArtifactsArgs(
            artifacts=artifacts,
            bucket=buckets.names[ARTIFACTS_BUCKET],
            stack=settings.stack,
            architecture=settings.architecture,
            depends_on=tuple(buckets.ready[ARTIFACTS_BUCKET]),
        ),
    )
    work_queues = WorkQueues(
        "queues",
        QueuesArgs(
            queues=tuple(res.queues.values()),
            visibility_timeouts={q: ws.visibility_timeout(q) for q in res.queues},
            stack=settings.stack,
        ),
    )
    policy_inputs = PolicyInputs(
        resources=res,
        region=region,
        account=account,
        tables=dict(tables.arns),
        streams=dict(tables.stream_arns),
        buckets=dict(buckets.arns),
        secrets=dict(secrets.arns),
        topics=dict(notifications.topic_arns),
        queues=dict(work_queues.arns),
        keys=dict(keys.arns),
        platform_application=notifications.platform_application_arn,
    )
    physical: dict[str, Mapping[str, object]] = {
        "TABLE": tables.names,
        "BUCKET": buckets.names,
        "SECRET": secrets.names,
        "TOPIC": notifications.topic_arns,
        "QUEUE": work_queues.urls,
        "KEY": keys.arns,
    }

    functions: dict[str, LambdaFunction] = {}
    for fn in ws.functions.values():
        extra: dict = {}
        app = notifications.platform_application_arn
        if app is not None and "endpoints" in fn.topics.values():
            extra[APNS_ENV] = app
        if "gemini_api_key" in fn.secrets:
            extra[GEMINI_MODEL_ENV] = settings.gemini_model
        extra.update(gmail_push_environment(fn, settings.gmail_push))
        env = runtime_environment(
            fn,
            lambda kind, logical: physical[kind][logical],
            stack=settings.stack,
            extra=extra,
            ws=ws,
        )
        functions[fn.name] = LambdaFunction(
            f"fn-{fn.name}",
            FunctionArgs(
                fn=fn,
                physical_name=function_name(settings, fn),
                code_bucket=buckets.names[ARTIFACTS_BUCKET],
                code_key=code.code_keys[fn.service],
                code_hash=artifacts.services[fn.service].base64_sha256,
                layer_arns=[code.layer_arns[layer] for layer in fn.layers],
                environment=cast(dict[str, pulumi.Input[str]], env),
                policy_inputs=policy_inputs,
                architecture=settings.architecture,
                log_retention_days=settings.log_retention_days,
                maximum_concurrency=settings.maximum_concurrency(fn),
            ),
        )

    api = HttpApi(
        "http",
        HttpApiArgs(
            routes=tuple(
                RouteTarget(route, fn.name, functions[fn.name].arn, functions[fn.name].name)
                for route, fn in ws.routes()
            ),
            api_name=f"paypulse-{settings.stack}",
            log_retention_days=settings.log_retention_days,
        ),
    )
    schedules = Schedules(
        "schedules",
        SchedulesArgs(
            tuple(
                ScheduleTarget(s, fn.name, functions[fn.name].arn, functions[fn.name].name)
                for fn in ws.functions.values()
                for s in fn.schedules
            )
        ),
    )
    for bucket in res.buckets:
        targets = tuple(
            S3Target(
                fn.name, fn.s3.prefix, fn.s3.suffix, functions[fn.name].arn, functions[fn.name].name
            )
            for fn in ws.functions.values()
            if fn.s3 and fn.s3.bucket == bucket
        )
        if targets:
            S3Triggers(
                f"{bucket}-events",
                S3TriggersArgs(
                    bucket=buckets.names[bucket],
                    bucket_arn=buckets.arns[bucket],
                    account=account,
                    targets=targets,
                    depends_on=tuple(buckets.ready[bucket]),
                ),
            )
    vendors = None
    if VENDOR_TABLE in res.tables:
        vendors = VendorItems(
            "vendors",
            VendorItemsArgs(
                table_name=tables.names[VENDOR_TABLE],
                hash_key=res.tables[VENDOR_TABLE].hash_key,
                folder=ws.root / "vendor_configs",
            ),
        )
    queues = {
        name: f.dead_letter_queue.name for name, f in functions.items() if f.dead_letter_queue
    }
    queues["schedules"] = schedules.dead_letter_queue.name
    for logical, dlq in work_queues.dead_letter_queues.items():
        queues[f"queue-{logical}"] = dlq.name
    ops = Observability(
        "ops",
        ObservabilityArgs(
            function_names={name: f.name for name, f in functions.items()},
            queue_names=queues,
            alarm_email=settings.alarm_email,
        ),
    )
    dashboard = Dashboard(
        "ops",
        DashboardArgs(
            stack=settings.stack,
            region=region,
            routes=tuple(str(route) for route, _ in ws.routes()),
            dead_letter_queues=queues,
        ),
    )
    outputs: dict[str, object] = {
        "api_url": api.url,
        "invoices_bucket": buckets.names.get("invoices"),
        "tables": dict(tables.names),
        "topic_arn": notifications.topic_arns.get("invoice_notifications"),
        "ops_topic_arn": ops.ops_topic_arn,
        "dashboard": dashboard.dashboard_name,
        "vendor_items": len(vendors.keys) if vendors else 0,
        "token_store": settings.token_store,
    }
    if notifications.platform_application_arn is not None:
        outputs["platform_application_arn"] = notifications.platform_application_arn
    return outputs
