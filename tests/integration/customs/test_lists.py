"""#18: every document list reads like a Chinese customs console: page size and jump to page, sortable columns (an
unknown column refused, named), several statuses at once, search by buyer name / ID number / phone, buyers' ID
numbers and phones masked unless a permitted user shows them with a reason (and the system log records it), and
another organisation's documents never listed. Orders use the same list as every other type (/declarant/orders)."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient

from engine.customs import examples
from engine.demo import DEMO_PASSWORD
from tests.conftest import login
from ui.app import create_app

BUYERS = [("张三", "330102199001011234", "13800005678"), ("李四", "110101198505052345", "13900001111"),
          ("王五", "440301197712123452", "13700002222")]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """One platform for the module: 45 orders of three buyers, every ninth refused by customs."""
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    platform = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("lists") / "data",
                                                 env={"CBEC_SIM_ACCEPT_DELAY": "0"}),
                               with_simulator=True, faults="reject-order=BAD")
    platform.identity.enterprises.ensure_demo()
    ensure_demo(platform.identity, platform.identity.enterprises)
    orders = []
    for i in range(45):
        order = examples.import_order(f"LS{i:03d}" if i % 9 else f"LS{i:03d}-BAD")
        name, id_number, phone = BUYERS[i % 3]
        order.update(buyerName=name, buyerIdNumber=id_number, buyerTelephone=phone)
        orders.append(order)
    outcomes = platform.customs.import_orders.declare_many(orders, "ecom")
    assert all(o.stored for o in outcomes), outcomes
    settle(platform, len(orders))
    platform.identity.register_user("logi-ecom", "物流公司电商申报员", "LOGI-DEMO", ["declarant_ecommerce"],
                                    DEMO_PASSWORD, by="test")
    yield platform
    platform.close()


def settle(platform, count: int, within: float = 120.0) -> None:
    """Run the runner until customs has answered every order (120 accepted, 100 refused), not merely until one pass
    found nothing to do: a pass whose step failed (a lock on a busy machine) or a delivery waiting for its retry
    handles nothing while answers are still to come, and the counts the tests expect would then be short."""
    deadline = time.monotonic() + within
    while True:
        platform.runner.run_until_idle()
        platform.customs.documents_view.run_once()
        rows, _ = platform.customs.documents_view.search(message_type="CEB311", per_page=count)
        answered = sum(row["status"] in ("100", "120") for row in rows)
        if answered == count:
            return
        assert time.monotonic() < deadline, f"customs answered {answered} of {count} orders"
        time.sleep(0.1)  # a retry's backoff is due later: wait for it, then run again


def client_for(platform, username: str) -> TestClient:
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, username)
    return client


@pytest.fixture(scope="module")
def ecom(platform):
    return client_for(platform, "ecom")


@pytest.fixture(scope="module")
def ecom_en(platform):
    """The same user reading English: its own client, since ?lang=en sets a cookie that would turn the shared
    client's later pages and exports English and make the Chinese tests depend on the order they run in."""
    client = client_for(platform, "ecom")
    client.get("/declarant/orders?lang=en")
    return client


def numbers(page) -> list[str]:
    """The document numbers of the list's rows, in the order shown."""
    assert page.status_code == 200, page.text[:500]
    return re.findall(r'<a href="/declarant/orders/([^"?]+)\?ebpCode=', page.text)


def test_the_order_console_is_the_one_document_list(ecom):
    page = ecom.get("/declarant/orders")
    assert '<table class="grid" id="documents">' in page.text and 'id="export-list-xlsx"' in page.text
    assert len(numbers(page)) == 20 and '<span id="total">' in page.text
    moved = ecom.get("/declarant/orders/drafts?status=draft", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/declarant/orders?status=draft"


def test_page_size_and_jump_to_page(ecom):
    assert len(numbers(ecom.get("/declarant/orders?per_page=50"))) == 45
    first, third = numbers(ecom.get("/declarant/orders?per_page=20")), numbers(ecom.get("/declarant/orders?page=3"))
    assert len(third) == 5 and not set(first) & set(third)
    page = ecom.get("/declarant/orders?page=3")
    assert 'id="page-of">3 / 3<' in page.text and 'name="page" id="jump"' in page.text


@pytest.mark.parametrize(("query", "field"), [("per_page=37", "per_page"), ("page=abc", "page"),
                                              ("sort=buyer_id_number", "sort"), ("sort=number&dir=up", "dir")])
def test_a_bad_list_parameter_is_refused_naming_it(ecom, ecom_en, query, field):
    page = ecom.get(f"/declarant/orders?{query}")
    assert page.status_code == 422 and f'data-field="{field}"' in page.text
    english = ecom_en.get(f"/declarant/orders?{query}")
    assert english.status_code == 422 and f"<code>{field}</code> {field}" in english.text


def test_columns_sort_ascending_and_descending(ecom):
    ascending = numbers(ecom.get("/declarant/orders?sort=number&dir=asc&per_page=50"))
    descending = numbers(ecom.get("/declarant/orders?sort=number&dir=desc&per_page=50"))
    assert ascending == sorted(ascending) and descending == sorted(ascending, reverse=True)
    header = ecom.get("/declarant/orders?sort=number&dir=asc").text
    assert 'aria-sort="ascending" data-sort="number"' in header and "sort=number&amp;dir=desc" in header


def test_several_statuses_at_once(ecom):
    refused = numbers(ecom.get("/declarant/orders?status=100&per_page=50"))
    accepted = numbers(ecom.get("/declarant/orders?status=120&per_page=50"))
    both = numbers(ecom.get("/declarant/orders?status=100&status=120&per_page=50"))
    assert len(refused) == 5 and all(n.endswith("-BAD") for n in refused) and len(accepted) == 40
    assert sorted(both) == sorted(refused + accepted)
    assert ecom.get("/declarant/orders?status=nonsense").status_code == 422


@pytest.mark.parametrize("buyer", ["李四", "110101198505052345", "13900001111"])
def test_search_by_buyer_name_whole_id_number_or_phone(ecom, buyer):
    found = numbers(ecom.get(f"/declarant/orders?buyer={buyer}&per_page=50"))
    assert len(found) == 15 and all(int(n[2:5]) % 3 == 1 for n in found)


def test_a_fragment_of_an_id_number_finds_nothing_so_masked_digits_cannot_be_guessed(ecom):
    assert numbers(ecom.get("/declarant/orders?buyer=1101011985")) == []


def test_id_numbers_and_phones_are_masked_without_the_permission(ecom):
    page = ecom.get("/declarant/orders?buyer=13800005678")
    assert "330***********1234" in page.text and "138****5678" in page.text
    shown = page.text.replace("buyer=13800005678", "").replace('value="13800005678"', "")  # what the user typed
    assert "330102199001011234" not in shown and "13800005678" not in shown
    assert 'id="reveal-form"' not in page.text
    refused = ecom.get("/declarant/orders?reveal=1&reason=check")
    assert refused.status_code == 422 and 'data-field="reveal"' in refused.text


def test_a_permitted_user_sees_them_whole_with_a_reason_and_the_system_log_records_it(platform):
    admin = client_for(platform, "admin")
    masked = admin.get("/declarant/orders?buyer=张三")
    assert "330***********1234" in masked.text and 'id="reveal-form"' in masked.text
    assert admin.get("/declarant/orders?buyer=张三&reveal=1").status_code == 422  # no reason, no data
    shown = admin.get("/declarant/orders?buyer=张三&reveal=1&reason=买家来电核实身份")
    assert shown.status_code == 200 and "330102199001011234" in shown.text and "13800005678" in shown.text
    platform.identity.log_view.run_once()
    entries, _ = platform.identity.log_view.search(kind="personal")
    entry = entries[0]
    assert entry["actor"] == "admin" and "LS003" in entry["target"] and "LS001" not in entry["target"]  # 张三's only
    assert "买家来电核实身份" in str(entry.get("details"))


def test_another_organisations_orders_are_never_listed(platform):
    other = client_for(platform, "logi-ecom")
    assert numbers(other.get("/declarant/orders?per_page=200")) == []
    assert numbers(other.get("/declarant/orders?buyer=330102199001011234")) == []


@pytest.mark.parametrize("slug", ["inventories", "payments", "waybills", "export-orders", "bags"])
def test_every_type_list_takes_the_same_parameters(platform, slug):
    admin = client_for(platform, "admin")
    page = admin.get(f"/declarant/{slug}?per_page=50&sort=declared_at&dir=asc&status=120&status=100")
    assert page.status_code == 200 and 'id="per-page"' in page.text
    assert admin.get(f"/declarant/{slug}?sort=amount").status_code == 422


def sheet_of(response):
    import io

    import openpyxl

    assert response.status_code == 200, response.text[:300]
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def test_the_excel_export_has_chinese_headers_typed_cells_and_status_code_beside_its_name(ecom):
    from datetime import datetime

    sheet = sheet_of(ecom.get("/declarant/orders/export?format=xlsx&status=120&sort=number&dir=asc"))
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["单证编号", "订单编号", "物流运单编号"] and header[0] == "单证编号"
    first = {h.split(" (")[0]: c for h, c in zip(header, sheet[2], strict=True)}
    assert first["单证编号"].value == "LS001" and sheet.max_row == 41
    amount = first["金额"]
    assert amount.data_type == "n" and isinstance(amount.value, int | float) and amount.number_format == "0.00"
    assert isinstance(first["申报时间"].value, datetime) and first["申报时间"].is_date
    assert (first["状态代码"].value, first["状态"].value) == ("120", "海关入库")
    assert first["证件号码"].value == "330***********1234" or first["证件号码"].value.startswith("110***")


def test_an_english_user_gets_english_headers(platform):
    client = client_for(platform, "ecom")
    client.get("/declarant/orders?lang=en")
    header = [c.value for c in sheet_of(client.get("/declarant/orders/export?format=xlsx&status=100"))[1]]
    assert header[:2] == ["Number", "Order No."] and "Status code" in header and "Status" in header


def test_an_export_with_a_reason_is_whole_and_logged_and_another_organisation_exports_nothing(platform):
    admin = client_for(platform, "admin")
    sheet = sheet_of(admin.get("/declarant/orders/export?format=xlsx&buyer=王五&reveal=1&reason=海关核查"))
    assert {row[6] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"440301197712123452"}
    platform.identity.log_view.run_once()
    entries, _ = platform.identity.log_view.search(kind="personal", q="export")
    assert entries and "海关核查" in str(entries[0]["details"])
    other = sheet_of(client_for(platform, "logi-ecom").get("/declarant/orders/export?format=xlsx"))
    assert other.max_row == 1
    assert admin.get("/declarant/orders/export?format=xlsx&sort=secret").status_code == 422
