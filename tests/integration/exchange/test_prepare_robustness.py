"""X3: a document answered by customs before the platform sent it (customs answering the same key from another
system) must not stop the building of every other message."""

from __future__ import annotations

from domain.shared.receipts import Receipt
from engine.customs import examples


def test_a_document_answered_before_it_was_sent_does_not_block_the_others(make_platform):
    platform = make_platform(demo_users=True)
    waybills = platform.customs.declarations["CEB511"]
    early = waybills.declare(examples.purchase("ROB-1")["waybill"], declared_by="logistics")
    early.apply_receipt(Receipt("CEB512", "G", "120", "20261125100000000", "另一系统申报的同号运单"))
    platform.store.save(early)
    later = waybills.declare(examples.purchase("ROB-2")["waybill"], declared_by="logistics")

    platform.runner.run_until_idle()

    assert platform.runner.stats["prepare"].errors == 0
    assert waybills.get_by_key(later.key).status == "120"
    assert waybills.get_by_key(early.key).message_id is None  # never packed: nothing sent twice under its key
