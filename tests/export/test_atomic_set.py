"""The export replaces the whole set or leaves the old one: killed at any
step (SIGKILL in a child process, at each of the writer's checkpoints) the
directory holds entirely the old files or entirely the new ones, and the
next run leaves no temporary file or directory behind -- neither its own
nor those of earlier killed runs (``.NAME.PID.tmp``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ndr_workflows.asl import files
from ndr_workflows.export import main as export
from ndr_workflows.flows import FLOW_NAMES

REPO = Path(__file__).resolve().parents[2]


def contents(directory: Path) -> dict[str, bytes] | None:
    """The visible files (what a reader of the directory uses), None when it is missing."""
    if not directory.is_dir():
        return None
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if not p.name.startswith(".")}


def leftovers(directory: Path) -> list[str]:
    inside = [p.name for p in directory.iterdir() if p.name.startswith(".")] if directory.is_dir() else []
    beside = [p.name for p in directory.parent.iterdir() if p.name.startswith(f".{directory.name}.")]
    return sorted(inside + beside)


def dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    return int(child.stdout)


def kill_export_at(step: str, out: Path, *, exchange: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the export in a child that SIGKILLs itself when the writer reaches ``step``."""
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from ndr_workflows.asl import files
        steps = []
        def checkpoint(name):
            steps.append(name)
            if name == {step!r}:
                os.kill(os.getpid(), signal.SIGKILL)
        files.checkpoint = checkpoint
        if not {exchange!r}:
            files._exchange = lambda a, b: False
        from ndr_workflows.export import main
        code = main(["--out", {str(out)!r}])
        print("|".join(steps))
        sys.exit(code)
        """
    )
    return subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)


@pytest.fixture
def old_and_new(tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """DIR holding the polling form (the old set, plus a file the export does
    not write and a temporary file of a killed run); the new set is the
    callback form."""
    new_dir = tmp_path / "new"
    assert export(["--out", str(new_dir)]) == 0
    out = tmp_path / "out"
    assert export(["--out", str(out), "--completion", "polling"]) == 0
    (out / "README.txt").write_bytes(b"kept by every run\n")
    old = contents(out)
    new = {**contents(new_dir), "README.txt": b"kept by every run\n"}
    assert old is not None and old != new
    (out / f".sfn_ndr_15m_features_inference.json.{dead_pid()}.tmp").write_bytes(b"half a file")
    return out, old, new


def steps_of_a_run(out: Path) -> list[str]:
    result = kill_export_at("no such step", out)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split("|")


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two renames"])
def test_killed_at_every_step_the_directory_is_entirely_old_or_new_and_the_next_run_cleans_up(tmp_path: Path, old_and_new: tuple[Path, dict[str, bytes], dict[str, bytes]], exchange: bool) -> None:
    out, old, new = old_and_new
    pristine = tmp_path / "pristine"
    os.rename(out, pristine)
    subprocess.run(["cp", "-a", str(pristine), str(out)], check=True)
    steps = steps_of_a_run(out)
    assert steps[:2] == ["cleaned", "carried README.txt"] and steps[-3:] == ["built", "swapped", "done"]
    assert len([s for s in steps if s.startswith("wrote ")]) == 2 * len(FLOW_NAMES)  # a .json and a .md each
    if not exchange:
        steps.insert(steps.index("swapped"), "moved old aside")
    seen = set()
    for step in steps:
        subprocess.run(["rm", "-rf", str(out)], check=True)
        for stale in tmp_path.glob(".out.*"):
            subprocess.run(["rm", "-rf", str(stale)], check=True)
        subprocess.run(["cp", "-a", str(pristine), str(out)], check=True)
        killed = kill_export_at(step, out, exchange=exchange)
        assert killed.returncode == -signal.SIGKILL, (step, killed.stderr)
        now = contents(out)
        if step == "moved old aside":  # the two-rename fallback's one window: no directory at all
            assert now is None and any(n.endswith(".old") for n in leftovers(out)), step
        else:
            assert now in (old, new), step
            seen.add("old" if now == old else "new")
        # The next run completes the job and leaves nothing behind.
        assert export(["--out", str(out)]) == 0
        assert contents(out) == new, step
        assert leftovers(out) == [], step
    assert seen == {"old", "new"}  # the kills did land on both sides of the swap


def test_an_unchanged_run_still_removes_what_killed_runs_left(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert export(["--out", str(out)]) == 0
    pid = dead_pid()
    (out / f".sfn_ndr_15m_features_inference.json.{pid}.tmp").write_bytes(b"x")
    (tmp_path / f".out.{pid}.new").mkdir()
    (tmp_path / f".out.{pid}.new" / "half.json").write_bytes(b"{")
    assert export(["--out", str(out)]) == 0
    assert leftovers(out) == []


def test_temporary_files_of_a_live_process_are_left_alone(tmp_path: Path) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    live = directory / f".x.json.{os.getppid()}.tmp"  # the parent process runs
    live.write_bytes(b"x")
    dead = directory / f".x.json.{dead_pid()}.tmp"
    dead.write_bytes(b"x")
    assert files.remove_leftovers(str(directory)) == [str(dead)]
    assert live.exists()


def test_a_killed_fallback_swap_gets_its_old_set_back(tmp_path: Path) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    (directory / "a.json").write_bytes(b"old")
    os.rename(directory, tmp_path / f".d.{dead_pid()}.old")  # killed between the two renames
    files.remove_leftovers(str(directory))
    assert contents(directory) == {"a.json": b"old"} and leftovers(directory) == []


def test_the_new_set_is_written_through_no_hard_link(tmp_path: Path) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    (directory / "a.json").write_bytes(b"old a")
    (directory / "b.json").write_bytes(b"b")
    backup = tmp_path / "a-backup.json"
    os.link(directory / "a.json", backup)  # someone else's link to the old file
    files.replace_directory(str(directory), {"a.json": b"new a"})
    assert contents(directory) == {"a.json": b"new a", "b.json": b"b"}
    assert backup.read_bytes() == b"old a"  # the old file was replaced, not overwritten


def test_an_unwritable_parent_changes_nothing_and_leaves_nothing(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root writes anywhere: make the staging directory's name taken by a file instead
        directory = tmp_path / "d"
        directory.mkdir()
        (directory / "a.json").write_bytes(b"old")
        (tmp_path / f".d.{os.getpid()}.new").write_bytes(b"in the way")
        with pytest.raises(OSError):
            files.replace_directory(str(directory), {"a.json": b"new"})
        assert contents(directory) == {"a.json": b"old"}
        return
    directory = tmp_path / "d"  # pragma: no cover - CI runs as root
    directory.mkdir()
    (directory / "a.json").write_bytes(b"old")
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(OSError):
            files.replace_directory(str(directory), {"a.json": b"new"})
    finally:
        tmp_path.chmod(0o700)
    assert contents(directory) == {"a.json": b"old"} and leftovers(directory) == []
