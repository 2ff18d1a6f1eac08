"""The layering of components/ (docs/architecture.md), checked on the code's own imports.

Every `import` and `from ... import` of a `components` module, at any depth of a file (imports inside
functions count too), is an arrow from the importing package to the imported one. Arrows may only
point down the layer table, or stay inside one package; and no module may reach itself again.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Bottom to top; a package may import packages of lower layers and modules of its own package.
LAYERS: list[set[str]] = [
    {"core"},
    {"runtime", "vectors", "content"},
    {"models"},
    {"data"},
    {"pooling", "training", "retrieval", "explore", "rooms"},
    {"charts", "state"},
    {"services"},
    {"widgets"},
]
LAYER_OF = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}
STREAMLIT_PACKAGES = {"services", "widgets"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The components modules a file imports (a name imported from a package counts as its module
    when it is one, else as the package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("components")}
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("components")
        ):
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in (ROOT / "components").rglob("*.py")}
    known = set(files)
    return {name: imported_modules(path, known) - {name} for name, path in files.items()}


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_module_sits_in_a_package_of_the_layer_table():
    loose = [
        name for name in import_graph() if name != "components" and package_of(name) not in LAYER_OF
    ]
    assert not loose, f"modules outside the layer table: {loose}"


def test_imports_only_point_down_the_layers():
    upward = []
    for module, imports in import_graph().items():
        here = package_of(module)
        for target in imports:
            there = package_of(target)
            if here is None or there is None or here == there:
                continue
            if LAYER_OF[there] >= LAYER_OF[here]:
                upward.append(f"{module} -> {target}")
    assert not upward, "imports that run up or sideways:\n" + "\n".join(sorted(upward))


def test_no_import_cycles():
    graph = import_graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if target not in graph:
                continue
            if state.get(target) == 1:
                cycles.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)


@pytest.mark.parametrize("package", sorted(set(LAYER_OF) - STREAMLIT_PACKAGES))
def test_only_services_and_widgets_import_streamlit(package):
    offenders = []
    for path in (ROOT / "components" / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name == "streamlit" or name.startswith("streamlit.") for name in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"streamlit imported below the services layer: {offenders}"


def test_the_architecture_doc_lists_every_package():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    missing = [package for package in LAYER_OF if f"`{package}/`" not in doc]
    assert not missing, f"docs/architecture.md does not name: {missing}"
