"""The package layout: imports point down the layers only, no cycles, a light ``import microseg``.

The layers, from the bottom (a module may import only from its own layer's
lower modules, without cycles, and from the layers before it):

1. ``errors``, ``_validation``, ``_words``, ``_tables``, ``_progress``, ``_transactions``, ``_dask``, ``_files`` (and ``_lazy``)
2. ``datasets``  3. ``privacy``  4. ``profiling``  5. ``segment``  6. ``view``
7. ``lookalike``  8. ``campaign``  9. ``reporting``  10. ``cli``

``plot`` imports only from the first layer; every other module imports
``plot`` only inside a function (a result's ``.plot()``), never at import time.
Imports are read from the source with :mod:`ast`, including those inside functions.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "microseg"
LAYERS = [
    {"errors", "_validation", "_words", "_tables", "_progress", "_transactions", "_dask", "_files", "_lazy", "__init__"},
    {"datasets"},
    {"privacy"},
    {"profiling"},
    {"segment"},
    {"view"},
    {"lookalike"},
    {"campaign"},
    {"reporting"},
    {"cli"},
]
HEAVY = ("sklearn", "scipy", "matplotlib", "seaborn")


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, bool]]:
    """(imported microseg module, imported inside a function?) for every import in the file."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    out = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                out.extend((a.name, inner) for a in child.names if a.name.split(".")[0] == "microseg")
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target.split(".")[0] != "microseg":
                    continue
                for a in child.names:  # `from . import _dask` names a module
                    sub = f"{target}.{a.name}"
                    out.append((sub if sub in MODULES else target, inner))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return out


def _unit(module: str) -> str:
    """The top-level unit of a module: ``microseg.segment._rfm`` -> ``segment``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(module: str) -> int | None:
    unit = _unit(module)
    for i, layer in enumerate(LAYERS):
        if unit in layer:
            return i
    return None  # plot


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_every_module_belongs_to_a_layer_or_to_plot():
    unknown = sorted({_unit(m) for m in MODULES} - set().union(*LAYERS) - {"plot"})
    assert unknown == [], f"modules outside the layer list: {unknown}; add them to the design's layers"


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m != "microseg"))
def test_imports_point_down_the_layers(name):
    """The top-level ``microseg/__init__`` is lazy: its names are strings, its only imports ``errors``, ``_lazy``."""
    here = _layer(name)
    for target, in_function in GRAPH[name]:
        there = _layer(target)
        if _unit(name) == "plot":
            assert there == 0 or _unit(target) == "plot", f"{name} imports {target}: plot imports only the first layer"
        elif there is None:  # plot, from a result's .plot()
            assert in_function, f"{name} imports {target} at import time; import plot functions inside .plot()"
        else:
            assert there <= here, f"{name} (layer {here + 1}) imports {target} (layer {there + 1}): an upward import"


def test_the_top_level_package_imports_only_the_first_layer():
    assert all(_layer(t) == 0 for t, _ in GRAPH["microseg"]), GRAPH["microseg"]


def test_no_import_cycles():
    """Depth-first search over every import (inside functions too); packages count as their ``__init__``."""
    edges = {m: sorted({t for t, _ in GRAPH[m] if t in MODULES and t != m}) for m in MODULES}
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(m):
        state[m] = 1
        stack.append(m)
        for t in edges[m]:
            if state.get(t) == 1:
                cycle = stack[stack.index(t):] + [t]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if t not in state:
                dfs(t)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            dfs(m)


def test_no_sibling_reexports_public_names():
    """A private module's ``__all__`` lists only what it defines; public names are re-exported by ``__init__`` files."""
    for name, path in MODULES.items():
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined = set()
        exported = []
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                defined.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        defined.add(t.id)
                        if t.id == "__all__":
                            exported = [e.value for e in node.value.elts]
        lazy = {"NotFittedError"} if name == "microseg.errors" else set()  # served by the module's __getattr__
        assert set(exported) - defined - lazy == set(), f"{name} re-exports {set(exported) - defined - lazy}"


def test_no_module_is_over_500_lines():
    long = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in MODULES.items()}
    long = {n: k for n, k in long.items() if k > 500}
    assert long == {}


def test_import_microseg_loads_neither_scikit_learn_scipy_nor_matplotlib():
    code = "import sys, microseg; print(sorted({m.split('.')[0] for m in sys.modules} & set(%r)))" % (HEAVY,)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_not_fitted_error_is_scikit_learns_and_is_caught_as_such():
    from sklearn.exceptions import NotFittedError as SkNotFitted

    import microseg as ms
    from microseg.errors import NotFittedError

    assert NotFittedError is SkNotFitted and ms.NotFittedError is SkNotFitted
    with pytest.raises(NotFittedError):
        ms.SegmentModel().predict([[1.0]])
