"""I3, X3, X4, X6, P1, P4: an import order from declaration to customs receipt, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil

import pytest

from adapters import ceb
from adapters.signing import verify_bytes
from domain.shared.rules import DeclarationRejected
from engine.customs import examples


def test_orders_are_built_signed_sent_and_answered(make_platform, database_url):
    platform = make_platform(database_url, faults="reject-order=BAD")
    orders = [examples.import_order(f"FLOW{i}") for i in range(3)] + [examples.import_order("FLOW-BAD")]
    assert all(o.ok for o in platform.customs.import_orders.declare_many(orders, "test"))

    platform.runner.run_until_idle()

    rows, total = platform.customs.queries.search(q="FLOW", per_page=10)
    assert total == 4
    assert {r["order_no"]: r["status"] for r in rows} == {"FLOW0": "120", "FLOW1": "120", "FLOW2": "120",
                                                          "FLOW-BAD": "100"}
    rejected = platform.customs.queries.detail("FLOW-BAD")
    assert "模拟退单" in rejected.order.return_info
    assert [r["returnStatus"] for r in rejected.order.receipts] == ["2", "100"]


def test_the_message_sent_is_signed_valid_and_kept_with_the_order(make_platform, database_url):
    platform = make_platform(database_url)
    platform.customs.import_orders.declare(examples.import_order("SIGNED1"), "test")
    platform.runner.run_until_idle()

    detail = platform.customs.queries.detail("SIGNED1")
    [message] = detail.messages
    sent = (platform.box.folder("sent") / message.delivered_as).read_bytes()
    assert sent == message.xml.encode("utf-8")
    assert verify_bytes(sent).ok
    parsed = ceb.parse(sent)
    assert parsed.message_type == "CEB311" and ceb.validate(parsed.root) == []
    assert parsed.documents[0]["orderNo"] == "SIGNED1"
    assert parsed.documents[0]["guid"] == detail.order.guid
    assert [t["event"] for t in detail.timeline] == ["Declared", "Prepared", "Packed", "Delivered",
                                                     "ReceiptApplied", "ReceiptApplied"]


def test_an_invalid_order_is_refused_field_by_field_and_nothing_is_stored(make_platform, database_url):
    platform = make_platform(database_url)
    before = platform.store.recorder.max_notification_id()
    bad = examples.import_order("BAD-INPUT") | {"acturalPaid": "1", "buyerName": "", "orderNo": "X" * 61}
    with pytest.raises(DeclarationRejected) as rejected:
        platform.customs.import_orders.declare(bad, "test")
    fields = {e.field: e.rule for e in rejected.value.errors}
    assert fields["buyerName"] == "required" and fields["orderNo"] == "max_length"
    assert all(e.message_zh and e.message_en for e in rejected.value.errors)
    assert platform.store.recorder.max_notification_id() == before


def test_a_duplicate_order_number_is_refused(make_platform, database_url):
    platform = make_platform(database_url)
    platform.customs.import_orders.declare(examples.import_order("DUP1"), "test")
    with pytest.raises(DeclarationRejected) as rejected:
        platform.customs.import_orders.declare(examples.import_order("DUP1"), "test")
    assert [e.rule for e in rejected.value.errors] == ["unique"]


def test_a_receipt_delivered_twice_is_applied_once(make_platform, tmp_path):
    platform = make_platform()
    platform.customs.import_orders.declare(examples.import_order("TWICE"), "test")
    platform.runner.run_until_idle()
    for handled in platform.box.folder("handled").iterdir():
        shutil.copy(handled, platform.box.folder("inbox") / handled.name)
    platform.runner.run_until_idle()
    order = platform.customs.queries.detail("TWICE").order
    assert [r["returnStatus"] for r in order.receipts] == ["2", "120"]
    assert order.status == "120"


def test_a_malformed_receipt_is_quarantined_and_the_platform_keeps_running(make_platform):
    platform = make_platform()
    (platform.box.folder("inbox") / "broken.xml").write_bytes(b"<CEB312Message><not-closed>")
    platform.customs.import_orders.declare(examples.import_order("AFTER-BROKEN"), "test")
    platform.runner.run_until_idle()
    assert (platform.box.folder("quarantine") / "broken.xml").exists()
    reason = (platform.box.folder("quarantine") / "broken.xml.reason.txt").read_text("utf-8")
    assert "unreadable receipt" in reason
    assert platform.customs.queries.detail("AFTER-BROKEN").status == "120"


def test_a_format_error_from_customs_marks_every_order_of_the_message(make_platform):
    platform = make_platform(faults="format=1")
    platform.customs.import_orders.declare_many([examples.import_order(f"FMT{i}") for i in range(2)], "test")
    platform.runner.run_until_idle()
    for order_no in ("FMT0", "FMT1"):
        detail = platform.customs.queries.detail(order_no)
        assert detail.status == "-1"
        assert detail.order.receipts[0]["messageType"] == "CEB900"
    assert platform.customs.orders_view.counts() == {"-1": 2}


def test_messages_can_travel_in_the_dxp_envelope(make_platform):
    platform = make_platform(CBEC_DXP_ENVELOPE="1")
    platform.customs.import_orders.declare(examples.import_order("DXP1"), "test")
    platform.runner.run_until_idle()
    [message] = platform.customs.queries.detail("DXP1").messages
    envelope, inner = ceb.unwrap_dxp((platform.box.folder("sent") / message.delivered_as).read_bytes())
    assert envelope.cop_msg_id == message.guid and envelope.receiver_ids == ["DXPEDCCEB0000002"] or \
        tuple(envelope.receiver_ids) == ("DXPEDCCEB0000002",)
    assert verify_bytes(inner).ok
    assert platform.customs.queries.detail("DXP1").status == "120"


def test_the_read_model_rebuilds_from_history_to_the_same_rows(make_platform, database_url):
    platform = make_platform(database_url)
    platform.customs.import_orders.declare_many([examples.import_order(f"RB{i}") for i in range(5)], "test")
    platform.runner.run_until_idle()
    before, _ = platform.customs.queries.search(q="RB", per_page=50)
    platform.customs.orders_view.rebuild()
    after, _ = platform.customs.queries.search(q="RB", per_page=50)
    strip = [{k: v for k, v in r.items() if k != "updated_at"} for r in before]
    assert strip == [{k: v for k, v in r.items() if k != "updated_at"} for r in after]


def test_orders_are_grouped_up_to_the_configured_number_a_message(make_platform):
    platform = make_platform(CBEC_ORDERS_PER_MESSAGE="2")
    platform.customs.import_orders.declare_many([examples.import_order(f"GRP{i}") for i in range(5)], "test")
    platform.runner.run_until_idle()
    sent = list(platform.box.folder("sent").glob("CEB311Message_*.xml"))
    assert sorted(len(ceb.parse(p.read_bytes()).documents) for p in sent) == [1, 2, 2]
