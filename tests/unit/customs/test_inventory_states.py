"""I4: an inventory's status follows customs' receipt codes, and only the moves customs makes are accepted; receipts
of other documents, duplicates and late arrivals behave as for orders."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.customs.model import Declaration
from domain.shared import statuses
from domain.shared.receipts import Receipt


def inventory(message_type: str = "CEB621") -> Declaration:
    return Declaration(message_type=message_type, key=("C1",), number="C1", document={"guid": "G"}, declared_by="t",
                       declared_at=datetime.now(UTC), links={})


def receipt(status: str, at: str, info: str = "") -> Receipt:
    return Receipt("CEB622", "G", status, at, info or status)


def test_a_released_inventory_went_through_the_customs_states_and_got_its_numbers():
    doc = inventory()
    doc.apply_receipt(receipt("2", "20261125100000000"))
    doc.apply_receipt(receipt("120", "20261125100000100"), {"invtNo": "29282026I000000001", "preNo": "B1"})
    doc.apply_receipt(receipt("399", "20261125100000200"))
    doc.apply_receipt(receipt("800", "20261125100000300"))
    assert doc.status == "800" and doc.numbers == {"invtNo": "29282026I000000001", "preNo": "B1"}


def test_an_illegal_move_is_kept_as_a_receipt_but_does_not_change_the_status():
    doc = inventory()
    for status, at in (("120", "20261125100000100"), ("800", "20261125100000300")):
        doc.apply_receipt(receipt(status, at))
    assert doc.apply_receipt(receipt("120", "20261125100000400"))  # back to 入库 after 放行: customs never does that
    assert doc.apply_receipt(receipt("2", "20261125100000500"))
    assert doc.status == "800" and [r["returnStatus"] for r in doc.receipts] == ["120", "800", "120", "2"]
    assert doc.apply_receipt(receipt("899", "20261125100000600")) and doc.status == "899"


def test_a_refused_inventory_stays_refused_and_duplicates_change_nothing():
    doc = inventory()
    doc.apply_receipt(receipt("100", "20261125100000100", "三单不符"))
    assert not doc.apply_receipt(receipt("100", "20261125100000100", "三单不符"))
    doc.apply_receipt(receipt("800", "20261125100000900"))
    assert doc.status == "100" and doc.return_info == "三单不符"


def test_a_late_older_receipt_does_not_undo_a_newer_one():
    doc = inventory()
    doc.apply_receipt(receipt("800", "20261125100000300"))
    doc.apply_receipt(receipt("399", "20261125100000200"))
    assert doc.status == "800"


def test_a_cancelled_inventory_takes_no_further_status():
    doc = inventory()
    doc.apply_receipt(receipt("800", "20261125100000300"))
    doc.cancelled(cancellation="C623", return_time="20261126100000000", reason="撤单审结")
    doc.apply_receipt(receipt("899", "20261127100000000"))
    assert doc.status == statuses.CANCELLED and doc.closed_by == "C623"
    assert statuses.label(doc.status) == "已撤销" and statuses.label(doc.status, "en") == "Cancelled"


def test_other_documents_take_any_newer_receipt():
    doc = inventory("CEB411")
    doc.apply_receipt(receipt("120", "20261125100000100"))
    doc.apply_receipt(receipt("100", "20261125100000200"))
    assert doc.status == "100"


def test_the_states_customs_takes_cancellations_and_returns_in():
    assert statuses.legal_move("CEB621", "", "800") and statuses.legal_move("CEB621", "2", "120")
    assert "800" in statuses.CANCELLABLE and "899" not in statuses.CANCELLABLE
    assert statuses.RETURNABLE == {"800", "899"}


def test_an_accepted_document_is_not_undone_by_the_refusal_of_a_second_copy():
    doc = inventory("CEB411")
    doc.apply_receipt(receipt("120", "20261125100000100"))
    doc.apply_receipt(receipt("-401007", "20261125100000900", "已存在相同编号的支付单"))
    assert doc.status == "120" and len(doc.receipts) == 2


def test_business_refusals_and_format_errors_have_their_own_labels():
    assert statuses.label("-621005") == "海关处理失败 -621005"
    assert statuses.label("-621005", "en") == "Refused by customs processing -621005"
    assert statuses.label("-1") == "报文格式错误 -1"
