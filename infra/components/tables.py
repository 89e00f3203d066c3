"""DynamoDB tables exactly as declared: keys, indexes, streams, TTL, capacity and autoscaling."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.workspace import Table


@dataclass(frozen=True)
class TablesArgs:
    tables: tuple[Table, ...]
    point_in_time_recovery: bool
    deletion_protection: bool


class Tables(pulumi.ComponentResource):
    names: dict[str, pulumi.Output[str]]
    arns: dict[str, pulumi.Output[str]]
    stream_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: TablesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("paypulse:index:Tables", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.names, self.arns, self.stream_arns = {}, {}, {}
        for table in args.tables:
            resource = aws.dynamodb.Table(
                f"{name}-{table.name}",
                **_table_args(table, args),
                # Application Auto Scaling changes the provisioned capacity: without this,
                # `pulumi up --refresh` would reset it to the declared starting value.
                opts=pulumi.ResourceOptions(
                    parent=self,
                    ignore_changes=["readCapacity", "writeCapacity"] if table.capacity else None,
                ),
            )
            self.names[table.name] = resource.name
            self.arns[table.name] = resource.arn
            if table.stream:
                self.stream_arns[table.name] = resource.stream_arn
            if table.capacity:
                _autoscale(f"{name}-{table.name}", table, resource, child)
        self.register_outputs({"names": self.names, "arns": self.arns})


def _table_args(table: Table, args: TablesArgs) -> dict:
    provisioned = table.capacity is not None
    cap = table.capacity or {}
    indexes = [
        aws.dynamodb.TableGlobalSecondaryIndexArgs(
            name=index.name,
            key_schemas=[
                aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                    attribute_name=key, key_type=kind
                )
                for key, kind in ((index.hash_key, "HASH"), (index.range_key, "RANGE"))
                if key
            ],
            projection_type="ALL",
            read_capacity=cap.get("read") if provisioned else None,
            write_capacity=cap.get("write") if provisioned else None,
        )
        for index in table.indexes
    ]
    return {
        "billing_mode": "PROVISIONED" if provisioned else "PAY_PER_REQUEST",
        "read_capacity": cap.get("read"),
        "write_capacity": cap.get("write"),
        "hash_key": table.hash_key,
        "range_key": table.range_key,
        "attributes": [
            aws.dynamodb.TableAttributeArgs(name=attr, type=kind)
            for attr, kind in sorted(table.attributes.items())
        ],
        "global_secondary_indexes": indexes or None,
        "stream_enabled": bool(table.stream),
        "stream_view_type": table.stream,
        "ttl": aws.dynamodb.TableTtlArgs(attribute_name=table.ttl, enabled=True)
        if table.ttl
        else None,
        "server_side_encryption": aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
        "point_in_time_recovery": aws.dynamodb.TablePointInTimeRecoveryArgs(
            enabled=args.point_in_time_recovery
        ),
        "deletion_protection_enabled": args.deletion_protection,
    }


def _autoscale(prefix: str, table: Table, resource: aws.dynamodb.Table, opts) -> None:
    """Target tracking on read and write capacity of the table and of each index."""
    cap = table.capacity or {}
    targets = [("table", pulumi.Output.concat("table/", resource.name), "table")]
    targets += [
        (
            f"index-{i.name}",
            pulumi.Output.concat("table/", resource.name, "/index/", i.name),
            "index",
        )
        for i in table.indexes
    ]
    for label, resource_id, scope in targets:
        for dimension, metric in (("Read", "DynamoDBReadCapacityUtilization"),
                                  ("Write", "DynamoDBWriteCapacityUtilization")):  # fmt: skip
            target = aws.appautoscaling.Target(
                f"{prefix}-{label}-{dimension.lower()}-target",
                service_namespace="dynamodb",
                resource_id=resource_id,
                scalable_dimension=f"dynamodb:{scope}:{dimension}CapacityUnits",
                min_capacity=cap.get("min", 1),
                max_capacity=cap.get("max", 10),
                opts=opts,
            )
            aws.appautoscaling.Policy(
                f"{prefix}-{label}-{dimension.lower()}-policy",
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                resource_id=target.resource_id,
                scalable_dimension=target.scalable_dimension,
                target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    target_value=float(cap.get("target", 70)),
                    scale_in_cooldown=60,
                    scale_out_cooldown=60,
                    predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                        predefined_metric_type=metric
                    ),
                ),
                opts=opts,
            )
