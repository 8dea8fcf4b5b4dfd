"""JSONata expression text for normalizing a flow's incoming message and
resolving its runtime parameters.

Every function returns the text of one JSONata expression, on one line and
without the ``{% %}`` delimiters, for a Step Functions state in JSONata mode.
Step Functions evaluates JSONata 2.0.6 (JavaScript) and adds ``$parse``; the
expressions use nothing else, and every regex in them means the same in
JavaScript and in Python's ``re`` (no ``$`` anchor, whose Python meaning
differs before a trailing newline, and no ``\\s``).

JSONata has no try/catch, so ``$parse`` is only ever applied to text already
checked to be a JSON object: the text is cut into JSON tokens with ``$match``,
the tokens must cover all of it, each token becomes one character (``s`` for a
string, ``v`` for any other scalar, punctuation as itself, whitespace
dropped), and the innermost ``{...}`` / ``[...]`` groups are replaced by ``v``
until nothing changes. The text is a JSON object when that leaves ``v`` and
the first token is ``{``.

One caveat about the JSONata tokenizer: it finds the end of a regex literal by
counting brackets and skips a bracket right after a backslash, so the regexes
below never put an escaped backslash just before a bracket (``\\x5c`` is used
for a backslash instead).
"""

from __future__ import annotations


from ..model.record import Record

START_TIME = "$states.context.Execution.StartTime"
# A $fromMillis picture for an ISO-8601 UTC time without fractional seconds.
SECONDS_PICTURE = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01]Z"

# One JSON token: a string, a number, a literal, punctuation, or whitespace.
JSON_TOKEN_REGEX = (
    r'"(?:[^"\x5c\x00-\x1f]|\x5c(?:["\x5c\x2fbfnrt]|u[0-9a-fA-F]{4}))*"'
    r"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
    r"|true|false|null"
    r"|[{}\[\],:]"
    r"|[ \t\n\r]+"
)
# An innermost object (string keys, scalar values) or array of the token text.
INNERMOST_GROUP_REGEX = r"\{(?:s:[sv](?:,s:[sv])*)?\}|\[(?:[sv](?:,[sv])*)?\]"
# Text that starts an object, after optional JSON whitespace.
OBJECT_START_REGEX = r"^[ \t\n\r]*\{"
# Leading or trailing JSON whitespace (the end anchored without $).
EDGE_SPACE_REGEX = r"^[ \t\n\r]+|[ \t\n\r]+(?![\s\S])"
# A decimal number $number reads in every engine (bounded so it stays finite).
DECIMAL_REGEX = r"^-?[0-9]{1,300}(?:\.[0-9]{1,300})?(?![\s\S])"


def start_time_text() -> str:
    """The execution's start time (ISO-8601 with milliseconds and Z)."""
    return START_TIME


def now_iso_text() -> str:
    """The execution's start time without milliseconds, e.g.
    2025-03-01T00:07:12Z."""
    return f'$fromMillis($toMillis({START_TIME}), "{SECONDS_PICTURE}")'


def epoch_seconds_after_start_text(seconds: int) -> str:
    """The start time in whole epoch seconds plus the seconds given."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise TypeError(f"seconds must be an int, not {seconds!r}")
    return f"$floor($toMillis({START_TIME}) / 1000) + {seconds}"


def _current_month_start() -> str:
    """JSONata text for the first instant of the start time's month (UTC),
    as ISO text with Z."""
    return f"$fromMillis($toMillis({START_TIME}), \"[Y0001]-[M01]\") & '-01T00:00:00Z'"


def previous_month_start_text() -> str:
    """The first instant of the calendar month before the start time's (UTC),
    e.g. 2025-02-01T00:00:00Z for a start in March 2025, and December of the
    year before for a start in January."""
    return (
        f"($ms := $toMillis({START_TIME}); "
        "$y := $number($fromMillis($ms, \"[Y0001]\")); "
        "$m := $number($fromMillis($ms, \"[M01]\")); "
        "$pad($string($m = 1 ? $y - 1 : $y), -4, '0') & '-' & "
        "$pad($string($m = 1 ? 12 : $m - 1), -2, '0') & '-01T00:00:00Z')"
    )


def previous_month_end_text() -> str:
    """The last second of the calendar month before the start time's (UTC),
    e.g. 2025-02-28T23:59:59Z, or 2024-02-29T23:59:59Z in a leap year: one
    second before the first instant of the start time's month."""
    return (
        f"$fromMillis($toMillis({_current_month_start()}) - 1000, "
        f'"{SECONDS_PICTURE}")'
    )


def month_end_text(month: str) -> str:
    """The last second of the month that ``month`` (JSONata text giving
    ISO text such as 2024-06-01T00:00:00Z or 2024-06) starts with, e.g.
    2024-06-30T23:59:59Z; when it is not such text, the last second of the
    month before the start time (:func:`previous_month_end_text`)."""
    return (
        f"($m := {month}; "
        "$type($m) = 'string' and $contains($m, /^[0-9]{4}-(0[1-9]|1[0-2])/) ? ("
        "$y := $number($substring($m, 0, 4)); $mo := $number($substring($m, 5, 2)); "
        "$fromMillis($toMillis($pad($string($mo = 12 ? $y + 1 : $y), -4, '0') & '-' & "
        "$pad($string($mo = 12 ? 1 : $mo + 1), -2, '0') & '-01T00:00:00Z') - 1000, "
        f'"{SECONDS_PICTURE}")) : {previous_month_end_text()})'
    )


def raw_message_text() -> str:
    """The normalized message, evaluated against $states.input: the input if
    it is a string; else its message_body (an object as its JSON text); else
    the first SQS record's body; else the first SNS record's Sns.Message;
    else the empty string. Always a string, never undefined."""
    return (
        "($i := $states.input; "
        "$s := function($x){ $type($x) = 'string' ? $x : "
        "$type($x) = 'object' ? $string($x) }; "
        "$type($i) = 'string' ? $i : $type($i) = 'object' ? ("
        "$a := $s($lookup($i, 'message_body')); "
        "$exists($a) ? $a : ("
        "$rs := $lookup($i, 'Records'); "
        "$r := $type($rs) = 'array' ? $rs[0] : $rs; "
        "$o := $type($r) = 'object'; "
        "$b := $o ? $s($lookup($r, 'body')); "
        "$exists($b) ? $b : ("
        "$sn := $o ? $lookup($r, 'Sns'); "
        "$g := $type($sn) = 'object' ? $s($lookup($sn, 'Message')); "
        "$exists($g) ? $g : ''))) : '')"
    )


def json_object_fields_text(text: str = "$raw_message") -> str:
    """The JSON object the text (a JSONata operand, $raw_message by default)
    holds, parsed, or {} when it is not the text of a JSON object. It never
    raises: $parse sees only text checked to be a JSON object."""
    return (
        f"($t := {text}; "
        f"$type($t) = 'string' and $contains($t, /{OBJECT_START_REGEX}/) ? ("
        f"$ms := $match($t, /{JSON_TOKEN_REGEX}/); "
        "$join($ms.match) = $t ? ("
        "$k := $join($map($ms, function($m){ ($f := $substring($m.match, 0, 1); "
        "$f = '\"' ? 's' : $contains('{}[],:', $f) ? $f : "
        "$contains(' \\t\\n\\r', $f) ? '' : 'v') })); "
        "$red := function($x){ ("
        f"$y := $replace($x, /{INNERMOST_GROUP_REGEX}/, 'v'); "
        "$y = $x ? $x : $red($y)) }; "
        "$substring($k, 0, 1) = '{' and $red($k) = 'v' ? $parse($t) : {}"
        ") : {}) : {})"
    )


class ParamSpec(Record):
    """A runtime parameter: its variable name, how its value is coerced
    (``"string"``, ``"number"`` or ``"list"``), and its default (JSONata
    text, or None when it has none)."""

    __slots__ = ("name", "kind", "required", "default_text")
    name: str
    kind: str
    required: bool
    default_text: str | None

    def __init__(self, name: str, kind: str = "string", required: bool = False, default_text: str | None = None) -> None:
        self._set(name=name, kind=kind, required=required, default_text=default_text)
        if not self.name:
            raise ValueError("a parameter needs a name")
        if self.kind not in ("string", "number", "list"):
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")


def _string_literal(value: str) -> str:
    """A JSONata string literal, ASCII only outside astral characters (which
    JSONata's \\u escapes would need as surrogate pairs)."""
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F or code > 0xFFFF:
            out.append(char)
        else:
            out.append(f"\\u{code:04x}")
    return '"' + "".join(out) + '"'


def _regex_literal_part(value: str) -> str:
    """Text that matches the value literally inside a JSONata regex literal,
    in JavaScript and in Python: ASCII letters, digits and _ as they are,
    other BMP characters as \\uXXXX, astral ones (never metacharacters) as
    they are."""
    out = []
    for char in value:
        code = ord(char)
        if char.isascii() and (char.isalnum() or char == "_"):
            out.append(char)
        elif code > 0xFFFF:
            out.append(char)
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)


def _coerce_function(kind: str) -> str:
    """A JSONata function that coerces a value by kind (uses $trim2)."""
    if kind == "number":
        return (
            "function($x){ $type($x) = 'string' and "
            f"$contains($x, /{DECIMAL_REGEX}/) ? $number($x) : $x }}"
        )
    if kind == "list":
        return (
            "function($x){ $type($x) = 'string' ? "
            "[$filter($map($split($x, ','), $trim2), function($p){ $p != '' })]"
            " : $x }"
        )
    return "function($x){ $x }"


def normalized_output_text() -> str:
    """The Output of NormalizeIncomingMessage, the input of
    ResolvePipelineRuntimeParams: ``{"message": <the state's input>,
    "message_fields": <the JSON object the normalized message holds, or {}>}``.

    Output cannot read the variable assigned beside it, so it normalizes the
    message again; what it saves is the JSON-object check, done here once
    per execution instead of once per parameter."""
    return (
        f"($raw := {raw_message_text()}; "
        f"{{\"message\": $states.input, \"message_fields\": {json_object_fields_text('$raw')}}})"
    )


def resolved_output_text() -> str:
    """The Output of ResolvePipelineRuntimeParams: the original input again."""
    return "$states.input.message"


def resolve_text(spec: ParamSpec) -> str:
    """The value of a runtime parameter, evaluated where $states.input is
    what :func:`normalized_output_text` gives and $raw_message the
    normalized message: the first that is present and not empty (undefined,
    null, "" or []) after coercion of the input field; the field of the
    message when that is JSON object text; the value of name= in
    $raw_message read as k=v;k=v text (only when it is not a JSON object
    with fields); the default. Without a value it is null, never
    undefined."""
    name = _string_literal(spec.name)
    key = _regex_literal_part(spec.name)
    default = "null" if spec.default_text is None else f"({spec.default_text})"
    kv_regex = f"(?:^|;)[ \\t\\n\\r]*{key}[ \\t\\n\\r]*=([^;]*)"
    return (
        f"($n := {name}; "
        f"$trim2 := function($x){{ $replace($x, /{EDGE_SPACE_REGEX}/, '') }}; "
        f"$c := {_coerce_function(spec.kind)}; "
        "$e := function($x){ ($t := $type($x); $not($exists($t)) or $t = 'null' "
        "or ($t = 'string' and $x = '') or ($t = 'array' and $count($x) = 0)) }; "
        "$i := $states.input.message; "
        "$a := $c($type($i) = 'object' ? $lookup($i, $n)); "
        "$not($e($a)) ? $a : ("
        "$j := $states.input.message_fields; "
        "$b := $c($type($j) = 'object' ? $lookup($j, $n)); "
        "$not($e($b)) ? $b : ("
        "$kv := ($type($j) != 'object' or $count($keys($j)) = 0) and $type($raw_message) = 'string' ? ("
        f"$mm := $match($raw_message, /{kv_regex}/, 1); "
        "$exists($mm) ? $c($trim2($mm.groups[0]))); "
        "$not($e($kv)) ? $kv : ("
        f"$d := $c({default}); $exists($d) ? $d : null))))"
    )


__all__ = [
    "ParamSpec",
    "epoch_seconds_after_start_text",
    "json_object_fields_text",
    "month_end_text",
    "now_iso_text",
    "previous_month_end_text",
    "previous_month_start_text",
    "raw_message_text",
    "resolve_text",
    "normalized_output_text",
    "resolved_output_text",
    "start_time_text",
]
