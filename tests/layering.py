"""The import rules of the code base, checked from the source (every ``import``, also those inside functions):

    config                                  settings and the offline guard; imports nothing of ours
    prompts, embeddings, rubric, grader, store   the core
    practice, screening, evals              services over the core
    ui, interview_grader, app.py            the shells: the web app and the CLI (neither imports the other)

A package imports only its own layer and the layers above it in this list, no two modules import each other
(directly or round a longer loop), and a page (``ui/*_page.py``) is at most ``PAGE_LINES`` long and reaches the
store and the grader only through a service.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

LAYERS: dict[str, int] = {
    "config": 0,
    "prompts": 1,
    "embeddings": 1,
    "rubric": 1,
    "grader": 1,
    "store": 1,
    "practice": 2,
    "screening": 2,
    "evals": 2,
    "ui": 3,
    "interview_grader": 3,
    "app": 3,
    "cluster": 3,
}
SIBLINGS_APART = {("ui", "interview_grader"), ("interview_grader", "ui")}
PAGE_LINES = 200
# What a page may take from the core: data types, constants and exception classes, never a store or a grader.
PAGE_MAY_IMPORT = {"grader.base", "grader.result", "grader.answer_checks", "rubric.model"}
PAGE_MAY_NOT_USE = {"ui.resources.practice_store", "ui.resources.rubric_index", "ui.resources.grade_cache"}


@dataclass(frozen=True)
class Problem:
    module: str
    message: str

    def __str__(self) -> str:
        return f"{self.module}: {self.message}"


def modules(root: Path) -> dict[str, Path]:
    """Every module of the product under ``root``, by dotted name."""
    found: dict[str, Path] = {}
    for package in LAYERS:
        single = root / f"{package}.py"
        if single.is_file():
            found[package] = single
        for path in sorted((root / package).rglob("*.py")) if (root / package).is_dir() else []:
            if "migrations" in path.parts:
                continue  # Alembic's revision scripts are loaded by Alembic, not imported
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(name: str, path: Path) -> set[str]:
    """What a module imports, as dotted names (``from a import b`` gives ``a`` and ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def _layer(name: str) -> str:
    return name.split(".")[0]


def graph(root: Path) -> dict[str, set[str]]:
    """Module -> the product modules it imports."""
    mods = modules(root)
    return {name: {d for d in imports(name, path) if d in mods and d != name} for name, path in mods.items()}


def layering_problems(root: Path) -> list[Problem]:
    problems: list[Problem] = []
    edges = graph(root)
    for name, deps in sorted(edges.items()):
        own = _layer(name)
        for dep in sorted(deps):
            other = _layer(dep)
            if LAYERS[other] > LAYERS[own] or (own, other) in SIBLINGS_APART:
                problems.append(Problem(name, f"imports {dep} (a {other} module may not be imported from {own})"))
    problems += [Problem(" <-> ".join(sorted(loop)), "import each other") for loop in cycles(edges)]
    return problems


def page_problems(root: Path) -> list[Problem]:
    problems: list[Problem] = []
    mods = modules(root)
    for name, path in sorted(mods.items()):
        if not (name.startswith("ui.") and name.endswith("_page")):
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > PAGE_LINES:
            problems.append(Problem(name, f"is {lines} lines long (a page is at most {PAGE_LINES})"))
        for dep in sorted(imports(name, path)):
            core = _layer(dep) in ("store", "grader", "rubric", "embeddings", "prompts") and dep in mods
            if dep in PAGE_MAY_NOT_USE:
                problems.append(Problem(name, f"uses {dep} (go through a service instead)"))
            elif core and dep not in PAGE_MAY_IMPORT:
                problems.append(Problem(name, f"imports {dep} (pages reach the core through a service)"))
    return problems


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found
