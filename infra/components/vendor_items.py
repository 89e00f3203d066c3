"""VendorConfig items: one DynamoDB item per vendor_configs/**/*.json file (plain JSON)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pulumi
import pulumi_aws as aws


class VendorFileError(ValueError):
    """A vendor_configs file is not a JSON object with the table's hash key."""


@dataclass(frozen=True)
class VendorItemsArgs:
    table_name: pulumi.Input[str]
    hash_key: str
    folder: Path


def vendor_files(folder: Path) -> list[Path]:
    """Every vendor JSON file under ``folder`` (recursively), schema files excluded."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.json") if p.name != "schema.json")


def to_dynamodb(value) -> dict:
    """Plain JSON -> DynamoDB JSON (lists become L, objects M, numbers N)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [to_dynamodb(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: to_dynamodb(v) for k, v in value.items()}}
    raise VendorFileError(f"unsupported value {value!r}")


def vendor_item(path: Path, hash_key: str) -> tuple[str, str]:
    """(key value, DynamoDB JSON item) of one file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get(hash_key), str):
        raise VendorFileError(f"{path}: want a JSON object with a string {hash_key!r}")
    item = {k: to_dynamodb(v) for k, v in data.items()}
    return data[hash_key], json.dumps(item, sort_keys=True, ensure_ascii=False)


class VendorItems(pulumi.ComponentResource):
    keys: list[str]

    def __init__(
        self, name: str, args: VendorItemsArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("paypulse:index:VendorItems", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.keys = []
        for path in vendor_files(args.folder):
            key, item = vendor_item(path, args.hash_key)
            slug = re.sub(r"[^a-z0-9-]+", "-", key.lower()).strip("-")
            aws.dynamodb.TableItem(
                f"{name}-{slug}",
                table_name=args.table_name,
                hash_key=args.hash_key,
                item=item,
                opts=child,
            )
            self.keys.append(key)
        self.register_outputs({"keys": self.keys})
