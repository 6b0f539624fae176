"""Checks that ``chalicelib/`` keeps its shape (docs/architecture.md):

1. at most 16 loose modules at its top (the foundation; the rest lives in a
   package per actor);
2. a foundation module never imports a package of ``chalicelib``;
3. no import runs back up: a module never imports names from the
   ``__init__`` of a package it belongs to (that ``__init__`` is still running
   when the module loads, so a name it re-exports may not exist yet);
4. no circle: the module graph, read from the source (AST, every import
   statement, also those inside functions), has no cycle.

    python -m scripts.check_layout      # exit 1 and one line per finding

How a package's ``__init__`` counts: it is a module like any other, and
importing ``chalicelib.partner.forms`` (or ``from chalicelib.partner import
forms``) runs ``chalicelib/partner/__init__.py`` first, so the graph has an
edge to it -- an ``__init__`` that re-exports its submodules makes every
outside user of one submodule depend on all of them, and a circle through it
is a real one. The exception is an edge from a module to a package that
encloses it: Python has started that ``__init__`` before the module runs, so
it is not a load-order dependency (no circle) but the back import of rule 3
when a name other than a submodule is taken from it.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
ROOT_PACKAGE = "chalicelib"
MAX_LOOSE = 16


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. chalicelib.partner.page
    path: Path
    is_package: bool  # an __init__.py

    @property
    def package(self) -> str:
        """The package the module's relative imports start from."""
        return self.name if self.is_package else self.name.rpartition(".")[0]


def discover(root: Path) -> dict[str, Module]:
    """Every module under ``root/chalicelib`` by dotted name."""
    modules: dict[str, Module] = {}
    for path in sorted((root / ROOT_PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        modules[".".join(parts)] = Module(".".join(parts), path, is_package)
    return modules


@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # the module the statement names (`from x import y`: x)
    names: tuple[str, ...]  # for `from x import a, b`: a, b; else ()
    line: int


def imports_of(module: Module) -> list[Import]:
    """Every import statement of ``module`` that names chalicelib, absolute."""
    tree = ast.parse(module.path.read_text(encoding="utf-8"), str(module.path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(module.name, alias.name, (), node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            found.append(Import(module.name, base, tuple(a.name for a in node.names),
                                node.lineno))
    return [i for i in found if i.target == ROOT_PACKAGE
            or i.target.startswith(ROOT_PACKAGE + ".")]


def ancestors(name: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b`` (the packages Python runs before ``a.b.c``)."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def edges(imp: Import, modules: dict[str, Module]) -> set[str]:
    """The modules an import statement runs, as far as load order goes."""
    named = {imp.target}
    for name in imp.names:
        if f"{imp.target}.{name}" in modules:  # `from pkg import submodule`
            named.add(f"{imp.target}.{name}")
    runs = set()
    for target in named:
        runs.update(ancestors(target))
        runs.add(target)
    # The importer's own enclosing packages are already running (see the top).
    own = set(ancestors(imp.importer))
    if modules[imp.importer].is_package:
        own.add(imp.importer)
    return {m for m in runs if m in modules and m not in own}


def is_foundation(module: Module) -> bool:
    return module.name.count(".") == 1 and not module.is_package


def back_imports(imp: Import, module: Module, modules: dict[str, Module]) -> list[str]:
    """What ``imp`` takes from the ``__init__`` of a package enclosing ``module``."""
    enclosing = set(ancestors(module.name)) | ({module.name} if module.is_package else set())
    enclosing.discard(ROOT_PACKAGE)  # chalicelib/__init__.py holds nothing to take
    if not imp.names:  # `import chalicelib.partner` inside chalicelib/partner/
        return [imp.target] if imp.target in enclosing else []
    back = []
    for name in imp.names:
        submodule = f"{imp.target}.{name}"
        resolved = submodule if submodule in modules else imp.target
        if resolved in enclosing and resolved != module.name:
            back.append(submodule)
    return back


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def circle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One shortest circle through the component's first module, as a path."""
    start, members = component[0], set(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                return paths[node] + [start]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return component  # not reached: a component's members reach each other


def check(root: Path = PROJECT_DIR) -> list[str]:
    """Every finding, one line each; empty when the layout holds."""
    modules = discover(root)
    problems: list[str] = []

    loose = sorted(m.name for m in modules.values() if is_foundation(m))
    if len(loose) > MAX_LOOSE:
        problems.append(f"{ROOT_PACKAGE}/ has {len(loose)} loose modules (at most {MAX_LOOSE}): "
                        + ", ".join(n.rpartition(".")[2] for n in loose))

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for module in modules.values():
        for imp in imports_of(module):
            rel = module.path.relative_to(root)
            targets = edges(imp, modules)
            graph[module.name] |= targets
            if is_foundation(module):
                packages = sorted(t for t in targets if t != ROOT_PACKAGE
                                  and (modules[t].is_package or t.count(".") >= 2))
                if packages:
                    problems.append(f"{rel}:{imp.line}: foundation module imports a package "
                                    f"({', '.join(packages)})")
            back = sorted(set(back_imports(imp, module, modules)))
            if back:
                problems.append(f"{rel}:{imp.line}: imports back up from its own package "
                                f"({', '.join(back)}); import the submodule that defines it")

    for component in find_cycles(graph):
        problems.append("circular imports: " + " -> ".join(circle(graph, component)))
    return problems


def main() -> int:
    problems = check()
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)}개의 구조 문제가 있어요 (docs/architecture.md).", file=sys.stderr)
        return 1
    print("chalicelib/ 구조가 맞아요.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
