"""I4-I6 (#15): the declaration checks find what they need in the event store, never by running a projector. The
buyer's annual limit counts the inventories declared a moment ago (BuyerYear, saved with each inventory), two
declarations for one buyer at the same moment cannot both pass, a cancellation finds its inventory by the invtNo
customs' receipt gave it (NumberIndex, saved with the receipt), an approved return gives back to the limit; and what
was stored before these indexes existed is still found, through the read model as it stands.

The platform's runner is never run whole here: the customs_documents read model stays empty unless a test says."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from domain.customs.model import BuyerYear
from domain.shared.receipts import Receipt
from domain.shared.rules import DeclarationRejected
from engine import clock
from engine.customs import examples
from tests.integration.customs.test_import_purchase_flow import new_platform, send_unchecked

BUYER = "11010519491231002X"
EXCHANGE = ("prepare", "deliver", "customs-sim", "receipts")  # no projection among them


def dear(order_no: str) -> dict[str, Any]:
    """A purchase worth 4810 CNY (2 x 2400 goods + 10 freight): five fit in the annual limit of 26000, six do not."""
    return examples.purchase(order_no, lines=1, buyer_id=BUYER, price=Decimal("2400"))


def projected(platform) -> int:
    """How many documents the customs_documents read model holds."""
    return sum(platform.customs.documents_view.counts().values())


def exchange_until_idle(platform) -> None:
    """Messages built, sent, answered by the simulator and the receipts applied; no read model caught up."""
    steps = [step for name, step in platform.runner.steps if name in EXCHANGE]
    for _ in range(10_000):
        if not sum(step() for step in steps):
            return
    raise AssertionError("the exchange did not settle")


def ledger(platform) -> BuyerYear:
    return platform.store.repository.get(BuyerYear.create_id(BUYER, clock.now().year))


def test_the_annual_limit_counts_inventories_declared_a_moment_ago(make_platform, database_url):
    """I4: five inventories declared one after another, nothing projected in between; the sixth is refused with
    customs' -621018 naming the buyer's ID field and the 24050 used."""
    platform = make_platform(database_url, faults="delay=3600")
    inventories = platform.customs.declarations["CEB621"]
    for i in range(5):
        inventories.declare(dear(f"NOPROJ{i}")["inventory"], "test")

    with pytest.raises(DeclarationRejected) as refused:
        inventories.declare(dear("NOPROJ5")["inventory"], "test")

    [error] = refused.value.errors
    assert (error.field, error.rule) == ("buyerIdNumber", "annual_limit")
    assert "-621018" in error.message_zh and "24050" in error.message_zh and "-621018" in error.message_en
    assert len(ledger(platform).inventories) == 5
    assert projected(platform) == 0


def test_two_declarations_for_one_buyer_at_the_same_moment_cannot_both_pass(make_platform, database_url):
    """I4: with 19240 used, either of two 4810 inventories fits, both do not. Decided side by side, each passes;
    the second save loses on the buyer's BuyerYear version and stores nothing."""
    platform = make_platform(database_url, faults="delay=3600")
    inventories = platform.customs.declarations["CEB621"]
    for i in range(4):
        inventories.declare(dear(f"RACE{i}")["inventory"], "test")
    [(a, first)] = inventories.decide_many([dear("RACE4")["inventory"]], "user-a")
    [(b, second)] = inventories.decide_many([dear("RACE5")["inventory"]], "user-b")
    assert first is not None and second is not None

    platform.store.save(first, *a.along)
    with pytest.raises(IntegrityError):
        platform.store.save(second, *b.along)
    assert inventories.exists(first.key) and not inventories.exists(second.key)
    assert len(ledger(platform).inventories) == 5


def test_a_declaration_that_loses_the_race_is_decided_again_and_refused(make_platform, database_url, monkeypatch):
    """I4: `declare` measures the limit, another declaration for the buyer is saved before it saves: its save fails
    on the version, and decided again against what was stored it is refused (-621018), not stored."""
    platform = make_platform(database_url, faults="delay=3600")
    inventories = platform.customs.declarations["CEB621"]
    for i in range(4):
        inventories.declare(dear(f"LOSE{i}")["inventory"], "test")
    [(other, winner)] = inventories.decide_many([dear("LOSE4")["inventory"]], "user-a")
    measure = inventories.linked.used_amount
    measured: list[Decimal] = []

    def meanwhile(buyer_year: BuyerYear) -> Decimal:
        measured.append(measure(buyer_year))
        if len(measured) == 1:  # the other user's declaration is saved between this one's check and its save
            platform.store.save(winner, *other.along)
        return measured[-1]

    monkeypatch.setattr(inventories.linked, "used_amount", meanwhile)
    with pytest.raises(DeclarationRejected) as refused:
        inventories.declare(dear("LOSE5")["inventory"], "user-b")

    assert measured == [Decimal("19240"), Decimal("24050")]
    assert [e.rule for e in refused.value.errors] == ["annual_limit"]
    assert not inventories.exists((dear("LOSE5")["inventory"]["copNo"],))
    assert len(ledger(platform).inventories) == 5


def purchased(platform, order_no: str, price: Decimal = Decimal("1222.50")) -> Any:
    """Order, payment, waybill and inventory declared and answered by customs (800), without any projection."""
    purchase = examples.purchase(order_no, price=price)
    for role, message in (("order", "CEB311"), ("payment", "CEB411"), ("waybill", "CEB511"),
                          ("inventory", "CEB621")):
        platform.customs.declarations[message].declare(purchase[role], "test")
    exchange_until_idle(platform)
    return purchase, platform.customs.declarations["CEB621"].get_by_key((purchase["inventory"]["copNo"],))


def test_a_cancellation_finds_its_inventory_by_the_invt_no_of_the_receipt(make_platform):
    """I5: the invtNo customs gave the inventory in its receipt names it to the cancellation at once (NumberIndex);
    customs' approval ends the inventory (policies.consequences_of_receipt); no projector ran."""
    platform = new_platform(make_platform)
    purchase, invt = purchased(platform, "NOPROJCANCEL01")
    assert invt.status == "800" and invt.numbers["invtNo"]

    cancellation = platform.customs.declarations["CEB623"].declare(
        examples.cancellation(purchase["inventory"], invt.numbers["invtNo"]), "test")
    assert cancellation.links == {"inventory": str(invt.id)}
    exchange_until_idle(platform)

    assert platform.customs.declarations["CEB621"].get_by_key((purchase["inventory"]["copNo"],)).status == "cancelled"
    assert projected(platform) == 0


def test_an_approved_return_gives_back_to_the_limit_without_a_projector(make_platform):
    """I4, I6: five purchases of 4900 (24500 used), a sixth is refused; customs approves the return of the first's
    goods (4890 back, recorded on the buyer's BuyerYear with the receipt), and the sixth passes; no projector ran."""
    platform = new_platform(make_platform)
    bought = [purchased(platform, f"NOPROJBACK{i:04d}") for i in range(5)]
    sixth = examples.purchase("NOPROJBACK0005", price=Decimal("1222.50"))
    buyer = sixth["inventory"]["buyerIdNumber"]
    with pytest.raises(DeclarationRejected) as refused:
        platform.customs.declarations["CEB621"].declare(sixth["inventory"], "test")
    assert refused.value.errors[0].rule == "annual_limit" and "24500" in refused.value.errors[0].message_en

    first, invt = bought[0]
    refund = platform.customs.declarations["CEB625"].declare(examples.refund(first["inventory"],
                                                                             invt.numbers["invtNo"]), "test")
    exchange_until_idle(platform)
    assert platform.customs.declarations["CEB625"].get_by_key((refund.number,)).status == "399"
    assert platform.store.repository.get(BuyerYear.create_id(buyer, clock.now().year)).returns == [str(refund.id)]

    platform.customs.declarations["CEB621"].declare(sixth["inventory"], "test")
    assert projected(platform) == 0


def test_documents_stored_before_the_indexes_are_found_through_the_read_model_as_it_stands(make_platform):
    """I4, I5: inventories stored without a BuyerYear and an invtNo without a NumberIndex (as by an earlier
    version), long since projected, still count and are still found; the read model is read, not caught up."""
    platform = make_platform(faults="delay=3600")
    older = [send_unchecked(platform, "CEB621", dear(f"OLD{i}")["inventory"]) for i in range(5)]
    first = older[0]
    first.apply_receipt(Receipt("CEB622", first.guid, "800", "20261125100000000", "放行"),
                        {"invtNo": "29282026I000000777"})
    platform.store.save(first)
    platform.customs.documents_view.run_once()  # what the runner did back then
    inventories = platform.customs.declarations["CEB621"]
    assert platform.store.recorder.select_events(BuyerYear.create_id(BUYER, clock.now().year), limit=1) == []

    with pytest.raises(DeclarationRejected) as refused:
        inventories.declare(dear("OLD5")["inventory"], "test")
    assert "24050" in refused.value.errors[0].message_zh

    cancellation = platform.customs.declarations["CEB623"].declare(
        examples.cancellation(dear("OLD0")["inventory"], "29282026I000000777"), "test")
    assert cancellation.links == {"inventory": str(first.id)}


def test_a_draft_number_saved_a_moment_ago_is_taken_and_freed_once_discarded(make_platform):
    """I3: saving drafts reads the drafts read model as it stands plus the Draft events stored since its position:
    a number saved a moment ago is refused, and free again as soon as that draft is discarded; nothing projected."""
    from domain.customs.documents import ORDER
    from domain.identity.roles import Principal

    platform = make_platform()
    drafts = platform.customs.drafts
    declarant = Principal("declarant", "ECOM-DEMO", (), frozenset(), frozenset({"3301960001"}))
    order = examples.import_order("DRAFTTAIL1")
    [saved] = drafts.save_many(ORDER, [order], declarant)
    assert saved.stored

    [again] = drafts.save_many(ORDER, [order], declarant)
    assert not again.stored and [e.rule for e in again.errors] == ["unique"]
    assert drafts.discard(ORDER, [saved.document_id], declarant) == 1
    [freed] = drafts.save_many(ORDER, [order], declarant)
    assert freed.stored
    assert platform.customs.drafts_view.position() == 0


def test_a_month_declared_twice_in_a_row_lists_its_inventories_once(make_platform):
    """E3: the second declaration comes before the read model has caught up with the first: the applications stored
    since its position are read from the event store, so nothing is listed again."""
    from tests.integration.customs.test_export_summaries import departed

    platform = make_platform(demo_users=True)
    invt_no = departed(platform, "20261015")
    assert [a.invt_nos for a in platform.customs.summaries.month("2026-10").proposals] == [[invt_no]]

    [first] = platform.customs.summaries.declare("2026-10", "ecom")
    assert first.stored
    assert platform.customs.summaries.declare("2026-10", "ecom") == []
    assert platform.customs.summaries.month("2026-10").proposals == []
