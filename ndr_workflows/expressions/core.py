"""An expression (:class:`Expr`) and what Python builds from one.

``expr`` / ``var`` / ``lit`` make an expression; its operators build new
ones: comparisons and ``&`` / ``|`` / ``~`` give a :class:`Condition`,
``+`` on text gives :class:`Text`, ``+`` / ``-`` on numbers a sum. They live
with :class:`Expr` because its operators return them (``var("a") < 3``).
Each built expression knows its precedence and parenthesises only where
JSONata needs it.
"""

from __future__ import annotations

import json

__all__ = [
    "Expr",
    "Condition",
    "Text",
    "expr",
    "var",
    "lit",
    "exists",
    "is_empty",
    "concat",
    "all_of",
    "any_of",
    "not_",
    "jsonata_literal",
    "join",
    "count",
    "compact",
]

# Operator precedence of the JSONata an operator builds (higher binds tighter;
# JSONata gives & the precedence of + and -): an operand whose own
# precedence is not higher is parenthesised, except a left operand of the
# same left-associative operator.
_OR, _AND, _COMPARE, _CONCAT, _SUM, _ATOM = 1, 2, 3, 5, 5, 9


class Expr:
    """One JSONata expression (the text between ``{%`` and ``%}``). Immutable."""

    __slots__ = ("text",)
    text: str

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"an expression is JSONata text (str), not {type(text).__name__}")
        object.__setattr__(self, "text", text)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("Expr is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expr) and other.text == self.text

    def __hash__(self) -> int:
        return hash(("Expr", self.text))

    def __repr__(self) -> str:
        return f"expr({self.text!r})"

    def render(self) -> str:
        """The ASL spelling: one line, one space inside each delimiter."""
        return "{% " + self.text + " %}"

    def field(self, name: str) -> Expr:
        """``$x.name``; names that are not identifiers are back-quoted."""
        step = name if name.isidentifier() and name.isascii() else "`" + name.replace("`", "") + "`"
        return Expr(f"{_group(self.text)}.{step}")

    def __str__(self) -> str:
        return self.render()

    # -- building conditions and values in Python ------------------------------
    #
    # ``==`` and ``hash`` stay value equality (the model's records compare
    # and hash by value, expressions included), so equality is spelled
    # ``.eq()`` / ``.ne()``; the ordering operators build conditions. A
    # condition refuses ``bool()``: ``and`` / ``or`` / ``not`` / ``if`` on
    # one would be decided by Python at build time, silently.

    def eq(self, other: object) -> Condition:
        """``self = other``."""
        return _compare(self, "=", other)

    def ne(self, other: object) -> Condition:
        """``self != other``."""
        return _compare(self, "!=", other)

    def __lt__(self, other: object) -> Condition:
        return _compare(self, "<", other)

    def __le__(self, other: object) -> Condition:
        return _compare(self, "<=", other)

    def __gt__(self, other: object) -> Condition:
        return _compare(self, ">", other)

    def __ge__(self, other: object) -> Condition:
        return _compare(self, ">=", other)

    def is_in(self, values: object) -> Condition:
        """``self in [values...]`` (a list, or an expression giving one)."""
        return _compare(self, "in", list(values) if isinstance(values, (tuple, set, frozenset)) else values)

    def exists(self) -> Condition:
        """``$exists(self)``: the value is defined (a missing field is not)."""
        return exists(self)

    def is_empty(self) -> Condition:
        """Missing, null, ``""`` or ``[]``."""
        return is_empty(self)

    def __and__(self, other: object) -> Condition:
        return _logic(self, "and", other)

    def __rand__(self, other: object) -> Condition:
        return _logic(other, "and", self)

    def __or__(self, other: object) -> Condition:
        return _logic(self, "or", other)

    def __ror__(self, other: object) -> Condition:
        return _logic(other, "or", self)

    def __invert__(self) -> Condition:
        return not_(self)

    def __add__(self, other: object) -> Expr:
        """Text joined (``&``) when either side is text, else a sum."""
        if isinstance(other, str) or isinstance(self, Text) or isinstance(other, Text):
            return concat(self, other)
        return _arith(self, "+", other)

    def __radd__(self, other: object) -> Expr:
        if isinstance(other, str):
            return concat(other, self)
        return _arith(other, "+", self)

    def __sub__(self, other: object) -> Expr:
        return _arith(self, "-", other)

    def __rsub__(self, other: object) -> Expr:
        return _arith(other, "-", self)


class _Built(Expr):
    """An expression built by an operator: it knows its precedence, so that
    combining it parenthesises only where JSONata needs it."""

    __slots__ = ("precedence",)
    precedence: int

    def __init__(self, text: str, precedence: int) -> None:
        super().__init__(text)
        object.__setattr__(self, "precedence", precedence)


class Condition(_Built):
    """A boolean expression, for a Choice rule, a check or ``choose().when``.

    Combine with ``&`` (and), ``|`` (or), ``~`` (not). Python's ``and`` /
    ``or`` / ``not`` / ``if`` would decide at build time, so they raise.

    ``vacuous`` says whether it holds when the variables it reads are
    undefined (``$x != 'a'``, ``$not(...)``): a linter that evaluates a
    Choice rule without the run's values sees it as a constant ``true``,
    so :meth:`guarded` wraps it in a test that changes nothing at run time."""

    __slots__ = ("vacuous",)
    vacuous: bool

    def __init__(self, text: str, precedence: int, vacuous: bool = False) -> None:
        super().__init__(text, precedence)
        object.__setattr__(self, "vacuous", vacuous)

    def guarded(self) -> Condition:
        """This condition, or when ``vacuous`` the same one behind
        ``$exists($states.input) ? (...) : false`` (a state always has an
        input, so only a linter evaluating it without one sees a difference)."""
        if not self.vacuous:
            return self
        return Condition(f"$exists($states.input) ? ({self.text}) : false", 0)

    def __bool__(self) -> bool:
        raise TypeError(
            f"the condition {self.text!r} is evaluated by Step Functions when the flow runs, not by Python: "
            "combine conditions with & (and), | (or) and ~ (not), and pass them to a builder"
        )


class Text(_Built):
    """Text joined with ``&``: adding to it joins more text."""

    __slots__ = ()


def jsonata_literal(value: object) -> str:
    """A JSON-like literal as JSONata text; strings single-quoted (as the
    flows write them), lists as ``[a, b]``."""
    if isinstance(value, str):
        # JSONata string literals take JSON's escapes only (no \'), so text
        # holding a quote is written double-quoted.
        if "'" in value:
            return compact(value)
        return "'" + compact(value)[1:-1].replace('\\"', '"') + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_operand(v, _ATOM) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{jsonata_literal(str(k))}: {_operand(v, _ATOM)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise ValueError(f"{value!r} cannot be written in JSONata")
    if value is None or isinstance(value, (bool, int, float)):
        return compact(value)
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as JSONata; use a str, number, bool, None, list, dict or expression")


def _operand(value: object, precedence: int) -> str:
    """``value`` as an operand of an operator of ``precedence``."""
    if isinstance(value, _Built):
        return value.text if value.precedence > precedence else f"({value.text})"
    if isinstance(value, Expr):
        return _group(value.text)
    return jsonata_literal(value)


def _no_bool(value: object, op: str) -> None:
    if isinstance(value, bool):
        raise TypeError(
            f"a Python bool ({value}) cannot be combined with '{op}': comparing expressions with == gives a build-time bool; "
            "write x.eq(y) / x.ne(y) for a condition"
        )


def _compare(left: object, op: str, right: object) -> Condition:
    return Condition(f"{_operand(left, _COMPARE)} {op} {_operand(right, _COMPARE)}", _COMPARE, vacuous=op == "!=")


def _vacuous(value: object) -> bool:
    return isinstance(value, Condition) and value.vacuous


def _logic(left: object, op: str, right: object) -> Condition:
    for side in (left, right):
        _no_bool(side, op)
        if isinstance(side, str):
            raise TypeError(f"'{'&' if op == 'and' else '|'}' combines conditions; to join text use + or concat()")
        if not isinstance(side, Expr):
            raise TypeError(f"cannot combine {type(side).__name__} {side!r} with a condition; pass a condition")
    precedence = _AND if op == "and" else _OR
    vacuous = (_vacuous(left) and _vacuous(right)) if op == "and" else (_vacuous(left) or _vacuous(right))
    # and / or are associative: a chain needs no parentheses of its own kind.
    return Condition(f"{_operand(left, precedence - 1 if _same(left, precedence) else precedence)} {op} {_operand(right, precedence)}", precedence, vacuous)


def _same(value: object, precedence: int) -> bool:
    return isinstance(value, _Built) and value.precedence == precedence


def _arith(left: object, op: str, right: object) -> Expr:
    for side in (left, right):
        if isinstance(side, bool) or not isinstance(side, (Expr, int, float)):
            raise TypeError(f"'{op}' needs numbers or expressions, not {side!r}; to join text use + with a str, or concat()")
    left_text = _operand(left, _SUM - 1) if _same(left, _SUM) and not isinstance(left, Text) else _operand(left, _SUM)
    return _Built(f"{left_text} {op} {_operand(right, _SUM)}", _SUM)


def exists(value: Expr) -> Condition:
    """``$exists(value)``: true when the value is defined."""
    return Condition(f"$exists({_operand(value, 0)})", _ATOM)


def is_empty(value: Expr) -> Condition:
    """True when ``value`` is missing, null, ``""`` or ``[]`` (never an error)."""
    text = _operand(value, 0)
    return Condition(f"($v := {text}; $not($exists($v)) or $v = null or $v = '' or ($type($v) = 'array' and $count($v) = 0))", _ATOM, vacuous=True)


def not_(condition: object) -> Condition:
    """``$not(condition)``."""
    _no_bool(condition, "not")
    if not isinstance(condition, Expr):
        raise TypeError(f"~ / not_ needs a condition, not {condition!r}")
    return Condition(f"$not({condition.text})", _ATOM, vacuous=not _vacuous(condition))


def all_of(*conditions: Expr) -> Condition:
    """Every condition holds (``a and b and ...``)."""
    if not conditions:
        raise ValueError("all_of() needs at least one condition")
    return _chain("and", conditions)


def any_of(*conditions: Expr) -> Condition:
    """At least one condition holds (``a or b or ...``)."""
    if not conditions:
        raise ValueError("any_of() needs at least one condition")
    return _chain("or", conditions)


def _chain(op: str, conditions: tuple[Expr, ...]) -> Condition:
    first = conditions[0]
    _no_bool(first, op)
    if not isinstance(first, Expr):
        raise TypeError(f"{'all_of' if op == 'and' else 'any_of'}() takes conditions, not {first!r}")
    result = first if isinstance(first, Condition) else Condition(_group(first.text), _ATOM)
    for c in conditions[1:]:
        result = _logic(result, op, c)
    return result


def join(values: Expr, separator: str = ", ") -> Text:
    """``$join(values, separator)``: a list of strings as one text."""
    return Text(f"$join({values.text}, {jsonata_literal(separator)})", _ATOM)


def count(values: Expr) -> Expr:
    """``$count(values)``."""
    return _Built(f"$count({values.text})", _ATOM)


def concat(*parts: object) -> Text:
    """Text joined with ``&``; strings are literals, numbers and other
    values are joined as JSONata writes them (``$string`` rules)."""
    if not parts:
        raise ValueError("concat() needs at least one part")
    texts = []
    for i, part in enumerate(parts):
        if isinstance(part, Text):
            texts.append(part.text if i == 0 or part.precedence > _CONCAT else f"({part.text})")
        else:
            texts.append(_operand(part, _CONCAT))
    return Text(" & ".join(texts), _CONCAT)



def expr(text: str) -> Expr:
    """An expression from JSONata text, without the ``{% %}`` delimiters."""
    return Expr(text.strip())


def var(name: str, *path: str) -> Expr:
    """Read the workflow variable ``name``, or a field below it:
    ``var("record", "model_id")`` is ``$record.model_id``."""
    result = Expr("$" + name)
    for step in path:
        result = result.field(step)
    return result


def lit(value: object) -> Expr:
    """A JSON value as JSONata text (JSON literals are valid JSONata)."""
    return Expr(compact(value))


def compact(value: object) -> str:
    """JSON text on one line (also JSONata text: JSON literals are valid JSONata)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _group(text: str) -> str:
    """Parenthesise unless the text is a simple variable path like ``$a.b``."""
    body = text[1:] if text.startswith("$") else text
    if body and all(part.isidentifier() for part in body.split(".")):
        return text
    return f"({text})"
