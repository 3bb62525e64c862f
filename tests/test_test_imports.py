"""Tests share code only through tests/support/: no module under tests/ imports a test module, a
conftest or any other module outside tests/support/ (pytest collects test modules and conftests on
its own, and importing one runs it twice under two names)."""

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine_independent

TESTS = Path(__file__).parent


def _imported_modules(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                yield node.lineno, "." * node.level + (node.module or "")
            elif node.module:
                yield node.lineno, node.module


def reaching_into_other_tests(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported_modules(tree):
            relative = module.startswith(".")
            inside_tests = module == "tests" or module.startswith("tests.")
            if relative or (inside_tests and not (module + ".").startswith("tests.support.")):
                found.append(f"{path.relative_to(root.parent)}:{line} imports {module}")
    return found


def test_no_test_module_imports_another():
    assert reaching_into_other_tests(TESTS) == []


def test_the_check_finds_an_import_of_a_test_module_or_conftest(tmp_path):
    root = tmp_path / "tests"
    (root / "plans").mkdir(parents=True)
    (root / "plans" / "test_a.py").write_text("from tests.plans.conftest import Plan\n")
    (root / "plans" / "test_b.py").write_text("def f():\n    import tests.plans.test_a\n")
    (root / "plans" / "test_c.py").write_text("from .test_a import x\nfrom tests.support.plans import Plan\n")
    assert reaching_into_other_tests(root) == [
        "tests/plans/test_a.py:1 imports tests.plans.conftest",
        "tests/plans/test_b.py:2 imports tests.plans.test_a",
        "tests/plans/test_c.py:1 imports .test_a",
    ]
