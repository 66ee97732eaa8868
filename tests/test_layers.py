"""The module floors of `toolkit/`: no arrow points up, and no modules import each other in a circle.

Every module is parsed with `ast` (nothing is imported), and every `import` / `from … import`
counts: at module level, inside functions (the lazy imports that keep start-up fast) and under
`if TYPE_CHECKING:`. Floors, lowest first:

- low: the shared parts every pipeline stands on (errors, settings, colour, geometry, subtitles,
  atomic writing, YAML documents, media decoding, duty of care);
- upper: the two pipelines, `film/` (storyboard -> film) and `grade/` (clip -> report);
- batch: `batch/`, many films at once on a process pool or a Dask cluster, on top of `film/`;
- top: `cli/`, the only place that chooses exit codes.

A module may import its own floor or a lower one, and no modules may import each other in a
circle. Both rules count every import, those under `if TYPE_CHECKING:` too: such an import
never runs, but two modules that need each other's names are one tangle all the same.
Importing `a.b.c` also runs `a/b/__init__.py`; those implicit parent imports are not edges here
(a package's `__init__` importing its own modules would otherwise always look circular).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "toolkit"

# first matching prefix wins; a module that matches none must be given a floor here
FLOORS: tuple[tuple[str, int], ...] = (
    ("toolkit.cli", 3),
    ("toolkit.__main__", 3),
    ("toolkit.batch", 2),  # many films at once (pool, Dask) stands on film/; only cli/ imports it
    ("toolkit.film", 1),
    ("toolkit.studio", 1),  # the live preview stands on film/ (tests/test_studio.py: nothing imports it back)
    ("toolkit.grade", 1),
    ("toolkit.errors", 0),
    ("toolkit.settings", 0),
    ("toolkit.color", 0),
    ("toolkit.geometry", 0),
    ("toolkit.subtitles", 0),
    ("toolkit.atomic", 0),
    ("toolkit.contact", 0),
    ("toolkit.doc", 0),
    ("toolkit.media", 0),
    ("toolkit.care", 0),
    ("toolkit", 0),  # the package's own __init__
)
FLOOR_NAMES = ("low", "upper", "batch", "top")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    runs: bool  # False under `if TYPE_CHECKING:`

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} (line {self.line}{'' if self.runs else ', TYPE_CHECKING'})"


def _modules() -> dict[str, tuple[Path, bool]]:
    out: dict[str, tuple[Path, bool]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def _imports(name: str, path: Path, is_package: bool, known: dict) -> Iterator[Edge]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    typing_only = _type_checking_lines(tree)
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from toolkit.film import spec` imports the module `toolkit.film.spec`
            targets = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            # `import toolkit.film.spec.models` names its deepest module; climb to one that exists
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target.startswith("toolkit") and target != name and target != "toolkit":
                yield Edge(name, target, node.lineno, node.lineno not in typing_only)


def _graph() -> tuple[dict[str, tuple[Path, bool]], list[Edge]]:
    modules = _modules()
    edges = sorted({e for name, (path, pkg) in modules.items() for e in _imports(name, path, pkg, modules)},
                   key=lambda e: (e.source, e.target, e.line))
    return modules, edges


def floor_of(module: str) -> int | None:
    """The floor `module` stands on (0 low, 1 upper, 2 batch, 3 top), or None when it has not been given one."""
    for prefix, floor in FLOORS:
        if module == prefix or module.startswith(prefix + "."):
            return floor
    return None


def circles(nodes: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    following: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        following[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(following[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(following[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_every_module_has_a_floor() -> None:
    modules, _ = _graph()
    assert len(modules) > 100  # the walk found the package
    homeless = [m for m in modules if floor_of(m) is None]
    assert not homeless, f"give these modules a floor in tests/test_layers.py FLOORS: {homeless}"


def test_no_module_imports_a_higher_floor() -> None:
    _, edges = _graph()
    upward = [e for e in edges if (floor_of(e.target) or 0) > (floor_of(e.source) or 0)]
    assert not upward, "imports from a lower floor to a higher one:\n" + "\n".join(
        f"  {e}  [{FLOOR_NAMES[floor_of(e.source) or 0]} -> {FLOOR_NAMES[floor_of(e.target) or 0]}]"
        for e in upward)


def test_no_import_circles() -> None:
    modules, edges = _graph()
    found = circles(list(modules), [(e.source, e.target) for e in edges])
    lines = []
    for component in found:
        members = set(component)
        lines.append("  circle: " + ", ".join(component))
        lines += [f"    {e}" for e in edges if e.source in members and e.target in members]
    assert not found, "modules that import each other in a circle:\n" + "\n".join(lines)


def test_the_checks_see_what_they_look_for() -> None:
    """The walk must see function-level imports and an upward arrow, and the search must find a circle."""
    _, edges = _graph()
    lazy = [e for e in edges if e.source == "toolkit.cli.output" and e.target == "toolkit.doc.paths"]
    assert lazy, "the import inside cli/output.py's function was not seen"
    assert circles(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]) == [["a", "b", "c"]]
    assert floor_of("toolkit.care.rules") < floor_of("toolkit.film.spec.models") < floor_of("toolkit.cli.render")
