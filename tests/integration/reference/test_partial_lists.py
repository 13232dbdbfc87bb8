"""#18: real codes are not refused. The full HS list is shipped, and a code missing from a list the platform knows to
be incomplete (declaring units, customs districts ...) is a warning the declarant sees, the document being accepted,
until an administrator imports the official list; codes of a complete list (currencies) are refused as before."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from domain.identity.rules import uscc_check_digit
from domain.shared.rules import DeclarationRejected
from engine.customs import examples
from engine.customs.api_json import plain
from engine.demo import ensure_demo_enterprises
from tests.conftest import login
from ui.app import create_app

REAL_UNIT = "3122461234"  # a 10-character customs code shaped like a real declaring unit, not in the shipped list
INVENTORIES = "/api/import/inventories"


def register_real_unit(platform) -> None:
    """The declarant's organisation registers its own declaring unit on the platform (it signs what it declares)."""
    base = "91310115MA1K00999"
    platform.identity.enterprises.ensure(REAL_UNIT, "上海实报跨境电商有限公司", ["ecommerce"], "DXPENT0000000099",
                                         base + uscc_check_digit(base), organisation="ECOM-DEMO")
    platform.identity.assign_enterprise("ECOM-DEMO", REAL_UNIT, by="test")


def client(platform, username: str) -> TestClient:
    found = TestClient(create_app(platform), base_url="https://testserver")
    login(found, username, next_url="/")
    return found


def code_warnings(warnings: list) -> list:
    """The code rules' warnings among a declaration's (the three-document pre-check has its own)."""
    return [w for w in warnings if (w["rule"] if isinstance(w, dict) else w.rule).startswith("ref.")]


def inventory(order_no: str, **head: str) -> dict:
    return plain(examples.purchase(order_no)["inventory"]) | head


def test_a_real_hs_code_of_the_full_list_is_declared_without_warning(make_platform):
    """8541401000 (solar cells, 2018) was refused as unknown with the 112-row demo list."""
    platform = make_platform()
    ensure_demo_enterprises(platform.identity.enterprises)
    assert platform.reference.counts()["hs_codes"] == 11_827
    shipment = examples.export_purchase("EXPHS8541401000", gcode="8541401000")
    roles = (("order", "CEB303"), ("collection", "CEB403"), ("waybill", "CEB505"), ("inventory", "CEB603"))
    outcomes = [platform.customs.declarations[message].declare_many([shipment[role]], "test")[0]
                for role, message in roles]
    assert [(o.stored, o.errors, code_warnings(o.warnings)) for o in outcomes] == [(True, [], [])] * 4


def test_a_declaring_unit_missing_from_the_incomplete_list_is_accepted_with_a_warning(make_platform):
    platform = make_platform(demo_users=True)
    register_real_unit(platform)
    ecom = client(platform, "ecom")
    answer = ecom.post(INVENTORIES, json=inventory("PARTIAL0001", agentCode=REAL_UNIT))
    assert answer.status_code == 201, answer.text
    [warning] = code_warnings(answer.json()["warnings"])
    assert (warning["field"], warning["rule"], warning["value"]) == (
        "agentCode", "ref.declaring_unit.not_in_partial_list", REAL_UNIT)
    assert "申报单位" in warning["message_zh"] and "Declaring units" in warning["message_en"]
    assert "incomplete" in warning["message_en"] and "accepted" in warning["message_en"]
    stored = platform.customs.declarations["CEB621"].get_by_key((answer.json()["number"],))
    assert stored is not None and stored.document["agentCode"] == REAL_UNIT


def test_the_declarant_sees_the_warning_on_the_declared_document(make_platform):
    platform = make_platform(demo_users=True)
    register_real_unit(platform)
    ecom = client(platform, "ecom")
    document_id = ecom.post(INVENTORIES, json=inventory("PARTIAL0002", agentCode=REAL_UNIT)).json()["documentId"]
    page = ecom.get(f"/declarant/inventories/{document_id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    warnings = re.search(r'<section[^>]*id="code-warnings".*?</section>', page.text, re.S)
    assert warnings is not None and REAL_UNIT in warnings.group(0) and "agentCode" in warnings.group(0)


def test_a_made_up_currency_is_still_refused(make_platform):
    platform = make_platform(demo_users=True)
    answer = client(platform, "ecom").post(INVENTORIES, json=inventory("PARTIAL0003", currency="999"))
    assert answer.status_code == 422
    assert ("currency", "ref.currency.unknown") in {(e["field"], e["rule"]) for e in answer.json()["errors"]}


def units_csv(*codes: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["code", "name_zh"], *[[code, f"企业{code}"] for code in codes]])
    return out.getvalue().encode()


def test_after_the_official_list_is_imported_a_unit_missing_from_it_is_refused(make_platform):
    platform = make_platform(demo_users=True)
    register_real_unit(platform)
    admin = client(platform, "admin")
    form = admin.get("/admin/reference/declaring_units/import")
    assert 'name="complete"' in form.text
    imported = admin.post("/admin/reference/declaring_units/import", data={"reason": "海关发布", "complete": "1"},
                          files={"file": ("units.csv", units_csv("3301960001", "3301980001"), "text/csv")})
    assert imported.status_code == 200 and 'id="now-complete"' in imported.text

    lists = admin.get("/admin/reference", headers={"Accept-Language": "en"}).text
    row = re.search(r'<tr data-list="declaring_units" data-complete="1">.*?</tr>', lists, re.S)
    assert row is not None and "units.csv" in row.group(0) and "admin" in row.group(0)

    with pytest.raises(DeclarationRejected) as refused:
        platform.customs.declarations["CEB621"].declare(examples.purchase("PARTIAL0004")["inventory"]
                                                        | {"agentCode": REAL_UNIT}, "test")
    assert [(e.field, e.rule) for e in refused.value.errors] == [("agentCode", "ref.declaring_unit.unknown")]
    accepted = platform.customs.declarations["CEB621"].declare(examples.purchase("PARTIAL0005")["inventory"]
                                                               | {"agentCode": "3301960001"}, "test")
    assert accepted.document["agentCode"] == "3301960001"


def test_the_console_says_per_list_rows_source_and_completeness(make_platform):
    platform = make_platform(demo_users=True)
    page = client(platform, "admin").get("/admin/reference")
    rows = dict(re.findall(r'<tr data-list="(\w+)" data-complete="(\d)">', page.text))
    assert rows["hs_codes"] == "0" and rows["declaring_units"] == "0" and rows["currencies"] == "1"
    hs = re.search(r'<tr data-list="hs_codes".*?</tr>', page.text, re.S).group(0)
    assert "11827" in hs and "YCM" in hs and "不完整" in hs
