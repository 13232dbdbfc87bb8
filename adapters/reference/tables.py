"""Excel (.xlsx, openpyxl) and CSV tables of a code list: read what administrators import, write the
export and the empty template. The header row names the columns, as ``中文名称 name_zh`` (what we
write) or either part alone; unknown columns are ignored."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from domain.reference.lists import ListSpec, cell_text

Rows = list[tuple[int, dict[str, Any]]]


class TableError(ValueError):
    """The file is not a table we can read (not .xlsx/.csv, no header, no code column)."""


def header(spec: ListSpec) -> list[str]:
    return [f"{c.zh} {c.key}" for c in spec.columns]


def read_table(spec: ListSpec, filename: str, data: bytes) -> tuple[Rows, list[str]]:
    """Rows numbered as in the file (header = 1) with their cells by column key, and the keys present."""
    if data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm")):
        lines = _excel_lines(data)
    elif filename.lower().endswith((".csv", ".txt")) or not filename:
        lines = list(enumerate(csv.reader(io.StringIO(_decode(data))), start=1))
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
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged or foreign file
        raise TableError(f"无法读取Excel文件 not a readable .xlsx file: {error}") from error
    try:
        sheet = book.worksheets[0]
        return [(n, list(row)) for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")  # what Chinese Excel saves as "CSV"


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
    """The list as an .xlsx that imports back unchanged; no rows makes the empty template."""
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
