"""Hypothesis strategies for random compositions of the step builders.

A strategy draws a *spec*: plain, immutable data (nested tuples) that says
which builders to compose and how. :func:`build_machine` turns a spec into a
:class:`~ndr_workflows.model.StateMachine`. Keeping the two apart means the
same draw can be built twice (determinism), and a failing example shrinks
to readable data.

Names are deterministic: one counter per build hands out numbers in the order
the spec is walked, and each kind of element has its own name prefix, so
every state name and every variable name is unique in the whole machine
(nested scopes included) without any uuid or clock.

Scopes:

* ``"top"``: the state machine's top level. Failures go to ``ON_FAILURE``
  (the builders' default), which the StateMachine resolves.
* ``"lock"``: the body of a ``lock(...)`` at the top level. Same as top, but
  no Fail/Succeed (``validate_params`` has a Fail) and no nested lock.
* ``"nested"``: a Map iteration or a Parallel branch. ``ON_FAILURE`` cannot
  be resolved there, so each builder either has no catch (the error fails the
  Map/Parallel state, whose own catch handles it) or routes to a *sink* Pass
  state of that scope, recording the error in its Output and assigning
  nothing (variables of the enclosing scope cannot be assigned inside).

Choice rules jump forward only, to the entry of a later element of the same
scope: a jump into the middle of a builder's fragment, or out of a lock body,
is not something the builders promise to support.
"""

from __future__ import annotations

from hypothesis import strategies as st

from ndr_workflows import Choice, Fragment, Map, Parallel, Pass, Rule, StateMachine, Succeed, Wait, expr, obj, states_input, var
from ndr_workflows.expressions import EXECUTION_NAME, START_TIME, STATES_RESULT, TASK_TOKEN
from ndr_workflows.steps import (
    CALLBACK,
    PAYLOAD,
    Callback,
    Check,
    ErrorRoute,
    Param,
    Polling,
    invoke_lambda,
    LockNames,
    LockTable,
    lock,
    normalize_message,
    publish_event,
    resolve_params,
    run_pipeline,
    start_pipeline,
    validate_params,
    wait_for_callback,
    workflow_failed,
)
from ndr_workflows.steps.message_expressions import epoch_seconds_after_start_text

__all__ = ["machine_specs", "build_machine", "FAILED_ERROR"]

FAILED_ERROR = "X"
MAX_DEPTH = 2

# -- leaves -------------------------------------------------------------------

# Parameter defaults: literals of every JSON kind, text with quotes,
# backslashes and non-ASCII characters, and an expression.
_default_values = st.one_of(
    st.none(),
    st.integers(-(2**31), 2**31),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=6),
    st.sampled_from(["ndr-project", 'quote"d', "back\\slash", "caf\u00e9", "a;b=c", "{x}"]),
    st.lists(st.sampled_from(["redshift", "iceberg", "s3"]), min_size=1, max_size=3).map(tuple),
    st.just("START_TIME"),
)


@st.composite
def _param(draw):
    required = draw(st.booleans())
    default = None if required else draw(_default_values)
    kind = draw(st.sampled_from(["string", "number", "list"]))
    return ("param", required, default, kind)


_conditions = st.sampled_from(["flag", "count", "exists"])


def _leaf(scope: str):
    """Elements without nested scopes, for ``scope``."""
    nested = scope == "nested"
    # Where a builder's failures go: the builder's default (top, lock), or in
    # a nested scope no catch at all / the scope's sink.
    route = st.sampled_from(["none", "sink"]) if nested else st.just("default")
    options = [
        st.tuples(st.just("normalize")),
        st.tuples(st.just("start"), route, st.integers(0, 3), st.booleans()),
        st.tuples(st.just("wait_cb"), route, st.integers(1, 86400), st.booleans()),
        st.tuples(
            st.just("run"),
            route,
            st.one_of(
                st.just(("callback",)),
                st.tuples(st.just("callback_timeout"), st.integers(60, 7 * 86400)),
                st.tuples(st.just("polling"), st.integers(1, 600), st.integers(1, 500)),
            ),
            st.booleans(),
        ),
        st.tuples(st.just("invoke"), route, st.booleans(), st.booleans(), st.integers(1, 3600)),
        st.tuples(st.just("event"), route, st.sampled_from(["NdrThingHappened", "Ndr Thing", "caf\u00e9"]), st.integers(0, 3)),
        st.tuples(st.just("wait"), st.one_of(st.integers(0, 99999999), st.just("timestamp"))),
        st.tuples(st.just("pass"), st.sampled_from(["assign", "output", "both", "empty"])),
        st.tuples(st.just("choice"), st.lists(st.tuples(st.integers(0, 10), _conditions), min_size=1, max_size=3).map(tuple)),
    ]
    return st.one_of(*options)


def _elements(scope: str, depth: int, allow_resolve: bool):
    """A non-empty list of elements for ``scope`` at nesting ``depth``."""
    leaf = _leaf(scope)
    options = [leaf]
    if allow_resolve and scope in ("top", "lock"):
        options.append(st.tuples(st.just("resolve"), st.lists(_param(), min_size=0, max_size=3).map(tuple)))
    if depth < MAX_DEPTH:
        inner = st.deferred(lambda: _elements("nested", depth + 1, False))
        caught = st.sampled_from(["none", "sink"]) if scope == "nested" else st.sampled_from(["none", "default"])
        options.append(st.tuples(st.just("map"), inner, st.integers(0, 40), caught, st.booleans()))
        options.append(st.tuples(st.just("parallel"), st.lists(inner, min_size=1, max_size=3).map(tuple), caught))
    if scope == "top":
        options.append(
            st.tuples(
                st.just("lock"),
                st.deferred(lambda: _elements("lock", depth, allow_resolve)),
                st.booleans(),
            )
        )
    return st.lists(st.one_of(*options), min_size=1, max_size=5).map(tuple)


@st.composite
def machine_specs(draw, max_depth: int = MAX_DEPTH):
    """A whole machine: an optional opening (normalize, resolve, validate),
    a body, an optional final Succeed, an optional execution timeout."""
    opening = draw(
        st.one_of(
            st.none(),
            st.tuples(
                st.lists(_param(), min_size=0, max_size=4).map(tuple),
                st.booleans(),  # validate
                st.booleans(),  # one extra Check
            ),
        )
    )
    body = draw(_elements("top", 0 if max_depth >= MAX_DEPTH else MAX_DEPTH - max_depth, opening is not None))
    succeed = draw(st.booleans())
    timeout = draw(st.one_of(st.none(), st.integers(1, 7 * 86400)))
    return ("machine", opening, body, succeed, timeout)


# -- building -----------------------------------------------------------------


def _sink_route(sink: str) -> ErrorRoute:
    def record(state, error):  # (state name, error Expr) -> (assign, output)
        return None, obj({"failed_state": state, "error": error})

    return ErrorRoute(next=sink, record=record)


class _Scope:
    def __init__(self, kind: str, builder: "_Builder") -> None:
        self.kind = kind
        self.sink = f"Sink{builder.next_number()}" if kind == "nested" else None
        self.sink_used = False

    def on_error(self, route: str):
        if route == "default":
            return _DEFAULT
        if route == "none":
            return None
        self.sink_used = True
        return _sink_route(self.sink)


_DEFAULT = object()


def _with_route(kwargs: dict, on_error) -> dict:
    if on_error is not _DEFAULT:
        kwargs["on_error"] = on_error
    return kwargs


class _Builder:
    def __init__(self) -> None:
        self.counter = 0
        self.params: list[str] = []  # parameter variables assigned by the opening

    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    def param(self, spec) -> Param:
        _, required, default, kind = spec
        n = self.next_number()
        if default == "START_TIME":
            default = START_TIME
        elif isinstance(default, tuple):
            default = list(default)
        return Param(f"param_{n}", default, required=required, kind=kind)

    def value(self, i: int):
        """A value for a template: a literal, a parameter, the input, the context."""
        choices = [f"literal-{i}", states_input(f"field_{i}"), EXECUTION_NAME, i]
        if self.params:
            choices.append(var(self.params[i % len(self.params)]))
        return choices[i % len(choices)]

    def condition(self, n: int, kind: str):
        if kind == "flag":
            return expr(f"$states.input.flag_{n} = true")
        if kind == "count":
            return expr(f"$exists($states.input.items_{n}) ? $count($states.input.items_{n}) > {n % 3} : false")
        return expr(f"$exists($states.context.Execution.Input.route_{n})")

    # -- one scope --------------------------------------------------------

    def scope(self, elements, kind: str, depth: int) -> Fragment:
        sc = _Scope(kind, self)
        parts: list[Fragment | None] = []
        pending: dict[int, tuple[str, tuple]] = {}
        for i, element in enumerate(elements):
            if element[0] == "choice":
                # Named now (deterministic order), built once later entries exist.
                pending[i] = (f"Choice{self.next_number()}", element)
                parts.append(None)
            else:
                parts.append(self.element(element, sc, depth))
        for i, (name, element) in pending.items():
            later = [p.start for p in parts[i + 1 :] if p is not None] + [
                pending[j][0] for j in pending if j > i
            ]
            if not later:
                parts[i] = Fragment.of(Pass(name))
                continue
            rules = []
            for offset, cond in element[1]:
                target = later[offset % len(later)]
                rules.append(Rule(self.condition(self.counter + len(rules), cond), target))
            parts[i] = Fragment.of(Choice(name, choices=rules))
        fragment = parts[0]
        for part in parts[1:]:
            fragment = fragment >> part
        if any(fragment.states[i].TYPE == "Choice" for i in fragment.exits()):
            # A Choice left without a Default would end the scope, and a run
            # matching no rule fails (States.NoChoiceMatched): a build error
            # (CHOICE_WITHOUT_TARGET) whose hint is to chain a state after it.
            fragment = fragment >> Pass(f"End{self.next_number()}")
        if sc.sink_used:
            sink = Pass(sc.sink, output=obj({"status": "FAILED", "error": states_input("error")}))
            fragment = Fragment(fragment.states + (sink,), fragment.start, fragment.problems)
        return fragment

    # -- one element ------------------------------------------------------

    def element(self, element, sc: _Scope, depth: int) -> Fragment:
        kind = element[0]
        n = self.next_number()
        if kind == "normalize":
            return normalize_message(f"Normalize{n}", variable=f"raw_{n}")
        if kind == "resolve":
            # Not readable by later elements: a Choice may jump over it.
            params = [self.param(p) for p in element[1]]
            return resolve_params(params, name=f"Resolve{n}")
        if kind == "start":
            _, route, count, keyed = element
            return start_pipeline(
                f"Start{n}",
                pipeline="${PipelineName15m}",
                parameters={f"Param{i}": self.value(n + i) for i in range(count)},
                arn_variable=f"arn_{n}",
                token_key=states_input("mini_batch_id") if keyed else None,
                **_with_route({}, sc.on_error(route)),
            )
        if kind == "wait_cb":
            _, route, timeout, heartbeat = element
            return wait_for_callback(
                f"WaitForCallback{n}",
                execution_arn=states_input("arn"),
                timeout_seconds=timeout,
                heartbeat_seconds=(timeout // 2 or None) if heartbeat and timeout > 1 else None,
                output={"done": True, "result": STATES_RESULT},
                **_with_route({}, sc.on_error(route)),
            )
        if kind == "run":
            _, route, completion, outputs = element
            on_error = sc.on_error(route)
            if completion[0] == "polling":
                completion_value = Polling(interval_seconds=completion[1], max_attempts=completion[2])
                if on_error is None:  # the polling form needs a route
                    on_error = sc.on_error("sink")
            elif completion[0] == "callback_timeout":
                completion_value = Callback(timeout_seconds=completion[1])
            else:
                completion_value = CALLBACK
            return run_pipeline(
                start=f"StartP{n}",
                wait=f"WaitForP{n}CompletionEvent",
                pipeline="${PipelineNameTraining}",
                parameters={"ProjectName": self.value(n), "RunId": EXECUTION_NAME},
                arn_variable=f"pipeline_arn_{n}",
                completion=completion_value,
                start_output=states_input() if outputs else None,
                wait_output={"status": "SUCCEEDED", "n": n} if outputs else None,
                **_with_route({}, on_error),
            )
        if kind == "invoke":
            _, route, callback, assign, timeout = element
            payload = {"id": self.value(n), "n": n}
            if callback:
                payload["taskToken"] = TASK_TOKEN
                result = {f"callback_{n}": STATES_RESULT} if assign else None
            else:
                result = {f"payload_{n}": PAYLOAD} if assign else None
            return invoke_lambda(
                f"Invoke{n}",
                function=f"${{Function{n}Arn}}",
                payload=payload,
                assign=result,
                callback=callback,
                timeout_seconds=timeout if callback else None,
                **_with_route({}, sc.on_error(route)),
            )
        if kind == "event":
            _, route, detail_type, fields = element
            return publish_event(
                f"Publish{n}",
                detail_type=detail_type,
                detail={f"field_{i}": self.value(n + i) for i in range(fields)},
                **_with_route({}, sc.on_error(route)),
            )
        if kind == "wait":
            seconds = element[1]
            if seconds == "timestamp":
                return Fragment.of(Wait(f"Wait{n}", timestamp=START_TIME))
            return Fragment.of(Wait(f"Wait{n}", seconds=seconds))
        if kind == "pass":
            style = element[1]
            assign = {f"v_{n}": n, f"w_{n}": expr(f"$states.input.x_{n}")} if style in ("assign", "both") else None
            output = obj({"n": n, "input": states_input()}) if style in ("output", "both") else None
            return Fragment.of(Pass(f"Pass{n}", assign=assign, output=output))
        if kind == "map":
            _, inner, concurrency, caught, selector = element
            processor = self.scope(inner, "nested", depth + 1)
            return Fragment.of(
                Map(
                    f"Map{n}",
                    processor=processor,
                    items=expr(f"[1..{n % 4 + 1}]"),
                    item_selector={"value": expr("$states.context.Map.Item.Value"), "arn": states_input("arn")} if selector else None,
                    max_concurrency=concurrency,
                    catch=self.catch(f"Map{n}", caught, sc),
                )
            )
        if kind == "parallel":
            _, branches, caught = element
            built = [self.scope(b, "nested", depth + 1) for b in branches]
            return Fragment.of(Parallel(f"Parallel{n}", branches=built, catch=self.catch(f"Parallel{n}", caught, sc)))
        if kind == "lock":
            _, inner, keyed_by_param = element
            guarded = self.scope(inner, "lock", depth)
            if not any(st_.TYPE in ("Task", "Map", "Parallel") for st_ in guarded.states):
                # lock() always adds the release-on-failure state; with nothing
                # in the body that can fail it is unreachable, a build error
                # (see steps/test_lock.py).
                guarded = guarded >> invoke_lambda(f"Guarded{n}", function="${GuardedArn}", payload={"n": n})
            pk = var(self.params[0]) if keyed_by_param and self.params else f"lock-{n}"
            return lock(
                guarded,
                table=LockTable("${LockTableName}", key={"pk": pk, "sk": EXECUTION_NAME}, ttl_epoch=expr(epoch_seconds_after_start_text(3600 * n)), created_at=START_TIME),
                names=LockNames(f"Acquire{n}", f"Duplicate{n}", f"ReleaseOk{n}", f"ReleaseFailed{n}", duplicate_error="DuplicateLock"),
            )
        raise AssertionError(f"unknown element {element!r}")

    def catch(self, state: str, caught: str, sc: _Scope):
        if caught == "none":
            return ()
        if caught == "default":
            return (ErrorRoute().catch(state),)
        return (_sink_route_for(sc).catch(state),)


def _sink_route_for(sc: _Scope) -> ErrorRoute:
    sc.sink_used = True
    return _sink_route(sc.sink)


def build_machine(spec) -> StateMachine:
    """The StateMachine a spec describes (a new one on every call)."""
    _, opening, body, succeed, timeout = spec
    b = _Builder()
    parts = []
    if opening is not None:
        param_specs, validate, extra_check = opening
        params = [b.param(p) for p in param_specs]
        b.params = [p.name for p in params]
        parts.append(normalize_message())
        parts.append(resolve_params(params))
        if validate:
            checks = []
            if extra_check and params:
                p = params[0].name
                checks.append(Check(expr(f"$type(${p}) = 'number' ? ${p} < 0 : false"), f"{p} must not be negative"))
            parts.append(validate_params(params, checks))
    fragment = b.scope(body, "top", 0)
    for part in reversed(parts):
        fragment = part >> fragment
    if succeed:
        fragment = fragment >> Succeed("Done")
    # A machine whose body never fails (only Pass/Wait/Choice states) gets no
    # failure handler: StateMachine appends on_failure even when nothing
    # routes to it, and the unreachable Fail state is a build error
    # (reported to the lead; see test_properties.py).
    on_failure = workflow_failed(FAILED_ERROR) if fragment.failure_routes() else None
    return StateMachine(fragment, comment="random composition", timeout_seconds=timeout, on_failure=on_failure, name="random")
