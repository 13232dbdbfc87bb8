"""Excel templates of declarations with a head and lines (订单 CEB311 ...): one sheet for heads, one for
lines, Chinese column names with the XSD field name (``订单编号 orderNo``), so a filled template reads back
into the platform's JSON shape. Lines are tied to their head by the key column (orderNo). Documents without lines
(支付单 CEB411 ...) have the heads sheet only, and their key may be left empty (the platform numbers them)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from . import reading

HEADS, LINES = "表头 heads", "表体 lines"


class Field(Protocol):
    """What the workbook reads of a field, read-only (the XSD's field specs are frozen dataclasses)."""

    @property
    def name(self) -> str: ...
    @property
    def label_zh(self) -> str: ...
    @property
    def required(self) -> bool: ...


class WorkbookError(ValueError):
    """The file is not a workbook of this template."""


@dataclass
class RowProblem:
    sheet: str
    row: int
    field: str
    message_zh: str
    message_en: str


@dataclass
class ReadResult:
    documents: list[dict[str, Any]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the heads-sheet row of each document
    problems: list[RowProblem] = field(default_factory=list)


def _title(spec: Field) -> str:
    return f"{spec.label_zh or spec.name} {spec.name}"


def template(head: Sequence[Field], lines: Sequence[Field], key: str, list_key: str,
             examples: Sequence[dict[str, Any]] = ()) -> bytes:
    """An empty (or example-filled) workbook of this document type."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    heads = book.active
    heads.title = HEADS
    key_spec = next(s for s in head if s.name == key)
    sheets = [(heads, list(head))] + ([(book.create_sheet(LINES), [key_spec, *lines])] if lines else [])
    for sheet, specs in sheets:
        sheet.append([_title(s) for s in specs])
        for cell, spec in zip(sheet[1], specs, strict=True):
            cell.font = Font(bold=spec.required)
    for document in examples:
        heads.append([_cell(document.get(s.name)) for s in head])
        for line_sheet, _ in sheets[1:]:
            for line in document.get(list_key) or []:
                line_sheet.append([_cell(document.get(key))] + [_cell(line.get(s.name)) for s in lines])
    for sheet, _ in sheets:
        _as_text(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value


def _as_text(sheet: Any) -> None:
    """Formula injection (#16 item 9): a text a spreadsheet would run (= + - @, tab or CR first, and not a plain number
    such as "-12.5") becomes a quote-prefixed text cell, so reading the filled template back gives the text unchanged
    and a re-imported document keeps its data (`adapters.export.tabular.quote_prefix`)."""
    from adapters.export.tabular import quote_prefix

    quote_prefix(sheet, min_row=2)


def read(data: bytes, head: Sequence[Field], lines: Sequence[Field], key: str, list_key: str) -> ReadResult:
    """Documents from a filled template; rows that cannot belong to a document are reported, not guessed. Read within
    reading.LIMITS (rows, columns, cells, unpacked size, time; no DTD): what exceeds them is a WorkbookError."""
    try:
        with reading.opened(data) as book:
            if HEADS not in book.sheetnames or lines and LINES not in book.sheetnames:
                raise WorkbookError(f"工作簿需要“{HEADS}”和“{LINES}”两张表，请使用下载的模板 "
                                    f"the workbook needs the sheets '{HEADS}' and '{LINES}': use the template")
            head_rows = _rows(book.rows(HEADS), head)
            line_rows = _rows(book.rows(LINES), [*head, *lines]) if lines else []
    except reading.SheetRefused as refused:
        raise WorkbookError(str(refused)) from refused
    return _assemble(head_rows, line_rows, key, list_key if lines else "", {s.name for s in lines})


def _rows(rows: list[reading.Row], specs: Sequence[Field]) -> list[tuple[int, dict[str, Any]]]:
    names = {s.name for s in specs}
    if not rows:
        return []
    columns = {i: _field_of(title, names) for i, title in enumerate(rows[0])}
    return [(n, {columns[i]: v for i, v in enumerate(row) if columns.get(i) and v not in (None, "")})
            for n, row in enumerate(rows[1:], start=2) if any(v not in (None, "") for v in row)]


def _field_of(title: Any, names: set[str]) -> str | None:
    """'订单编号 orderNo' or 'orderNo' -> 'orderNo'."""
    words = str(title or "").split()
    return next((w for w in reversed(words) if w in names), None)


def _assemble(heads: list[tuple[int, dict[str, Any]]], lines: list[tuple[int, dict[str, Any]]], key: str,
              list_key: str, line_names: set[str]) -> ReadResult:
    result = ReadResult()
    by_key: dict[str, dict[str, Any]] = {}
    for row, values in heads:
        number = str(values.get(key) or "").strip()
        if (not number and list_key) or (number and number in by_key):
            result.problems.append(RowProblem(HEADS, row, key, f"{key} 为空或重复", f"{key} is empty or repeated"))
            continue
        document = {k: _text(v) for k, v in values.items()} | ({list_key: []} if list_key else {})
        by_key[number] = document
        result.documents.append(document)
        result.rows.append(row)
    for row, values in lines:
        owner = by_key.get(str(values.get(key) or "").strip())
        if owner is None:
            result.problems.append(RowProblem(LINES, row, key, f"表体行的 {key} 在表头中不存在",
                                              f"the line's {key} has no head row"))
            continue
        owner[list_key].append({k: _text(v) for k, v in values.items() if k in line_names})
    return result


def _text(value: Any) -> Any:
    """Numbers keep their exact decimal text; Excel floats go through their shortest repr."""
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return value if not isinstance(value, str) else value.strip()
