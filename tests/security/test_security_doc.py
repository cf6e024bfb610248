"""docs/security.md maps every control to a test, and every test it names exists."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::([\w:]+)`")


def defined_tests(path: Path) -> set[str]:
    """``test_x`` and ``TestClass::test_x`` names defined in a test file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names |= {
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test_")
            }
    return names


def control_rows() -> list[str]:
    section = DOC.read_text(encoding="utf-8").split("## Controls and their tests", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return rows[1:]  # without the header row


def test_every_control_names_a_test():
    rows = control_rows()
    assert len(rows) >= 30
    for row in rows:
        assert REFERENCE.search(row), f"no test named for: {row[:80]}"


def test_every_named_test_exists():
    references = REFERENCE.findall(DOC.read_text(encoding="utf-8"))
    assert references
    missing = [
        f"{file}::{name}"
        for file, name in references
        if not (ROOT / file).exists() or name not in defined_tests(ROOT / file)
    ]
    assert missing == []
