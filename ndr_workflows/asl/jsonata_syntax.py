"""Small, fast, stdlib-only syntax analyser for JSONata 2.0 expressions.

AWS Step Functions evaluates JSONata 2.0.6.  This module checks the syntax of an
expression the way the reference parser does (tokenizer, Pratt parser and the
post-parse AST checks: literal path steps, grouping/predicate/focus order, the
``%`` parent operator, lambda signatures) without importing the ``jsonata``
package, and reports which ``$variables`` an expression reads and which
``$functions`` it calls by name.

Public API::

    analyse_text(text) -> (error_message_or_None, free_variables, called_functions)

Scoping used for free variables: a *frame* is the whole expression, a block
``( ... )`` or a lambda body.  ``$x := ...``, ``@$v`` and ``#$i`` bind the name in
the nearest enclosing frame (for the whole frame, whatever the order), lambda
parameters bind in the lambda's frame; a ``$name`` read is free when no
enclosing frame binds it.  ``$``, ``$$`` and ``$states`` are never reported.
"""

from __future__ import annotations

TYPE_CHECKING = False  # avoids importing typing at run time; type checkers treat it as True
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["JsonataSyntaxError", "analyse_text", "parse"]


class JsonataSyntaxError(Exception):
    """A JSONata syntax error; ``position`` is a 0-based character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at position {position})")
        self.message = message
        self.position = position


# --------------------------------------------------------------------------
# Lexer
# --------------------------------------------------------------------------

# Left binding powers of the symbols that have an infix ("led") meaning.
_LBP = {
    ".": 75, "[": 80, "{": 70, "(": 80, "@": 80, "#": 80, "?": 20,
    "+": 50, "-": 50, "*": 60, "/": 60, "%": 60, "=": 40, "<": 40, ">": 40,
    "^": 40, ":=": 10, "!=": 40, "<=": 40, ">=": 40, "~>": 40, "?:": 40,
    "??": 40, "and": 30, "or": 25, "in": 40, "&": 50,
}
# Every symbol the parser knows (others, such as "!" and "~", are unknown operators).
_KNOWN = frozenset(_LBP) | {"]", "}", ")", ",", ";", ":", "..", "**", "|"}
_SINGLE = frozenset(".[]{}(),@#;:?+-*/%|=<>^&!~")
_DOUBLE = {".": ".", ":": "=", "!": "=", ">": "=", "<": "=", "*": "*", "~": ">", "?": ":?"}
_WS = " \t\n\r\v"
_ESCAPES = frozenset('"\\/bfnrt')
_HEX = frozenset("0123456789abcdefABCDEF")
_NAME_STOP = _SINGLE | frozenset(_WS)
_DIGITS = frozenset("0123456789")

# Token kinds.
_END, _OP, _NAME, _VAR, _STR, _NUM, _VAL, _REGEX = range(8)


class _Parser:
    __slots__ = ("src", "n", "i", "kind", "val", "pos", "lbp")
    src: str
    n: int
    i: int
    kind: int  # the current token: its kind, text (None at the end), position
    val: str | None
    pos: int
    lbp: int  # its left binding power (0 unless an infix operator)

    def __init__(self, src: str) -> None:
        self.src = src
        self.n = len(src)
        self.i = 0

    # -- tokenizer ---------------------------------------------------------

    def advance(self, expect: str | None = None, infix: bool = False) -> None:
        if expect is not None and (self.kind != _OP or self.val != expect):
            if self.kind == _END:
                raise JsonataSyntaxError(f"Expected {expect!r} before end of expression", self.pos)
            raise JsonataSyntaxError(f"Expected {expect!r}, got {self._desc()}", self.pos)
        src = self.src
        n = self.n
        i = self.i
        while True:
            while i < n and src[i] in _WS:
                i += 1
            if i >= n:
                self.kind = _END
                self.val = None
                self.pos = n
                self.lbp = 0
                self.i = i
                return
            c = src[i]
            if c == "/" and i + 1 < n and src[i + 1] == "*":
                end = src.find("*/", i + 2)
                if end < 0:
                    raise JsonataSyntaxError("Comment has no closing tag", i)
                i = end + 2
                continue
            break
        self.pos = i
        self.lbp = 0
        if c == "/" and not infix:
            self.kind = _REGEX
            self.val = self._regex(i + 1)
            return
        if c in _SINGLE:
            d = _DOUBLE.get(c)
            if d is not None and i + 1 < n and src[i + 1] in d:
                c += src[i + 1]
            elif c in "!~":
                raise JsonataSyntaxError(f"Unknown operator {c!r}", i)
            self.i = i + len(c)
            self.kind = _OP
            self.val = c
            self.lbp = _LBP.get(c, 0)
            return
        if c == '"' or c == "'":
            self.kind = _STR
            self.val = self._string(i, c)
            return
        if "0" <= c <= "9":
            j = self._number(i)
            text = src[i:j]
            if float(text) == float("inf"):
                raise JsonataSyntaxError(f"Number out of range: {text}", i)
            self.i = j
            self.kind = _NUM
            self.val = text
            return
        if c == "`":
            end = src.find("`", i + 1)
            if end < 0:
                raise JsonataSyntaxError("Quoted property name must be terminated with a backquote (`)", i)
            self.i = end + 1
            self.kind = _NAME
            self.val = src[i + 1:end]
            return
        j = i + 1
        while j < n and src[j] not in _NAME_STOP:
            j += 1
        self.i = j
        if c == "$":
            self.kind = _VAR
            self.val = src[i + 1:j]
            return
        name = src[i:j]
        if name == "and" or name == "or" or name == "in":
            self.kind = _OP
            self.lbp = _LBP[name]
        elif name == "true" or name == "false" or name == "null":
            self.kind = _VAL
        else:
            self.kind = _NAME
        self.val = name

    def _number(self, i: int) -> int:
        """End of the number starting at *i*: (0|[1-9][0-9]*)(.[0-9]+)?([Ee][-+]?[0-9]+)?"""
        src = self.src
        n = self.n
        j = i + 1
        if src[i] != "0":
            while j < n and src[j] in _DIGITS:
                j += 1
        if j + 1 < n and src[j] == "." and src[j + 1] in _DIGITS:
            j += 2
            while j < n and src[j] in _DIGITS:
                j += 1
        if j + 1 < n and src[j] in "Ee":
            k = j + 1
            if src[k] in "+-":
                k += 1
            if k < n and src[k] in _DIGITS:
                j = k + 1
                while j < n and src[j] in _DIGITS:
                    j += 1
        return j

    def _string(self, start: int, quote: str) -> str:
        src = self.src
        n = self.n
        i = start + 1
        while True:
            j = src.find(quote, i)
            k = src.find("\\", i, j if j >= 0 else n)
            if k < 0:
                if j < 0:
                    raise JsonataSyntaxError("String literal must be terminated by a matching quote", start)
                self.i = j + 1
                return src[start + 1:j]
            if k + 1 >= n:
                raise JsonataSyntaxError("String literal must be terminated by a matching quote", start)
            e = src[k + 1]
            if e in _ESCAPES:
                i = k + 2
            elif e == "u":
                hexd = src[k + 2:k + 6]
                if len(hexd) != 4 or not all(h in _HEX for h in hexd):
                    raise JsonataSyntaxError("The escape sequence \\u must be followed by 4 hex digits", k + 1)
                i = k + 6
            else:
                raise JsonataSyntaxError(f"Unsupported escape sequence: \\{e}", k + 1)

    def _regex(self, start: int) -> str:
        src = self.src
        n = self.n
        i = start
        depth = 0
        while i < n:
            c = src[i]
            if c == "/" and depth == 0:
                b = 0
                while src[i - b - 1] == "\\":
                    b += 1
                if b % 2 == 0:
                    if i == start:
                        raise JsonataSyntaxError("Empty regular expressions are not allowed", i)
                    pattern = src[start:i]
                    i += 1
                    while i < n and (src[i] == "i" or src[i] == "m"):
                        i += 1
                    self.i = i
                    return pattern
            if c in "([{" and src[i - 1] != "\\":
                depth += 1
            elif c in ")]}" and src[i - 1] != "\\":
                depth -= 1
            i += 1
        raise JsonataSyntaxError("Regular expression literal must be terminated by a /", start - 1)

    def _desc(self) -> str:
        k = self.kind
        if k == _END:
            return "end of expression"
        if k == _STR:
            return "string literal"
        if k == _VAR:
            return f"${self.val}"
        if k == _REGEX:
            return "regular expression"
        return repr(self.val)

    # -- Pratt parser ------------------------------------------------------

    def expression(self, rbp: int) -> _N:
        kind = self.kind
        val = self.val
        pos = self.pos
        self.advance(None, True)
        left = self.nud(kind, val, pos)
        while rbp < self.lbp:
            op = self.val
            pos = self.pos
            self.advance()
            left = self.led(op, pos, left)  # type: ignore[arg-type]  # lbp > 0: an operator, so val is a str
        return left

    def nud(self, kind: int, val: str | None, pos: int) -> _N:
        if kind == _NAME:
            return _N("name", val, pos)
        if kind == _VAR:
            return _N("variable", val, pos)
        if kind == _STR:
            return _N("string", val, pos)
        if kind == _NUM:
            return _N("number", val, pos)
        if kind == _VAL:
            return _N("value", val, pos)
        if kind == _REGEX:
            return _N("regex", val, pos)
        if kind == _END:
            raise JsonataSyntaxError("Unexpected end of expression", pos)
        if val == "(":
            items = []
            while self.kind != _OP or self.val != ")":
                items.append(self.expression(0))
                if self.kind != _OP or self.val != ";":
                    break
                self.advance(";")
            self.advance(")", True)
            node = _N("block", None, pos)
            node.items = items
            return node
        if val == "[":
            items = []
            if self.kind != _OP or self.val != "]":
                while True:
                    item = self.expression(0)
                    if self.kind == _OP and self.val == "..":
                        rng = _N("binary", "..", self.pos)
                        self.advance("..")
                        rng.lhs = item
                        rng.rhs = self.expression(0)
                        item = rng
                    items.append(item)
                    if self.kind != _OP or self.val != ",":
                        break
                    self.advance(",")
            self.advance("]", True)
            node = _N("array", None, pos)
            node.items = items
            return node
        if val == "{":
            node = _N("object", None, pos)
            node.items = self._pairs()
            return node
        if val == "-":
            node = _N("unary", "-", pos)
            node.lhs = self.expression(70)
            return node
        if val == "*":
            return _N("wildcard", val, pos)
        if val == "**":
            return _N("descendant", val, pos)
        if val == "%":
            return _N("parent", val, pos)
        if val == "and" or val == "or" or val == "in":
            return _N("name", val, pos)
        if val == "|":
            node = _N("transform", None, pos)
            node.lhs = self.expression(0)
            self.advance("|")
            node.rhs = self.expression(0)
            if self.kind == _OP and self.val == ",":
                self.advance(",")
                node.then = self.expression(0)
            self.advance("|")
            return node
        raise JsonataSyntaxError(f"The symbol {val!r} cannot be used as a unary operator", pos)

    def _pairs(self) -> list[tuple[_N, _N]]:
        pairs = []
        if self.kind != _OP or self.val != "}":
            while True:
                key = self.expression(0)
                self.advance(":")
                pairs.append((key, self.expression(0)))
                if self.kind != _OP or self.val != ",":
                    break
                self.advance(",")
        self.advance("}", True)
        return pairs

    def led(self, op: str, pos: int, left: _N) -> _N:
        if op == "(":
            return self._call(pos, left)
        if op == "[":
            if self.kind == _OP and self.val == "]":
                self.advance("]")
                return left
            node = _N("binary", "[", pos)
            node.lhs = left
            node.rhs = self.expression(0)
            self.advance("]", True)
            return node
        if op == "{":
            node = _N("binary", "{", pos)
            node.lhs = left
            node.items = self._pairs()
            return node
        if op == "^":
            self.advance("(")
            terms = []
            while True:
                if self.kind == _OP and (self.val == "<" or self.val == ">"):
                    self.advance()
                terms.append(self.expression(0))
                if self.kind != _OP or self.val != ",":
                    break
                self.advance(",")
            self.advance(")")
            node = _N("binary", "^", pos)
            node.lhs = left
            node.items = terms
            return node
        if op == ":=":
            if left.type != "variable":
                raise JsonataSyntaxError("The left side of := must be a variable name (start with $)", left.pos)
            node = _N("binary", ":=", pos)
            node.lhs = left
            node.rhs = self.expression(9)
            return node
        if op == "@" or op == "#":
            node = _N("binary", op, pos)
            node.lhs = left
            rhs = node.rhs = self.expression(80)
            if rhs.type != "variable":
                raise JsonataSyntaxError(
                    f"The right side of {op} must be a variable name (start with $)", rhs.pos)
            return node
        if op == "?":
            node = _N("condition", "?", pos)
            node.lhs = left
            node.then = self.expression(0)
            if self.kind == _OP and self.val == ":":
                self.advance(":")
                node.rhs = self.expression(0)
            return node
        if op == "??" or op == "?:":
            node = _N("condition", op, pos)
            node.lhs = left
            node.rhs = self.expression(0)
            return node
        node = _N("binary", op, pos)
        node.lhs = left
        node.rhs = self.expression(_LBP[op])
        return node

    def _call(self, pos: int, left: _N) -> _N:
        args = []
        node = _N("function", None, pos)
        if self.kind != _OP or self.val != ")":
            while True:
                if self.kind == _OP and self.val == "?":
                    node.type = "partial"
                    args.append(_N("?", "?", self.pos))
                    self.advance("?")
                else:
                    args.append(self.expression(0))
                if self.kind != _OP or self.val != ",":
                    break
                self.advance(",")
        self.advance(")", True)
        node.lhs = left
        node.items = args
        if left.type == "name" and (left.value == "function" or left.value == "\u03bb"):
            for arg in args:
                if arg.type != "variable":
                    raise JsonataSyntaxError("Parameters of a function definition must be variables", arg.pos)
            node.type = "lambda"
            if self.kind == _OP and self.val == "<":
                sig_pos = self.pos
                depth = 1
                sig = ["<"]
                while depth > 0 and not (self.kind == _OP and self.val == "{") and self.kind != _END:
                    self.advance()
                    if self.kind == _OP:
                        if self.val == ">":
                            depth -= 1
                        elif self.val == "<":
                            depth += 1
                    sig.append(str(self.val) if self.kind != _REGEX else "/" + self.val + "/")
                self.advance(">")
                _check_signature("".join(sig), sig_pos)
            self.advance("{")
            node.rhs = self.expression(0)
            self.advance("}")
        return node


def _check_signature(sig: str, pos: int) -> None:
    """Reject function signatures the reference signature parser rejects."""
    prev = None  # type letter of the previous parameter
    i = 1
    n = len(sig)
    while i < n:
        c = sig[i]
        if c == ":":
            break
        if c in "snbloafjx":
            prev = c
        elif c in "-?+":
            if prev is None:
                raise JsonataSyntaxError(f"Invalid function signature {sig}: {c!r} must follow a type", pos)
        elif c == "(":
            end = sig.find(")", i)
            if end < 0:
                raise JsonataSyntaxError(f"Invalid function signature {sig}: unterminated choice group", pos)
            if "<" in sig[i:end]:
                raise JsonataSyntaxError(
                    f"Invalid function signature {sig}: choice groups containing parameterized types "
                    "are not supported", pos)
            prev = "("
            i = end
        elif c == "<":
            if prev != "a" and prev != "f":
                raise JsonataSyntaxError(
                    f"Invalid function signature {sig}: type parameters can only be applied to "
                    "functions and arrays", pos)
            depth = 1
            j = i
            while depth:
                j += 1
                if j >= n:
                    raise JsonataSyntaxError(f"Invalid function signature {sig}: unbalanced '<'", pos)
                if sig[j] == "<":
                    depth += 1
                elif sig[j] == ">":
                    depth -= 1
            i = j
        i += 1


# --------------------------------------------------------------------------
# AST nodes and the post-parse checks of the reference implementation
# --------------------------------------------------------------------------


class _N:
    __slots__ = ("type", "value", "pos", "lhs", "rhs", "then", "items", "steps", "group",
                 "predicate", "stages", "focus", "seeking", "slot")
    type: str
    value: str | None
    pos: int
    # Which of the fields below a node has depends on its type. Those typed
    # without None are set by the parser for every node type that reads them
    # (lhs/rhs of a binary, items of a block, steps of a path, ...); the one
    # exception, the rhs of a condition without an else branch, is checked.
    lhs: _N
    rhs: _N
    then: _N | None
    items: list[Any]  # list[_N]; list[tuple[_N, _N]] for an object or a grouping
    steps: list[_N]
    group: _N | None
    predicate: list[_N] | None
    stages: list[_N] | None
    focus: str | None
    seeking: list[_Slot] | None
    slot: _Slot

    def __init__(self, type: str, value: str | None, pos: int) -> None:
        self.type = type
        self.value = value
        self.pos = pos
        # None until set: see the field comments above.
        self.lhs = self.rhs = self.then = self.items = self.steps = None  # type: ignore[assignment]
        self.group = self.predicate = self.stages = self.focus = None
        self.seeking = self.slot = None  # type: ignore[assignment]


class _Slot:
    __slots__ = ("level",)

    def __init__(self) -> None:
        self.level = 1


_LITERAL_STEP = frozenset(("number", "value"))
_LEAVES = frozenset(("string", "number", "value", "wildcard", "descendant", "variable", "regex", "?"))


def _path(step: _N) -> _N:
    p = _N("path", None, step.pos)
    p.steps = [step]
    return p


def _push(result: _N, value: _N | None) -> None:
    if value is None:
        return
    is_parent = value.type == "parent"
    if value.seeking is not None or is_parent:
        slots = value.seeking if value.seeking is not None else []
        if is_parent:
            slots.append(value.slot)
        if result.seeking is None:
            result.seeking = slots
        else:
            result.seeking.extend(slots)


def _seek(node: _N, slot: _Slot) -> _Slot:
    t = node.type
    if t == "name" or t == "wildcard":
        slot.level -= 1
    elif t == "parent":
        slot.level += 1
    elif t == "block":
        if node.items:
            slot = _seek(node.items[-1], slot)
    elif t == "path":
        steps = node.steps
        slot = _seek(steps[-1], slot)
        k = len(steps) - 2
        while slot.level > 0 and k >= 0:
            slot = _seek(steps[k], slot)
            k -= 1
    else:
        raise JsonataSyntaxError('The object representing the "parent" cannot be derived from this expression',
                                 node.pos)
    return slot


def _resolve(path: _N) -> None:
    steps = path.steps
    last = steps[-1]
    slots = last.seeking if last.seeking is not None else []
    if last.type == "parent":
        slots.append(last.slot)
    for slot in slots:
        k = len(steps) - 2
        while slot.level > 0:
            if k < 0:
                if path.seeking is None:
                    path.seeking = [slot]
                else:
                    path.seeking.append(slot)
                break
            step = steps[k]
            k -= 1
            while k >= 0 and step.focus is not None and steps[k].focus is not None:
                step = steps[k]
                k -= 1
            slot = _seek(step, slot)


def _process(e: _N) -> _N:
    t = e.type
    if t in _LEAVES:
        return e
    if t == "name":
        return _path(e)
    if t == "binary":
        op = e.value
        if op == ".":
            lstep = _process(e.lhs)
            if lstep.type == "path":
                r = lstep
            else:
                r = _path(lstep)
            if lstep.type == "parent":
                r.seeking = [lstep.slot]
            rest = _process(e.rhs)
            if rest.type == "path":
                r.steps.extend(rest.steps)
            else:
                if rest.predicate is not None:
                    rest.stages = rest.predicate
                    rest.predicate = None
                r.steps.append(rest)
            for s in r.steps:
                if s.type in _LITERAL_STEP:
                    raise JsonataSyntaxError(
                        f"The literal value {s.value} cannot be used as a step within a path expression", s.pos)
                if s.type == "string":
                    s.type = "name"
            _resolve(r)
            return r
        if op == "[":
            r = _process(e.lhs)
            step = r
            stages = r.type == "path"
            if stages:
                step = r.steps[-1]
            if step.group is not None:
                raise JsonataSyntaxError("A predicate cannot follow a grouping expression in a step", e.pos)
            if stages:
                if step.stages is None:
                    step.stages = []
            elif step.predicate is None:
                step.predicate = []
            pred = _process(e.rhs)
            if pred.seeking is not None:
                for slot in pred.seeking:
                    if slot.level == 1:
                        _seek(step, slot)
                    else:
                        slot.level -= 1
                _push(step, pred)
            (step.stages if stages else step.predicate).append(e)  # type: ignore[union-attr]  # made a list just above
            return r
        if op == "{":
            r = _process(e.lhs)
            if r.group is not None:
                raise JsonataSyntaxError("Each step can only have one grouping expression", e.pos)
            r.group = e
            for k, v in e.items:
                _process(k)
                _process(v)
            return r
        if op == "^":
            r = _process(e.lhs)
            if r.type != "path":
                r = _path(r)
            sort = _N("sort", None, e.pos)
            for term in e.items:
                _push(sort, _process(term))
            r.steps.append(sort)
            _resolve(r)
            return r
        if op == ":=":
            r = _N("bind", None, e.pos)
            _process(e.lhs)
            _push(r, _process(e.rhs))
            return r
        if op == "@":
            r = _process(e.lhs)
            step = r.steps[-1] if r.type == "path" else r
            if step.stages is not None or step.predicate is not None:
                raise JsonataSyntaxError("A context variable binding must precede any predicates on a step", e.pos)
            if step.type == "sort":
                raise JsonataSyntaxError(
                    "A context variable binding must precede the 'order-by' clause on a step", e.pos)
            step.focus = e.rhs.value
            return r
        if op == "#":
            r = _process(e.lhs)
            if r.type == "path":
                step = r.steps[-1]
            else:
                step = r
                r = _path(r)
                if step.predicate is not None:
                    step.stages = step.predicate
                    step.predicate = None
            if step.stages is not None:
                step.stages.append(e)
            return r
        r = _N("apply" if op == "~>" else "binary", op, e.pos)
        lhs = _process(e.lhs)
        rhs = _process(e.rhs)
        if op != "~>":
            _push(r, lhs)
            _push(r, rhs)
        return r
    if t == "function" or t == "partial":
        r = _N(t, None, e.pos)
        for arg in e.items:
            _push(r, _process(arg))
        _process(e.lhs)
        return r
    if t == "lambda":
        _process(e.rhs)
        return _N("lambda", None, e.pos)
    if t == "condition":
        r = _N("condition", None, e.pos)
        op = e.value
        if op == "??":
            # The reference parser builds $exists(lhs) ? lhs : rhs, processing lhs twice.
            call = _N("function", None, e.pos)
            _push(call, _process(e.lhs))
            _push(r, call)
            _push(r, _process(e.lhs))
        else:
            _push(r, _process(e.lhs))
            _push(r, _process(e.then if op == "?" else e.lhs))  # type: ignore[arg-type]  # a "?" node always has a then
        if e.rhs is not None:
            _push(r, _process(e.rhs))
        return r
    if t == "block" or t == "array":
        r = _N(t, None, e.pos)
        items = r.items = []
        for item in e.items:
            p = _process(item)
            _push(r, p)
            items.append(p)
        return r
    if t == "object":
        r = _N(t, None, e.pos)
        for k, v in e.items:
            _push(r, _process(k))
            _push(r, _process(v))
        return r
    if t == "unary":
        operand = _process(e.lhs)
        if operand.type == "number":
            return operand
        r = _N("unary", "-", e.pos)
        _push(r, operand)
        return r
    if t == "parent":
        r = _N("parent", None, e.pos)
        r.slot = _Slot()
        return r
    if t == "transform":
        _process(e.lhs)
        _process(e.rhs)
        if e.then is not None:
            _process(e.then)
        return _N("transform", None, e.pos)
    raise JsonataSyntaxError(f"Unexpected node {t}", e.pos)  # pragma: no cover


def parse(text: str) -> _N:
    """Parse *text* and run the reference post-parse checks; return the raw AST.

    Raises :class:`JsonataSyntaxError`.
    """
    p = _Parser(text)
    p.advance()
    ast = p.expression(0)
    if p.kind != _END:
        raise JsonataSyntaxError(f"Syntax error: unexpected {p._desc()}", p.pos)
    r = _process(ast)
    if r.type == "parent" or r.seeking is not None:
        raise JsonataSyntaxError('The object representing the "parent" cannot be derived from this expression',
                                 r.pos)
    return ast


# --------------------------------------------------------------------------
# Free variables and called functions
# --------------------------------------------------------------------------

_NOT_VARIABLES = frozenset(("", "$", "states"))


def _walk(e: _N, frame: list, uses: list) -> None:
    """Collect bindings into ``frame[0]`` and reads/calls into *uses*.

    A frame is ``[bound_names, parent_frame]``; *uses* gets ``(frame, name, is_call)``.
    """
    while True:
        t = e.type
        if t == "variable":
            uses.append((frame, e.value, False))
            return
        if t == "binary":
            op = e.value
            if op == ":=" or op == "@" or op == "#":
                frame[0].add(e.rhs.value if op != ":=" else e.lhs.value)
                e = e.lhs if op != ":=" else e.rhs
                continue
            if op == "{" or op == "^":
                for item in e.items:
                    if op == "{":
                        _walk(item[0], frame, uses)
                        _walk(item[1], frame, uses)
                    else:
                        _walk(item, frame, uses)
                e = e.lhs
                continue
            _walk(e.lhs, frame, uses)
            e = e.rhs
            continue
        if t == "function" or t == "partial":
            proc = e.lhs
            if proc.type == "variable":
                uses.append((frame, proc.value, True))
            else:
                _walk(proc, frame, uses)
            for arg in e.items:
                _walk(arg, frame, uses)
            return
        if t == "block":
            inner = [set(), frame]
            for item in e.items:
                _walk(item, inner, uses)
            return
        if t == "lambda":
            inner = [{arg.value for arg in e.items}, frame]
            _walk(e.rhs, inner, uses)
            return
        if t == "array":
            for item in e.items:
                _walk(item, frame, uses)
            return
        if t == "object":
            for k, v in e.items:
                _walk(k, frame, uses)
                _walk(v, frame, uses)
            return
        if t == "condition" or t == "transform":
            _walk(e.lhs, frame, uses)
            if e.then is not None:
                _walk(e.then, frame, uses)
            if e.rhs is None:
                return
            e = e.rhs
            continue
        if t == "unary":
            e = e.lhs
            continue
        return


def free_names(ast: _N) -> tuple[frozenset[str], frozenset[str]]:
    """Return (free variables read, functions called by name) of a parsed expression."""
    top: list[Any] = [set(), None]
    uses: list[Any] = []
    _walk(ast, top, uses)
    variables: set[str] = set()
    functions: set[str] = set()
    for frame, name, is_call in uses:
        if name in _NOT_VARIABLES:
            continue
        while frame is not None:
            if name in frame[0]:
                break
            frame = frame[1]
        else:
            (functions if is_call else variables).add(name)
    return frozenset(variables), frozenset(functions)


_EMPTY: frozenset[str] = frozenset()


def analyse_text(text: str) -> tuple[str | None, frozenset[str], frozenset[str]]:
    """(error message with position, or None; free variables read; functions called by name)."""
    try:
        ast = parse(text)
    except JsonataSyntaxError as exc:
        return str(exc), _EMPTY, _EMPTY
    except RecursionError:
        return "Expression is nested too deeply (at position 0)", _EMPTY, _EMPTY
    variables, functions = free_names(ast)
    return None, variables, functions
