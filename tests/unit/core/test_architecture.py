"""The shape of the package (docs/architecture.md): what import-linter cannot see."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "election"


def may_import_inside_functions(relative: str) -> bool:
    """The app factory (a feature imported at the package's top would import every
    feature whenever one model is imported) and the CLI modules (commands load what
    they need when they run)."""
    factory = relative in ("__init__.py", "app.py")
    return factory or relative.endswith("cli.py") or relative.startswith("cli/")


def is_view_module(relative: str) -> bool:
    return relative.endswith("views.py") or "/views/" in relative


MAX_LINES = 450


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _inner_app_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            names: list[str] = []
            if isinstance(inner, ast.ImportFrom) and inner.module:
                names = [inner.module]
            elif isinstance(inner, ast.Import):
                names = [alias.name for alias in inner.names]
            found += [f"l.{inner.lineno} {n}" for n in names if n.startswith("election")]
    return found


def test_no_module_imports_the_app_inside_a_function():
    offenders = {}
    for path in modules():
        relative = path.relative_to(PACKAGE).as_posix()
        if may_import_inside_functions(relative):
            continue
        found = _inner_app_imports(path)
        if found:
            offenders[relative] = found
    assert offenders == {}, "imports hidden in functions (a layer cycle in disguise)"


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_module_is_longer_than_450_lines(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{lines} lines: split it by job"


def test_views_commit_only_through_the_transaction_edge():
    offenders = []
    for path in modules():
        relative = path.relative_to(PACKAGE).as_posix()
        if not is_view_module(relative):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if ".commit()" in line or ".rollback()" in line:
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == [], "use election.transaction.run or election.web.act"
