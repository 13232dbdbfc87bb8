"""X4, I4-I6, E3, E4, E7: what a receipt causes beyond its own document is a domain policy
(policies.consequences_of_receipt) — an approved cancellation ends its inventory, a refused bag releases its parcels,
numbers customs assigns are indexed, an approved return is given back to the buyer's annual limit — and the
aggregates the effects name refuse what already happened (an inventory ended twice, a parcel another bag holds)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from domain.customs import policies
from domain.customs.bagging import ParcelInBag
from domain.customs.model import BuyerYear, Declaration
from domain.customs.policies import EndInventory, GiveBack, IndexNumber, ReleaseParcels, consequences_of_receipt
from domain.shared.receipts import Receipt

INVENTORY_ID, DOCUMENT_ID = "6f1c1f1e-0000-4000-8000-000000000001", "6f1c1f1e-0000-4000-8000-000000000002"


def receipt(message_type: str, status: str, info: str = "审结") -> Receipt:
    return Receipt(message_type, "G", status, "20261125100000000", info)


def consequences(document_type: str, status: str, links: dict[str, str] | None = None, body: dict | None = None,
                 numbers: dict[str, str] | None = None, receipt_type: str = "CEB624") -> list[policies.Effect]:
    return consequences_of_receipt(document_type, DOCUMENT_ID, "NO1", links or {}, body or {}, numbers or {},
                                   receipt(receipt_type, status))


@pytest.mark.parametrize(("document_type", "receipt_type"), [("CEB623", "CEB624"), ("CEB605", "CEB606")])
def test_an_approved_cancellation_ends_its_inventory(document_type, receipt_type):
    """I5 (import CEB623 answered 399 by CEB624), E4 (export CEB605 answered 399 by CEB606)."""
    assert consequences(document_type, "399", {"inventory": INVENTORY_ID}, receipt_type=receipt_type) == [
        EndInventory(INVENTORY_ID, "NO1", "20261125100000000", "审结")]


@pytest.mark.parametrize("status", ["2", "120", "100", "-623005"])
def test_a_cancellation_not_approved_ends_nothing(status):
    assert consequences("CEB623", status, {"inventory": INVENTORY_ID}) == []


def test_a_cancellation_without_an_inventory_on_the_platform_ends_nothing():
    """Passthrough: declared elsewhere, customs judged it; there is no inventory of ours to end."""
    assert consequences("CEB623", "399") == []


def test_an_inventory_already_cancelled_is_not_ended_twice():
    """The policy says what the receipt means (end that inventory); the inventory refuses to end again: a receipt
    read twice or a second approved cancellation records no second Cancelled event."""
    inventory = Declaration(message_type="CEB621", key=("C1",), number="C1", document={"guid": "G"},
                            declared_by="t", declared_at=datetime.now(UTC), links={})
    assert inventory.end(cancellation="CAN1", return_time="20261125100000000", reason="审结")
    assert not inventory.end(cancellation="CAN2", return_time="20261126100000000", reason="审结")
    events = inventory.collect_events()
    assert [type(e).__name__ for e in events] == ["Declared", "Cancelled"]
    assert (inventory.status, inventory.closed_by) == ("cancelled", "CAN1")


BAG = {"logisticsCode": "L1", "wayBillList": [{"logisticsNo": "P1"}, {"logisticsNo": "P2"}, {"logisticsNo": "P3"}]}


@pytest.mark.parametrize("status", ["100", "-607001"])
def test_a_refused_bag_releases_its_parcels(status):
    """E7: 100 or a negative code (statuses.is_refused)."""
    assert consequences("CEB607", status, body=BAG, receipt_type="CEB608") == [
        ReleaseParcels(DOCUMENT_ID, (("L1", "P1"), ("L1", "P2"), ("L1", "P3")), f"NO1 {status}")]


@pytest.mark.parametrize("status", ["2", "120", "399"])
def test_a_bag_customs_takes_keeps_its_parcels(status):
    assert consequences("CEB607", status, body=BAG, receipt_type="CEB608") == []


def test_a_refused_bag_releases_only_the_parcels_it_still_holds():
    """The claims decide: a parcel another bag holds now, or one released already, stays as it is."""
    held = ParcelInBag(logistics_code="L1", logistics_no="P1", bag_id=DOCUMENT_ID, bag_no="NO1")
    moved = ParcelInBag(logistics_code="L1", logistics_no="P2", bag_id=DOCUMENT_ID, bag_no="NO1")
    moved.release(reason="NO1 100")
    moved.rebag(bag_id="other-bag", bag_no="NO2")
    released = ParcelInBag(logistics_code="L1", logistics_no="P3", bag_id=DOCUMENT_ID, bag_no="NO1")
    released.release(reason="earlier")
    [effect] = consequences("CEB607", "100", body=BAG, receipt_type="CEB608")
    assert isinstance(effect, ReleaseParcels)
    claims = {"P1": held, "P2": moved, "P3": released}
    changed = [no for _, no in effect.parcels if claims[no].release_from(effect.bag_id, effect.reason)]
    assert changed == ["P1"]
    assert (held.held, moved.held, moved.bag_id, released.released) == (False, True, "other-bag", "earlier")


def test_a_summary_number_is_indexed():
    """E3: CEB702 gives the CEB701 its sumNo, by which the CEB792 results name it."""
    assert consequences("CEB701", "2", numbers={"sumNo": "S1"}, receipt_type="CEB702") == [
        IndexNumber("sumNo", "S1", DOCUMENT_ID)]
    assert consequences("CEB701", "2", receipt_type="CEB702") == []


@pytest.mark.parametrize("document_type", ["CEB621", "CEB603"])
def test_an_inventory_number_is_indexed(document_type):
    """I5, I6, E4, E5: a cancellation or a return names its inventory by the invtNo customs assigned."""
    assert consequences(document_type, "120", numbers={"invtNo": "29282026I000000001", "preNo": "B1"},
                        receipt_type="CEB622") == [IndexNumber("invtNo", "29282026I000000001", DOCUMENT_ID)]


def test_other_numbers_and_documents_are_not_indexed():
    assert consequences("CEB711", "120", numbers={"rkdNo": "R1"}, receipt_type="CEB712") == []
    assert consequences("CEB625", "120", numbers={"invtNo": "29282026I000000001"}, receipt_type="CEB626") == []


def test_an_approved_return_is_given_back_to_the_annual_limit():
    """I4, I6: CEB626 399; not before, not for an export return (the limit is the import buyer's)."""
    assert consequences("CEB625", "399", {"inventory": INVENTORY_ID}, receipt_type="CEB626") == [
        GiveBack(INVENTORY_ID, DOCUMENT_ID)]
    assert consequences("CEB625", "2", {"inventory": INVENTORY_ID}, receipt_type="CEB626") == []
    assert consequences("CEB213", "399", {"inventory": INVENTORY_ID}, receipt_type="CEB214") == []


def test_the_same_receipt_has_the_same_consequences():
    first = consequences("CEB623", "399", {"inventory": INVENTORY_ID})
    assert first == consequences("CEB623", "399", {"inventory": INVENTORY_ID})


def line(total: str, gnum: int = 1, qty: str = "1") -> dict:
    return {"gnum": gnum, "qty": Decimal(qty), "totalPrice": Decimal(total)}


def test_the_annual_use_counts_what_customs_did_not_refuse_less_approved_returns():
    """I4: refused (100, negative) and cancelled inventories do not count; an approved return gives back its share
    of the goods (freight stays counted); a return not approved gives nothing back."""
    def inventory(status: str, total: str, invt_no: str = "") -> SimpleNamespace:
        return SimpleNamespace(status=status, document={"freight": Decimal(10), "inventoryList": [line(total)]},
                               numbers={"invtNo": invt_no} if invt_no else {})

    inventories = [inventory("800", "1000", "I1"), inventory("declared", "500"), inventory("100", "4000"),
                   inventory("-621018", "4000"), inventory("cancelled", "4000")]
    back = SimpleNamespace(status="399", document={"invtNo": "I1", "invtRefundList": [{"gnum": 1, "qty": 1}]})
    pending = SimpleNamespace(status="2", document={"invtNo": "I1", "invtRefundList": [{"gnum": 1, "qty": 1}]})
    assert policies.annual_use(inventories, []) == Decimal(1520)
    assert policies.annual_use(inventories, [back, pending]) == Decimal(520)


def test_a_buyers_year_records_each_inventory_and_return_once():
    ledger = BuyerYear(buyer_id_number="11010519491231002X", year=2026)
    assert ledger.id == BuyerYear.create_id("11010519491231002X", 2026) != BuyerYear.create_id("11010519491231002X",
                                                                                                2027)
    assert ledger.count("a") and ledger.count("b") and not ledger.count("a")
    assert ledger.give_back("r", "a") and not ledger.give_back("r", "a")
    assert (ledger.inventories, ledger.returns) == (["a", "b"], ["r"])


def test_an_inventory_counts_in_the_year_it_was_declared_for_its_buyer():
    moment = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert policies.annual_limit_key({"buyerIdNumber": "X"}, moment) == ("X", 2026)
    assert policies.annual_limit_key({}, moment) is None
