"""The Excel workbooks of declarations the consoles hand out and take in (I3-I11, X1, E1-E10, I7): a document type's
template (empty but for an example), a filtered list written as a filled template, and a filled template read back
into documents with the problems of its rows. adapters/excel/documents.py reads and writes the files."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.excel import documents as workbook

MAX_BYTES = 20 * 1024 * 1024  # the largest workbook an import reads
Problem = tuple[str, int, str, str, str, str]  # (sheet, row, document number, field, message zh, message en)


class WorkbookRefused(ValueError):
    """The file is too large or is no workbook of this template; the message (zh and en) says why."""


@dataclass(frozen=True)
class ImportedWorkbook:
    """The documents of a filled template, the heads-sheet row of each, and the rows that belong to none."""

    documents: list[dict[str, Any]]
    rows: list[int]
    problems: list[workbook.RowProblem]

    def report(self, outcomes: Iterable[Any], number: Callable[[Any], str]) -> list[Problem]:
        """One line per problem for the import page: the file's own rows first, then every error of the declared or
        saved documents (``outcomes``, each with its ``index`` and ``errors``) on its document's heads-sheet row,
        numbered by ``number(outcome)``."""
        lines: list[Problem] = [(p.sheet, p.row, "", p.field, p.message_zh, p.message_en) for p in self.problems]
        return lines + [(workbook.HEADS, self.rows[o.index], number(o), e.field, e.message_zh, e.message_en)
                        for o in outcomes for e in o.errors]


def template(head: Sequence[workbook.Field], lines: Sequence[workbook.Field], key: str, list_key: str,
             documents: Sequence[dict[str, Any]] = ()) -> bytes:
    """The .xlsx of a document type: heads sheet (``head`` columns), lines sheet (``key`` then ``lines``) when the
    type has lines, filled with ``documents`` (an example, or the list being exported)."""
    return workbook.template(head, lines, key, list_key, documents)


def read(data: bytes, head: Sequence[workbook.Field], lines: Sequence[workbook.Field], key: str,
         list_key: str) -> ImportedWorkbook:
    """The documents of an uploaded template; WorkbookRefused when it is larger than MAX_BYTES or unreadable."""
    if len(data) > MAX_BYTES:
        raise WorkbookRefused("文件超过20MB the file is larger than 20 MB")
    try:
        read = workbook.read(data, head, lines, key, list_key)
    except workbook.WorkbookError as error:
        raise WorkbookRefused(str(error)) from error
    return ImportedWorkbook(read.documents, read.rows, read.problems)
