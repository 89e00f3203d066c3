"""moto at the scale of a 10,000-user sweep: two of its per-request costs grow with everything
stored, which AWS's do not (found by benchmarks/sweep.py, where they made the sweep quadratic).

- DynamoDB ``TransactWriteItems`` deep-copies every table it touches before applying, to roll
  back from the copy (moto 5.x ``transact_write_items``): with 10,000 users and their ledgers,
  one fenced write copies the whole users and ledger tables. Here only the items the
  transaction names are saved, and restored (with the tables' stream records of the attempt
  dropped) when it is cancelled, which is what DynamoDB's all-or-nothing promises.
- SQS ``ReceiveMessage`` checks each received message's retention through
  ``get_queue_attributes``, which counts every message of the queue several times; here the
  retention period is read from the queue itself. ``SendMessage`` reads the same attributes;
  their counts are kept (O(n), as moto keeps one list) but without a datetime per message.

``apply()`` patches this process's moto (and serializes its DynamoDB, see
``aws_local.serialize_dynamodb``); ``python -m paypulse_devkit.moto_scale -H HOST -p PORT`` is
moto's server with the same patches, for a moto in its own process.
"""

from __future__ import annotations

import copy
import sys
from typing import Any

_APPLIED = False


class _KeepTables:
    """moto's ``copy`` module for dynamodb/models, except that a Table is not deep-copied (its
    transaction backup; the touched items are saved instead, see ``_transact_write_items``)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


def _key_of(table: Any, op: dict[str, Any]) -> dict[str, Any] | None:
    if "Key" in op:
        return dict(op["Key"])
    item = op.get("Item") or {}
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    if not all(n in item for n in names):
        return None
    return {n: item[n] for n in names}


def _patch_transactions() -> None:
    from moto.dynamodb import models

    original = models.DynamoDBBackend.transact_write_items
    models.copy = _KeepTables()  # type: ignore[assignment]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
        streams: dict[str, int] = {}
        for entry in transact_items:
            if len(entry) != 1:
                continue  # moto raises for it before writing anything
            _, op = next(iter(entry.items()))
            name = op.get("TableName") if isinstance(op, dict) else None
            table = self.tables.get(name) if isinstance(name, str) else None
            if table is None or not isinstance(name, str):
                continue
            key = _key_of(table, op)
            if key is None:
                continue
            try:
                current = self.get_item(name, key)
            except Exception:  # an invalid key: moto rejects the transaction before writing
                current = None
            saved.append(
                (name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None)
            )
            if table.stream_shard is not None:
                streams.setdefault(name, len(table.stream_shard.items))
        try:
            original(self, transact_items)
        except Exception:
            for name, key, attrs in reversed(saved):
                if attrs is None:
                    if self.get_item(name, key) is not None:
                        self.delete_item(name, key)
                else:
                    self.put_item(name, attrs)
            for name, length in streams.items():
                del self.tables[name].stream_shard.items[length:]
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _patch_sqs_retention() -> None:
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    def is_message_valid_based_on_retention_period(
        self: Any, queue_name: str, message: Any
    ) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > unix_time())

    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period
    )


def _patch_sqs_counts() -> None:
    """Every SendMessage reads the queue's attributes (for ContentBasedDeduplication), which
    count the queue's visible, in-flight and delayed messages, each message's visibility
    computed through datetime arithmetic: the same counts here, one clock read per count."""
    import time

    from moto.sqs.models import Message, Queue

    def now_ms() -> float:
        return time.time() * 1000.0  # moto's unix_time_millis(), without the datetimes

    def visible(self: Any) -> bool:
        return bool(now_ms() > self.visible_at)

    def delayed(self: Any) -> bool:
        return bool(now_ms() < self.delayed_until)

    def messages(self: Any) -> list[Any]:
        now = now_ms()
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

    def not_visible(self: Any) -> int:
        now = now_ms()
        return sum(1 for m in self._messages if not now > m.visible_at)

    def number_delayed(self: Any) -> int:
        now = now_ms()
        return sum(1 for m in self._messages if now < m.delayed_until)

    Message.visible = property(visible)  # type: ignore[method-assign,assignment]
    Message.delayed = property(delayed)  # type: ignore[method-assign,assignment]
    Queue.messages = property(messages)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_not_visible = property(not_visible)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_delayed = property(number_delayed)  # type: ignore[method-assign,assignment]


def apply() -> None:
    global _APPLIED
    from paypulse_devkit.aws_local import serialize_dynamodb

    serialize_dynamodb()
    if _APPLIED:
        return
    _patch_transactions()
    _patch_sqs_retention()
    _patch_sqs_counts()
    _APPLIED = True


if __name__ == "__main__":
    apply()
    from moto.server import main

    main(sys.argv[1:])
