"""#18: a malformed date-time is refused with the field named on every path a document comes in by: the JSON API (one
and a batch), the bulk API, the console form, an Excel import, a drop-folder file, a passthrough XML message (the
whole file refused) and a draft stored before the rule, when it is declared. Nothing of a refused document is stored.
The table over every field of every type is tests/unit/customs/test_field_formats.py (the service's field check, the
step each of these paths takes)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.customs.documents import DEPARTURE, PAYMENT
from domain.customs.drafts import Draft
from engine.customs import examples
from engine.customs.api_json import plain
from tests.conftest import login
from tests.integration.customs.test_document_consoles import filled_template, form_data, upload
from tests.integration.customs.test_drop_folders import ceb_file, drop, result_of
from ui.app import create_app

CUT = "2026-12-07 23:"  # "2026-12-07 23:05" cut by a maxlength of 14: the XSD's length, not a date-time
PAYER, LOGISTICS = examples.PAYMENT["code"], examples.LOGISTICS["code"]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    built = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("formats") / "data",
                                              env={"CBEC_SIM_ACCEPT_DELAY": "0", "CBEC_DROP_SETTLE": "0"}),
                            with_simulator=True)
    built.identity.enterprises.ensure_demo()
    ensure_demo(built.identity, built.identity.enterprises)
    yield built
    built.close()


@pytest.fixture(scope="module")
def app(platform):
    return create_app(platform)


def client_for(app, username: str) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    login(client, username, next_url="/account")
    return client


def payment(bad: bool = True) -> dict[str, Any]:
    found = examples.purchase(f"FMT{uuid.uuid4().hex[:12].upper()}")["payment"]
    return found | ({"payTime": CUT} if bad else {})


def stored_payment(platform, document: dict[str, Any]) -> Any:
    return platform.customs.declarations[PAYMENT.message].get_by_key((document["payCode"],
                                                                      document["payTransactionId"]))


def payTime_refused(errors: list[dict[str, Any]]) -> None:  # noqa: N802 - named for the field
    [error] = [e for e in errors if e["field"] == "payTime"]
    assert error["rule"] == "format.datetime" and error["value"] == CUT
    assert "YYYYMMDDhhmmss" in error["message_zh"] and "YYYYMMDDhhmmss" in error["message_en"]
    assert "20261207230500" in error["fix_zh"] and "20261207230500" in error["fix_en"]


def test_the_json_api_refuses_one_and_reports_it_in_a_batch(platform, app):
    client, bad, good = client_for(app, "payment"), payment(), payment(bad=False)

    one = client.post("/api/import/payments", json=plain(bad))
    batch = client.post("/api/import/payments/batch", json={"documents": [plain(bad), plain(good)]}).json()

    assert one.status_code == 422
    payTime_refused(one.json()["errors"])
    assert [r["accepted"] for r in batch["results"]] == [False, True]
    payTime_refused(batch["results"][0]["errors"])
    assert stored_payment(platform, bad) is None and stored_payment(platform, good) is not None


def test_the_bulk_api_refuses_it(platform, app):
    bad = payment() | {"clientId": f"c-{uuid.uuid4().hex[:8]}"}
    answer = client_for(app, "payment").post("/api/import/payments/bulk", json={"documents": [plain(bad)]})
    [result] = answer.json()["results"]
    assert not result["accepted"]
    payTime_refused(result["errors"])
    assert stored_payment(platform, bad) is None


def test_the_form_refuses_a_cut_value_and_converts_a_picked_one(platform, app):
    client = client_for(app, "payment")
    bad, good = payment(), payment(bad=False)

    refused = client.post("/declarant/payments/new", data=form_data(bad))
    picked = client.post("/declarant/payments/new", data=form_data(good) | {"payTime": "2026-12-07T23:05"},
                         follow_redirects=False)

    assert refused.status_code == 422
    # #18: the field is named as the reader knows it, its path kept for scripts
    assert '<li data-field="payTime"><code data-rule="format.datetime" title="payTime">支付时间</code>' in refused.text
    assert picked.status_code == 303
    assert stored_payment(platform, bad) is None
    assert stored_payment(platform, good).document["payTime"] == "20261207230500"


def test_an_excel_import_refuses_the_row_naming_the_field(platform, app):
    client, bad = client_for(app, "payment"), payment()
    response = upload(client, "payments", filled_template(client, "payments", [bad], ""))
    assert response.status_code == 422 and "<code>payTime</code>" in response.text
    assert stored_payment(platform, bad) is None


def test_a_drop_folder_file_lists_the_refusal(platform):
    bad = payment()
    drop(platform, PAYER, "formats.json", json.dumps({"type": "payments", "documents": [plain(bad)]},
                                                      ensure_ascii=False).encode("utf-8"))
    platform.runner.run_until_idle()
    [document] = result_of(platform, PAYER, "failed", "formats.json")["documents"]
    payTime_refused(document["errors"])
    assert stored_payment(platform, bad) is None


def test_a_passthrough_message_with_a_cut_leave_time_is_refused_as_a_whole(platform):
    """The XML is valid for the XSD (leaveTime is a string of 14): the platform's rules refuse the whole file, naming
    the field, and nothing of it is stored or sent."""
    parcel = f"EXFMT{uuid.uuid4().hex[:10].upper()}"
    departure = examples.departure([parcel], leave_time=CUT) | {"copNo": f"DEP{uuid.uuid4().hex[:12].upper()}"}
    drop(platform, LOGISTICS, "departure.xml", ceb_file(platform, DEPARTURE.message, [departure]))
    platform.runner.run_until_idle()

    result = result_of(platform, LOGISTICS, "failed", "departure.xml")
    [document] = result["documents"]
    assert not document["accepted"]
    assert {(e["field"], e["rule"]) for e in document["errors"]} == {("leaveTime", "format.datetime")}
    assert platform.customs.declarations[DEPARTURE.message].get_by_key((departure["copNo"],)) is None
    assert not list(platform.box.folder("sent").glob("CEB509*"))


def test_a_draft_kept_from_before_the_rule_is_refused_when_declared(platform):
    """A draft saved before #18 (the rule did not exist: stored as it was) is checked again when declared."""
    bad = payment()
    principal = platform.identity.principal("payment")
    draft = Draft(message_type=PAYMENT.message, document=plain(bad), by="payment",
                  saved_at=platform.customs.declarations[PAYMENT.message].now())
    platform.store.save(draft)

    _, [outcome] = platform.customs.drafts.declare(PAYMENT, [str(draft.id)], principal)

    assert not outcome.ok and {(e.field, e.rule) for e in outcome.errors} == {("payTime", "format.datetime")}
    assert stored_payment(platform, bad) is None
