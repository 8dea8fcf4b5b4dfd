"""docs/validate_rules.md names every finding code the validator can give,
and its severity tables are the code's (validate/severity.py)."""

from __future__ import annotations

import re
from pathlib import Path

from ndr_workflows.validate.severity import COMPAT, SUSPICIOUS

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "validate_rules.md").read_text(encoding="utf-8")


def emitted_codes() -> set[str]:
    codes: set[str] = set()
    for file in (REPO / "ndr_workflows" / "validate").glob("*.py"):
        text = file.read_text(encoding="utf-8")
        codes |= set(re.findall(r'(?:Problem|Finding)\(\s*[^,()]+(?:\([^()]*\))?,\s*"([A-Z][A-Z_]+)"', text))
        if file.name == "expressions.py":  # the JSONata lint's (code, message, hint) tuples
            codes |= set(re.findall(r'\(\s*"([A-Z][A-Z_]+)",\s*f?"', text))
    return codes | {"DUPLICATE_KEY", "BAD_INTRINSIC", "INTRINSIC_LITERAL_ARGUMENT"}


def test_every_code_is_documented() -> None:
    codes = emitted_codes()
    assert len(codes) > 80
    missing = sorted(c for c in codes if f"`{c}`" not in DOC)
    assert missing == []


def test_the_warning_tables_are_the_codes() -> None:
    for code in COMPAT:
        assert f"| `{code}` |" in DOC, code
    for code in SUSPICIOUS:
        assert f"`{code}`" in DOC.split("### Strictness flags")[0], code
