"""The architecture's rules, checked on the source (docs/architecture.md says why each holds):

- no function longer than 80 lines;
- no import cycle between the subpackages of saga_lint (imports at module level, inside functions
  and under ``if TYPE_CHECKING:`` alike: a type is a dependency too);
- renderers are pure: nothing under render/ imports subprocess or saga_lint.review, or reads a
  private attribute (``x._name``) of an object that is not its own module's;
- no hidden caches: no writes into an object's ``__dict__`` and no ``setattr`` with a private name;
- ruff and mypy --strict are clean (when they are installed; .ci/run installs them).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "saga_lint"
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        out[name] = ast.parse(path.read_text("utf-8"), str(path))
    return out


MODULES = _modules()


def _package_of(module: str) -> str:
    """The subpackage a module belongs to: ``saga_lint.render.html.report`` -> ``render``; the
    top-level modules (``saga_lint.graph``) are their own unit."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _imports(module: str, tree: ast.Module) -> set[str]:
    """Every module a module imports: at module level, in a function, or for types only."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                is_package = (SRC.parent / Path(*base) / "__init__.py").exists()
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)
    return {name for name in found if name.startswith("saga_lint")}


def test_no_function_is_longer_than_80_lines():
    long = []
    for module, tree in MODULES.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{module}.{node.name}: {length} lines")
    assert long == []


def test_no_import_cycle_between_subpackages():
    graph = nx.DiGraph()
    for module, tree in MODULES.items():
        here = _package_of(module)
        graph.add_node(here)
        for target in _imports(module, tree):
            there = _package_of(target)
            if there != here and there in {_package_of(m) for m in MODULES}:
                graph.add_edge(here, there, via=module)
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], [(c, [graph.edges[a, b]["via"] for a, b in zip(c, c[1:] + c[:1], strict=True)]) for c in cycles]


def test_renderers_are_pure():
    bad = []
    for module, tree in MODULES.items():
        if _package_of(module) != "render":
            continue
        for target in _imports(module, tree):
            if target.startswith("saga_lint.review"):
                bad.append(f"{module} imports {target}")
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
                if any(n.split(".")[0] == "subprocess" for n in names):
                    bad.append(f"{module}:{node.lineno} imports subprocess")
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                bad.append(f"{module}:{node.lineno} reads the private attribute {node.attr}")
    assert bad == []


def test_no_hidden_caches():
    bad = []
    for module, tree in MODULES.items():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "__dict__"
                    and isinstance(node.ctx, ast.Store)):
                bad.append(f"{module}:{node.lineno} writes into __dict__")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("update", "setdefault")
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "__dict__"):
                bad.append(f"{module}:{node.lineno} writes into __dict__")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
                bad.append(f"{module}:{node.lineno} calls setattr")
    assert bad == []


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed (pip install '.[test]' installs it)")
def test_ruff_is_clean():
    proc = subprocess.run(["ruff", "check", "--no-cache", "src", "tests", "benchmarks", "scripts"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:]


def test_mypy_strict_is_clean():
    pytest.importorskip("mypy", reason="mypy is not installed (pip install '.[test]' installs it)")
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:]
