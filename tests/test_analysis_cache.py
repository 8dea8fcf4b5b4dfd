"""The JSONata analysis cache only saves time: same results, and a missing,
corrupt or unwritable cache changes nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def export(tmp_path: Path, out: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NDR_WORKFLOWS_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "ndr_workflows.export", "--out", str(tmp_path / out)],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
    )


def outputs(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.json"))}


def test_cold_warm_and_disabled_give_the_same_bytes(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = export(tmp_path, "cold", NDR_WORKFLOWS_CACHE_DIR=str(cache))
    assert first.returncode == 0, first.stderr
    (stored,) = list(cache.iterdir())  # written by the first run
    assert stored.name.startswith("jsonata-analysis-") and stored.stat().st_size > 1000
    second = export(tmp_path, "warm", NDR_WORKFLOWS_CACHE_DIR=str(cache))
    off = export(tmp_path, "off", NDR_WORKFLOWS_NO_CACHE="1", NDR_WORKFLOWS_CACHE_DIR=str(tmp_path / "unused"))
    assert second.returncode == 0 and off.returncode == 0
    assert outputs(tmp_path / "cold") == outputs(tmp_path / "warm") == outputs(tmp_path / "off")
    assert len(outputs(tmp_path / "cold")) == 5
    assert not (tmp_path / "unused").exists()


def test_a_corrupt_cache_is_ignored_and_replaced(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert export(tmp_path, "a", NDR_WORKFLOWS_CACHE_DIR=str(cache)).returncode == 0
    (stored,) = list(cache.iterdir())
    stored.write_bytes(b"\x00garbage")
    result = export(tmp_path, "b", NDR_WORKFLOWS_CACHE_DIR=str(cache))
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b")
    assert stored.stat().st_size > 1000  # rewritten


def test_an_unwritable_cache_location_is_ignored(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = export(tmp_path, "out", NDR_WORKFLOWS_CACHE_DIR=str(blocker / "cache"))
    assert result.returncode == 0 and result.stderr == ""
    assert len(outputs(tmp_path / "out")) == 5


def test_a_cached_syntax_error_is_still_an_error(tmp_path: Path, monkeypatch) -> None:
    from ndr_workflows.model import jsonata

    monkeypatch.setenv("NDR_WORKFLOWS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(jsonata, "_STORED", None)
    monkeypatch.setattr(jsonata, "_CACHE", {})
    monkeypatch.setattr(jsonata, "_NEW", {})
    bad = jsonata.analyse("$a + ")
    assert bad.error
    jsonata.save_cache()
    monkeypatch.setattr(jsonata, "_STORED", None)
    monkeypatch.setattr(jsonata, "_CACHE", {})
    again = jsonata.analyse("$a + ")
    assert again.error == bad.error and jsonata._NEW == {}
