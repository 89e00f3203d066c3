"""An IAM identity-policy evaluator: the subset of AWS's evaluation logic our policies use.

Evaluation follows the IAM User Guide, "Policy evaluation logic" (identity-based policies of one
principal, no SCPs, boundaries or session policies):
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html

- default deny; an explicit ``Deny`` statement wins over any ``Allow``;
- ``Action`` / ``NotAction``: case-insensitive, ``*`` and ``?`` wildcards
  (reference_policies_elements_action.html, reference_policies_elements_notaction.html);
- ``Resource`` / ``NotResource``: case-sensitive ARNs with ``*`` and ``?`` wildcards, which may
  span ARN segments (reference_policies_elements_resource.html);
- ``Condition``: every operator block must hold (AND), every key in a block must hold (AND), any
  value of a key may match (OR). Operators: String(Not)Equals(IgnoreCase), String(Not)Like,
  Arn(Not)Equals/Arn(Not)Like (segment-wise, as the ARN condition operators are specified),
  Bool, Null, the ``...IfExists`` suffix and the ``ForAnyValue:`` / ``ForAllValues:`` set
  qualifiers (reference_policies_elements_condition_operators.html,
  reference_policies_condition-single-vs-multi-valued-context-keys.html). A missing key makes
  a non-negated operator false and a negated one true, as documented; any other operator is
  refused (``UnsupportedPolicyError``) rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ContextValue = str | Sequence[str] | bool


class UnsupportedPolicyError(ValueError):
    """The policy uses an element or condition operator this evaluator does not implement."""


@dataclass(frozen=True)
class Request:
    """One authorization request: an action on a resource, with its request context keys."""

    action: str
    resource: str
    context: tuple[tuple[str, Any], ...] = ()

    @staticmethod
    def of(action: str, resource: str, **context: ContextValue) -> Request:
        """``Request.of("s3:ListBucket", arn, **{"s3:prefix": "invoices/"})``."""
        frozen = tuple(
            sorted(
                (k.lower(), tuple(v) if isinstance(v, list | tuple) else v)
                for k, v in context.items()
            )
        )
        return Request(action, resource, frozen)


@dataclass(frozen=True)
class Grant:
    """One (statement, action pattern, resource pattern) of an Allow: the unit of the
    unused-grant report."""

    sid: str
    action: str
    resource: str
    index: int = 0  # position of ``resource`` in its statement (stable when ARNs are not)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.sid, self.action, self.index)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    explicit_deny: bool = False
    grants: tuple[Grant, ...] = ()  # the Allow grants that matched (all of them)


@dataclass
class Policy:
    """A parsed policy document (``{"Version": ..., "Statement": [...]}``)."""

    document: Mapping[str, Any]
    _statements: list[dict[str, Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        raw = self.document.get("Statement", [])
        statements = [raw] if isinstance(raw, Mapping) else list(raw)
        self._statements = []
        for index, st in enumerate(statements):
            effect = st.get("Effect")
            if effect not in ("Allow", "Deny"):
                raise UnsupportedPolicyError(f"statement {index}: Effect {effect!r}")
            if "Principal" in st or "NotPrincipal" in st:
                raise UnsupportedPolicyError(
                    f"statement {index}: identity policies name no Principal"
                )
            if ("Action" in st) == ("NotAction" in st):
                raise UnsupportedPolicyError(f"statement {index}: exactly one of Action/NotAction")
            if ("Resource" in st) == ("NotResource" in st):
                raise UnsupportedPolicyError(
                    f"statement {index}: exactly one of Resource/NotResource"
                )
            for operator in st.get("Condition", {}):
                _operator(operator)  # validate early
            actions = _as_list(st.get("Action", st.get("NotAction")))
            resources = _as_list(st.get("Resource", st.get("NotResource")))
            self._statements.append(
                {
                    "sid": st.get("Sid", str(index)),
                    "effect": effect,
                    "not_action": "NotAction" in st,
                    "actions": actions,
                    "action_res": [(a, _wildcard(a, True)) for a in actions],
                    "not_resource": "NotResource" in st,
                    "resources": resources,
                    "resource_res": [
                        (i, r, None if r == "*" else _wildcard(r, False))
                        for i, r in enumerate(resources)
                    ],
                    "condition": st.get("Condition", {}),
                }
            )

    def grants(self) -> list[Grant]:
        """Every (Allow statement, action, resource) pair this policy grants."""
        return [
            Grant(st["sid"], action, resource, index)
            for st in self._statements
            if st["effect"] == "Allow" and not st["not_action"] and not st["not_resource"]
            for action in st["actions"]
            for index, resource in enumerate(st["resources"])
        ]

    def evaluate(self, request: Request) -> Decision:
        context = dict(request.context)
        matched: list[Grant] = []
        for st in self._statements:
            action_hit = [a for a, rx in st["action_res"] if rx.fullmatch(request.action)]
            if bool(action_hit) == st["not_action"]:
                continue
            resource_hit = [
                (i, r)
                for i, r, rx in st["resource_res"]
                if rx is None or rx.fullmatch(request.resource)
            ]
            if bool(resource_hit) == st["not_resource"]:
                continue
            if not conditions_hold(st["condition"], context):
                continue
            if st["effect"] == "Deny":
                return Decision(False, explicit_deny=True)
            if not st["not_action"] and not st["not_resource"]:
                matched += [Grant(st["sid"], a, r, i) for a in action_hit for i, r in resource_hit]
            else:
                matched.append(Grant(st["sid"], request.action, request.resource))
        return Decision(bool(matched), grants=tuple(matched))


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


# --------------------------------------------------------------------------- matching


@lru_cache(maxsize=4096)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _wildcard(pattern, ignore_case).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    """Actions are case-insensitive (``s3:getobject`` == ``s3:GetObject``)."""
    return wildcard_match(pattern, action, ignore_case=True)


def resource_matches(pattern: str, arn: str) -> bool:
    """``*`` matches any resource; wildcards may span ``:`` and ``/``; case-sensitive."""
    return pattern == "*" or wildcard_match(pattern, arn)


def arn_like(pattern: str, arn: str) -> bool:
    """ArnLike: the six colon-separated ARN fields are compared one by one, each with wildcards
    (the resource part keeps its own colons)."""
    p, a = pattern.split(":", 5), arn.split(":", 5)
    if len(p) != 6 or len(a) != 6:
        return False
    return all(wildcard_match(x, y) for x, y in zip(p, a, strict=True))


# --------------------------------------------------------------------------- conditions


def _string_equals(p: str, v: Any) -> bool:
    return isinstance(v, str) and p == v


def _string_equals_ic(p: str, v: Any) -> bool:
    return isinstance(v, str) and p.lower() == v.lower()


def _string_like(p: str, v: Any) -> bool:
    return isinstance(v, str) and wildcard_match(p, v)


def _arn_like(p: str, v: Any) -> bool:
    return isinstance(v, str) and arn_like(p, v)


def _bool(p: Any, v: Any) -> bool:
    return str(p).lower() == str(v).lower()


_POSITIVE = {
    "StringEquals": _string_equals,
    "StringEqualsIgnoreCase": _string_equals_ic,
    "StringLike": _string_like,
    "ArnEquals": _arn_like,  # documented to behave as ArnLike
    "ArnLike": _arn_like,
    "Bool": _bool,
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _operator(name: str) -> tuple[str | None, str, bool, bool]:
    """(set qualifier, base operator, negated, if_exists)."""
    qualifier = None
    if ":" in name:
        qualifier, name = name.split(":", 1)
        if qualifier not in ("ForAnyValue", "ForAllValues"):
            raise UnsupportedPolicyError(f"condition qualifier {qualifier!r}")
    if_exists = name.endswith("IfExists") and name != "IfExists"
    base = name[: -len("IfExists")] if if_exists else name
    if base == "Null":
        return qualifier, base, False, False
    if base in _NEGATED:
        return qualifier, _NEGATED[base], True, if_exists
    if base in _POSITIVE:
        return qualifier, base, False, if_exists
    raise UnsupportedPolicyError(f"condition operator {name!r}")


def conditions_hold(condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, Any]) -> bool:
    for operator, block in condition.items():
        qualifier, base, negated, if_exists = _operator(operator)
        for key, expected in block.items():
            present = key.lower() in context
            value = context.get(key.lower())
            if base == "Null":
                if _bool(_as_list(expected)[0], "true") == present:
                    return False
                continue
            if not present:
                # Missing key: ...IfExists and negated operators hold; the others do not
                # (ForAllValues over an empty set holds).
                if if_exists or negated or qualifier == "ForAllValues":
                    continue
                return False
            compare = _POSITIVE[base]
            patterns = _as_list(expected) if not isinstance(expected, bool) else [expected]
            values: Iterable[Any] = value if isinstance(value, tuple) else (value,)
            if qualifier == "ForAllValues":
                ok = all(any(compare(p, v) for p in patterns) for v in values)
            else:
                ok = any(compare(p, v) for p in patterns for v in values)
            if ok == negated:
                return False
    return True
