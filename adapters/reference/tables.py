"""Excel (.xlsx, openpyxl) and CSV tables of a code list: read what administrators import, write the
export and the empty template. The header row names the columns, as ``中文名称 name_zh`` (what we
write) or either part alone; unknown columns are ignored."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from adapters.excel import reading
from adapters.export.tabular import quote_prefix
from domain.reference.lists import ListSpec, cell_text

Rows = list[tuple[int, dict[str, Any]]]
MAX_BYTES = 20 * 1024 * 1024  # the largest table an import reads, as the declaration workbooks


class TableError(ValueError):
    """The file is not a table we can read (not .xlsx/.csv, no header, no code column)."""


def header(spec: ListSpec) -> list[str]:
    return [f"{c.zh} {c.key}" for c in spec.columns]


def read_table(spec: ListSpec, filename: str, data: bytes) -> tuple[Rows, list[str]]:
    """Rows numbered as in the file (header = 1) with their cells by column key, and the keys present."""
    if len(data) > MAX_BYTES:
        raise TableError(f"文件超过{MAX_BYTES // (1024 * 1024)}MB，请拆分 "
                         f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it")
    if data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm")):
        lines = _excel_lines(data)
    elif filename.lower().endswith((".csv", ".txt")) or not filename:
        lines = _csv_lines(data)
    else:
        raise TableError(f"只能导入 .xlsx 或 .csv 文件 only .xlsx or .csv files can be imported: {filename}")
    if not lines:
        raise TableError("文件为空 the file is empty")
    keys = _columns(spec, lines[0][1])
    if "code" not in keys.values():
        raise TableError("表头缺少“代码 code”列 the header has no code column")
    rows = [(number, {key: cells[i] if i < len(cells) else None for i, key in keys.items()})
            for number, cells in lines[1:] if any(cell_text(c) for c in cells)]
    return rows, sorted(set(keys.values()))


def _excel_lines(data: bytes) -> list[tuple[int, list[Any]]]:
    """The first sheet's rows, read within the bounds of adapters/excel/reading.py (rows, columns, cells, size, time,
    no DTD): what exceeds them is a TableError naming the limit."""
    try:
        with reading.opened(data) as book:
            if not book.sheetnames:
                return []
            return [(n, list(row)) for n, row in enumerate(book.rows(0), start=1)]
    except reading.SheetRefused as refused:
        raise TableError(str(refused)) from refused


def _csv_lines(data: bytes) -> list[tuple[int, list[Any]]]:
    """The rows of a CSV file, at most reading.LIMITS.rows of them."""
    limit = reading.LIMITS.rows
    lines: list[tuple[int, list[Any]]] = []
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(_decode(data))), start=1):
            if number > limit:
                raise TableError(f"文件超过{limit}行，请拆分 the file has more than {limit} rows: split it")
            lines.append((number, cells))
    except csv.Error as error:  # a field longer than csv's limit, a NUL byte ...
        raise TableError(f"CSV文件格式错误（第{len(lines) + 1}行）：{error} "
                         f"the CSV file is malformed (line {len(lines) + 1}): {error}") from error
    return lines


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030; TableError for bytes that are neither."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # what Chinese Excel saves as "CSV"
    except UnicodeDecodeError as error:
        raise TableError("文件编码不是UTF-8或GB18030 the file is neither UTF-8 nor GB18030 text") from error


def _columns(spec: ListSpec, cells: list[Any]) -> dict[int, str]:
    names: dict[str, str] = {}
    for column in spec.columns:
        for name in (column.key, column.zh, column.en, f"{column.zh} {column.key}"):
            names[name.casefold()] = column.key
    found: dict[int, str] = {}
    for i, cell in enumerate(cells):
        text = cell_text(cell).casefold()
        key = names.get(text) or names.get(text.rsplit(" ", 1)[-1]) or names.get(text.split(" ", 1)[0])
        if key and key not in found.values():
            found[i] = key
    return found


def write_workbook(spec: ListSpec, rows: Iterable[Mapping[str, str]]) -> bytes:
    """The list as an .xlsx that imports back unchanged; no rows makes the empty template. A text a spreadsheet would
    run as a formula (= + - @, tab or CR first) is written as a quote-prefixed text cell (#16 item 9)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = spec.name
    sheet.append(header(spec))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.get(c.key, "") for c in spec.columns])
    quote_prefix(sheet, min_row=2)  # #16: a name "=HYPERLINK(...)" stays a text cell and imports back unchanged
    for i, column in enumerate(spec.columns):
        sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = 14 if column.key != "name_zh" else 30
    help_sheet = book.create_sheet("说明 help")
    help_sheet.append(["列 column", "中文", "English", "格式 format"])
    for column in spec.columns:
        fmt = spec.code_hint if column.key == "code" else {"date": "YYYY-MM-DD", "rate": "% 0-1000",
                                                           "mode": "big_bag | small_parcel"}.get(column.kind, "")
        help_sheet.append([column.key, column.zh, column.en, fmt])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
