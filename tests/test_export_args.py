"""The export's fast command-line reader agrees with its argparse definition."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ndr_workflows.export import _parser, fast_parse
from ndr_workflows.flows import FLOW_NAMES

TOKENS = st.sampled_from(
    ["--out", "--out=x", "--out=", "dir", "--flow", "--check", "--debug", "--completion", "polling", "callback", "bogus",
     "--completion=polling", "--completion=other", "--che", "-h", "--help", "-", "--", "--flow=x", *FLOW_NAMES, "nope"]
)


def argparse_result(argv: list[str]) -> dict[str, object] | None:
    try:
        return vars(_parser().parse_args(argv))
    except SystemExit:
        return None


@settings(max_examples=600, deadline=None)
@given(st.lists(TOKENS, max_size=7))
def test_fast_reader_agrees_with_argparse(argv: list[str]) -> None:
    fast = fast_parse(argv, FLOW_NAMES)
    if fast is not None:  # when it answers, it answers as argparse does
        assert fast == argparse_result(argv)


@pytest.mark.parametrize(
    "argv",
    [[], ["--check"], ["--out", "d", "--flow", FLOW_NAMES[0], FLOW_NAMES[1], "--completion", "polling"], ["--flow", FLOW_NAMES[2], "--flow", FLOW_NAMES[0], "--debug"], ["--out=d"]],
)
def test_everyday_command_lines_take_the_fast_path(argv: list[str]) -> None:
    assert fast_parse(argv, FLOW_NAMES) == argparse_result(argv)
