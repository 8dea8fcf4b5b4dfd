"""Every file the package reads goes through one hardened reader: an
environment file (JSON or YAML), a mock configuration or an execution input
that is too deep, holds a 5,000-digit number, NaN, a duplicate key, a YAML
alias or bytes that are not UTF-8 gives one message naming the file and the
problem -- never a traceback -- in the library and in the commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deploy_fixtures import env_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ndr_workflows.cli import deploy as deploy_cli
from ndr_workflows.cli import simulate as simulate_cli
from ndr_workflows.deploy import EnvFileError, load_environment

GOOD = json.dumps(env_data())
# (file name, bytes, what the one message says)
ATTACKS = [
    ("deep.json", b'{"tags": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested too deeply (at most 100 levels)"),
    ("deep_ok_for_python.json", b'{"tags": ' + b"[" * 500 + b"]" * 500 + b"}", "nested too deeply (at most 100 levels)"),
    ("digits.json", GOOD[:-1].encode() + b', "tracing": ' + b"7" * 5000 + b"}", "an integer of 5000 digits (at most 100 are accepted)"),
    ("huge.json", GOOD[:-1].encode() + b', "tracing": 1e999}', "the number 1e999 is too large for a double"),
    ("nan.json", GOOD[:-1].encode() + b', "tracing": NaN}', "NaN is not JSON"),
    ("infinity.json", GOOD[:-1].encode() + b', "tracing": -Infinity}', "-Infinity is not JSON"),
    ("duplicate.json", GOOD[:-2].encode() + b', "LockTableName": "other"}}', "the key 'LockTableName' appears more than once in 'substitutions'"),
    ("latin1.json", GOOD.replace("ndr-sfn", "ndr-sf\xe9").encode("latin-1"), "not UTF-8 text (invalid continuation byte"),
    ("utf16.json", GOOD.encode("utf-16"), "UTF-16 text (it starts with a UTF-16 byte order mark); save it as UTF-8"),
    ("utf16be.json", GOOD.encode("utf-16-be"), "holds NUL bytes at its start: UTF-16 or UTF-32 text"),
    ("surrogate.json", GOOD.replace("ndr-locks", "ndr-\\ud800").encode(), "holds an unpaired surrogate"),
    ("empty.json", b"  \n", "empty"),
    ("alias.yaml", b"region: &r us-east-1\nrole_arn: *r\n", "YAML aliases (*r) are not accepted"),
    ("laughs.yaml", b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "YAML aliases (*a) are not accepted"),
    ("duplicate.yaml", b"region: us-east-1\nregion: eu-west-1\n", "the key 'region' appears more than once in one mapping (line 2)"),
    ("digits.yaml", b"tracing: " + b"9" * 5000 + b"\n", "an integer of 5000 digits at line 1"),
    ("nan.yaml", b"tracing: .nan\n", "tracing: nan is not JSON"),
    ("date.yaml", b"tags:\n  since: 2024-01-01\n", "tags.since: date is not a JSON value"),
    ("deep.yaml", b"a: " + b"[" * 300 + b"]" * 300 + b"\n", "nested too deeply (at most 100 levels)"),
    ("two.yaml", b"region: a\n---\nregion: b\n", "holds 2 YAML documents; one is expected"),
]


@pytest.mark.parametrize(("name", "data", "message"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_a_hostile_environment_file_is_one_message_naming_the_file(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(EnvFileError) as caught:
        load_environment(path)
    assert caught.value.source == str(path)
    assert len(caught.value.problems) == 1
    assert message in caught.value.problems[0]


@pytest.mark.parametrize(("name", "data", "message"), ATTACKS[:3] + ATTACKS[6:7] + ATTACKS[12:13], ids=["deep", "deep500", "digits", "duplicate", "alias"])
def test_the_deploy_command_exits_2_with_the_message_and_no_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert deploy_cli.main(["--env", str(path), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: 1 problem:\n") and message in err and "Traceback" not in err
    assert err.rstrip().endswith("nothing was deployed")


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_environment(path).substitutions["LockTableName"] == "ndr-locks"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))), yaml=st.booleans())
def test_random_bytes_in_an_environment_file_never_give_a_traceback(tmp_path: Path, data: bytes, yaml: bool) -> None:
    path = tmp_path / ("env.yaml" if yaml else "env.json")
    path.write_bytes(data)
    try:
        load_environment(path)
    except EnvFileError as exc:
        assert exc.problems and all(isinstance(p, str) and "\n" not in p for p in exc.problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prefix=st.sampled_from([b"", b'{"region": ', b"region: ", b"substitutions:\n  LockTableName: ", b'{"substitutions": {"LockTableName": ']),
    body=st.lists(st.sampled_from([b"[", b"{", b"]", b"}", b"&a ", b"*a", b"1e999", b"9" * 120, b'"\\ud800"', b"NaN", b",", b":", b'"k"', b"- ", b"\n", b"\xff", b"!!binary ", b"? "]), max_size=40),
    yaml=st.booleans(),
)
def test_structured_garbage_never_gives_a_traceback(tmp_path: Path, prefix: bytes, body: list[bytes], yaml: bool) -> None:
    path = tmp_path / ("env.yml" if yaml else "env.json")
    path.write_bytes(prefix + b"".join(body))
    try:
        load_environment(path)
    except EnvFileError as exc:
        assert exc.problems


def _simulate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = simulate_cli.main(list(args))
    return code, capsys.readouterr().err


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    from ndr_workflows.flows import build_flow

    path = tmp_path / "sfn_ndr_prediction_publication.json"
    path.write_text(build_flow("sfn_ndr_prediction_publication").to_json(), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a": 1, "a": 2}', "the key 'a' appears more than once in the top-level object"),
        (b'{"n": ' + b"1" * 5000 + b"}", "an integer of 5000 digits"),
        (b"[" * 200 + b"]" * 200, "nested too deeply (at most 100 levels)"),
        (b'{"n": 1e400}', "the number 1e400 is too large for a double"),
        ("{}".encode("utf-16"), "UTF-16 text"),
    ],
)
def test_the_simulator_reads_inputs_and_mocks_through_the_same_reader(tmp_path: Path, flow_file: Path, capsys: pytest.CaptureFixture[str], data: bytes, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(data)
    good = tmp_path / "input.json"
    good.write_text("{}", encoding="utf-8")
    code, err = _simulate(capsys, str(flow_file), "--input", str(bad))
    assert code == 2 and f"the input: {bad}: " in err and message in err and "Traceback" not in err
    code, err = _simulate(capsys, str(flow_file), "--input", str(good), "--mocks", str(bad), "--test-case", "T")
    assert code == 2 and f"the mock configuration: {bad}: " in err and message in err
    env = tmp_path / "env.json"
    env.write_bytes(data)
    code, err = _simulate(capsys, str(flow_file), "--input", str(good), "--env", str(env))
    assert code == 2 and str(env) in err and message in err
