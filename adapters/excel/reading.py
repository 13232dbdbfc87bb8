"""Reading an uploaded .xlsx within bounds (#16 items 4 and 13): every import of a workbook (the declaration
templates, the drop folders, the code-list tables) goes through here.

A workbook is a zip of XML parts, and a few KB of it can claim anything: a sheet's dimension tag ``A1:XFD1048576``
makes openpyxl pad every row to 16,384 columns and the sheet to a million rows (30 minutes of CPU for 6 KB), a
part can inflate to gigabytes, a part can declare a DTD with entities. So, before openpyxl sees the file:

- the archive must be a zip whose parts unpack to at most ``Limits.unpacked`` bytes in at most ``Limits.parts``
  parts (the sizes a zip declares bound what Python's zipfile inflates);
- no XML part may declare a DTD (``<!DOCTYPE`` / ``<!ENTITY`` in its prolog): an Office file never has one;

and while reading, the dimension tag is never trusted: a sheet is read in openpyxl's read-only mode over the rows
actually present, its width is that of its header row (at most ``Limits.columns``), at most ``Limits.rows`` rows and
``Limits.cells`` cells, within ``Limits.seconds``. Whatever exceeds a bound, or is no readable workbook, raises
``SheetRefused`` with a message in Chinese and English that names the limit. Parsing is synchronous: web handlers
call it from a worker thread (sync endpoints), never on the event loop."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Row = tuple[Any, ...]
EXCEL_COLUMNS = 16_384  # XFD: the header row is read this wide (one row), to see a title beyond the bound
PROLOG_BYTES = 64 * 1024  # how far into a part its prolog (declaration, comments) may reach before its root element


@dataclass(frozen=True)
class Limits:
    rows: int = 100_000  # per sheet, the header included
    columns: int = 256  # the header's width (the largest template has fewer than 60 columns)
    cells: int = 2_000_000  # rows x width read, over the whole workbook
    unpacked: int = 64 * 1024 * 1024  # bytes of all parts once unzipped
    parts: int = 1_000
    seconds: float = 20.0  # opening and reading the whole workbook


LIMITS = Limits()


class SheetRefused(ValueError):
    """The file is no readable workbook, or exceeds a bound; ``rule`` names which, the message says it in zh and en."""

    def __init__(self, rule: str, message_zh: str, message_en: str):
        super().__init__(f"{message_zh} {message_en}")
        self.rule, self.message_zh, self.message_en = rule, message_zh, message_en


class Workbook:
    """An opened workbook: its sheet names, and the rows of a sheet, read within the limits."""

    def __init__(self, book: Any, limits: Limits, deadline: float):
        self._book, self.limits, self._deadline = book, limits, deadline
        self._cells = 0
        self.sheetnames: list[str] = list(book.sheetnames)

    def rows(self, sheet: str | int = 0) -> list[Row]:
        """The sheet's rows from row 1 (the header) to the last row present, each as wide as the header; an empty
        header reads as one column. Rows missing in the file come back empty (all None)."""
        limits = self.limits
        try:
            target = self._book.worksheets[sheet] if isinstance(sheet, int) else self._book[sheet]
            header = next(iter(target.iter_rows(min_row=1, max_row=1, max_col=EXCEL_COLUMNS, values_only=True)), ())
            width = max((i + 1 for i, v in enumerate(header) if v not in (None, "")), default=1)
            if width > limits.columns:
                raise SheetRefused("max_columns", f"工作表“{target.title}”超过{limits.columns}列",
                                   f"the sheet '{target.title}' has more than {limits.columns} columns")
            rows: list[Row] = []
            for row in target.iter_rows(min_row=1, max_row=limits.rows + 1, max_col=width, values_only=True):
                rows.append(tuple(row))
                self._cells += width
                if len(rows) > limits.rows:
                    raise SheetRefused("max_rows", f"工作表“{target.title}”超过{limits.rows}行，请拆分文件",
                                       f"the sheet '{target.title}' has more than {limits.rows} rows: split the file")
                if self._cells > limits.cells:
                    raise SheetRefused("max_cells", f"工作簿超过{limits.cells}个单元格，请拆分文件",
                                       f"the workbook has more than {limits.cells} cells: split the file")
                if len(rows) % 256 == 0:
                    self.check_time()
        except SheetRefused:
            raise
        except Exception as error:  # openpyxl raises many kinds for a damaged or foreign part
            raise unreadable(error) from error
        self.check_time()
        while rows and not any(v not in (None, "") for v in rows[-1]):
            rows.pop()  # trailing empty rows
        return rows

    def check_time(self) -> None:
        if time.monotonic() > self._deadline:
            raise SheetRefused("max_seconds", f"读取工作簿超过{self.limits.seconds:g}秒，请拆分或简化文件",
                               f"reading the workbook took longer than {self.limits.seconds:g} s: split or simplify "
                               "the file")


def unreadable(error: BaseException) -> SheetRefused:
    detail = f"{type(error).__name__}: {error}"[:300]
    return SheetRefused("readable", f"无法读取Excel文件：{detail}", f"not a readable .xlsx file: {detail}")


@contextmanager
def opened(data: bytes, limits: Limits | None = None) -> Iterator[Workbook]:
    """The workbook in ``data``, checked (zip, sizes, no DTD) before openpyxl opens it; closed on leaving. The
    limits are ``LIMITS`` unless given."""
    limits = limits or LIMITS
    deadline = time.monotonic() + limits.seconds
    check_archive(data, limits)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged or foreign file
        raise unreadable(error) from error
    try:
        opened_book = Workbook(book, limits, deadline)
        opened_book.check_time()
        yield opened_book
    finally:
        book.close()


def check_archive(data: bytes, limits: Limits | None = None) -> None:
    """A zip within the part and size bounds, none of whose XML parts declares a DTD."""
    limits = limits or LIMITS
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except Exception as error:  # not a zip, a damaged directory
        raise unreadable(error) from error
    if len(parts) > limits.parts:
        raise SheetRefused("max_parts", f"Excel文件包含超过{limits.parts}个部件",
                           f"the .xlsx file has more than {limits.parts} parts")
    unpacked = sum(p.file_size for p in parts)
    if unpacked > limits.unpacked:
        size = limits.unpacked // (1024 * 1024)
        raise SheetRefused("max_unpacked", f"Excel文件解压后超过{size}MB",
                           f"the .xlsx file unpacks to more than {size} MB")
    for part in parts:
        if part.is_dir():
            continue
        try:
            with archive.open(part) as stream:
                head = stream.read(PROLOG_BYTES)
        except Exception as error:  # a damaged or encrypted part
            raise unreadable(error) from error
        if declares_dtd(head):
            raise SheetRefused("dtd", f"Excel文件的部件 {part.filename[:100]} 含有DTD（DOCTYPE/实体），不予读取",
                               f"the .xlsx part {part.filename[:100]} declares a DTD (DOCTYPE or entities): refused")


def declares_dtd(head: bytes) -> bool:
    """Whether the XML prolog in ``head`` declares a DTD, or runs past ``head`` without reaching a root element (not
    decidable, so refused too); False for what is no XML (an image)."""
    text = _decoded(head)
    i, end = 0, len(text)
    while True:
        while i < end and text[i] in " \t\r\n\ufeff":
            i += 1
        if i >= end:
            return len(head) >= PROLOG_BYTES  # a prolog longer than we read
        if not text.startswith("<", i):
            return False  # no XML
        if text.startswith("<?", i) or text.startswith("<!--", i):
            terminator = "?>" if text[i + 1] == "?" else "-->"
            close = text.find(terminator, i + 2)
            if close < 0:
                return len(head) >= PROLOG_BYTES
            i = close + len(terminator)
            continue
        return text.startswith("<!", i)  # <!DOCTYPE, <!ENTITY ...; any other '<' is the root element


def _decoded(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", errors="replace")
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", errors="replace")
    return head.decode("utf-8", errors="replace")
