"""API Gateway HTTP API from the declared routes: payload 2.0, $default stage, JSON access logs."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.workspace import Route

# API Gateway HTTP API: integrations time out after at most 30 s (the client then gets 503).
INTEGRATION_TIMEOUT_MS = 30_000
THROTTLE_BURST = 5000
THROTTLE_RATE = 1000
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "sourceIp": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "routeKey": "$context.routeKey",
    "path": "$context.path",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integrationLatency",
    "integrationErrorMessage": "$context.integrationErrorMessage",
}


@dataclass(frozen=True)
class RouteTarget:
    route: Route
    function: str  # logical function name
    function_arn: pulumi.Input[str]
    function_name: pulumi.Input[str]


@dataclass(frozen=True)
class HttpApiArgs:
    routes: tuple[RouteTarget, ...]
    api_name: str
    log_retention_days: int = 30


class HttpApi(pulumi.ComponentResource):
    url: pulumi.Output[str]
    api_id: pulumi.Output[str]

    def __init__(self, name: str, args: HttpApiArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("paypulse:index:HttpApi", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        api = aws.apigatewayv2.Api(
            f"{name}-api", name=args.api_name, protocol_type="HTTP", opts=child
        )
        logs = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=f"/aws/apigateway/{args.api_name}",
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        integrations: dict[str, aws.apigatewayv2.Integration] = {}
        routes = []
        for target in args.routes:
            if target.function not in integrations:
                integrations[target.function] = aws.apigatewayv2.Integration(
                    f"{name}-{target.function}",
                    api_id=api.id,
                    integration_type="AWS_PROXY",
                    integration_uri=target.function_arn,
                    integration_method="POST",
                    payload_format_version="2.0",
                    timeout_milliseconds=INTEGRATION_TIMEOUT_MS,
                    opts=child,
                )
            slug = _slug(target.route)
            routes.append(
                aws.apigatewayv2.Route(
                    f"{name}-{slug}",
                    api_id=api.id,
                    route_key=str(target.route),
                    target=integrations[target.function].id.apply(lambda i: f"integrations/{i}"),
                    opts=child,
                )
            )
            aws.lambda_.Permission(
                f"{name}-{slug}-invoke",
                action="lambda:InvokeFunction",
                function=target.function_name,
                principal="apigateway.amazonaws.com",
                source_arn=pulumi.Output.concat(
                    api.execution_arn, "/*/", target.route.method, target.route.path
                ),
                opts=child,
            )
        stage = aws.apigatewayv2.Stage(
            f"{name}-default",
            api_id=api.id,
            name="$default",
            auto_deploy=True,
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                throttling_burst_limit=THROTTLE_BURST,
                throttling_rate_limit=THROTTLE_RATE,
                detailed_metrics_enabled=True,
            ),
            access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=logs.arn,
                format=json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=routes),
        )
        self.api_id = api.id
        self.url = stage.invoke_url
        self.register_outputs({"url": self.url})


def _slug(route: Route) -> str:
    path = route.path.strip("/").replace("{", "").replace("}", "").replace("/", "-")
    return f"{route.method.lower()}-{path}"
