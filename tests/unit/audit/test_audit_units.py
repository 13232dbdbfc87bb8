"""B1, B2, B4 without I/O: state diffs, the chain's link, the SVG charts, the exporter."""

from __future__ import annotations

import io
import re
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from adapters.export import export_rows
from engine.audit.chain import GENESIS, link
from engine.audit.history import diff, flatten, shown
from ui import charts


def test_a_nested_document_flattens_to_dotted_paths_and_diffs_field_by_field():
    before = flatten({"status": "declared", "document": {"orderList": [{"itemName": "奶粉", "qty": Decimal(2)}]}})
    after = flatten({"status": "120", "document": {"orderList": [{"itemName": "奶粉", "qty": Decimal(3)}]},
                     "status_time": "20260105110000000"})
    changes = {c.path: (c.before, c.after) for c in diff(before, after)}
    assert changes == {"status": ("declared", "120"), "document.orderList.1.qty": ("2", "3"),
                       "status_time": (None, "20260105110000000")}


def test_secrets_are_only_said_to_change():
    before, after = flatten({"password_hash": "$argon2$old"}), flatten({"password_hash": "$argon2$new"})
    [change] = diff(before, after)
    assert change.path == "password_hash" and "argon2" not in f"{change.before}{change.after}"
    assert "argon2" not in str(shown(after))


def test_buyers_id_numbers_and_phones_follow_the_documents_mask_unless_whole_and_secrets_never_show():
    state = flatten({"document": {"buyerIdNumber": "330102199001011234", "buyerTelephone": "13800005678"},
                     "xml": "<ceb:buyerIdNumber>330102199001011234</ceb:buyerIdNumber>", "password_hash": "$x"})
    masked = shown(state)
    assert masked["document.buyerIdNumber"] == "330***********1234" and masked["document.buyerTelephone"] == \
        "138****5678" and "330102199001011234" not in masked["xml"]
    whole = shown(state, whole=True)
    assert whole["document.buyerIdNumber"] == "330102199001011234"
    assert whole["password_hash"] != "$x"


def test_the_chain_hash_covers_every_field_and_the_previous_hash():
    base = dict(notification_id=7, originator_id=UUID(int=1), version=2, topic="a:B.C", state=b"{}")
    first = link(GENESIS, **base)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    for name, other in (("notification_id", 8), ("originator_id", UUID(int=2)), ("version", 3), ("topic", "a:B.D"),
                        ("state", b"{ }")):
        assert link(GENESIS, **(base | {name: other})) != first, name
    assert link(first, **base) != first


def test_a_bar_chart_names_each_bar_and_its_value():
    svg = str(charts.bar_chart([("CEB312 120", 3), ("退单", 1)], "回执", "chart-x"))
    assert svg.startswith("<svg") and 'id="chart-x"' in svg
    assert re.findall(r'aria-label="([^"]+)"><title>', svg) == ["CEB312 120: 3", "退单: 1"]


def test_stacked_columns_stack_series_per_category_on_a_round_scale():
    svg = str(charts.stacked_columns(["2026-01-05", "2026-01-06"], [("120", [20, 0]), ("100", [1, 2])], "t", "c"))
    assert svg.count('class="bar"') == 3  # zero values draw nothing
    assert 'aria-label="2026-01-05 · 120: 20"' in svg and ">25</text>" in svg
    assert charts.nice_scale(21) == (25, 5) and charts.nice_scale(0) == (1, 1)


def test_every_format_opens_again_with_its_reader():
    import openpyxl
    import pyarrow.parquet as pq

    rows = [{"no": "A1", "n": 3, "paid": Decimal("1.50"), "at": datetime(2026, 1, 5, 10, 0)}, {"no": "中文", "n": None}]
    csv_file = export_rows(rows, ["no", "n"], "csv", "x", headers=["编号", "数量"])
    assert csv_file.content.decode("utf-8-sig").splitlines() == ["编号,数量", "A1,3", "中文,"]
    sheet = openpyxl.load_workbook(io.BytesIO(export_rows(rows, ["no", "n", "paid"], "xlsx", "x").content)).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [["no", "n", "paid"], ["A1", 3, 1.5],
                                                                      ["中文", None, None]]
    table = pq.read_table(io.BytesIO(export_rows(rows, ["no", "n", "at"], "parquet", "x").content))
    assert table.column("no").to_pylist() == ["A1", "中文"] and table.column("n").to_pylist() == [3, None]
