"""Benchmark ndr_workflows.asl.jsonata_syntax against jsonata-python.

Prints the import time of each module (fresh interpreter, median of 9 runs, the bare
interpreter start-up measured the same way) and the parse throughput over the valid
expression corpus of tests/asl/test_jsonata_syntax.py.

Usage: .venv/bin/python scripts/bench_jsonata_syntax.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE_FILE = ROOT / "ndr_workflows" / "asl" / "jsonata_syntax.py"
RUNS = 9
# Measure with byte-code caching on (as in a normal install), but keep the caches out of the repo.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="bench-pycache-")

# Import our module stand-alone (without the ndr_workflows package it lives in).
OURS = (
    "import importlib.util as u; s = u.spec_from_file_location('jsonata_syntax', "
    + repr(str(MODULE_FILE)) + "); m = u.module_from_spec(s); s.loader.exec_module(m)"
)


def _startup(code: str) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _import_cost(statement: str) -> float:
    """Median in-process cost (seconds) of *statement* after `import re`, in fresh interpreters."""
    code = (
        "import time, re, importlib.util; t = time.perf_counter(); " + statement
        + "; print(time.perf_counter() - t)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=ENV,
                   capture_output=True)  # warm the byte-code cache
    times = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=ENV,
                             capture_output=True, text=True).stdout
        times.append(float(out))
    return statistics.median(times)


def _throughput(parse, corpus: list[str], seconds: float = 1.0) -> float:
    count = 0
    start = time.perf_counter()
    while True:
        for text in corpus:
            parse(text)
        count += len(corpus)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests" / "asl"))
    from test_jsonata_syntax import VALID_EXPRESSIONS  # noqa: E402

    _startup("import jsonata; " + OURS)  # warm the byte-code cache
    bare = _startup("pass")
    ours_wall = _startup(OURS)
    theirs_wall = _startup("import jsonata")
    print(f"wall time of fresh interpreters, median of {RUNS}:")
    print(f"  python -c pass:                     {bare * 1e3:7.2f} ms")
    print(f"  python -c <import jsonata_syntax>:  {ours_wall * 1e3:7.2f} ms")
    print(f"  python -c 'import jsonata':         {theirs_wall * 1e3:7.2f} ms")
    ours = _import_cost(OURS)
    theirs = _import_cost("import jsonata")
    print(f"import cost beyond `re` (in-process, fresh interpreters, median of {RUNS}):")
    print(f"  jsonata_syntax (stand-alone):       {ours * 1e3:7.3f} ms")
    print(f"  jsonata (jsonata-python):           {theirs * 1e3:7.3f} ms")

    from jsonata.parser import Parser

    from ndr_workflows.asl.jsonata_syntax import analyse_text, parse

    corpus = VALID_EXPRESSIONS
    n_chars = sum(map(len, corpus)) / len(corpus)
    print(f"parse throughput over {len(corpus)} corpus expressions (mean {n_chars:.0f} chars):")
    ours_parse = _throughput(parse, corpus)
    ours_full = _throughput(analyse_text, corpus)
    theirs_parse = _throughput(lambda text: Parser().parse(text), corpus)
    print(f"  ours, parse():           {ours_parse:10.0f} expr/s ({1e6 / ours_parse:6.1f} us/expr)")
    print(f"  ours, analyse_text():    {ours_full:10.0f} expr/s ({1e6 / ours_full:6.1f} us/expr)")
    print(f"  jsonata-python parse():  {theirs_parse:10.0f} expr/s ({1e6 / theirs_parse:6.1f} us/expr)")
    print(f"  speed-up (analyse_text vs jsonata-python): {ours_full / theirs_parse:.1f}x")


if __name__ == "__main__":
    main()
