"""No module of the package passes 500 lines, so that each can be read as
one concept (issue 13's target). The one exception is the JSONata parser,
``asl/jsonata_syntax.py``: one grammar, read top to bottom, is clearer whole
than split."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ndr_workflows"
LIMIT = 500
EXCEPTIONS = {"asl/jsonata_syntax.py"}


def long_modules(package: Path, exceptions: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """``path: N lines`` for every module of ``package`` over the limit."""
    found = []
    for module in sorted(package.rglob("*.py")):
        relative = module.relative_to(package).as_posix()
        lines = len(module.read_text(encoding="utf-8").splitlines())
        if lines > LIMIT and relative not in exceptions:
            found.append(f"{relative}: {lines} lines")
    return found


def test_no_module_of_the_package_passes_500_lines() -> None:
    assert long_modules(PACKAGE, EXCEPTIONS) == [], f"split these by concept (at most {LIMIT} lines each)"


def test_the_exceptions_name_modules_that_exist() -> None:
    # An exception that names nothing (the parser moved or was renamed)
    # would let a new module of that name grow unnoticed.
    for relative in EXCEPTIONS:
        assert (PACKAGE / relative).is_file(), relative


def test_the_size_check_finds_a_module_one_line_too_long(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "inner").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "at_limit.py").write_text("x = 1\n" * LIMIT)
    (package / "inner" / "over.py").write_text("x = 1\n" * (LIMIT + 1))
    (package / "allowed.py").write_text("x = 1\n" * (LIMIT + 1))
    assert long_modules(package, {"allowed.py"}) == [f"inner/over.py: {LIMIT + 1} lines"]
