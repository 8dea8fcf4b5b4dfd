"""The DynamoDB fake: items per table, and the condition expressions the
flows write.

The condition evaluator (moved here from ``tests/support/flow_harness.py``, which now
imports it) understands a small, explicit grammar: ``attribute_not_exists(path)``,
``operand = operand``, ``operand < operand``, ``AND``, ``OR``, parentheses,
``#name`` / ``:value`` placeholders. Anything else raises
:class:`UnsupportedExpression` rather than guessing, so a changed flow fails
loudly instead of passing by accident.

Errors are named as the integration names them: the aws-sdk integration
``DynamoDb.ConditionalCheckFailedException``, the optimized one
``DynamoDB.ConditionalCheckFailedException``; malformed requests
(DynamoDB's ValidationException, not modelled per operation) come out under
the base exception, ``DynamoDb.DynamoDbException`` and
``DynamoDB.AmazonDynamoDBException`` (``asl/error_names.py``, the names
the validator accepts).
"""

from __future__ import annotations

import re
from functools import lru_cache
from collections.abc import Mapping
from typing import Any

from .calls import json_copy
from ..asl.error_names import base_error
from .errors import Failure, SimulationError

__all__ = ["Condition", "UnsupportedExpression", "DynamoDB", "RESERVED", "check_attribute_value"]

class UnsupportedExpression(SimulationError):
    """A condition expression outside the grammar this fake understands, or
    placeholders that DynamoDB would reject. Not a ``Failure``: it stops the
    simulation (CLI exit 2) and fails a test loudly instead of passing by
    accident when a flow changes its expression."""


# A few DynamoDB reserved words that must go through ExpressionAttributeNames.
RESERVED = frozenset({"owner", "name", "status", "ttl", "data", "key", "timestamp", "date", "value"})

_TOKEN = re.compile(r"\s*(?:(?P<punct>[()=<])|(?P<word>[#:]?[A-Za-z_][A-Za-z0-9_]*))")


@lru_cache(maxsize=256)
def _tokenize(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if found is None:
            raise UnsupportedExpression(f"cannot read condition expression {text!r} at {text[pos:]!r}")
        tokens.append(found.group("punct") or found.group("word"))
        pos = found.end()
    return tuple(tokens)


class Condition:
    """A parsed condition: ``evaluate(item)`` with ``item`` None when absent."""

    def __init__(self, text: str, names: Mapping[str, str] | None, values: Mapping[str, dict] | None) -> None:
        self.text = text
        self.names = dict(names or {})
        self.values = dict(values or {})
        self.used_names: set[str] = set()
        self.used_values: set[str] = set()
        self.tokens = _tokenize(text)
        self.pos = 0
        self.tree = self._or()
        if self.pos != len(self.tokens):
            raise UnsupportedExpression(f"unexpected {self.tokens[self.pos]!r} in {text!r}")
        # DynamoDB rejects unused placeholders (ValidationException).
        if set(self.names) - self.used_names:
            raise UnsupportedExpression(f"unused ExpressionAttributeNames {sorted(set(self.names) - self.used_names)} in {text!r}")
        if set(self.values) - self.used_values:
            raise UnsupportedExpression(f"unused ExpressionAttributeValues {sorted(set(self.values) - self.used_values)} in {text!r}")

    # grammar: or := and (OR and)* ; and := atom (AND atom)* ;
    # atom := '(' or ')' | attribute_not_exists '(' path ')' | operand ('=' | '<') operand
    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        token = self._peek()
        if token is None or (expected is not None and token != expected):
            raise UnsupportedExpression(f"expected {expected or 'more'} in {self.text!r}, found {token!r}")
        self.pos += 1
        return token

    def _or(self) -> tuple:
        node = self._and()
        while self._peek() == "OR":
            self._take()
            node = ("or", node, self._and())
        return node

    def _and(self) -> tuple:
        node = self._atom()
        while self._peek() == "AND":
            self._take()
            node = ("and", node, self._atom())
        return node

    def _atom(self) -> tuple:
        token = self._peek()
        if token == "(":
            self._take("(")
            node = self._or()
            self._take(")")
            return node
        if token == "attribute_not_exists":
            self._take()
            self._take("(")
            path = self._path(self._take())
            self._take(")")
            return ("not_exists", path)
        if token is None or token in {")", "=", "<", "AND", "OR"}:
            raise UnsupportedExpression(f"unexpected {token!r} in {self.text!r}")
        left = self._operand(self._take())
        operator = self._peek()
        if operator not in ("=", "<"):
            raise UnsupportedExpression(f"only '=' and '<' comparisons are supported; {self.text!r}")
        self._take(operator)
        right = self._operand(self._take())
        return ("eq" if operator == "=" else "lt", left, right)

    def _path(self, token: str) -> str:
        if token.startswith(":") or token in {"(", ")", "=", "<", "AND", "OR"}:
            raise UnsupportedExpression(f"{token!r} is not an attribute path in {self.text!r}")
        if token.startswith("#"):
            if token not in self.names:
                raise UnsupportedExpression(f"{token} is not in ExpressionAttributeNames ({self.text!r})")
            self.used_names.add(token)
            return self.names[token]
        if "(" in token or token.lower() in {"attribute_exists", "begins_with", "contains", "size", "attribute_type"}:
            raise UnsupportedExpression(f"function {token!r} is not supported ({self.text!r})")
        if token.lower() in RESERVED:
            raise UnsupportedExpression(f"{token!r} is a DynamoDB reserved word; use ExpressionAttributeNames ({self.text!r})")
        return token

    def _operand(self, token: str) -> tuple:
        if token.startswith(":"):
            if token not in self.values:
                raise UnsupportedExpression(f"{token} is not in ExpressionAttributeValues ({self.text!r})")
            self.used_values.add(token)
            return ("value", self.values[token])
        return ("path", self._path(token))

    def evaluate(self, item: Mapping[str, dict] | None) -> bool:
        return self._eval(self.tree, item or {})

    def _eval(self, node: tuple, item: Mapping[str, dict]) -> bool:
        kind = node[0]
        if kind == "or":
            return self._eval(node[1], item) or self._eval(node[2], item)
        if kind == "and":
            return self._eval(node[1], item) and self._eval(node[2], item)
        if kind == "not_exists":
            return node[1] not in item
        left, right = (self._resolve(side, item) for side in node[1:])
        if left is None or right is None:
            return False  # a missing attribute compares false, as in DynamoDB
        if kind == "lt":
            # DynamoDB compares N as numbers (and a type mismatch is false).
            (ltype, lvalue), (rtype, rvalue) = next(iter(left.items())), next(iter(right.items()))
            if ltype != rtype:
                return False
            return float(lvalue) < float(rvalue) if ltype == "N" else lvalue < rvalue
        return left == right

    @staticmethod
    def _resolve(operand: tuple, item: Mapping[str, dict]) -> Any:
        kind, payload = operand
        return payload if kind == "value" else item.get(payload)


def check_attribute_value(name: str, value: object) -> None:
    if not isinstance(value, dict) or len(value) != 1:
        raise UnsupportedExpression(f"attribute {name}: {value!r} is not a DynamoDB attribute value")
    (kind, text), = value.items()
    if kind not in {"S", "N"} or not isinstance(text, str):
        raise UnsupportedExpression(f"attribute {name}: {value!r} is not an S or N attribute value")
    if kind == "N" and not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        raise UnsupportedExpression(f"attribute {name}: {text!r} is not a DynamoDB number")
    if kind == "S" and text == "":
        raise UnsupportedExpression(f"attribute {name}: empty string key/attribute")


_CONDITION_CAUSE = "The conditional request failed (Service: DynamoDb, Status Code: 400, Error Code: ConditionalCheckFailedException)"


class DynamoDB:
    """Tables of items in attribute-value form, keyed by their key attributes.

    ``key_schema``: table name (as written, e.g. ``"${LockTableName}"``) or
    ``"*"`` -> the key attribute names, default ``("pk", "sk")``. Tables
    exist as soon as they are used. ``history`` lists
    ``(operation, table, key, outcome)`` with outcome ``"ok"`` or
    ``"condition-failed"``."""

    def __init__(self, key_schema: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.key_schema: dict[str, tuple[str, ...]] = {"*": ("pk", "sk"), **dict(key_schema or {})}
        self.tables: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {}
        self.history: list[tuple[str, str, tuple[str, ...], str]] = []

    # ---- for tests and notebooks ------------------------------------------

    def items(self, table: str) -> list[dict[str, Any]]:
        """The items of ``table`` (copies), in insertion order."""
        return [json_copy(item) for item in self.tables.get(table, {}).values()]

    def seed(self, table: str, item: Mapping[str, Any]) -> None:
        """Put an item directly, without a condition (e.g. another execution's lock)."""
        self.tables.setdefault(table, {})[self._key(table, item, "Item", "DynamoDb")] = json_copy(dict(item))

    # ---- the operations ----------------------------------------------------

    def _schema(self, table: str) -> tuple[str, ...]:
        return self.key_schema.get(table, self.key_schema["*"])

    def _key(self, table: str, attributes: Any, field: str, prefix: str) -> tuple[str, ...]:
        if not isinstance(attributes, Mapping):
            raise Failure(base_error(prefix), f"ValidationException: {field} must be a map of attribute values")
        key: list[str] = []
        for name in self._schema(table):
            value = attributes.get(name)
            if not isinstance(value, Mapping) or len(value) != 1:
                raise Failure(
                    base_error(prefix),
                    f"ValidationException: One of the required keys was not given a value ({field} needs {name} of table {table})",
                )
            ((kind, text),) = value.items()
            key.append(f"{kind}:{text}")
        return tuple(key)

    @staticmethod
    def _table(arguments: Any, prefix: str) -> str:
        if not isinstance(arguments, Mapping) or not isinstance(arguments.get("TableName"), str):
            raise Failure(base_error(prefix), "ValidationException: TableName is required")
        return str(arguments["TableName"])

    @staticmethod
    def _condition(arguments: Mapping[str, Any], prefix: str) -> Condition | None:
        text = arguments.get("ConditionExpression")
        names, values = arguments.get("ExpressionAttributeNames", {}), arguments.get("ExpressionAttributeValues", {})
        if not (text is None or isinstance(text, str)) or not isinstance(names, Mapping) or not isinstance(values, Mapping):
            raise Failure(base_error(prefix), "ValidationException: ConditionExpression must be a string, ExpressionAttributeNames / Values maps")
        if text is None:
            if "ExpressionAttributeNames" in arguments or "ExpressionAttributeValues" in arguments:
                raise UnsupportedExpression("placeholders without a ConditionExpression")
            return None
        return Condition(text, arguments.get("ExpressionAttributeNames"), arguments.get("ExpressionAttributeValues"))

    def put_item(self, arguments: Any, prefix: str = "DynamoDb") -> dict[str, Any]:
        table = self._table(arguments, prefix)
        item = arguments.get("Item")
        key = self._key(table, item, "Item", prefix)
        for name, value in item.items():
            check_attribute_value(name, value)
        condition = self._condition(arguments, prefix)
        rows = self.tables.setdefault(table, {})
        if condition is not None and not condition.evaluate(rows.get(key)):
            self.history.append(("put", table, key, "condition-failed"))
            raise Failure(f"{prefix}.ConditionalCheckFailedException", _CONDITION_CAUSE)
        rows[key] = json_copy(dict(item))
        self.history.append(("put", table, key, "ok"))
        return {}

    def delete_item(self, arguments: Any, prefix: str = "DynamoDb") -> dict[str, Any]:
        table = self._table(arguments, prefix)
        key = self._key(table, arguments.get("Key"), "Key", prefix)
        if set(arguments["Key"]) != set(self._schema(table)):
            raise Failure(base_error(prefix), "ValidationException: The provided key element does not match the schema")
        condition = self._condition(arguments, prefix)
        rows = self.tables.setdefault(table, {})
        if condition is not None and not condition.evaluate(rows.get(key)):
            self.history.append(("delete", table, key, "condition-failed"))
            raise Failure(f"{prefix}.ConditionalCheckFailedException", _CONDITION_CAUSE)
        rows.pop(key, None)
        self.history.append(("delete", table, key, "ok"))
        return {}

    def get_item(self, arguments: Any, prefix: str = "DynamoDb") -> dict[str, Any]:
        table = self._table(arguments, prefix)
        key = self._key(table, arguments.get("Key"), "Key", prefix)
        found = self.tables.get(table, {}).get(key)
        self.history.append(("get", table, key, "ok"))
        return {} if found is None else {"Item": json_copy(found)}

    _SET = re.compile(r"\s*([#A-Za-z_][A-Za-z0-9_]*)\s*=\s*(:[A-Za-z_][A-Za-z0-9_]*)\s*")

    def update_item(self, arguments: Any, prefix: str = "DynamoDb") -> dict[str, Any]:
        """``SET #a = :a, b = :b`` and ``REMOVE #c, d`` (each clause once),
        under an optional condition; an absent item is created."""
        table = self._table(arguments, prefix)
        key = self._key(table, arguments.get("Key"), "Key", prefix)
        text = arguments.get("UpdateExpression")
        if not isinstance(text, str) or not text.strip():
            raise Failure(base_error(prefix), "ValidationException: UpdateExpression is required")
        names = dict(arguments.get("ExpressionAttributeNames") or {})
        values = dict(arguments.get("ExpressionAttributeValues") or {})
        condition_text = arguments.get("ConditionExpression")
        used_names: set[str] = set()
        used_values: set[str] = set()

        def name_of(token: str) -> str:
            if token.startswith("#"):
                if token not in names:
                    raise UnsupportedExpression(f"{token} is not in ExpressionAttributeNames ({text!r})")
                used_names.add(token)
                return names[token]
            if token.lower() in RESERVED:
                raise UnsupportedExpression(f"{token!r} is a DynamoDB reserved word; use ExpressionAttributeNames ({text!r})")
            return token

        sets: dict[str, Any] = {}
        removes: list[str] = []
        for clause in re.split(r"\b(?=SET\b|REMOVE\b)", text.strip()):
            clause = clause.strip()
            if not clause:
                continue
            word, _, rest = clause.partition(" ")
            if word == "SET":
                for part in rest.split(","):
                    found = self._SET.fullmatch(part)
                    if found is None:
                        raise UnsupportedExpression(f"only 'name = :value' assignments are supported in {text!r}")
                    if found.group(2) not in values:
                        raise UnsupportedExpression(f"{found.group(2)} is not in ExpressionAttributeValues ({text!r})")
                    used_values.add(found.group(2))
                    sets[name_of(found.group(1))] = values[found.group(2)]
            elif word == "REMOVE":
                removes.extend(name_of(part.strip()) for part in rest.split(","))
            else:
                raise UnsupportedExpression(f"only SET and REMOVE clauses are supported in {text!r}")
        rows = self.tables.setdefault(table, {})
        if condition_text is not None:
            condition_names = {k: v for k, v in names.items() if k not in used_names}
            condition_values = {k: v for k, v in values.items() if k not in used_values}
            condition = Condition(condition_text, condition_names, condition_values)
            if not condition.evaluate(rows.get(key)):
                self.history.append(("update", table, key, "condition-failed"))
                raise Failure(f"{prefix}.ConditionalCheckFailedException", _CONDITION_CAUSE)
        elif set(names) - used_names or set(values) - used_values:
            raise UnsupportedExpression(f"unused placeholders in {text!r}")
        item = json_copy(rows.get(key)) or {k: json_copy(v) for k, v in arguments["Key"].items()}
        for attribute in removes:
            item.pop(attribute, None)
        item.update(json_copy(sets))
        rows[key] = item
        self.history.append(("update", table, key, "ok"))
        return {}
