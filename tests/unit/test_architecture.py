"""The import rule of ARCHITECTURE.md: domain imports none of the other rooms; inner rooms never import ui."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOMS = {"domain", "engine", "adapters", "projections", "ui"}
FORBIDDEN = {
    "domain": {"engine", "adapters", "projections", "ui"},
    "adapters": {"engine", "projections", "ui"},
    "projections": {"engine", "adapters", "ui"},
    "engine": {"ui"},
}
# `cbec serve` is the one place that starts the web consoles, so the CLI's command module may import ui.
ENTRY_POINTS = {"engine/cli/platform.py"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & ROOMS


def test_imports_point_inward():
    offences = []
    for room, forbidden in FORBIDDEN.items():
        for path in (ROOT / room).rglob("*.py"):
            bad = imports_of(path) & forbidden
            if bad and str(path.relative_to(ROOT)) not in ENTRY_POINTS:
                offences.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert offences == []
