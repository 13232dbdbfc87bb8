"""X4: receipts are applied once each, and an older receipt never overwrites a newer status."""

from datetime import UTC, datetime

from domain.customs.model import ImportOrder
from domain.shared.receipts import Receipt


def an_order():
    return ImportOrder(ebp_code="3301960001", order_no="A1", document={"guid": "G"}, declared_by="t",
                       declared_at=datetime(2026, 11, 25, tzinfo=UTC))


def receipt(status, time, info=""):
    return Receipt("CEB312", "G", status, time, info or f"status {status}")


def test_receipts_in_order_move_the_status_forward():
    order = an_order()
    order.apply_receipt(receipt("2", "20261125100000000"))
    order.apply_receipt(receipt("120", "20261125100001000"))
    assert order.status == "120"
    assert [r["returnStatus"] for r in order.receipts] == ["2", "120"]


def test_an_older_receipt_arriving_late_is_kept_but_does_not_change_the_status():
    order = an_order()
    order.apply_receipt(receipt("120", "20261125100001000"))
    order.apply_receipt(receipt("2", "20261125100000000"))
    assert order.status == "120"
    assert len(order.receipts) == 2


def test_the_same_receipt_twice_is_applied_once():
    order = an_order()
    assert order.apply_receipt(receipt("2", "20261125100000000"))
    assert not order.apply_receipt(receipt("2", "20261125100000000"))
    assert len(order.collect_events()) == 2  # Declared + one ReceiptApplied


def test_at_the_same_millisecond_a_final_status_beats_an_intermediate_one():
    order = an_order()
    order.apply_receipt(receipt("120", "20261125100000000"))
    order.apply_receipt(receipt("2", "20261125100000000"))
    assert order.status == "120"


def test_a_rejection_carries_its_reason():
    order = an_order()
    order.apply_receipt(receipt("100", "20261125100000000", "订购人身份信息校验失败"))
    assert (order.status, order.return_info) == ("100", "订购人身份信息校验失败")
