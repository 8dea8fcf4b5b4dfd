"""DynamoDB items as plain Python values: get, put, update, delete, query.

Values are written as attribute values (``{"S": ...}``, ``N``, ``BOOL``,
``L``, ``M``, ``NULL``): Python literals at build time, expressions at run
time by their JSONata type (or explicitly with :func:`S` / :func:`N`).
Items read are decoded back to plain values (``S`` -> text, ``N`` ->
number, ``L`` / ``M`` -> lists / objects, ``SS`` / ``NS`` -> lists), each
variable falling back to a value of the caller's when the item or the
attribute is missing.

All calls are the aws-sdk integration (``arn:aws:states:::aws-sdk:dynamodb:*``),
whose errors are ``DynamoDb.*``; a failed condition is
:data:`CONDITION_FAILED`, which ``on_condition_failed=`` routes.
"""

from __future__ import annotations

from ..asl.resources import DYNAMODB_DELETE_ITEM, DYNAMODB_GET_ITEM, DYNAMODB_PUT_ITEM, DYNAMODB_QUERY, DYNAMODB_UPDATE_ITEM

from ..expressions import STATES_RESULT, Expr, string_of, to_jsonata
from ..model.checks import with_written
from ..model.record import Record
from .errors import TO_FAILURE
from .services import DEFAULT_RETRY, aws_sdk

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

    from ..expressions import Template
    from ..model import Fragment, Retry
    from ..model.base import Target
    from .errors import OnError
    from .services import Catches

__all__ = [
    "GET_ITEM_RESOURCE",
    "PUT_ITEM_RESOURCE",
    "UPDATE_ITEM_RESOURCE",
    "DELETE_ITEM_RESOURCE",
    "QUERY_RESOURCE",
    "CONDITION_FAILED",
    "S",
    "N",
    "Typed",
    "attribute_value",
    "decoded",
    "first_present",
    "get",
    "put",
    "update",
    "delete",
    "query",
]

GET_ITEM_RESOURCE = DYNAMODB_GET_ITEM
PUT_ITEM_RESOURCE = DYNAMODB_PUT_ITEM
UPDATE_ITEM_RESOURCE = DYNAMODB_UPDATE_ITEM
DELETE_ITEM_RESOURCE = DYNAMODB_DELETE_ITEM
QUERY_RESOURCE = DYNAMODB_QUERY
# What the aws-sdk integration raises for a failed ConditionExpression (the
# optimized dynamodb integration would say "DynamoDB.", this one "DynamoDb.").
CONDITION_FAILED = "DynamoDb.ConditionalCheckFailedException"

# JSONata functions, bound where they are used: $ddbEnc turns a value into
# an attribute value by its type, $ddbDec turns one back (null for anything
# else, a missing attribute included). A list is decoded with $reduce and
# $append, not [$map(...)]: JSONata unwraps a one-item result of $map and the
# array constructor then flattens it, so [[1, 2]] would come back as [1, 2].
_ENCODER = (
    "function($v){ $type($v) = 'string' ? {'S': $v} : $type($v) = 'number' ? {'N': $string($v)} : "
    "$type($v) = 'boolean' ? {'BOOL': $v} : $type($v) = 'array' ? {'L': [$map($v, function($x){ $ddbEnc($x) })]} : "
    "$type($v) = 'object' ? {'M': $merge([{}, $each($v, function($x, $n){ {$n: $ddbEnc($x)} })])} : {'NULL': true} }"
)
_DECODER = (
    "function($a){ $type($a) != 'object' ? null : ($k := $keys($a); 'S' in $k ? $a.S : 'N' in $k ? $number($a.N) : "
    "'BOOL' in $k ? $a.BOOL : 'L' in $k ? $reduce($lookup($a, 'L'), function($l, $x){ ($v := $ddbDec($x); $append($l, $type($v) = 'array' ? [[$v]] : $v)) }, []) : "
    "'M' in $k ? $merge([{}, $each($lookup($a, 'M'), function($v, $n){ {$n: $ddbDec($v)} })]) : "
    "'SS' in $k ? [$lookup($a, 'SS')] : 'NS' in $k ? [$map($lookup($a, 'NS'), $number)] : null) }"
)
_EMPTY = "function($x){ ($t := $type($x); $not($exists($t)) or $t = 'null' or ($t = 'string' and $x = '') or ($t = 'array' and $count($x) = 0)) }"


class Typed(Record):
    """An expression with the attribute type it is written as."""

    __slots__ = ("kind", "value")
    kind: str
    value: Template

    def __init__(self, kind: str, value: Template) -> None:
        self._set(kind=kind, value=value)


def S(value: Template) -> Typed:  # noqa: N802 - DynamoDB's own letter
    """Write ``value`` as a string attribute (``$string`` of an expression)."""
    return Typed("S", value)


def N(value: Template) -> Typed:  # noqa: N802 - DynamoDB's own letter
    """Write ``value`` as a number attribute."""
    return Typed("N", value)


def attribute_value(value: object) -> Template:
    """``value`` as a DynamoDB attribute value (a template)."""
    if isinstance(value, Typed):
        return {value.kind: string_of(value.value)}
    if isinstance(value, Expr):
        return Expr(f"($ddbEnc := {_ENCODER}; $ddbEnc({value.text}))")
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": string_of(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (list, tuple)):
        return {"L": [attribute_value(v) for v in value]}
    if isinstance(value, dict):
        return {"M": attributes(value)}
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as a DynamoDB attribute value")


def attributes(values: Mapping[str, object]) -> dict[str, Template]:
    """A map of attribute values (an item, a key)."""
    return {str(k): attribute_value(v) for k, v in values.items()}


def decoded(attribute: Expr) -> Expr:
    """The plain value of an attribute value (null when it is missing)."""
    return Expr(f"($ddbDec := {_DECODER}; $ddbDec({attribute.text}))")


def first_present(*values: Template) -> Expr:
    """The first value that is present and not empty (undefined, null, ``""``
    or ``[]`` are empty), else null. Never undefined, so it can be assigned."""
    text = "null"
    for value in reversed(values):
        text = f"($ddbValue := {to_jsonata(value)}; $ddbEmpty($ddbValue) ? {text} : $ddbValue)"
    return Expr(f"($ddbEmpty := {_EMPTY}; {text})")


def _route(on_condition_failed: Target | None, catch: Catches) -> Catches:
    if on_condition_failed is None:
        return catch
    routes = dict(catch or {})  # type: ignore[arg-type]
    routes[CONDITION_FAILED] = on_condition_failed
    return routes


def _condition_args(condition: str | None, names: Mapping[str, str] | None, values: Mapping[str, object] | None) -> dict[str, Template]:
    out: dict[str, Template] = {}
    if condition is not None:
        out["ConditionExpression"] = condition
    if names:
        out["ExpressionAttributeNames"] = dict(names)
    if values:
        out["ExpressionAttributeValues"] = attributes(values)
    return out


def get(
    name: str,
    *,
    table: str,
    key: Mapping[str, object],
    into: Mapping[str, str] | None = None,
    otherwise: Mapping[str, Template] | None = None,
    item_variable: str | None = None,
    consistent_read: bool = False,
    assign: dict[str, Template] | None = None,
    output: Template = None,
    retry: tuple[Retry, ...] | list[Retry] | None | object = DEFAULT_RETRY,
    catch: Catches = None,
    on_error: OnError = TO_FAILURE,
) -> Fragment:
    """``GetItem``. ``into`` maps variables to attribute names: each
    variable gets the attribute's plain value, or ``otherwise[variable]``
    (a value or an expression, e.g. the message's value; default null) when
    the item or the attribute is missing or empty. ``item_variable`` gets
    the whole item decoded (null when there is none); ``assign`` adds
    other variables."""
    assign = dict(assign or {})
    item = STATES_RESULT.field("Item")
    for variable, attribute in (into or {}).items():
        fallback = (otherwise or {}).get(variable)
        assign[variable] = first_present(decoded(item.field(attribute)), fallback) if fallback is not None else first_present(decoded(item.field(attribute)))
    if item_variable is not None:
        whole = decoded(Expr("{'M': $states.result.Item}")).text
        assign[item_variable] = Expr(f"$exists($states.result.Item) ? {whole} : null")
    arguments: dict[str, Template] = {"TableName": table, "Key": attributes(key)}
    if consistent_read:
        arguments["ConsistentRead"] = True
    return with_written(aws_sdk(name, "dynamodb:getItem", arguments, assign=assign or None, output=output, retry=retry, catch=catch, on_error=on_error), key)  # type: ignore[arg-type]


def put(
    name: str,
    *,
    table: str,
    item: Mapping[str, object],
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
    on_condition_failed: Target | None = None,
    assign: dict[str, Template] | None = None,
    output: Template = None,
    retry: tuple[Retry, ...] | list[Retry] | None | object = DEFAULT_RETRY,
    catch: Catches = None,
    on_error: OnError = TO_FAILURE,
) -> Fragment:
    """``PutItem`` of ``item`` (plain values), optionally under ``condition``
    (DynamoDB's condition expression, with ``names`` for ``#n`` and
    ``values`` for ``:v``); a failed condition goes to ``on_condition_failed``."""
    arguments: dict[str, Template] = {"TableName": table, "Item": attributes(item)}
    arguments.update(_condition_args(condition, names, values))
    return with_written(aws_sdk(name, "dynamodb:putItem", arguments, assign=assign, output=output, retry=retry, catch=_route(on_condition_failed, catch), on_error=on_error), item, values)  # type: ignore[arg-type]


def update(
    name: str,
    *,
    table: str,
    key: Mapping[str, object],
    set: Mapping[str, object] | None = None,  # noqa: A002 - DynamoDB's SET
    remove: tuple[str, ...] | list[str] = (),
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
    on_condition_failed: Target | None = None,
    assign: dict[str, Template] | None = None,
    output: Template = None,
    retry: tuple[Retry, ...] | list[Retry] | None | object = DEFAULT_RETRY,
    catch: Catches = None,
    on_error: OnError = TO_FAILURE,
) -> Fragment:
    """``UpdateItem``: ``set`` attributes to plain values and ``remove``
    others. The ``UpdateExpression`` and its placeholders (``#set0`` /
    ``:set0``, ...) are written for you; ``condition`` / ``names`` /
    ``values`` add your own."""
    all_names: dict[str, str] = {}
    all_values: dict[str, object] = {}
    clauses = []
    sets = []
    for i, (attribute, value) in enumerate((set or {}).items()):
        all_names[f"#set{i}"] = attribute
        all_values[f":set{i}"] = value
        sets.append(f"#set{i} = :set{i}")
    if sets:
        clauses.append("SET " + ", ".join(sets))
    removes = []
    for i, attribute in enumerate(remove):
        all_names[f"#remove{i}"] = attribute
        removes.append(f"#remove{i}")
    if removes:
        clauses.append("REMOVE " + ", ".join(removes))
    all_names.update(names or {})
    all_values.update(values or {})
    arguments: dict[str, Template] = {"TableName": table, "Key": attributes(key), "UpdateExpression": " ".join(clauses)}
    arguments.update(_condition_args(condition, all_names, all_values))
    return with_written(aws_sdk(name, "dynamodb:updateItem", arguments, assign=assign, output=output, retry=retry, catch=_route(on_condition_failed, catch), on_error=on_error), key, all_values)  # type: ignore[arg-type]


def delete(
    name: str,
    *,
    table: str,
    key: Mapping[str, object],
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
    on_condition_failed: Target | None = None,
    assign: dict[str, Template] | None = None,
    output: Template = None,
    retry: tuple[Retry, ...] | list[Retry] | None | object = DEFAULT_RETRY,
    catch: Catches = None,
    on_error: OnError = TO_FAILURE,
) -> Fragment:
    """``DeleteItem`` of ``key``, optionally under ``condition``."""
    arguments: dict[str, Template] = {"TableName": table, "Key": attributes(key)}
    arguments.update(_condition_args(condition, names, values))
    return with_written(aws_sdk(name, "dynamodb:deleteItem", arguments, assign=assign, output=output, retry=retry, catch=_route(on_condition_failed, catch), on_error=on_error), key, values)  # type: ignore[arg-type]


def query(
    name: str,
    *,
    table: str,
    key_condition: str,
    values: Mapping[str, object],
    names: Mapping[str, str] | None = None,
    into: str | None = None,
    index: str | None = None,
    limit: int | None = None,
    newest_first: bool = False,
    output: Template = None,
    retry: tuple[Retry, ...] | list[Retry] | None | object = DEFAULT_RETRY,
    catch: Catches = None,
    on_error: OnError = TO_FAILURE,
) -> Fragment:
    """``Query`` with ``key_condition`` (e.g. ``"pk = :pk"``); ``into`` gets
    the items found, decoded (a list, empty when none). One page: pass
    ``limit`` to bound it."""
    arguments: dict[str, Template] = {"TableName": table, "KeyConditionExpression": key_condition}
    if index is not None:
        arguments["IndexName"] = index
    if names:
        arguments["ExpressionAttributeNames"] = dict(names)
    arguments["ExpressionAttributeValues"] = attributes(values)
    if limit is not None:
        arguments["Limit"] = limit
    if newest_first:
        arguments["ScanIndexForward"] = False
    assign = None
    if into is not None:
        items = decoded(Expr("{'L': [$map($states.result.Items, function($i){ {'M': $i} })]}")).text
        assign = {into: Expr(f"$count($states.result.Items) = 0 ? [] : {items}")}
    return with_written(aws_sdk(name, "dynamodb:query", arguments, assign=assign, output=output, retry=retry, catch=catch, on_error=on_error), values)  # type: ignore[arg-type]
