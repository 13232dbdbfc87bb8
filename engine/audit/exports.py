"""B4: any list a console shows, as a file to download: CSV, Excel or Parquet.

Every console's list export goes through here (import orders, the general query, the system log, a document's
history, the reconciliation); adapters/export writes the files. The consoles catch ExportRefused and tell the user
its message."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from adapters import export


class ExportRefused(ValueError):
    """An unknown format, or more rows than the format holds; the message says which."""


def export_list(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], fmt: str, name: str,
                headers: Sequence[str] | None = None) -> export.Exported:
    """rows as a file of format ``fmt`` (csv, xlsx, parquet) named ``name.<fmt>``, columns in the order given: its
    bytes, media type and file name;
    headers: the first line's labels in CSV and Excel (default: the column names). ExportRefused when the format is
    unknown or cannot hold the rows."""
    try:
        return export.export_rows(rows, columns, fmt, name, headers)
    except export.ExportError as error:
        raise ExportRefused(str(error)) from error
