"""Mocked responses in AWS Step Functions Local's mock configuration format.

::

    {"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<state>": "<response>"}}}},
     "MockedResponses": {"<response>": {"0": {"Return": ...},
                                        "1-2": {"Throw": {"Error": "...", "Cause": "..."}}}}}

Keys of a mocked response are 0-based invocation numbers of the state within
one execution, single (``"0"``) or inclusive ranges (``"1-2"``). ``Return``
is the Task's result exactly as the integration returns it (a request-response
``lambda:invoke`` returns ``{"StatusCode": 200, "Payload": ...}``; a
``.waitForTaskToken`` Task's result is the callback output). States inside a
Map or Parallel are mocked by their own names. An invocation that no key
covers is a :class:`~.errors.SimulationError` (the mock file does not say what
happens), never a silent default.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .errors import Failure, SimulationError

__all__ = ["Mocks", "load_mocks", "NOT_MOCKED"]

NOT_MOCKED: Any = object()
_KEY = re.compile(r"^(\d+)(?:-(\d+))?$")


def load_mocks(source: Any) -> dict[str, Any]:
    """A mock configuration from a dict, a path or JSON text (files and text
    read by the package's hardened reader: no NaN, no duplicate key, BOM
    allowed, depth and numbers checked)."""
    from ..asl.reader import UnusableInput, check_json_data, read_data

    try:
        if isinstance(source, dict):
            check_json_data(source, "mocks")
            loaded: Any = source
        elif isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("{")):
            loaded = read_data(source, yaml=False)
        elif isinstance(source, str):
            loaded = read_data(source.encode("utf-8", "surrogatepass"), "text", yaml=False)
        else:
            raise SimulationError(f"mocks must be a dict, a path or JSON text, not {type(source).__name__}")
    except UnusableInput as exc:
        raise SimulationError(f"the mock configuration: {exc}") from None
    if not isinstance(loaded, dict):
        raise SimulationError("the mock configuration must be a JSON object")
    return loaded


class _Response:
    __slots__ = ("ranges", "name")

    def __init__(self, name: str, raw: Any) -> None:
        self.name = name
        if not isinstance(raw, dict) or not raw:
            raise SimulationError(f"MockedResponses.{name}: must be a non-empty object of invocation numbers")
        self.ranges: list[tuple[int, int, Any]] = []
        for key, answer in raw.items():
            found = _KEY.match(key)
            if found is None:
                raise SimulationError(f'MockedResponses.{name}: key {key!r} is not an invocation number like "0" or "1-2"')
            low = int(found.group(1))
            high = int(found.group(2)) if found.group(2) else low
            if high < low:
                raise SimulationError(f"MockedResponses.{name}: range {key!r} ends before it starts")
            if not isinstance(answer, dict) or len(answer.keys() & {"Return", "Throw"}) != 1:
                raise SimulationError(f"MockedResponses.{name}.{key}: needs exactly one of Return and Throw")
            if "Throw" in answer:
                thrown = answer["Throw"]
                if not isinstance(thrown, dict) or not isinstance(thrown.get("Error"), str):
                    raise SimulationError(f"MockedResponses.{name}.{key}.Throw: needs an Error string (and optionally Cause)")
                cause = thrown.get("Cause", "")
                answer = Failure(thrown["Error"], cause if isinstance(cause, str) else json.dumps(cause))
            else:
                answer = answer["Return"]
            self.ranges.append((low, high, answer))
        spans = sorted(self.ranges, key=lambda r: r[0])
        for (_, high, _a), (low, _h, _b) in zip(spans, spans[1:], strict=False):
            if low <= high:
                raise SimulationError(f"MockedResponses.{name}: invocation ranges overlap")

    def answer(self, state: str, invocation: int) -> Any:
        for low, high, answer in self.ranges:
            if low <= invocation <= high:
                return answer
        raise SimulationError(
            f"{state}: the mocked response {self.name!r} has nothing for invocation {invocation} "
            f"(0-based; it covers {', '.join(f'{lo}-{hi}' if hi != lo else str(lo) for lo, hi, _ in self.ranges)})"
        )


class Mocks:
    """The mocked responses of one test case: state name -> response."""

    def __init__(self, config: Any, state_machine: str, test_case: str) -> None:
        config = load_mocks(config)
        machines = config.get("StateMachines")
        if not isinstance(machines, dict):
            raise SimulationError("the mock configuration has no StateMachines object")
        if state_machine not in machines:
            known = ", ".join(sorted(machines)) or "none"
            raise SimulationError(f"the mock configuration has no state machine {state_machine!r} (it has: {known})")
        cases = machines[state_machine].get("TestCases") if isinstance(machines[state_machine], dict) else None
        if not isinstance(cases, dict) or test_case not in cases:
            known = ", ".join(sorted(cases)) if isinstance(cases, dict) else "none"
            raise SimulationError(f"state machine {state_machine!r} has no test case {test_case!r} (it has: {known})")
        responses = config.get("MockedResponses", {})
        if not isinstance(responses, dict):
            raise SimulationError("MockedResponses must be an object")
        case = cases[test_case]
        if not isinstance(case, dict):
            raise SimulationError(f"test case {test_case!r} must map state names to mocked response names")
        self.by_state: dict[str, _Response] = {}
        for state, response in case.items():
            if not isinstance(response, str) or response not in responses:
                raise SimulationError(f"test case {test_case!r}: state {state!r} uses mocked response {response!r}, which MockedResponses does not define")
            self.by_state[state] = _Response(response, responses[response])

    def answer(self, state: str, invocation: int) -> Any:
        """The mocked result (or a Failure to raise), or NOT_MOCKED."""
        response = self.by_state.get(state)
        if response is None:
            return NOT_MOCKED
        return response.answer(state, invocation)
