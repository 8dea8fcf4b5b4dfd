"""Tests for ndr_workflows.asl.jsonata_syntax (differential against jsonata-python)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ndr_workflows.asl.jsonata_syntax import JsonataSyntaxError, analyse_text, parse

jsonata_parser = pytest.importorskip("jsonata.parser")


def _split(block: str) -> list[str]:
    """One entry per line; an entry starting with a lone "(" line runs to the lone ")" line."""
    lines = block.split("\n")[1:-1]
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i] == "(":
            j = lines.index(")", i)
            out.append("\n".join(lines[i:j + 1]))
            i = j + 1
        else:
            out.append(lines[i])
            i += 1
    return out


VALID = r'''
1
-1
3.14
1e10
2.5E-3
0
"hello"
'single'
"esc \" \\ \/ \b \f \n \r \t"
'\u00e9\u20AC'
"it's"
'say "hi"'
true
false
null
a
Order
`first name`
`a.b`.c
a.b.c
a."b".c
a.`x y`.z
$
$$
$x
$states.input
$states.context.Execution.Id
$x.y.z
a[0]
a[-1]
a[0][1]
a[b > 2]
a[b = "x"].c
a.b[0].c[1]
a[]
a[].b
a.b[]
$x[0]
$x[$y]
[1, 2, 3]
[]
[[1], [2, 3]]
[1..5]
[0..$n - 1]
[1..3, 7, 9..10]
a[[0..2]]
{}
{"a": 1}
{"a": 1, "b": [2, 3], "c": {"d": null}}
{'k': $x, "k2": $y.z}
{a: b}
{$k: $v}
Account.Order{Product.SKU: Price}
Account.Order.Product{`Product Name`: $sum(Price)}
a{b: c}[0]
(1)
()
(1; 2)
(a; b;)
($x := 1; $x + 1)
( $a := 1; $b := 2; $a + $b )
(($x))
1 + 2
1 - 2
2 * 3
6 / 2
7 % 3
1 + 2 * 3 - 4 / 5 % 6
-$x
-(1 + 2)
- -1
"a" & "b"
a & b & $c
1 = 1
1 != 2
1 < 2
1 <= 2
1 > 2
1 >= 2
a and b
a or b
a and b or c and d
"x" in ["x", "y"]
$x in $list
and
or.in
a.and.or
$f()
$f(1)
$f(1, "two", [3], {"f": 4})
$string(1)
$sum(a.b)
$count($states.input.items)
$f(?, 1)
$f(?, ?)
$substring(?, 0, 3)
$f(1)(2)
$x.$uppercase(name)
a.$string()
a.(b + c)
$map($x, function($v){ $v * 2 })
$map($x, function($v, $i){ $v + $i })
$reduce($x, function($acc, $v){ $acc + $v }, 0)
function($a){ $a }
function(){ 42 }
function($a, $b)<n-n:n>{ $a + $b }
function($s)<s?:s>{ $s }
function($a)<a<n>:n>{ $sum($a) }
function($f)<f:f>{ $f }
function($x)<(sn):s>{ $string($x) }
function($x)<x-:b>{ $boolean($x) }
λ($x){ $x * $x }
($sq := function($x){ $x * $x }; $sq(3))
($fact := function($n){ $n <= 1 ? 1 : $n * $fact($n - 1) }; $fact(5))
a ? b : c
a ? b
$x > 0 ? "pos" : $x < 0 ? "neg" : "zero"
a ?: b
a ?? b
$x ?? "default"
$x.y ?: $z
a ?? b ?? c
$x := 5
$x := $y := 3
"abc" ~> $uppercase
"abc" ~> $substring(1)
$x ~> $map(function($v){ $v + 1 }) ~> $sum()
Account.Order^(Price)
Account.Order^(>Price)
Account.Order^(<Price, >Quantity)
a^($)
Account.Order@$o.Product
Account.Order@$o.Product@$p.{"o": $o.OrderID, "p": $p.SKU}
Account.Order#$i.Product
Account.Order#$i[$i < 2]
a.b#$i.c#$j.{"i": $i, "j": $j}
Library.books@$b.loans@$l[$l.isbn = $b.isbn]
*
a.*
a.*.c
**
a.**
a.**.c
a.b.%
a.b.%.c
a.b.c.%.%
Order.Product.{ "p": Name, "o": %.OrderID }
| a | {"x": 1} |
| a.b | {"x": 1}, ["y"] |
$ ~> | Account.Order | {"total": $sum(Product.Price)}, "Product" |
/abc/
/a.*b/i
/[a-z]+/im
$match($x, /\d+/)
$replace($s, /\s+/, " ")
$contains($s, /^abc$/i)
$split($s, /,\s*/)
a ? /x/ : /y/
$x := /re/
"x" /* comment */ & "y"
/* leading comment */ 42
a /* c1 */ . /* c2 */ b
$x/2
a / b / c
a /* x */ / b
$sum(a.b) / $count(a.b)
$f($g($h(1)))
$states.input.items[price > 10].name
$states.input.{"count": $count(items), "total": $sum(items.price)}
$merge([$states.input, {"status": "done"}])
$exists($states.input.x) ? $states.input.x : null
$string($states.result.Payload.statusCode) = "200"
{ "id": $states.context.Execution.Name, "ts": $now(), "n": $number($states.input.n) + 1 }
$states.input.records.(id & ":" & $string(version))
$filter($states.input.list, function($v, $i, $a){ $i < 3 })
$sort($states.input.list, function($l, $r){ $l.age > $r.age })
$each($states.input.obj, function($v, $k){ $k & "=" & $v })
$keys($states.input) ~> $join(",")
$lookup($states.input, "key")
$spread({"a": 1})
$type($x) = "array" ? $x : [$x]
$count($x) > 0 and $x[0] != null
$not($boolean($x))
$round($x * 100) / 100
$formatNumber($x, "#,##0.00")
$toMillis($states.input.ts) + 3600000
$fromMillis($millis())
$uuid()
$parse('{"a": 1}')
$partition([1,2,3], 2)
$hash($states.input.s, "SHA-256")
$base64encode("x")
(
  $t := $match($raw, /"(?:[^\\"]|\\.)*"|[{}]/);
  $f := function($x){( $y := $replace($x, /a/, 'v'); $y = $x ? $x : $f($y) )};
  $f($join($t.match))
)
(
  $items := $states.input.items;
  $total := $sum($items.(price * quantity));
  $discount := $total > 100 ? $total * 0.1 : 0;
  {
    "orderId": $states.input.id,
    "lines": $items.{ "sku": sku, "amount": price * quantity },
    "total": $total - $discount,
    "tags": $distinct($items.tags)
  }
)
(
  $retry := function($n, $acc){ $n = 0 ? $acc : $retry($n - 1, $append($acc, $n)) };
  $retry(3, [])
)
$states.input.events[type = "click" and target.id in ["a", "b"]].{"t": timestamp, "u": user.name}
Account.Order[0].Product[Price > 30]^(>Price).{ "name": `Product Name`, "cost": Price * Quantity }
$zip([1,2], ["a","b"]).{"n": $[0], "s": $[1]}
$x ? ($y := 1; $y) : ($z := 2; $z)
[$a, $b, $c][$ > 1]
{"a": [1, 2, {"b": (1; 2)}]}.a[2].b
$single($states.input.list, function($v){ $v.id = $states.input.target })
-$x.y
--1
$f(-1, -$x)
a.b.c.d.e.f.g.h
((((((((((1))))))))))
[[[[[[1]]]]]]
$x = null ? "none" : $x
"\"quoted\""
a[0].b[1].c[2]
$a.$b.$c
Product.(Price * Quantity)
$states.input.`weird key`
a.`b`[0]
{"nested": {"deep": {"deeper": $x}}}
$average([1, 2, 3])
$min($x) + $max($x)
$string(1) & "" & $string(true)
a @ $x
()()
'''

INVALID = r'''

   
/* only a comment */
a +
+ 1
1 +
* 2
(1
1)
[1, 2
{"a": 1
"a": 1}
{"a" 1}
{"a": }
{: 1}
[1, ]
$f(1, )
$f(1
f(,)
"unterminated
'unterminated
"bad \q escape"
"bad \u12G4"
"\u12"
/* unterminated
/unterminated
//
a ? b :
a ?
? a
a ??
a ?:
$x :=
1 := 2
a := 1
$x.y := 1
a @ b
a # b
a.b[0]@$x
a^(x)@$v
a^x
a^()
a^(0) / 1
a.1
a.true
a.null
1.a
a.-1
$x{a:1}[0]
a{x: 1}{y: 2}
a{x: 1}.b{y: 2}
%
(%)
$x.%
[%]
function($a, b){ $a }
function(1){ 1 }
function($a){ }
function($a)
function($a)<n>
function($a)<-n:n>{ $a }
function($a)<s<n>>{ $a }
function($a)<(s<n>)>{ $a }
a ! b
a ~ b
a b
1 2
"a" "b"
(a b)
[a b]
a..b
a[1..2]
a.
.a
a..
a]
a)
a}
a,b
a;b
| a | b
| a
| a | b, |
$f(?
1e999
[1..]
{a: 1,}
a[
a[0
$x := ( 
`unterminated
a | b
a : b
and and
a in
a = = b
1 */ 2
(; a)
1..2
( $t := $match($raw, /"(?:[^"\\]|\\.)*"|[{}]/); $t )
'''

VALID_EXPRESSIONS = _split(VALID)
INVALID_EXPRESSIONS = _split(INVALID)

# Valid JSONata (2.0.6, JavaScript) that jsonata-python rejects: a comment at the very
# end of the text makes its tokenizer index past the end of the string (IndexError).
JSONATA_PYTHON_BUGS = [
    "a.b /* trailing */",
    "1 /**/",
]


def reference_parse(text: str):
    """jsonata-python's parse tree, or None when it rejects the text."""
    try:
        return jsonata_parser.Parser().parse(text)
    except RecursionError:
        raise
    except Exception:  # JException, but also IndexError/KeyError/TypeError on some bad input
        return None


_EXCLUDED = {"", "$", "states"}


def reference_names(tree) -> tuple[frozenset[str], frozenset[str]]:
    """Free variables / called functions from jsonata-python's AST, same scoping rules as ours.

    Frames: whole expression, blocks, lambdas.  ``:=``, focus (``@``) and index (``#``)
    bindings bind in the nearest frame for the whole frame; lambda parameters in the lambda.
    """
    uses: list = []

    def walk(node, frame):
        if node is None:
            return
        t = node.type
        if t == "variable":
            uses.append((frame, node.value, False))
        elif t == "path":
            for step in node.steps:
                walk(step, frame)
        elif t == "bind":
            frame[0].add(node.lhs.value)
            walk(node.rhs, frame)
        elif t in ("function", "partial"):
            proc = node.procedure
            if proc.type == "variable" and proc.predicate is None and proc.stages is None \
                    and proc.group is None and proc.focus is None:
                uses.append((frame, proc.value, True))
            else:
                walk(proc, frame)
            for arg in node.arguments:
                walk(arg, frame)
        elif t == "lambda":
            inner = [{arg.value for arg in node.arguments}, frame]
            walk(node.body, inner)
        elif t == "block":
            inner = [set(), frame]
            for item in node.expressions:
                walk(item, inner)
        elif t == "condition":
            cond = node.condition
            # `a ?? b` is parsed as `$exists(a) ? a : b` with a synthetic call (position 0).
            if not (cond.type == "function" and cond.position == 0
                    and cond.procedure.value == "exists"):
                walk(cond, frame)
            walk(node.then, frame)
            walk(node._else, frame)
        elif t == "transform":
            walk(node.pattern, frame)
            walk(node.update, frame)
            walk(node.delete, frame)
        elif t == "unary":
            if node.value == "[":
                for item in node.expressions:
                    walk(item, frame)
            elif node.value == "{":
                for k, v in node.lhs_object:
                    walk(k, frame)
                    walk(v, frame)
            else:
                walk(node.expression, frame)
        elif t in ("binary", "apply"):
            walk(node.lhs, frame)
            walk(node.rhs, frame)
        elif t == "sort":
            for term in node.terms:
                walk(term.expression, frame)
        for stage in (node.predicate or []) + (node.stages or []):
            if stage.type == "filter":
                walk(stage.expr, frame)
            elif stage.type == "index":
                frame[0].add(stage.value)
        if node.group is not None:
            for k, v in node.group.lhs_object:
                walk(k, frame)
                walk(v, frame)
        if isinstance(node.focus, str):
            frame[0].add(node.focus)
        if isinstance(node.index, str):
            frame[0].add(node.index)

    walk(tree, [set(), None])
    variables, functions = set(), set()
    for frame, name, is_call in uses:
        if name in _EXCLUDED:
            continue
        while frame is not None:
            if name in frame[0]:
                break
            frame = frame[1]
        else:
            (functions if is_call else variables).add(name)
    return frozenset(variables), frozenset(functions)


# ---------------------------------------------------------------------------
# Corpus tests
# ---------------------------------------------------------------------------


def test_corpus_sizes():
    assert len(VALID_EXPRESSIONS) >= 150
    assert len(INVALID_EXPRESSIONS) >= 60
    assert len(set(VALID_EXPRESSIONS)) == len(VALID_EXPRESSIONS)


@pytest.mark.parametrize("text", VALID_EXPRESSIONS)
def test_valid_corpus(text):
    assert reference_parse(text) is not None, "corpus entry rejected by jsonata-python"
    error, _, _ = analyse_text(text)
    assert error is None


@pytest.mark.parametrize("text", INVALID_EXPRESSIONS)
def test_invalid_corpus(text):
    assert reference_parse(text) is None, "corpus entry accepted by jsonata-python"
    error, variables, functions = analyse_text(text)
    assert error is not None
    assert "position" in error
    assert variables == frozenset() and functions == frozenset()
    with pytest.raises(JsonataSyntaxError) as info:
        parse(text)
    assert 0 <= info.value.position <= len(text)
    assert isinstance(info.value.message, str) and info.value.message


@pytest.mark.parametrize("text", VALID_EXPRESSIONS)
def test_names_match_reference(text):
    _, variables, functions = analyse_text(text)
    assert (variables, functions) == reference_names(reference_parse(text))


@pytest.mark.parametrize("text", JSONATA_PYTHON_BUGS)
def test_jsonata_python_bugs_are_valid_for_us(text):
    assert reference_parse(text) is None
    assert analyse_text(text)[0] is None


@pytest.mark.parametrize(
    ("text", "variables", "functions"),
    [
        ("$x + $y", {"x", "y"}, set()),
        ("$states.input.a", set(), set()),
        ("$ . $$ . a", set(), set()),
        ("$string($x)", {"x"}, {"string"}),
        ("$x ~> $string", {"x", "string"}, set()),
        ("($x := 1; $x + $y)", {"y"}, set()),
        ("($f := function($a){ $a + $b }; $f(1))", {"b"}, set()),
        ("(($x := 1); $x)", {"x"}, set()),
        ("function($a){ $a }($z)", {"z"}, set()),
        ("a@$o.b#$i.{'o': $o, 'i': $i, 'q': $q}", {"q"}, set()),
        ("$map($l, function($v){ $g($v) })", {"l"}, {"map", "g"}),
        ("$x := $uuid()", set(), {"uuid"}),
        ("$f(?, 1)", set(), {"f"}),
        ("$a ?? $b", {"a", "b"}, set()),
        ("| $p | {'x': $u}, $d |", {"p", "u", "d"}, set()),
        ("a^(>$k)[$p]{$g: $h}", {"k", "p", "g", "h"}, set()),
    ],
)
def test_names_examples(text, variables, functions):
    assert analyse_text(text) == (None, frozenset(variables), frozenset(functions))


@pytest.mark.parametrize(
    ("text", "near"),
    [("a +", 3), ('"abc', 0), ("[1, 2", 5), ("$f(1, )", 6), ("a b", 2), ("/* x", 0), ("a.1", 2),
     ("a ! b", 2), ("1e999", 0)],
)
def test_error_positions(text, near):
    with pytest.raises(JsonataSyntaxError) as info:
        parse(text)
    assert abs(info.value.position - near) <= 1


def test_deep_nesting_is_an_error_not_a_crash():
    error, _, _ = analyse_text("(" * 5000 + "1" + ")" * 5000)
    assert error is not None


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------

_NAMES = st.sampled_from(["a", "b", "Order", "Price", "`first name`", "items", "and", "x1"])
_VARS = st.sampled_from(["$x", "$y", "$v", "$states", "$", "$$", "$acc", "$i"])
_BIND_VARS = st.sampled_from(["$x", "$y", "$t", "$acc"])
_FUNCS = st.sampled_from(["$string", "$sum", "$f", "$count", "$x", "$map", "$g"])
_STR_PIECES = st.sampled_from(["a", "b c", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9", "\\u20AC", "'", " ", "$x", "é"])


@st.composite
def _string_literal(draw):
    body = "".join(draw(st.lists(_STR_PIECES, max_size=5)))
    if draw(st.booleans()):
        return '"' + body + '"'
    return "'" + body.replace("'", "\\u0027") + "'"


_NUMBERS = st.sampled_from(["0", "1", "42", "3.5", "1e3", "2.5E-2", "100"])
_LITERALS = st.one_of(_NUMBERS, _string_literal(), st.sampled_from(["true", "false", "null"]))
_REGEXES = st.sampled_from(["/a/", "/[a-z]+/i", "/\\d+/m", "/x(y)z/im", "/a\\/b/"])
_BINOPS = st.sampled_from(["+", "-", "*", "/", "%", "&", "=", "!=", "<", "<=", ">", ">=", "and", "or", "in", "~>"])
_WS = st.sampled_from(["", " ", "  ", "\n", "\t", " /* c */ "])


def _step(expr):
    return st.one_of(
        _NAMES,
        _NAMES.map(lambda n: n + "@$v"),
        _NAMES.map(lambda n: n + "#$i"),
        st.tuples(_NAMES, expr).map(lambda t: f"{t[0]}[{t[1]}]"),
        expr.map(lambda e: f"({e})"),
        st.just("*"),
        _FUNCS.map(lambda f: f + "()"),
    )


def _compound(expr):
    return st.one_of(
        # paths
        st.tuples(st.one_of(_NAMES, _VARS), st.lists(_step(expr), min_size=1, max_size=3)).map(
            lambda t: ".".join([t[0], *t[1]])),
        # binary operators (operands parenthesised half of the time)
        st.tuples(expr, _WS, _BINOPS, _WS, expr, st.booleans()).map(
            lambda t: (f"({t[0]}){t[1]}{t[2]}{t[3]}({t[4]})" if t[5] else f"{t[0]} {t[2]} {t[4]}")
            if t[2] != "~>" else f"({t[0]}) ~> $f({t[4]})"),
        expr.map(lambda e: f"-({e})"),
        # calls, partial application
        st.tuples(_FUNCS, st.lists(expr, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.tuples(_FUNCS, expr).map(lambda t: f"{t[0]}(?, {t[1]})"),
        st.tuples(_FUNCS, expr, _REGEXES).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        # blocks with bindings
        st.tuples(st.lists(st.tuples(_BIND_VARS, expr), max_size=3), expr).map(
            lambda t: "(" + "; ".join([f"{v} := {e}" for v, e in t[0]] + [t[1]]) + ")"),
        # lambdas
        st.tuples(st.lists(_BIND_VARS, max_size=3, unique=True), expr,
                  st.sampled_from(["", "<x:x>", "<n-n:n>", "<a<n>s?:s>", "<(sn)b+:x>"])).map(
            lambda t: f"function({', '.join(t[0])}){t[2] if len(t[0]) else ''}{{ {t[1]} }}"),
        st.tuples(st.lists(_BIND_VARS, max_size=2, unique=True), expr, expr).map(
            lambda t: f"$map({t[2]}, function({', '.join(t[0])}){{ {t[1]} }})"),
        # conditionals
        st.tuples(expr, expr, expr).map(lambda t: f"({t[0]}) ? ({t[1]}) : ({t[2]})"),
        st.tuples(expr, expr).map(lambda t: f"({t[0]}) ? ({t[1]})"),
        st.tuples(expr, expr).map(lambda t: f"$z ?? ({t[1]})"),
        st.tuples(expr, expr).map(lambda t: f"($z) ?: {t[1]}"),
        # objects and arrays
        st.lists(st.tuples(st.one_of(_string_literal(), _NAMES), expr), max_size=3).map(
            lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"),
        st.lists(expr, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.tuples(expr, expr).map(lambda t: f"[({t[0]})..({t[1]})]"),
        # grouping, sorting, transform
        # the key in parentheses: a bare `a ? b` key would swallow the ':'
        st.tuples(_NAMES, expr, expr).map(lambda t: f"{t[0]}{{({t[1]}): {t[2]}}}"),
        # in parentheses: after an order-by's ')' both engines read '/' as a
        # regex's start, so a bare `a^(x) / b` is no division (a case below)
        st.tuples(_NAMES, expr, st.sampled_from(["", "<", ">"])).map(lambda t: f"({t[0]}^({t[2]}{t[1]}))"),
        st.tuples(expr, expr).map(lambda t: f"| {t[0]} | {{'k': {t[1]}}} |"),
    )


EXPRESSIONS = st.recursive(
    st.one_of(_LITERALS, _NAMES, _VARS, _REGEXES.map(lambda r: f"$match(a, {r})")),
    _compound,
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_generated_expressions_agree(text):
    tree = reference_parse(text)
    error, variables, functions = analyse_text(text)
    assert tree is not None, f"generator produced an expression jsonata-python rejects: {text!r}"
    assert error is None
    assert (variables, functions) == reference_names(tree)


_MUTATION_CHARS = st.sampled_from(list("()[]{}.,;:?$@#^%*/+-<>=!~&|\"'` \\1a"))


@st.composite
def _mutants(draw):
    text = draw(EXPRESSIONS)
    position = draw(st.integers(min_value=0, max_value=len(text)))
    if text and draw(st.booleans()):
        position = min(position, len(text) - 1)
        return text[:position] + text[position + 1:]
    return text[:position] + draw(_MUTATION_CHARS) + text[position:]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutants())
def test_mutations_agree(text):
    tree = reference_parse(text)
    error, variables, functions = analyse_text(text)
    if tree is None:
        if error is None:
            try:
                jsonata_parser.Parser().parse(text)
            except IndexError:
                # jsonata-python crashes on a comment that ends the text (see JSONATA_PYTHON_BUGS)
                if text.rstrip(" \t\n\r").endswith("*/"):
                    return
                raise
            except Exception as exc:
                # regular expressions are compiled by jsonata-python with Python's `re`;
                # we do not validate the regex pattern itself (JavaScript syntax).
                if type(exc).__name__ == "error" or "regular expression" in str(exc).lower():
                    return
                raise AssertionError(f"jsonata-python rejects but we accept: {text!r}: {exc!r}")
    else:
        assert error is None, f"we reject what jsonata-python accepts: {text!r}: {error}"
        assert (variables, functions) == reference_names(tree)


# -- the analyser as the build uses it -----------------------------------------


def test_builtin_function_list_matches_the_engine() -> None:
    from jsonata.jsonata import Jsonata

    from ndr_workflows.asl.jsonata import JSONATA_FUNCTIONS

    engine = set(Jsonata.static_frame.bindings) - {"eval"}
    assert set(JSONATA_FUNCTIONS) == engine


def _flow_expressions() -> list[str]:
    from ndr_workflows.flows import FLOW_NAMES, build_flow
    from ndr_workflows.model.checks import _all_states, _expressions
    from ndr_workflows.steps import Polling

    texts: set[str] = set()
    for name in FLOW_NAMES:
        for options in ({}, {"completion": Polling()}):
            for _, state in _all_states(build_flow(name, **options).graph()):
                texts.update(e.text for _, e, _ in _expressions(state))
    return sorted(texts)


def test_every_flow_expression_parses_alike_in_both_engines() -> None:
    """A differential test over every expression the five flows use."""
    texts = _flow_expressions()
    assert len(texts) > 80
    for text in texts:
        error, variables, functions = analyse_text(text)
        assert error is None, (text, error)
        tree = reference_parse(text)
        assert tree is not None, text  # the reference port accepts it too
        assert (variables, functions) == reference_names(tree), text
