"""X2, X5: the daily reconciliation (数据校验) per message type and sending enterprise: sent, receipted, final,
rejected and missing, with the drill-down to the documents of a cell and the Excel export."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from adapters.customs_node.simulator import Faults
from engine import clock
from engine.customs import examples
from projections.exchange.reconciliation import Reconciliation
from tests.conftest import login
from ui.app import create_app

ECOM, LOGISTICS = "3301960001", "3301980001"


def declare(platform, order_no: str) -> None:
    """An order (sent by the e-commerce enterprise) and its waybill (sent by the logistics enterprise)."""
    purchase = examples.purchase(order_no)
    platform.customs.import_orders.declare(purchase["order"], "test")
    platform.customs.declarations["CEB511"].declare(purchase["waybill"], "test")
    platform.runner.run_until_idle()


def test_a_day_counts_accepted_rejected_and_unanswered_documents_per_type_and_enterprise(make_platform):
    """X2, X5: two accepted, one rejected (100) and one unanswered purchase, each an order and a waybill."""
    platform = make_platform(faults="reject-order=BAD", demo_users=True)
    for order_no in ("RECOK1", "RECOK2", "RECBAD1"):
        declare(platform, order_no)
    platform.simulator.faults = Faults(drop=1.0)  # customs stops answering
    declare(platform, "RECLOST1")
    today = clock.now().date()

    counts = Reconciliation(platform.readmodels).counts(today)

    expected = {"sent": 4, "receipted": 3, "final": 3, "rejected": 1, "missing": 1}
    assert counts == [{"message_type": "CEB311", "sender": ECOM} | expected,
                      {"message_type": "CEB511", "sender": LOGISTICS} | expected]
    with TestClient(create_app(platform), base_url="https://testserver") as client:
        login(client, "auditor", next_url="/admin/reconciliation")
        page = client.get(f"/admin/reconciliation?date={today}")
        assert page.status_code == 200
        link = f"/admin/reconciliation/documents?date={today}&message_type=CEB511&sender={LOGISTICS}&kind=missing"
        assert link in page.text

        missing = client.get(link)
        assert missing.status_code == 200 and "YTRECLOST1" in missing.text and "YTRECOK1" not in missing.text
        assert "/declarant/waybills/" in missing.text
        rejected = client.get(f"/admin/reconciliation/documents?date={today}&message_type=CEB311&sender={ECOM}"
                              "&kind=rejected")
        assert "/declarant/orders/RECBAD1?ebpCode=" in rejected.text and "RECOK1" not in rejected.text

        exported = client.get(f"/admin/reconciliation?date={today}&fmt=xlsx")
        assert exported.status_code == 200 and exported.headers["content-disposition"].endswith('.xlsx"')
        sheet = load_workbook(io.BytesIO(exported.content)).active
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert rows[0] == ["message_type", "sender", "sender_name", "sent", "receipted", "final", "rejected",
                           "missing"]
        assert [r[:2] + r[3:] for r in rows[1:]] == [["CEB311", ECOM, 4, 3, 3, 1, 1],
                                                     ["CEB511", LOGISTICS, 4, 3, 3, 1, 1]]
        cell = client.get(f"/admin/reconciliation/documents?date={today}&message_type=CEB311&sender={ECOM}"
                          "&kind=sent&fmt=xlsx")
        numbers = [r[1] for r in load_workbook(io.BytesIO(cell.content)).active.iter_rows(min_row=2, values_only=True)]
        assert numbers == ["RECBAD1", "RECLOST1", "RECOK1", "RECOK2"]

        other_day = client.get(f"/admin/reconciliation?date={today.replace(year=today.year - 1)}")
        assert other_day.status_code == 200 and "RECOK1" not in other_day.text
        assert Reconciliation(platform.readmodels).counts(today.replace(year=today.year - 1)) == []
