"""Excel templates of declarations with a head and lines (订单 CEB311 ...): one sheet for heads, one for
lines, Chinese column names with the XSD field name (``订单编号 orderNo``), so a filled template reads back
into the platform's JSON shape. Lines are tied to their head by the key column (orderNo). Documents without lines
(支付单 CEB411 ...) have the heads sheet only, and their key may be left empty (the platform numbers them)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from . import reading

HEADS, LINES = "表头 heads", "表体 lines"
CODES = "代码表"  # the hidden sheet holding the dropdowns' lists
REASON = "错误原因"  # the error report's last column; no field's name, so a re-upload ignores it
BAD_FILL = "FFC7CE"  # Excel's own light red of "bad" cells
EXCEL_ROWS = 1_048_576
CHOOSE = "请从下拉列表选择，或填写代码 choose from the list, or enter the code"


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
    line_rows: list[list[int]] = field(default_factory=list)  # the lines-sheet rows of each document, in order
    uploaded: dict[str, list[reading.Row]] = field(default_factory=dict)  # each sheet as read, its header first


@dataclass(frozen=True)
class ColumnHelp:
    """What a template says about one column: the rule (a comment on its header cell), a dropdown of the codes it
    takes (held on the hidden sheet CODES, so a list of hundreds of entries works where Excel's inline lists stop
    at 255 characters), or, where the list is too long for a dropdown, an input message saying where to look."""

    comment: str = ""
    choices: tuple[str, ...] = ()
    prompt: str = ""
    list_title: str = ""  # the CODES sheet's column title for the choices (the code list's name)


@dataclass
class ReportRow:
    """One row of an error report: the uploaded row (sheet, row number), why it was refused, and the reason per bad
    cell (field name -> text) for the cell's comment."""

    sheet: str
    row: int
    reasons: list[str] = field(default_factory=list)
    cells: dict[str, list[str]] = field(default_factory=dict)


def _title(spec: Field) -> str:
    return f"{spec.label_zh or spec.name} {spec.name}"


def template(head: Sequence[Field], lines: Sequence[Field], key: str, list_key: str,
             examples: Sequence[dict[str, Any]] = (), helps: Mapping[str, ColumnHelp] | None = None) -> bytes:
    """An empty (or example-filled) workbook of this document type; ``helps`` (by field name) adds the rule comments,
    dropdowns and input messages of an import template."""
    book, sheets = _book(head, lines, key, helps or {})
    heads = sheets[0][0]
    for document in examples:
        heads.append([_cell(document.get(s.name)) for s in head])
        for line_sheet, _ in sheets[1:]:
            for line in document.get(list_key) or []:
                line_sheet.append([_cell(document.get(key))] + [_cell(line.get(s.name)) for s in lines])
    return _saved(book, sheets)


def _book(head: Sequence[Field], lines: Sequence[Field], key: str,
          helps: Mapping[str, ColumnHelp]) -> tuple[Any, list[tuple[Any, list[Field]]]]:
    """The workbook with its header rows (bold where required), and the help of each column."""
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
    if helps:
        _helped(book, sheets, helps)
    return book, sheets


def _helped(book: Any, sheets: list[tuple[Any, list[Field]]], helps: Mapping[str, ColumnHelp]) -> None:
    """Header comments, dropdowns (list validations over ranges of the hidden CODES sheet) and input messages."""
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter

    ranges = _code_sheet(book, helps)
    for sheet, specs in sheets:
        for column, spec in enumerate(specs, start=1):
            help_ = helps.get(spec.name)
            if help_ is None:
                continue
            if help_.comment:
                sheet.cell(1, column).comment = Comment(help_.comment, "cbec", width=320, height=160)
            validation = _validation(spec, help_, ranges.get(spec.name, ""))
            if validation is not None:
                letter = get_column_letter(column)
                validation.add(f"{letter}2:{letter}{EXCEL_ROWS}")
                sheet.add_data_validation(validation)


def _validation(spec: Field, help_: ColumnHelp, codes_range: str) -> Any:
    """A dropdown over ``codes_range`` (a warning, not a stop, for a value typed in: the bare code is read as well,
    and an incomplete list may lack a real code), or an input message alone; None when the column has neither."""
    from openpyxl.worksheet.datavalidation import DataValidation

    title = (spec.label_zh or spec.name)[:32]
    if codes_range:
        return DataValidation(type="list", formula1=codes_range, allow_blank=True, errorStyle="warning",
                              showErrorMessage=True, showInputMessage=bool(help_.prompt), errorTitle=title,
                              error=CHOOSE, promptTitle=title, prompt=help_.prompt[:255] or None)
    if help_.prompt:
        return DataValidation(allow_blank=True, showInputMessage=True, promptTitle=title, prompt=help_.prompt[:255])
    return None


def _code_sheet(book: Any, helps: Mapping[str, ColumnHelp]) -> dict[str, str]:
    """The hidden CODES sheet, one column per list of choices; the range formula of each field's list."""
    from openpyxl.utils import get_column_letter

    with_choices = {name: h for name, h in helps.items() if h.choices}
    if not with_choices:
        return {}
    codes = book.create_sheet(CODES)
    codes.sheet_state = "hidden"
    columns: dict[tuple[str, ...], str] = {}
    ranges: dict[str, str] = {}
    for name, help_ in with_choices.items():
        if help_.choices not in columns:
            column = len(columns) + 1
            letter = get_column_letter(column)
            codes.cell(1, column, help_.list_title or name)
            for row, choice in enumerate(help_.choices, start=2):
                codes.cell(row, column, choice)
            columns[help_.choices] = f"'{CODES}'!${letter}$2:${letter}${len(help_.choices) + 1}"
        ranges[name] = columns[help_.choices]
    from adapters.export.tabular import quote_prefix

    quote_prefix(codes, min_row=1)
    return ranges


def _saved(book: Any, sheets: list[tuple[Any, list[Field]]]) -> bytes:
    for sheet, _ in sheets:
        _as_text(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def error_report(result: ReadResult, head: Sequence[Field], lines: Sequence[Field], key: str,
                 rows: Sequence[ReportRow], helps: Mapping[str, ColumnHelp] | None = None,
                 reason_title: str = REASON) -> bytes:
    """错误报告: the refused rows as they were uploaded, under the template's columns (so the fixed file is uploaded
    again as it is), each with its reasons in a last column, the bad cells filled and commented."""
    from openpyxl.styles import Font

    book, sheets = _book(head, lines, key, helps or {})
    for sheet, specs in sheets:
        reason = sheet.cell(1, len(specs) + 1, reason_title)
        reason.font = Font(bold=True, color="9C0006")
        uploaded = result.uploaded.get(sheet.title) or [()]
        columns = _columns_of(uploaded[0], specs)
        for report_row in (r for r in rows if r.sheet == sheet.title):
            values = uploaded[report_row.row - 1] if 0 < report_row.row <= len(uploaded) else ()
            sheet.append([_value_at(values, columns.get(s.name)) for s in specs] + ["；".join(report_row.reasons)])
            _mark(sheet, sheet.max_row, specs, report_row.cells)
    return _saved(book, sheets)


def _columns_of(header: reading.Row, specs: Sequence[Field]) -> dict[str, int]:
    """Where each field was in the uploaded sheet (its header cells end with the field name)."""
    names = {s.name for s in specs}
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        name = _field_of(title, names)
        if name and name not in found:
            found[name] = index
    return found


def _value_at(values: reading.Row, index: int | None) -> Any:
    return values[index] if index is not None and index < len(values) else None


def _mark(sheet: Any, row: int, specs: Sequence[Field], cells: Mapping[str, list[str]]) -> None:
    """The fill and the comment of each bad cell of a report row."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    fill = PatternFill("solid", fgColor=BAD_FILL)
    for column, spec in enumerate(specs, start=1):
        if spec.name in cells:
            cell = sheet.cell(row, column)
            cell.fill = fill
            cell.comment = Comment("\n".join(cells[spec.name])[:2000], "cbec", width=320, height=120)


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
            uploaded = {HEADS: book.rows(HEADS)} | ({LINES: book.rows(LINES)} if lines else {})
    except reading.SheetRefused as refused:
        raise WorkbookError(str(refused)) from refused
    head_rows = _rows(uploaded[HEADS], head)
    line_rows = _rows(uploaded[LINES], [*head, *lines]) if lines else []
    result = _assemble(head_rows, line_rows, key, list_key if lines else "", {s.name for s in lines})
    result.uploaded = uploaded
    return result


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
        result.line_rows.append([])
    index_of = {id(d): i for i, d in enumerate(result.documents)}
    for row, values in lines:
        owner = by_key.get(str(values.get(key) or "").strip())
        if owner is None:
            result.problems.append(RowProblem(LINES, row, key, f"表体行的 {key} 在表头中不存在",
                                              f"the line's {key} has no head row"))
            continue
        owner[list_key].append({k: _text(v) for k, v in values.items() if k in line_names})
        result.line_rows[index_of[id(owner)]].append(row)
    return result


def _text(value: Any) -> Any:
    """Numbers keep their exact decimal text; Excel floats go through their shortest repr."""
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return value if not isinstance(value, str) else value.strip()
