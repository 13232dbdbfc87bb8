"""The code lists shipped with the platform: one CSV per list in ``data/``, each row naming its source
(see ``data/README.md``). A file's digest tells a new shipped version from one already loaded."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

DATA = Path(__file__).parent / "data"


def shipped_names() -> list[str]:
    return sorted(path.stem for path in DATA.glob("*.csv"))


def shipped(list_name: str) -> tuple[list[dict[str, str]], str]:
    """The rows of one shipped list and the digest of its file; no rows when the platform ships none."""
    path = DATA / f"{list_name}.csv"
    if not path.is_file():
        return [], ""
    data = path.read_bytes()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    return rows, hashlib.sha256(data).hexdigest()[:16]
