"""The house's one-way flow, checked on the source (docs/architecture.md, "Who may import whom").

Every import counts, also one inside a function: a lazy import is still a dependency. The rules:
the rule language (``language``, ``units``) imports none of the layers above it; ``input`` and
``scoring`` never import each other (they share only ``columns``) nor anything above the engine;
``findings`` never imports the reader, the renderers or the apps; ``render`` translates findings and
imports neither the reader, the engine, the assessment, the pool nor the apps; the pool (the
database of snapshots) sits above the renderers and is imported by the apps only; and no modules
import each other in a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "eligibility"
ABOVE_ENGINE = ("assessment", "findings", "render", "pool", "apps", "backends", "diff", "scenarios")
FORBIDDEN = [
    ("language", ("columns", "input", "scoring", *ABOVE_ENGINE)),
    ("units", ("language", "columns", "input", "scoring", *ABOVE_ENGINE)),
    ("columns", ("input", "scoring", *ABOVE_ENGINE)),
    ("input", ("scoring", *ABOVE_ENGINE)),
    ("scoring", ("input", *ABOVE_ENGINE)),
    ("findings", ("input", "render", "pool", "apps")),
    ("assessment", ("pool",)),
    ("render", ("input", "scoring", "assessment", "backends", "pool", "apps")),
    ("pool", ("apps", "backends")),
]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            targets = [prefix, *(f"{prefix}.{a.name}" for a in node.names)]
        for target in targets:
            if not target.startswith("eligibility"):
                continue
            short = target.removeprefix("eligibility").removeprefix(".")
            while short and short not in known:
                short = short.rpartition(".")[0]
            if short and short != name:
                found.add(short)
    return found


GRAPH = {name: _imports(name, path, set(_modules())) for name, path in _modules().items() if name}


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize(("importer", "banned"), FORBIDDEN)
def test_no_arrow_runs_back_up(importer: str, banned: tuple[str, ...]) -> None:
    wrong = sorted(
        (module, target)
        for module, targets in GRAPH.items()
        if _under(module, importer)
        for target in targets
        if any(_under(target, b) for b in banned)
    )
    assert wrong == []


def test_no_circles() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in GRAPH.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == module:
                    break
            # a package's __init__ re-exporting its own modules is no circle of the flow
            if len(group) > 1 and not all(g == group[-1] or _under(g, group[-1]) for g in group):
                circles.append(sorted(group))

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert circles == []


def test_the_contract_sees_lazy_imports() -> None:
    # The contract would be blind if it missed imports inside functions: the assessment imports the
    # durable backend only when asked for it.
    assert "backends.durable" in GRAPH["assessment"]


_RUN = "from eligibility.apps.cli import main\ntry:\n    main({args})\nexcept SystemExit:\n    pass"
HEAVY = ("pandas", "pyarrow", "pydantic", "plotly", "fastapi", "durable", "dask", "distributed", "sqlalchemy")


@pytest.mark.parametrize(
    "statement",
    [
        "import eligibility",
        _RUN.format(args="['--version']"),
        _RUN.format(args="['screen', '--help']"),
    ],
    ids=["import", "version", "help"],
)
def test_start_up_imports_none_of_the_heavy_libraries(statement: str) -> None:
    """``eligibility --version`` and ``--help`` answer without pandas, pydantic, plotly, the web
    server, durable_rules or Dask: the package's names and the commands' imports are lazy."""
    import subprocess
    import sys

    probe = f"{statement}\nimport sys\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=PACKAGE.parent
    )
    assert found.stdout.strip().splitlines()[-1] == "[]"
