"""I3, X1: batch import of import orders from the Excel template, with a report per bad row, and export."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from adapters.excel.documents import HEADS, LINES
from tests.conftest import login
from ui.app import create_app


@pytest.fixture
def client(make_platform):
    platform = make_platform(demo_users=True)
    test_client = TestClient(create_app(platform), base_url="https://testserver")
    test_client.platform = platform
    login(test_client, "ecom")
    return test_client


def filled_template(client, order_nos: list[str], break_row: str = "", orphan: bool = False) -> bytes:
    """The downloaded template with its example order copied under new order numbers."""
    book = load_workbook(io.BytesIO(client.get("/declarant/import/orders/template.xlsx").content))
    heads, lines = book[HEADS], book[LINES]
    head_example = [c.value for c in heads[2]]
    line_examples = [[c.value for c in row] for row in lines.iter_rows(min_row=2)]
    heads.delete_rows(2)
    lines.delete_rows(2, len(line_examples))
    titles = [c.value for c in heads[1]]
    for number in order_nos:
        row = list(head_example)
        row[titles.index("订单编号 orderNo")] = number
        if number == break_row:
            row[titles.index("实际支付金额 acturalPaid")] = "1"
        heads.append(row)
        for line in line_examples:
            lines.append([number, *line[1:]])
    if orphan:
        lines.append(["NO-SUCH-ORDER", *line_examples[0][1:]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, keep_good: bool = False):
    return client.post("/declarant/import/orders", files={"file": ("orders.xlsx", data, "application/octet-stream")},
                       data={"keep_good": "1"} if keep_good else {})


def order_numbers(client) -> set[str]:
    client.platform.customs.orders_view.run_once()
    found = client.get("/api/import/orders", params={"q": "XL", "per_page": 100}).json()["items"]
    return {i["order_no"] for i in found}


def test_the_template_has_heads_and_lines_with_chinese_column_names(client):
    book = load_workbook(io.BytesIO(client.get("/declarant/import/orders/template.xlsx").content))
    assert book.sheetnames == [HEADS, LINES]
    assert "订单编号 orderNo" in [c.value for c in book[HEADS][1]]
    assert [c.value for c in book[LINES][1]][:2] == ["订单编号 orderNo", "商品序号 gnum"]


def test_a_filled_template_declares_every_order(client):
    response = upload(client, filled_template(client, ["XL-1", "XL-2", "XL-3"]))
    assert response.status_code == 200
    assert "已申报 3 张" in response.text
    assert order_numbers(client) == {"XL-1", "XL-2", "XL-3"}


def test_bad_rows_are_reported_and_nothing_of_the_file_is_stored(client):
    response = upload(client, filled_template(client, ["XL-4", "XL-5"], break_row="XL-5", orphan=True))
    assert response.status_code == 422
    assert "acturalPaid" in response.text and "NO-SUCH-ORDER" not in order_numbers(client)
    assert "表体 lines" in response.text  # the orphan line is reported with its sheet
    assert order_numbers(client) == set()


def test_the_good_orders_can_be_kept(client):
    response = upload(client, filled_template(client, ["XL-6", "XL-7"], break_row="XL-7"), keep_good=True)
    assert "已申报 1 张" in response.text
    assert order_numbers(client) == {"XL-6"}


def test_a_file_that_is_not_the_template_gets_a_clear_error(client):
    response = upload(client, b"not a workbook")
    assert response.status_code == 422 and "xlsx" in response.text


def test_the_exported_workbook_reads_back_as_the_same_orders(client):
    upload(client, filled_template(client, ["XL-8", "XL-9"]))
    client.platform.customs.orders_view.run_once()
    exported = client.get("/declarant/export/orders.xlsx", params={"q": "XL"})
    book = load_workbook(io.BytesIO(exported.content))
    titles = [c.value for c in book[HEADS][1]]
    numbers = {row[titles.index("订单编号 orderNo")] for row in book[HEADS].iter_rows(min_row=2, values_only=True)}
    assert numbers == {"XL-8", "XL-9"}
    assert book[LINES].max_row == 1 + 4  # two lines each
