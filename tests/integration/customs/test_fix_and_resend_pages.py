"""#18 on the pages a declarant reads while fixing a document: the 修改重报 form names the document it changes and
keeps its key fields read-only; detail pages show codes with their names, Chinese event names in the history and
no raw field path; forms and detail pages show the goods lines' total beside the declared amounts. The simulator
refuses documents whose note says MISTAKE (its reject-order fault)."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from engine.customs import examples
from engine.customs.amend import amendments
from engine.customs.api_json import plain
from tests.conftest import login
from ui.app import create_app


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    built = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("fix-pages") / "data",
                                              env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True,
                            faults="reject-order=MISTAKE")
    built.identity.enterprises.ensure_demo()
    ensure_demo(built.identity, built.identity.enterprises)
    yield built
    built.close()


@pytest.fixture(scope="module")
def ecom(platform):
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, "ecom", next_url="/account")
    return client


def refused_order(platform):
    order = platform.customs.import_orders.declare(
        examples.import_order(f"FP{uuid.uuid4().hex[:10].upper()}") | {"note": "MISTAKE"}, declared_by="ecom")
    platform.runner.run_until_idle()
    found = platform.store.repository.get(order.id)
    assert found.status == "100"
    return found


def test_the_modify_form_is_titled_with_the_document_and_keeps_its_key_fields_read_only(platform, ecom):
    order = refused_order(platform)
    page = ecom.get(f"/declarant/orders/{order.id}/modify").text
    title = re.search(r'<h1 id="form-title">([^<]+)<', page).group(1).strip()
    assert title == f"修改重报 订单 {order.order_no}" and "新增" not in title
    assert f"<title>修改重报 订单 {order.order_no}" in page
    for name in ("orderNo", "ebpCode"):
        assert re.search(rf'<input name="{name}" value="[^"]*" title="[^"]*" readonly', page), name
    assert not re.search(r'<input name="buyerName"[^>]*readonly', page)  # the rest is editable
    fresh = ecom.get("/declarant/inventories/new").text
    assert re.search(r'<h1 id="form-title">新增清单', fresh) and "readonly" not in fresh


def cell(page: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page).group(1).strip()


def test_document_pages_show_the_lines_total_beside_the_declared_amounts(platform, ecom):
    order = refused_order(platform)
    page = ecom.get(f"/declarant/orders/{order.order_no}?ebpCode={order.ebp_code}").text
    total = sum(line["totalPrice"] for line in order.document["orderList"])
    assert Decimal(cell(page, "lines-total")) == total
    assert Decimal(cell(page, "computed-goodsValue")) == total == Decimal(cell(page, "declared-goodsValue"))
    assert cell(page, "check-goodsValue") == "一致" and cell(page, "check-acturalPaid") == "一致"
    bought = examples.purchase(f"FT{uuid.uuid4().hex[:10].upper()}", buyer_id=examples.buyer_id(77))
    inventory = bought["inventory"]
    inventory["inventoryList"][1]["totalPrice"] = inventory["inventoryList"][1]["price"] * 2
    inventory["inventoryList"][1]["qty"] = 2
    stored = platform.customs.declarations["CEB621"].declare(inventory, declared_by="ecom")
    platform.customs.documents_view.run_once()
    page = ecom.get(f"/declarant/inventories/{stored.id}").text
    assert Decimal(cell(page, "lines-total")) == sum(line["totalPrice"] for line in inventory["inventoryList"])
    english = ecom.get(f"/declarant/inventories/{stored.id}?lang=en").text
    assert "Goods lines&#39; total" in english or "Goods lines' total" in english
    ecom.get("/declarant?lang=zh-CN")


def test_pages_show_codes_with_names_and_the_history_in_chinese(platform, ecom):
    order = refused_order(platform)
    values = {"note": "已更正"}
    amendments(platform).redeclare(platform.customs.declarations["CEB311"].doc_type, str(order.id),
                                   plain(order.document) | values, "备注填错", platform.identity.principal("ecom"))
    platform.runner.run_until_idle()
    page = ecom.get(f"/declarant/orders/{order.order_no}?ebpCode={order.ebp_code}").text
    assert '<td>122 <span class="code-name">罐</span></td>' in page  # the goods lines' unit and country
    assert '<td>601 <span class="code-name">澳大利亚</span></td>' in page
    events = re.findall(r'<td data-event="(\w+)">([^<]+)</td>', page)
    assert {("Declared", "申报"), ("Redeclared", "修改重报"), ("ReceiptApplied", "回执")} <= set(events)
    assert "Delivered" not in [name for _, name in events]
    assert '<span class="kv" data-key="reason">原因=备注填错</span>' in page
    assert '<span class="stage">订单回执</span>' in page
    english = ecom.get(f"/declarant/orders/{order.order_no}?ebpCode={order.ebp_code}&lang=en").text
    assert re.search(r'<td data-event="Redeclared">Modified and declared again</td>', english)
    ecom.get("/declarant?lang=zh-CN")
    bought = examples.purchase(f"CN{uuid.uuid4().hex[:10].upper()}", buyer_id=examples.buyer_id(78))
    inventory = platform.customs.declarations["CEB621"].declare(bought["inventory"], declared_by="ecom")
    platform.customs.documents_view.run_once()
    page = ecom.get(f"/declarant/inventories/{inventory.id}").text
    assert '<dd data-field="currency">142 <span class="code-name">人民币</span></dd>' in page
    assert re.search(r'<dd data-field="tradeMode">9610 <span class="code-name">[^<]+</span></dd>', page)


def test_error_lists_name_the_fields_in_chinese_and_keep_the_path_for_scripts(platform, ecom):
    order = refused_order(platform)
    page = ecom.get(f"/declarant/orders/{order.id}/modify").text
    values = {m.group(1): m.group(2) for m in re.finditer(r'<input name="([^"]+)"[^>]*value="([^"]*)"', page)}
    values |= {"acturalPaid": "1", "orderList.2.totalPrice": "1", "_amend_reason": "改金额"}
    values.pop("_csrf", None)
    refused = ecom.post(f"/declarant/orders/{order.id}/modify", data=values)
    assert refused.status_code == 422
    assert re.search(r'<li data-field="acturalPaid"><code data-rule="paid_arithmetic" title="acturalPaid">'
                     r'实际支付金额</code>', refused.text)
    assert re.search(r'<li data-field="orderList\[2\]\.totalPrice"><code data-rule="line_total" '
                     r'title="orderList\[2\]\.totalPrice">明细 第2行 [^<]+</code>', refused.text)


def test_the_new_order_form_names_refused_fields_in_chinese(platform, ecom):
    """#18: the order form's error list names fields in Chinese (订购人姓名), not by their XML keys (kept in the
    title for scripts)."""
    form = ecom.get("/declarant/orders/new").text
    values = {m.group(1): m.group(2) for m in re.finditer(r'<input name="([^"]+)"[^>]*value="([^"]*)"', form)}
    values |= {"orderNo": f"LBL{uuid.uuid4().hex[:8].upper()}", "acturalPaid": "1"}
    values.pop("_csrf", None)
    refused = ecom.post("/declarant/orders/new", data=values)
    assert refused.status_code == 422
    assert '<code title="buyerName">订购人姓名</code>' in refused.text
    assert "<code>buyerName</code>" not in refused.text
