"""B4: any list a console shows, as a file to download: CSV, Excel or Parquet.

Every console's list export goes through here (import orders, the general query, the system log, a document's
history, the reconciliation); adapters/export writes the files. The consoles catch ExportRefused and tell the user
its message."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters import export
from engine import clock


class ExportRefused(ValueError):
    """An unknown format, or more rows than the format holds; the message says which."""


def export_list(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], fmt: str, name: str,
                headers: Sequence[str] | None = None) -> export.Exported:
    """rows as a file of format ``fmt`` (csv, xlsx, parquet) named ``name.<fmt>``, columns in the order given: its
    bytes, media type and file name;
    headers: the first line's labels in CSV and Excel (default: the column names). ExportRefused when the format is
    unknown or cannot hold the rows."""
    rows = list(rows)
    moments = [c for c in columns if _is_moment_column(rows, c)]
    if moments and fmt in export.FORMATS:
        rows = [dict(row) | {c: _moment(row.get(c), fmt) for c in moments} for row in rows]
        labels = list(headers or columns)
        headers = [f"{label} ({ZONE_LABEL})" if column in moments else label for column, label in zip(columns, labels,
                                                                                                        strict=True)]
    try:
        return export.export_rows(rows, columns, fmt, name, headers)
    except export.ExportError as error:
        raise ExportRefused(str(error)) from error


ZONE_LABEL = f"{clock.LABEL_ZH} {clock.LABEL_EN}"  # 北京时间 UTC+8, beside every time column's header (#18)


def _is_moment_column(rows: list[Mapping[str, Any]], column: str) -> bool:
    """A column of times: it has one, and nothing else but empty cells (a customs format YYYYMMDDhhmmss is no time)."""
    values = [row.get(column) for row in rows if row.get(column) not in (None, "")]
    return bool(values) and all(clock.shanghai(value) is not None for value in values)


def _moment(value: Any, fmt: str) -> Any:
    """One time in Shanghai time as the format holds it (#18): Excel a real date-time cell (Excel has no zones, the
    header names it), CSV the text a spreadsheet reads as one, Parquet a timestamp that keeps its zone."""
    moment = clock.shanghai(value)
    if moment is None:
        return value
    if fmt == "xlsx":
        return moment.replace(tzinfo=None)
    if fmt == "csv":
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment


def typed(rows: Iterable[Mapping[str, Any]], numbers: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Rows whose `numbers` columns (decimal text in the read models) are Decimals, so Excel gets number cells with
    their decimals (#18), not text; a value that is no number stays as it is. Times: export_list."""
    return [dict(row) | {c: _number(row.get(c)) for c in numbers if c in row} for row in rows]


def _number(value: Any) -> Any:
    if value in (None, "") or isinstance(value, int | float | Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return value
