"""#18 申报首页: a declarant lands on to-dos of their own organisation (a refused inventory, a receipt overdue), counts
by status, and checks a buyer's remaining annual limit; other organisations' and unviewable documents stay out."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from domain.customs.import_rules import id_check_digit
from engine import clock
from engine.customs import examples
from engine.customs.home import DeclarantHome
from tests.conftest import login
from ui.app import create_app


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    built = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("home") / "data",
                                              env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True)
    built.identity.enterprises.ensure_demo()
    ensure_demo(built.identity, built.identity.enterprises)
    yield built
    built.close()


@pytest.fixture(scope="module")
def app(platform):
    return create_app(platform)


@pytest.fixture(scope="module")
def refused_inventory(platform):
    """An inventory declared without its order, payment and waybill: customs refuses it with -621002."""
    bought = examples.purchase(f"HOME{uuid.uuid4().hex[:8].upper()}", buyer_id=buyer())
    stored = platform.customs.declarations["CEB621"].declare(bought["inventory"], declared_by="test")
    platform.runner.run_until_idle()
    platform.customs.documents_view.run_once()
    row = platform.customs.documents_view.db.query(
        "SELECT status, number FROM customs_documents WHERE document_id = ?", (str(stored.id),))[0]
    assert row["status"] == "-621002", row
    return str(stored.id), row["number"]


def buyer() -> str:
    first17 = f"33010219900101{uuid.uuid4().int % 1000:03d}"
    return first17 + id_check_digit(first17)


def client_for(app, username: str) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    login(client, username, next_url="/account")
    return client


def test_a_declarant_lands_on_the_home_page_with_the_refused_inventory_to_do(app, refused_inventory):
    document_id, number = refused_inventory
    client = client_for(app, "ecom")
    page = client.get("/")
    assert page.url.path == "/declarant" and page.status_code == 200
    count = int(re.search(r'id="todo-refused"[^>]*>[^<]*<strong data-count="(\d+)"', page.text).group(1))
    assert count >= 1
    refused = page.text.split('id="refused-documents"')[1].split("</table>")[0]
    assert f'href="/declarant/inventories/{document_id}"' in refused and number in refused
    assert "海关处理失败 -621002" in refused and "<td>清单</td>" in refused  # code, name, type
    assert 'class="status st-refused"' in refused
    assert client.get(f"/declarant/inventories/{document_id}").status_code == 200  # the link opens


def test_counts_by_status_show_the_refusal_per_type(app, refused_inventory):
    page = client_for(app, "ecom").get("/declarant")
    row = re.search(r'<tr data-type="CEB621">(.*?)</tr>', page.text, re.S).group(1)
    assert 'data-status="-621002"' in row and "海关处理失败" in row


def test_the_logistics_user_sees_no_inventory_it_may_not_open(app, refused_inventory):
    """The inventory names the logistics enterprise, but the logistics role has no I4:view: no to-do, no count."""
    document_id, _ = refused_inventory
    page = client_for(app, "logistics").get("/declarant")
    assert page.status_code == 200
    assert document_id not in page.text and 'data-type="CEB621"' not in page.text
    assert 'id="limit-form"' not in page.text  # no I4:declare: no annual limit check offered
    assert client_for(app, "logistics").post("/declarant/annual-limit", data={"buyer": buyer()}).status_code == 403


def test_another_organisation_does_not_see_the_refusal(platform, app, refused_inventory):
    platform.identity.register_organisation("ECOM-OTHER", "另一家电商", by="test")
    platform.identity.register_user("otherecom", "另一家申报员", "ECOM-OTHER", ["declarant_ecommerce"],
                                    "Other-Pass-2026", "test")
    client = TestClient(app, base_url="https://testserver")
    login(client, "otherecom", "Other-Pass-2026", next_url="/account")
    page = client.get("/declarant")
    assert page.status_code == 200 and refused_inventory[0] not in page.text
    assert 'data-count="0"' in page.text.split('id="todo-refused"')[1][:200]


def test_a_document_without_a_receipt_past_its_timeout_is_a_to_do(platform, app):
    """Sent and unanswered: not a to-do within the timeout, one after it (the clock moved by the test)."""
    order = examples.import_order(f"LATE{uuid.uuid4().hex[:8].upper()}")
    stored = platform.customs.import_orders.declare(order, declared_by="test")
    platform.customs.documents_view.run_once()
    platform.customs.documents_view.db.execute(
        "UPDATE customs_documents SET status = 'sent' WHERE document_id = ?", (str(stored.id),))
    principal = platform.identity.principal("ecom")
    home = DeclarantHome(platform)
    now_rows, _ = home.overdue(principal)
    assert str(stored.id) not in {r["document_id"] for r in now_rows}
    later, total = home.overdue(principal, clock.now() + timedelta(hours=2))
    assert str(stored.id) in {r["document_id"] for r in later} and total >= 1


def test_the_annual_limit_check_shows_used_and_remaining_with_the_id_masked(platform, app):
    buyer_id = buyer()
    bought = examples.purchase(f"LIM{uuid.uuid4().hex[:8].upper()}", buyer_id=buyer_id)
    for role in ("order", "payment", "waybill", "inventory"):
        platform.customs.declarations[{"order": "CEB311", "payment": "CEB411", "waybill": "CEB511",
                                       "inventory": "CEB621"}[role]].declare(bought[role], declared_by="test")
    platform.runner.run_until_idle()
    used = sum((Decimal(str(line["totalPrice"])) for line in bought["inventory"]["inventoryList"]), Decimal(0))
    client = client_for(app, "ecom")
    page = client.post("/declarant/annual-limit", data={"buyer": buyer_id, "year": str(clock.now().year)})
    assert page.status_code == 200
    assert buyer_id not in page.text  # masked: 330***********1234
    assert re.search(rf'id="limit-who">{buyer_id[:3]}\*+{buyer_id[-4:]}<', page.text)
    shown_used = Decimal(re.search(r'id="limit-used">([\d.]+)', page.text).group(1))
    remaining = Decimal(re.search(r'id="limit-remaining">([\d.]+)', page.text).group(1))
    assert shown_used >= used > 0 and shown_used + remaining == Decimal(26000)


def test_the_annual_limit_check_asks_for_the_id(app):
    page = client_for(app, "ecom").post("/declarant/annual-limit", data={"buyer": " "})
    assert page.status_code == 422 and 'id="limit-error"' in page.text and "请输入订购人证件号码" in page.text


def test_the_home_page_speaks_english(app):
    client = client_for(app, "ecom")
    page = client.get("/declarant?lang=en")
    assert "Documents refused by customs" in page.text and "Buyer annual limit check" in page.text
