"""No module over ~500 lines and no function over ~80 without a reason stated (issue 13).

A long module or function is allowed when it says why: a module's docstring, or a function's
docstring or a comment inside it, carries a line starting with ``Length:`` that gives the
reason (a table that reads best whole, a generated list, a hot loop that must stay flat).
Migrations and tests are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

ACCORD = Path(__file__).resolve().parents[2] / "accord"
MODULE_LINES = 500
FUNCTION_LINES = 80
REASON = "Length:"


def _code_modules() -> list[Path]:
    return sorted(
        path
        for path in ACCORD.rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    )


def _says_why(source_lines: list[str], first: int, last: int) -> bool:
    return any(REASON in line for line in source_lines[first - 1 : last])


def _long_code() -> list[str]:
    found = []
    for path in _code_modules():
        text = path.read_text()
        lines = text.splitlines()
        tree = ast.parse(text)
        name = path.relative_to(ACCORD.parent).as_posix()
        docstring = ast.get_docstring(tree) or ""
        if len(lines) > MODULE_LINES and REASON not in docstring:
            found.append(f"{name} ({len(lines)} lines)")
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            assert node.end_lineno is not None
            length = node.end_lineno - node.lineno + 1
            if length > FUNCTION_LINES and not _says_why(lines, node.lineno, node.end_lineno):
                found.append(f"{name}:{node.name} ({length} lines)")
    return found


def test_no_long_module_or_function_without_a_reason() -> None:
    unexplained = _long_code()
    assert not unexplained, (
        f"Modules over {MODULE_LINES} lines or functions over {FUNCTION_LINES} lines with no "
        f"'{REASON}' line saying why (split them along their sections, or say why):\n"
        + "\n".join(unexplained)
    )
