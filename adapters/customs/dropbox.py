"""Watched drop folders (X1): the folders an enterprise's own systems write files into, one set per enterprise.

<root>/<enterprise customs code>/in/      files to declare or send (.json .xlsx .csv .xml)
<root>/<enterprise customs code>/done/    files handled completely, each with <name>.result.json beside it
<root>/<enterprise customs code>/failed/  files with a refused document or a problem, with their result file

A file is taken once it has not changed for `settle` seconds. Writers should still write under another name and
rename into place: names starting with a dot and ending in .tmp or .part are never taken."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

from adapters.customs.filebox import write_atomically

FOLDERS = ("in", "done", "failed")
IGNORED_SUFFIXES = (".tmp", ".part")
RESULT_SUFFIX = ".result.json"


class DropBox:
    def __init__(self, root: Path, settle: float = 2.0, clock: Callable[[], float] = time.time):
        self.root, self.settle, self.clock = Path(root), settle, clock

    def ensure(self, codes: Iterable[str]) -> None:
        """The folders of these enterprises (created at start for every registered one)."""
        for code in codes:
            for folder in FOLDERS:
                (self.root / code / folder).mkdir(parents=True, exist_ok=True)

    def codes(self) -> list[str]:
        """The enterprise codes that have an in/ folder, registered or not."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "in").is_dir())

    def waiting(self, code: str, limit: int, skip: Collection[Path] = ()) -> list[Path]:
        """Files ready in the enterprise's in/ folder, oldest first: not hidden, not partial, settled, not in
        ``skip`` (files the caller could not move and leaves alone for a while)."""
        ready = []
        for path in (self.root / code / "in").iterdir():
            if (path in skip or not path.is_file() or path.name.startswith(".")
                    or path.name.lower().endswith(IGNORED_SUFFIXES)):
                continue
            try:
                modified = path.stat().st_mtime
            except FileNotFoundError:  # taken by another process meanwhile
                continue
            if self.clock() - modified >= self.settle:
                ready.append((modified, path.name, path))
        return [path for *_, path in sorted(ready)[:limit]]

    def finish(self, path: Path, ok: bool, result: dict[str, Any]) -> Path:
        """Write the result file, then move the file beside it, into done/ or failed/. A crash in between leaves the
        file in in/, to be taken again (the caller recognises it as already handled). A done/ or failed/ folder that
        is missing (removed by hand) is made again."""
        folder = path.parent.parent / ("done" if ok else "failed")
        folder.mkdir(parents=True, exist_ok=True)
        target = _free_name(folder, path.name)
        text = json.dumps(result, ensure_ascii=False, indent=2, default=str)
        write_atomically(target.with_name(target.name + RESULT_SUFFIX), text.encode("utf-8"))
        os.replace(path, target)
        return target


def _free_name(folder: Path, name: str) -> Path:
    """A name not taken in the folder yet: a file dropped again under the same name keeps the earlier one."""
    target = folder / name
    stamp = time.strftime("%Y%m%d%H%M%S")
    n = 0
    while target.exists():
        n += 1
        target = folder / f"{Path(name).stem}.{stamp}-{n}{Path(name).suffix}"
    return target
