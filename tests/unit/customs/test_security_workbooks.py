"""#16 items 4 and 13: an uploaded workbook is read within bounds (rows, columns, cells, unpacked size, time) and
never trusted for its dimension tag; a DTD in any of its parts is refused with a clear message, not a 500."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable

import pytest

from adapters.excel import documents as workbook
from adapters.excel import reading
from adapters.reference import tables
from domain.reference.lists import LISTS
from engine.customs import examples, workbooks
from engine.customs.api_json import plain
from engine.customs.catalog import Catalog

SHEET = "xl/worksheets/sheet1.xml"
catalog = Catalog()


def payments_template(documents=()) -> bytes:
    head, _ = catalog.specs("CEB411")
    return workbook.template(head, [], "payTransactionId", "", list(documents))


def read_payments(data: bytes) -> workbooks.ImportedWorkbook:
    head, _ = catalog.specs("CEB411")
    return workbooks.read(data, head, [], "payTransactionId", "")


def rezip(data: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    """The same workbook with its parts passed through ``change(name, content)``."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return out.getvalue()


def with_dimension(data: bytes, ref: str) -> bytes:
    """The attack of item 4: the first sheet claims ``ref`` as its used range (a few KB of file)."""
    return rezip(data, lambda name, content: re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(),
                                                    content) if name == SHEET else content)


def with_doctype(data: bytes, part: str = SHEET, entity: str = '<!ENTITY x "boom">') -> bytes:
    """The attack of item 13: a part that declares a DTD (with an entity) before its root element."""
    def change(name: str, content: bytes) -> bytes:
        if name != part:
            return content
        declaration = b'<?xml version="1.0" encoding="UTF-8"?>\n' if not content.startswith(b"<?xml") else b""
        root = content.index(b"<", content.index(b"?>") + 2) if content.startswith(b"<?xml") else 0
        return declaration + content[:root] + f"<!DOCTYPE worksheet [{entity}]>".encode() + content[root:]
    return rezip(data, change)


def with_rows(data: bytes, rows: int, columns: int = 1) -> bytes:
    """A sheet whose XML really holds ``rows`` rows of ``columns`` cells (compressed, a small file)."""
    cells = "".join(f'<c r="{_letter(c)}{{n}}" t="inlineStr"><is><t>v</t></is></c>' for c in range(1, columns + 1))
    body = "".join(f'<row r="{n}">{cells.format(n=n)}</row>' for n in range(2, rows + 2)).encode()
    return rezip(data, lambda name, content: content.replace(b"</sheetData>", body + b"</sheetData>")
                 if name == SHEET else content)


def _letter(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def test_a_sheet_claiming_the_whole_grid_is_read_in_its_used_range_only():
    """Item 4: `A1:XFD8000` froze the server 14 s, `A1:XFD1048576` about 30 minutes; the dimension is not trusted."""
    good = payments_template([plain(examples.purchase("DIM1")["payment"])])
    for ref in ("A1:XFD8000", "A1:XFD1048576"):
        hostile = with_dimension(good, ref)
        assert len(hostile) < 10_000
        started = time.monotonic()
        read = read_payments(hostile)
        assert time.monotonic() - started < 2
        assert [d["payTransactionId"] for d in read.documents] == ["PAYDIM1"]


def test_a_row_far_beyond_the_limit_is_refused_naming_the_limit():
    """A single cell at row 1,000,000 (missing rows padded by openpyxl) is refused quickly: rows are bounded."""
    hostile = rezip(payments_template(), lambda name, content: content.replace(
        b"</sheetData>", b'<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
        if name == SHEET else content)
    started = time.monotonic()
    with pytest.raises(workbooks.WorkbookRefused, match=f"{reading.LIMITS.rows}") as refused:
        read_payments(hostile)
    assert time.monotonic() - started < 5
    assert "行" in str(refused.value) and "rows" in str(refused.value)


def test_rows_columns_and_cells_are_bounded_with_a_message_in_zh_and_en():
    small = reading.Limits(rows=50, columns=30, cells=10_000)
    data = with_rows(payments_template(), 60)
    with pytest.raises(reading.SheetRefused) as rows, reading.opened(data, small) as book:
        book.rows(0)
    assert rows.value.rule == "max_rows" and "50" in rows.value.message_zh and "50" in rows.value.message_en
    wide = rezip(payments_template(), lambda name, content: content.replace(
        b"</row>", b'<c r="AL1" t="inlineStr"><is><t>extra</t></is></c></row>', 1) if name == SHEET else content)
    with pytest.raises(reading.SheetRefused) as columns, reading.opened(wide, small) as book:
        book.rows(0)
    assert columns.value.rule == "max_columns" and "30" in columns.value.message_en
    few_cells = reading.Limits(rows=50, columns=30, cells=200)
    with pytest.raises(reading.SheetRefused) as cells, reading.opened(with_rows(payments_template(), 40),
                                                                      few_cells) as book:
        book.rows(0)
    assert cells.value.rule == "max_cells" and "200" in cells.value.message_zh


def test_reading_is_bounded_in_time():
    data = with_rows(payments_template(), 3000)
    with pytest.raises(reading.SheetRefused) as late, reading.opened(data, reading.Limits(seconds=0.0)) as book:
        book.rows(0)
    assert late.value.rule == "max_seconds" and "秒" in late.value.message_zh and " s" in late.value.message_en


def test_a_part_that_unpacks_beyond_the_bound_is_refused_before_openpyxl_reads_it():
    bomb = rezip(payments_template(), lambda name, content: content.replace(
        b"</worksheet>", b"<!--" + b" " * (3 * 1024 * 1024) + b"--></worksheet>") if name == SHEET else content)
    assert len(bomb) < 100_000
    with pytest.raises(reading.SheetRefused) as refused:
        reading.check_archive(bomb, reading.Limits(unpacked=1024 * 1024))
    assert refused.value.rule == "max_unpacked" and "MB" in refused.value.message_en


@pytest.mark.parametrize("part", [SHEET, "xl/workbook.xml", "[Content_Types].xml", "xl/styles.xml"])
def test_a_workbook_with_a_dtd_is_refused_clearly(part):
    """Item 13: a DTD (here with an entity, or an external one) in any part is a WorkbookRefused, never a 500."""
    for entity in ('<!ENTITY x "boom">', '<!ENTITY x SYSTEM "file:///etc/passwd">'):
        hostile = with_doctype(payments_template(), part, entity)
        with pytest.raises(workbooks.WorkbookRefused) as refused:
            read_payments(hostile)
        assert "DTD" in str(refused.value) and "refused" in str(refused.value) and "不予读取" in str(refused.value)


def test_a_dtd_after_a_long_prolog_or_in_utf16_is_still_seen():
    assert reading.declares_dtd(b'<?xml version="1.0"?><!-- a -->\n<!DOCTYPE a []><a/>')
    assert reading.declares_dtd('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a><a/>'.encode("utf-16"))
    assert reading.declares_dtd(b"<!--" + b" " * reading.PROLOG_BYTES)  # undecidable within the bound: refused
    assert not reading.declares_dtd(b'<?xml version="1.0"?>\n<a><!DOCTYPE in text?></a>')
    assert not reading.declares_dtd(b"\x89PNG\r\n")


def test_damaged_or_foreign_files_are_refused_as_unreadable():
    for data in (b"", b"PK\x03\x04 not really", b"hello", payments_template()[:2000]):
        with pytest.raises(workbooks.WorkbookRefused, match="not a readable .xlsx file"):
            read_payments(data)


def test_the_code_list_import_reads_within_the_same_bounds():
    """engine/reference/service.py + adapters/reference/tables.py: the same dimension attack and DTD are harmless."""
    spec = LISTS["countries"]
    template = tables.write_workbook(spec, [{"code": "116", "name_zh": "日本"}])
    started = time.monotonic()
    rows, columns = tables.read_table(spec, "c.xlsx", with_dimension(template, "A1:XFD1048576"))
    assert time.monotonic() - started < 2 and rows[0][1]["code"] == "116" and "code" in columns
    with pytest.raises(tables.TableError, match="DTD"):
        tables.read_table(spec, "c.xlsx", with_doctype(template))
    with pytest.raises(tables.TableError, match="20 MB"):
        tables.read_table(spec, "c.csv", b"code\n" + b"1\n" * (10 * 1024 * 1024 + 1))
    with pytest.raises(tables.TableError, match="UTF-8 nor GB18030"):
        tables.read_table(spec, "c.csv", b"code\n\x81\x20\xff\xfe")
    with pytest.raises(tables.TableError, match="malformed"):
        tables.read_table(spec, "c.csv", b"code\n" + b"1" * 200_000)


def test_a_workbook_of_chart_sheets_only_is_refused_not_a_500():
    from openpyxl import Workbook
    from openpyxl.chart import BarChart

    book = Workbook()
    book.create_chartsheet(workbook.HEADS, 0).add_chart(BarChart())
    book.remove(book.worksheets[0])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(workbooks.WorkbookRefused, match="not a readable .xlsx file"):
        read_payments(out.getvalue())
    with pytest.raises(tables.TableError, match="not a readable .xlsx file"):
        tables.read_table(LISTS["countries"], "c.xlsx", out.getvalue())
