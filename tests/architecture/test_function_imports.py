"""Function-level imports in domain code say why.

An import inside a function usually hides a cycle between modules; issue 13 removed the
cycles between apps, so one left in domain code must carry a comment (on its line or the
line above) saying what it defers and why: a heavy library loaded only when used, a job
module resolved at run time, the edge of a command. Pages, the API, commands and app
configs (the edges) may defer imports freely, to keep start-up light.
"""

from __future__ import annotations

import ast
from pathlib import Path

ACCORD = Path(__file__).resolve().parents[2] / "accord"

#: Modules at an edge of the system, where a deferred import is the norm.
EDGE_NAMES = {"views", "urls", "forms", "admin", "commands", "apps", "api", "schemas", "cli"}


def _is_edge(path: Path) -> bool:
    relative = path.relative_to(ACCORD)
    if "templatetags" in relative.parts:
        return True
    stem = path.stem
    return (
        stem in EDGE_NAMES
        or stem.startswith(("views_", "urls_", "admin_"))
        or stem.endswith("_commands")
    )


def _domain_modules() -> list[Path]:
    return sorted(
        path
        for path in ACCORD.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts and not _is_edge(path)
    )


def _silent_function_imports(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if not isinstance(inner, ast.Import | ast.ImportFrom):
                continue
            module = inner.module if isinstance(inner, ast.ImportFrom) else inner.names[0].name
            if not (module or "").startswith("accord"):
                continue
            line = lines[inner.lineno - 1]
            above = lines[inner.lineno - 2].strip() if inner.lineno > 1 else ""
            if "#" not in line and not above.startswith("#"):
                found.append(f"{path.relative_to(ACCORD.parent)}:{inner.lineno} {module}")
    return found


def test_function_level_imports_in_domain_code_say_why():
    silent = [entry for path in _domain_modules() for entry in _silent_function_imports(path)]
    assert not silent, (
        "Function-level imports of accord modules without a comment saying why "
        "(hoist them to the top of the module, or say what the deferral buys):\n"
        + "\n".join(silent)
    )


def test_the_check_sees_domain_modules_and_skips_edges():
    names = {path.relative_to(ACCORD).as_posix() for path in _domain_modules()}
    assert "contacts/services.py" in names
    assert "core/hooks.py" in names
    assert "handoff/inbox/views.py" not in names
    assert "handoff/inbox/actions.py" in names
    assert "cli.py" not in names
