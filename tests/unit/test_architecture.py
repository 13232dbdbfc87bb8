"""The rooms of docs/architecture.md, kept by test: imports point inward, each domain context stands on its own and on
domain/shared, nothing below the consoles imports them, the benchmarks or the tests, and no module imports itself
back through another."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOMS = {"domain", "engine", "adapters", "projections", "ui", "bench", "tests", "schemas"}
LAYERS = ("domain", "engine", "adapters", "projections", "ui")
FORBIDDEN = {
    "domain": {"engine", "adapters", "projections", "ui", "bench", "tests"},
    "adapters": {"engine", "projections", "ui", "bench", "tests"},
    "projections": {"engine", "adapters", "ui", "bench", "tests"},
    "engine": {"ui", "bench", "tests"},
    "ui": {"bench", "tests"},
}
# The command line is the program's entry point: `cbec serve` starts the consoles and `cbec bench` runs the benchmarks.
ENTRY_POINTS = ("engine/cli/",)
CONTEXTS = {"customs", "exchange", "reference", "identity", "audit", "signing", "customs_node"}


def modules(room: str) -> Iterator[Path]:
    yield from sorted((ROOT / room).rglob("*.py"))


def name_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imported(path: Path) -> set[str]:
    """Every module a file imports, function-level imports too, as dotted names."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {n for n in names if n.split(".")[0] in ROOMS}


def test_imports_point_inward():
    offences = []
    for room, forbidden in FORBIDDEN.items():
        for path in modules(room):
            rel = str(path.relative_to(ROOT))
            bad = {name.split(".")[0] for name in imported(path)} & forbidden
            if rel.startswith(ENTRY_POINTS):
                bad -= {"ui", "bench"}
            if bad:
                offences.append(f"{rel} imports {sorted(bad)}")
    assert offences == []


def test_a_domain_context_imports_only_itself_and_domain_shared():
    offences = []
    for path in modules("domain"):
        parts = path.relative_to(ROOT / "domain").parts
        if len(parts) < 2:
            continue
        own = parts[0]
        for name in imported(path):
            if name.split(".")[0] != "domain" or len(name.split(".")) < 2:
                continue
            other = name.split(".")[1]
            if other not in (own, "shared"):
                offences.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offences == []


def test_domain_shared_imports_no_context():
    offences = [f"{path.relative_to(ROOT)} imports {name}" for path in modules("domain/shared")
                for name in imported(path) if name.startswith("domain.") and not name.startswith("domain.shared")]
    assert offences == []


def test_every_layer_is_divided_into_the_same_contexts():
    """A context's rooms carry its name in every layer (engine/customs, projections/customs, ui/routers/customs ...);
    no layer invents a context the others do not know."""
    rooms = {
        "domain": ROOT / "domain", "engine": ROOT / "engine", "projections": ROOT / "projections",
        "ui": ROOT / "ui" / "routers", "templates": ROOT / "ui" / "templates",
        "unit tests": ROOT / "tests" / "unit", "integration tests": ROOT / "tests" / "integration",
    }
    shared = {"shared", "cli", "hosts", "__pycache__"}
    for layer, folder in rooms.items():
        found = {p.name for p in folder.iterdir() if p.is_dir()} - shared
        assert found <= CONTEXTS, f"{layer}: {sorted(found - CONTEXTS)} is no context of docs/architecture.md"
    assert {"customs", "exchange", "reference", "identity"} <= {p.name for p in (ROOT / "engine").iterdir()}


def load_time_imports(path: Path, known: set[str]) -> set[str]:
    """The project's modules a file imports when it loads (not in functions, not under TYPE_CHECKING): for
    `from package import name`, the submodule when name is one, else the package."""
    targets: set[str] = set()

    def add(name: str) -> None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != name_of(path):
            targets.add(name)

    def scan(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                scan(node.body)
                scan(node.orelse)
            elif isinstance(node, ast.Try):
                scan(node.body)

    scan(ast.parse(path.read_text("utf-8")).body)
    return targets


def test_no_import_cycles():
    """Module-level imports (those that run when a module loads) form no cycle among the project's modules."""
    known = {name_of(p) for room in LAYERS for p in modules(room)}
    graph = {name_of(path): load_time_imports(path, known) for room in LAYERS for path in modules(room)}
    cycles: list[str] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*trail[trail.index(target):], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_routers_reach_adapters_only_through_engine():
    """The consoles and APIs (ui/) call the engine's services; only the engine calls the adapters (#15). Imports inside
    functions count too."""
    offences = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offences += [f"{path.relative_to(ROOT)}:{node.lineno} imports {name}" for name in names
                         if name.split(".")[0] == "adapters"]
    assert offences == []
