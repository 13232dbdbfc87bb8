"""I4, X2: import documents are checked against the business rules, the platform's own orders and the buyer's
personal limits before anything is sent; a batch reports every refusal by its index.

These tests rely on the platform's own refusals only: whatever customs (the simulator) answers to the inventories
is left out (the simulator is held back with a long delay where messages are sent)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.shared.receipts import Receipt
from domain.shared.rules import DeclarationRejected
from engine.customs import examples

BUYER = "11010519491231002X"


def fields(errors) -> dict[str, str]:
    return {e.field: e.rule for e in errors}


def dear(order_no: str, buyer_id: str = BUYER) -> dict:
    """A purchase worth 4810 CNY (2 x 2400 goods + 10 freight): five fit in the annual limit of 26000, six do not."""
    return examples.purchase(order_no, lines=1, buyer_id=buyer_id, price=Decimal("2400"))


def test_a_batch_with_bad_inventories_reports_each_by_index_and_stores_nothing(make_platform):
    """I4, X2: all_or_nothing: every broken rule is reported with the document's index, and nothing is stored."""
    platform = make_platform()
    good = [examples.purchase(f"BATCH{i}")["inventory"] for i in range(5)]
    batch = [good[0], good[1] | {"buyerIdNumber": "330102199001011235"}, good[2] | {"tradeMode": "9710"},
             examples.purchase("BATCH3", lines=1, price=Decimal("2500"))["inventory"],
             good[4] | {"declTime": "2026112"}]
    before = platform.store.recorder.max_notification_id()

    outcomes = platform.customs.declarations["CEB621"].declare_many(batch, "test", all_or_nothing=True)

    assert [(o.index, fields(o.errors)) for o in outcomes] == [
        (0, {}), (1, {"buyerIdNumber": "id_check_digit"}), (2, {"tradeMode": "trade_mode"}),
        (3, {"inventoryList": "single_limit"}),
        (4, {"declTime": "length"}),  # wrong in shape: not judged again as a date
    ]
    assert "-621005" in outcomes[3].errors[0].message_zh and "-621005" in outcomes[3].errors[0].message_en
    assert not any(o.stored for o in outcomes)
    assert platform.store.recorder.max_notification_id() == before


def test_the_annual_limit_counts_the_inventories_of_the_same_batch(make_platform):
    """I4: six purchases of one buyer in one batch: the sixth would pass the annual limit; another buyer's does not
    count towards it."""
    platform = make_platform()
    inventories = [dear(f"YEAR{i}")["inventory"] for i in range(6)]
    inventories.append(dear("YEAR6", buyer_id="440524188001010014")["inventory"])

    outcomes = platform.customs.declarations["CEB621"].declare_many(inventories, "test")

    assert [o.stored for o in outcomes] == [True] * 5 + [False, True]
    [error] = outcomes[5].errors
    assert (error.field, error.rule) == ("buyerIdNumber", "annual_limit")
    assert "-621018" in error.message_zh and "24050" in error.message_zh


def test_earlier_inventories_of_the_buyer_count_until_customs_refuses_one(make_platform, database_url):
    """I4: inventories declared and sent earlier count towards the buyer's annual limit, so the next one is refused
    before sending with customs' -621018 and the used amount; one customs refused no longer counts."""
    platform = make_platform(database_url, faults="delay=3600")
    inventories = platform.customs.declarations["CEB621"]
    for i in range(5):
        purchase = dear(f"SENT{i}")
        platform.customs.import_orders.declare(purchase["order"], "test")
        inventories.declare(purchase["inventory"], "test")
    platform.runner.run_until_idle()
    sixth = dear("SENT5")
    platform.customs.import_orders.declare(sixth["order"], "test")

    with pytest.raises(DeclarationRejected) as refused:
        inventories.declare(sixth["inventory"], "test")

    assert fields(refused.value.errors) == {"buyerIdNumber": "annual_limit"}
    message = refused.value.errors[0].message_zh
    assert "-621018" in message and "24050" in message

    first = inventories.get_by_key((dear("SENT0")["inventory"]["copNo"],))
    first.apply_receipt(Receipt("CEB622", first.guid, "100", "20261125100000000", "海关退单"))
    platform.store.save(first)
    inventories.declare(sixth["inventory"], "test")


def test_an_inventory_must_list_the_platform_orders_lines(make_platform):
    """I4 (RULES.md 2.4): when the order is on the platform, the inventory's lines are its lines, with the same
    goods names; customs' three-document match is left to customs."""
    platform = make_platform()
    purchase = examples.purchase("MATCH1")
    platform.customs.import_orders.declare(purchase["order"], "test")
    lines = [dict(line) for line in purchase["inventory"]["inventoryList"]]
    lines[1]["gname"] = "奶粉"

    with pytest.raises(DeclarationRejected) as refused:
        platform.customs.declarations["CEB621"].declare(purchase["inventory"] | {"inventoryList": lines}, "test")

    assert fields(refused.value.errors) == {"inventoryList[2].gname": "order_gname"}
    assert "婴儿配方奶粉 2段" in refused.value.errors[0].message_zh
    platform.customs.declarations["CEB621"].declare(purchase["inventory"], "test")
