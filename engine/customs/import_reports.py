"""错误报告 of Excel imports (#18): the workbook of an upload's refused rows, kept once when the file is read, so the
user downloads the same report later (it is not rebuilt from the file, which may have changed since), and only the
uploader's organisation may.

The reports live in the data folder (``<data>/import-reports/<id>.xlsx`` and its ``.json`` of who may read it), not
in the event log: a report is as large as the refused part of a 20 MB upload, while every event is published to
Kafka, whose messages stop at 1 MB. Files are written whole (a temporary file renamed into place, the description
last), private to the platform's account (0600), so a half-written report is never served."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from domain.identity.roles import Principal

FOLDER = "import-reports"
ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class KeptReport:
    """A kept report: its workbook, and whom and what it was made for."""

    data: bytes
    organisation: str
    message_type: str
    by: str
    file_name: str
    made_at: str


class ImportReports:
    def __init__(self, data_dir: Path):
        self.folder = Path(data_dir) / FOLDER

    def keep(self, data: bytes, principal: Principal, message_type: str, file_name: str, moment: datetime) -> str:
        """Store a report of ``principal``'s upload; its id (the download link's)."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        report_id = uuid4().hex
        about = {"organisation": principal.organisation, "message_type": message_type, "by": principal.name,
                 "file_name": file_name, "made_at": moment.isoformat()}
        _write(self.folder / f"{report_id}.xlsx", data)
        _write(self.folder / f"{report_id}.json", json.dumps(about, ensure_ascii=False).encode("utf-8"))
        return report_id

    def get(self, report_id: str, principal: Principal, message_type: str) -> KeptReport | None:
        """The report, when it exists, is of this document type and was made for the principal's organisation;
        None otherwise, the same for every reason, so nobody learns of another organisation's uploads."""
        if not ID.fullmatch(report_id):
            return None
        about = _about(self.folder / f"{report_id}.json")
        if about is None or about.get("message_type") != message_type:
            return None
        if about.get("organisation") != principal.organisation:
            return None
        try:
            data = (self.folder / f"{report_id}.xlsx").read_bytes()
        except OSError:
            return None
        return KeptReport(data, str(about["organisation"]), message_type, str(about.get("by", "")),
                          str(about.get("file_name", "")), str(about.get("made_at", "")))


def _about(path: Path) -> dict[str, Any] | None:
    try:
        loaded = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _write(path: Path, data: bytes) -> None:
    """The whole file or none: written beside its place, flushed, then renamed over it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
