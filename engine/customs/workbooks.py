"""The Excel workbooks of declarations the consoles hand out and take in (I3-I11, X1, E1-E10, I7): a document type's
template (empty but for an example), a filtered list written as a filled template, a filled template read back
into documents with the problems of its rows, and the error report of an import (#18). adapters/excel/documents.py
reads and writes the files.

What users of Chinese customs consoles expect of a template (#18): a dropdown on each coded column whose list is
short enough to pick from (币制, 国别, 计量单位, 证件类型, 运输方式, 监管方式, 关区 ...), written as "code-name"
("142-人民币") from the platform's code lists (海关参数, so an imported official list shows), and read back as the
bare code; an input message saying where to look on a column whose list is too long (海关商品编码, 11,827 codes);
and a comment on every header cell with the field's rule (required, length, format)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from adapters.excel import documents as workbook
from domain.reference.entry import Entry
from domain.reference.lists import LISTS
from domain.reference.rules import PROFILES
from domain.shared.formats import format_of
from domain.shared.rules import FieldError

MAX_BYTES = 20 * 1024 * 1024  # the largest workbook an import reads
DROPDOWN_MAX = 1_000  # a list longer than this gets an input message instead of a dropdown (HS codes: 11,827)
# lists never offered as a dropdown: the enterprises that declare (申报单位) are thousands, the platform knowing few
NO_DROPDOWN = frozenset({"declaring_units"})
Problem = tuple[str, int, str, str, str, str]  # (sheet, row, document number, field, message zh, message en)
LINE_PATH = re.compile(r"(\w+)\[(\d+)\]\.(\w+)")
CODE_NAME = re.compile(r"([^\s-]+)\s*-.*", re.S)  # "142-人民币" -> 142: codes never hold a hyphen


def _coded_fields() -> dict[str, str]:
    """Field name -> the code list its values come from, as the code rules check them (every message's profile);
    one name means one list wherever it appears (currency is a currency in a waybill too)."""
    coded: dict[str, str] = {}
    for profile in PROFILES.values():
        for code_field in (*profile.head, *profile.line_fields):
            coded.setdefault(code_field.name, code_field.list_name)
    return coded


CODED = _coded_fields()
# fields whose few values the specification names (formats.py enum), with the names users know them by
ENUM_NAMES: dict[str, dict[str, str]] = {"appType": {"1": "新增", "2": "变更", "3": "删除"},
                                         "appStatus": {"1": "暂存", "2": "申报"},
                                         "ieFlag": {"I": "进口", "E": "出口"}}


class WorkbookRefused(ValueError):
    """The file is too large or is no workbook of this template; the message (zh and en) says why."""


class Codes(Protocol):
    """What the templates read of the code lists (the reference index)."""

    def entries(self, list_name: str) -> list[Entry]: ...


@dataclass(frozen=True)
class ImportedWorkbook:
    """The documents of a filled template, the heads-sheet row of each, and the rows that belong to none; ``read``
    keeps the file as uploaded for its error report."""

    documents: list[dict[str, Any]]
    rows: list[int]
    problems: list[workbook.RowProblem]
    read: workbook.ReadResult = field(default_factory=workbook.ReadResult, repr=False)

    def report(self, outcomes: Iterable[Any], number: Callable[[Any], str]) -> list[Problem]:
        """One line per problem for the import page: the file's own rows first, then every error of the declared or
        saved documents (``outcomes``, each with its ``index`` and ``errors``) on its document's heads-sheet row,
        numbered by ``number(outcome)``."""
        lines: list[Problem] = [(p.sheet, p.row, "", p.field, p.message_zh, p.message_en) for p in self.problems]
        return lines + [(workbook.HEADS, self.rows[o.index], number(o), e.field, e.message_zh, e.message_en)
                        for o in outcomes for e in o.errors]


def template(head: Sequence[workbook.Field], lines: Sequence[workbook.Field], key: str, list_key: str,
             documents: Sequence[dict[str, Any]] = (), codes: Codes | None = None, on: date | None = None) -> bytes:
    """The .xlsx of a document type: heads sheet (``head`` columns), lines sheet (``key`` then ``lines``) when the
    type has lines, filled with ``documents`` (an example, or the list being exported). With ``codes`` (an import
    template) the header comments, dropdowns and input messages of `helps`."""
    helps = column_helps([*head, *lines], codes, on) if codes is not None else None
    return workbook.template(head, lines, key, list_key, documents, helps)


def column_helps(specs: Iterable[Any], codes: Codes, on: date | None = None) -> dict[str, workbook.ColumnHelp]:
    """Per field: the rule as a header comment, the dropdown of its code list (codes valid ``on``) when the list is
    short, else an input message naming where to look it up."""
    helps: dict[str, workbook.ColumnHelp] = {}
    for spec in specs:
        choices, title, prompt = _choices(spec.name, codes, on)
        helps[spec.name] = workbook.ColumnHelp(rule_comment(spec), choices, prompt, title)
    return helps


def _choices(name: str, codes: Codes, on: date | None) -> tuple[tuple[str, ...], str, str]:
    """(choices, their list's title, input message) of one field."""
    if name in ENUM_NAMES:
        return tuple(f"{c}-{n}" for c, n in ENUM_NAMES[name].items()), name, ""
    list_name = CODED.get(name)
    if list_name is None:
        return (), "", ""
    spec = LISTS[list_name]
    entries = sorted((e for e in codes.entries(list_name) if on is None or e.valid_on(on)), key=lambda e: e.code)
    if not entries or len(entries) > DROPDOWN_MAX or list_name in NO_DROPDOWN:
        return (), "", (f"请在“海关参数 > {spec.zh}”中查找代码（{spec.code_hint}）"
                        f" Look the code up under Reference data > {spec.en}")
    return tuple(f"{e.code}-{e.name_zh}" if e.name_zh else e.code for e in entries), spec.zh, ""


def rule_comment(spec: Any) -> str:
    """The header cell's comment: required or not, length, number digits, format, code list, in zh and en."""
    parts = ["必填 required" if spec.required else "选填 optional"]
    if spec.length:
        parts.append(f"长度{spec.length}位 exactly {spec.length} characters")
    elif spec.max_length:
        parts.append(f"最多{spec.max_length}个字符 at most {spec.max_length} characters")
    if spec.kind in ("decimal", "int"):
        parts.append(_number_rule(spec))
    shape = format_of(spec.name)
    if shape is not None:
        example = f"，例如 {shape.example} e.g. {shape.example}" if shape.example else ""
        parts.append(f"格式 {shape.shape_zh} format {shape.shape_en}{example}")
    if spec.name in CODED:
        listed = LISTS[CODED[spec.name]]
        parts.append(f"代码表：{listed.zh} code list: {listed.en}（可填“代码-名称”或代码 'code-name' or the code）")
    return "\n".join(parts)


def _number_rule(spec: Any) -> str:
    if spec.kind == "int":
        return "整数 a whole number"
    decimals = spec.fraction_digits
    return (f"数字，最多{decimals}位小数 a number, at most {decimals} decimals" if decimals is not None
            else "数字 a number")


def read(data: bytes, head: Sequence[workbook.Field], lines: Sequence[workbook.Field], key: str,
         list_key: str) -> ImportedWorkbook:
    """The documents of an uploaded template, codes picked from a dropdown ("142-人民币") read as the bare code;
    WorkbookRefused when it is larger than MAX_BYTES or unreadable."""
    if len(data) > MAX_BYTES:
        raise WorkbookRefused("文件超过20MB the file is larger than 20 MB")
    try:
        result = workbook.read(data, head, lines, key, list_key)
    except workbook.WorkbookError as error:
        raise WorkbookRefused(str(error)) from error
    for document in result.documents:
        _bare_codes(document)
        for line in document.get(list_key) or []:
            _bare_codes(line)
    return ImportedWorkbook(result.documents, result.rows, result.problems, result)


def _bare_codes(values: dict[str, Any]) -> None:
    for name, value in values.items():
        if (name in CODED or name in ENUM_NAMES) and isinstance(value, str):
            match = CODE_NAME.fullmatch(value)
            if match is not None:
                values[name] = match.group(1)


def error_report(imported: ImportedWorkbook, outcomes: Iterable[Any], head: Sequence[workbook.Field],
                 lines: Sequence[workbook.Field], key: str, list_key: str, lang: str = "zh-CN",
                 codes: Codes | None = None) -> bytes:
    """错误报告 (#18): the refused rows as uploaded, with the template's columns, dropdowns and comments, a 错误原因
    column naming field and rule of each error (``lang``), the bad cells filled and commented: the user fixes it and
    uploads it again. A refused document comes with all its lines, so it is read back whole."""
    helps = column_helps([*head, *lines], codes) if codes is not None else None
    rows = report_rows(imported, outcomes, list_key, lang)
    title = workbook.REASON if lang != "en" else f"{workbook.REASON} Errors"
    return workbook.error_report(imported.read, head, lines, key, rows, helps, title)


def report_rows(imported: ImportedWorkbook, outcomes: Iterable[Any], list_key: str,
                lang: str = "zh-CN") -> list[workbook.ReportRow]:
    """The rows of the error report, by sheet and row as uploaded: the file's own problems, then each refused
    document's head row (every error of the document) and its line rows (their own errors)."""
    found: dict[tuple[str, int], workbook.ReportRow] = {}

    def row(sheet: str, number: int) -> workbook.ReportRow:
        return found.setdefault((sheet, number), workbook.ReportRow(sheet, number))

    for problem in imported.problems:
        _note(row(problem.sheet, problem.row), problem.field,
              problem.message_en if lang == "en" else problem.message_zh)
    for outcome in outcomes:
        if outcome.errors:
            _note_document(imported, outcome.index, outcome.errors, list_key, lang, row)
    return sorted(found.values(), key=lambda r: (r.sheet != workbook.HEADS, r.row))


def _note_document(imported: ImportedWorkbook, index: int, errors: Sequence[FieldError], list_key: str, lang: str,
                   row: Callable[[str, int], workbook.ReportRow]) -> None:
    head_row = row(workbook.HEADS, imported.rows[index])
    line_rows = imported.read.line_rows[index] if index < len(imported.read.line_rows) else []
    for number in line_rows:
        row(workbook.LINES, number)
    for error in errors:
        text = reason(error, lang)
        match = LINE_PATH.fullmatch(error.field)
        line = int(match.group(2)) if match and match.group(1) == list_key else 0
        if match and 0 < line <= len(line_rows):
            _note(row(workbook.LINES, line_rows[line - 1]), match.group(3), text)
            head_row.reasons.append(text)
        else:
            _note(head_row, error.field, text)


def _note(report_row: workbook.ReportRow, cell: str, text: str) -> None:
    """A reason on the row, and on the cell of field ``cell`` (no cell when no column has that name)."""
    report_row.reasons.append(text)
    report_row.cells.setdefault(cell, []).append(text)


def reason(error: FieldError, lang: str = "zh-CN") -> str:
    """One error as the report says it: the field, the rule, the message and what to do."""
    fix = error.fix(lang)
    if lang == "en":
        return f"{error.field} [{error.rule}]: {error.message_en}" + (f" ({fix})" if fix else "")
    return f"{error.field}【{error.rule}】：{error.message_zh}" + (f"（{fix}）" if fix else "")
