"""E1-E10, E3, X6: the four export flows end to end with the customs node simulator playing customs: 9610 B2C
parcels from order to 结关 and the monthly summary with its CEB792 declarations, 9710 B2B, 9810 overseas warehouse
and 1210 bonded export to 放行, cancellations and returns in the states customs allows, refusals naming what is
wrong, faults and a restart of the simulator.

The platform refuses some bad documents itself before sending them (domain/customs/export_rules.py); customs must
refuse them too, so those are stored past the platform's checks (`send_unchecked`) and judged by customs alone."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from adapters import ceb
from engine.customs import examples
from engine.demo import ensure_demo_enterprises
from tests.integration.customs.test_import_purchase_flow import answers, restart_simulator, send_again, send_unchecked

ROLES = {"order": "CEB303", "collection": "CEB403", "waybill": "CEB505", "inventory": "CEB603"}
SHIPMENT = tuple(ROLES)
LOGISTICS = examples.LOGISTICS["code"]


def new_platform(make_platform, database_url=None, faults=""):
    platform = make_platform(database_url, faults=faults)
    ensure_demo_enterprises(platform.identity.enterprises)
    return platform


def ship(platform, order_no: str, mode: str = "9610", roles=SHIPMENT, unchecked=(), **options) -> dict[str, Any]:
    """An export shipment's documents declared (those in `unchecked` past the platform's checks) and answered."""
    shipment = examples.export_purchase(order_no, mode=mode, **options)
    for role in roles:
        if role in unchecked:
            send_unchecked(platform, ROLES[role], shipment[role])
        else:
            platform.customs.declarations[ROLES[role]].declare(shipment[role], "test")
    platform.runner.run_until_idle()
    return shipment


def document(platform, message_type: str, *key: str) -> Any:
    return platform.customs.declarations[message_type].get_by_key(tuple(key))


def inventory(platform, shipment) -> Any:
    return document(platform, "CEB603", shipment["inventory"]["copNo"])


def declared(platform, message_type: str, raw: dict[str, Any]) -> Any:
    """Declare one document, run until customs answered, and return it as it is then."""
    aggregate = platform.customs.declarations[message_type].declare(raw, "test")
    platform.runner.run_until_idle()
    return document(platform, message_type, *aggregate.key)


def parcels(*shipments) -> list[str]:
    return [s["waybill"]["logisticsNo"] for s in shipments]


def statuses(aggregate) -> list[str]:
    return [status for status, _ in answers(aggregate)]


def arrived(platform, *shipments) -> Any:
    return declared(platform, "CEB507", examples.arrival(parcels(*shipments)))


def departed(platform, *shipments) -> Any:
    """Bagged, arrived and departed."""
    declared(platform, "CEB607", examples.bag(parcels(*shipments)))
    arrived(platform, *shipments)
    return declared(platform, "CEB509", examples.departure(parcels(*shipments)))


def test_a_9610_export_is_released_departed_and_summarised(make_platform, database_url):
    """E1, E2, E6, E9, E7, E10, E8, E3: three parcels (two to the US, one to Japan) declared with their orders,
    receipts of payment and waybills wait at 120; bagged under one bill, they are released when they arrive and
    cleared (899) when they depart; a summary application of the three gets a sumNo, and customs' results make two
    customs declarations, one per country, each with its lines and declaration number. Every receipt validates."""
    platform = new_platform(make_platform, database_url)
    shipments = [ship(platform, f"EXF9610{i:07d}", country=country) for i, country in enumerate(["502", "502", "116"])]
    order, collection, waybill = (document(platform, t, *key) for t, key in (
        ("CEB303", ("3301960001", "EXF96100000000")), ("CEB403", ("3301960001", "EXF96100000000")),
        ("CEB505", (LOGISTICS, "EXEXF96100000000"))))
    assert [statuses(d) for d in (order, collection, waybill)] == [["2", "120"]] * 3
    waiting = [inventory(platform, s) for s in shipments]
    assert [(i.status, statuses(i)) for i in waiting] == [("120", ["2", "120"])] * 3
    assert all(re.fullmatch(r"29282026E\d{9}", i.numbers["invtNo"]) for i in waiting)
    invt_nos = [i.numbers["invtNo"] for i in waiting]

    bag = declared(platform, "CEB607", examples.bag(parcels(*shipments), bill_no="999-11112222"))
    assert statuses(bag) == ["2", "120"] and re.fullmatch(r"B\d{17}", bag.numbers["preNo"])
    assert platform.simulator.ledger.bags[(LOGISTICS, "EXEXF96100000002")] == {"billNo": "999-11112222",
                                                                               "totalPackageNo": "BAG0001"}
    assert statuses(arrived(platform, *shipments)) == ["2", "120"]
    assert [statuses(inventory(platform, s)) for s in shipments] == [["2", "120", "399", "800"]] * 3
    departure = declared(platform, "CEB509", examples.departure(parcels(*shipments)))
    assert statuses(departure) == ["2", "120"]
    cleared = [inventory(platform, s) for s in shipments]
    assert [i.status for i in cleared] == ["899"] * 3
    times = [r["returnTime"] for r in cleared[0].receipts]
    assert times == sorted(times) and len(set(times)) == 5

    summary = declared(platform, "CEB701", examples.summary(invt_nos))
    assert statuses(summary) == ["2", "399"] and re.fullmatch(r"S\d{17}", summary.numbers["sumNo"])
    declarations = summary.summary_declarations
    assert [{line["invtNo"] for line in d["summaryResultList"]} for d in declarations] == [
        set(invt_nos[:2]), {invt_nos[2]}]
    assert [len(d["summaryResultList"]) for d in declarations] == [4, 2]
    assert all(d["decState"] == "B" and re.fullmatch(r"29282026\d{10}", d["entryId"]) for d in declarations)
    rows = platform.customs.documents_view.summary_results(sum_no=summary.numbers["sumNo"])
    assert [(r["decl_seq_no"], r["entry_id"], r["line_count"]) for r in rows] == [
        (d["declSeqNo"], d["entryId"], len(d["summaryResultList"])) for d in declarations]
    assert platform.customs.documents_view.search(message_type="CEB701")[0][0]["sum_no"] == summary.numbers["sumNo"]
    receipts = list(platform.box.folder("handled").iterdir())
    assert {p.name.split("Message_")[0] for p in receipts} == {"CEB304", "CEB404", "CEB506", "CEB604", "CEB608",
                                                                "CEB508", "CEB510", "CEB702", "CEB792"}
    assert [p.name for p in receipts if ceb.validate(p.read_bytes())] == []


def test_a_9710_b2b_export_is_released_without_a_receipt_of_payment(make_platform):
    """E1, E2: a B2B order (orderType B) and its inventory; B2B needs no receipt of payment; released on arrival."""
    platform = new_platform(make_platform)
    shipment = ship(platform, "EXF9710000001", mode="9710", roles=("order", "waybill", "inventory"))
    assert document(platform, "CEB303", "3301960001", "EXF9710000001").document["orderType"] == "B"
    arrived(platform, shipment)
    assert statuses(inventory(platform, shipment)) == ["2", "120", "399", "800"]


def test_a_9810_overseas_warehouse_export_of_a_platform_without_a_code_is_released(make_platform):
    """E1, E2: an overseas-warehouse booking (orderType W) of an overseas platform without a customs code ("无")."""
    platform = new_platform(make_platform)
    shipment = ship(platform, "EXF9810000001", mode="9810", roles=("order", "waybill", "inventory"))
    assert document(platform, "CEB303", "无", "EXF9810000001").status == "120"
    arrived(platform, shipment)
    assert inventory(platform, shipment).status == "800"


def test_a_1210_bonded_export_is_released(make_platform):
    """E2: special-area export with its area enterprise, account book and item record numbers."""
    platform = new_platform(make_platform)
    shipment = ship(platform, "EXF1210000001", mode="1210")
    arrived(platform, shipment)
    assert inventory(platform, shipment).status == "800"


def test_an_inventory_without_its_waybill_is_refused_naming_it(make_platform):
    """E2, E6: customs never received the waybill: -603002 naming it; the inventory gets no invtNo."""
    platform = new_platform(make_platform)
    shipment = ship(platform, "EXFNOWAY00001", roles=("order", "collection", "inventory"))
    invt = inventory(platform, shipment)
    assert (invt.status, invt.return_info) == (
        "-603002", "清单申报失败，海关未收到或未接受运单[3301980001/EXEXFNOWAY00001]！")
    assert "invtNo" not in invt.numbers


def test_a_bag_naming_an_unknown_parcel_is_refused(make_platform):
    """E7: the bag lists a waybill customs does not have: -903001 naming it."""
    platform = new_platform(make_platform)
    shipment = ship(platform, "EXFBAG0000001")
    bag = send_unchecked(platform, "CEB607", examples.bag([*parcels(shipment), "EXNOSUCHPARCEL"]))
    platform.runner.run_until_idle()
    bag = document(platform, "CEB607", *bag.key)
    assert (bag.status, bag.return_info) == ("-903001", "运单[3301980001/EXNOSUCHPARCEL]未向海关申报或未被海关接受")


def test_an_approved_cancellation_ends_the_inventory_before_it_leaves(make_platform):
    """E4: CEB606 2 then 399; the inventory is 已撤销, and its parcel arriving later does not release it."""
    platform = new_platform(make_platform)
    shipment = ship(platform, "EXFCANCEL0001")
    invt_no = inventory(platform, shipment).numbers["invtNo"]
    cancellation = declared(platform, "CEB605", examples.export_cancellation(invt_no))
    assert statuses(cancellation) == ["2", "399"]
    assert inventory(platform, shipment).status == "cancelled"
    arrived(platform, shipment)
    assert statuses(inventory(platform, shipment)) == ["2", "120"]
    assert inventory(platform, shipment).status == "cancelled"


def test_a_cancellation_after_departure_is_refused(make_platform):
    """E4: the goods have left (899 结关): -607002 with the state."""
    platform = new_platform(make_platform)
    shipment = ship(platform, "EXFCANCEL0002")
    departed(platform, shipment)
    invt = inventory(platform, shipment)
    late = send_unchecked(platform, "CEB605", examples.export_cancellation(invt.numbers["invtNo"]),
                          links={"inventory": str(invt.id)})
    platform.runner.run_until_idle()
    late = document(platform, "CEB605", *late.key)
    assert (late.status, late.return_info) == (
        "-607002", f"清单的状态不符合撤单申报要求(清单编号[{invt.numbers['invtNo']}])！当前状态[结关]")
    assert inventory(platform, shipment).status == "899"


def test_a_return_is_approved_and_one_taking_back_too_much_is_refused(make_platform):
    """E5: CEB214 2 then 120 for a return of one of four; returning four more is refused (100) naming the line;
    the site's tally of the returned parcel: CEB216 2 then 120."""
    platform = new_platform(make_platform)
    shipment = ship(platform, "EXFRETURN0001")
    departed(platform, shipment)
    invt_no = inventory(platform, shipment).numbers["invtNo"]
    approved = declared(platform, "CEB213", examples.export_return(shipment["inventory"], invt_no, qty=Decimal(1)))
    assert statuses(approved) == ["2", "120"]
    too_many = send_unchecked(platform, "CEB213", examples.export_return(shipment["inventory"], invt_no,
                                                                         qty=Decimal(4)),
                              links={"inventory": str(inventory(platform, shipment).id)})
    platform.runner.run_until_idle()
    too_many = document(platform, "CEB213", *too_many.key)
    assert too_many.status == "100"
    assert "表体第[1]项退货qty[4]超过原清单[4]（已退[1]）" in too_many.return_info
    tally = declared(platform, "CEB215", examples.tally(parcels(shipment)[0], invt_no))
    assert statuses(tally) == ["2", "120"]


def test_a_summary_of_an_inventory_not_departed_is_refused(make_platform):
    """E3: an inventory released but not departed (800) cannot be summarised: -703001 naming it."""
    platform = new_platform(make_platform)
    shipment = ship(platform, "EXFSUMNO00001")
    arrived(platform, shipment)
    invt_no = inventory(platform, shipment).numbers["invtNo"]
    summary = send_unchecked(platform, "CEB701", examples.summary([invt_no]))
    platform.runner.run_until_idle()
    summary = document(platform, "CEB701", *summary.key)
    assert (summary.status, summary.return_info) == (
        "-703001", f"汇总申请单申报失败，清单[{invt_no}]未放行离境(当前状态[放行])")
    assert summary.summary_declarations == []


def test_faults_reach_export_documents(make_platform):
    """X6: reject-order refuses an export order by its number; inspect=1 sends an export inventory to 查验 before
    审结 when its parcel arrives."""
    platform = new_platform(make_platform, faults="reject-order=REJ,inspect=1")
    refused = ship(platform, "EXFREJ0000001", roles=("order",))
    assert document(platform, "CEB303", "3301960001", "EXFREJ0000001").status == "100"
    shipment = ship(platform, "EXFINSPECT001")
    arrived(platform, shipment)
    assert refused["order"]["orderNo"] and statuses(inventory(platform, shipment)) == [
        "2", "120", "500", "399", "800"]


def test_a_restarted_simulator_remembers_parcels_and_inventories(make_platform):
    """X6: after a restart customs still knows which parcels arrived (a departure is taken and clears the
    inventory) and refuses a second copy of an inventory it holds (-604001)."""
    platform = new_platform(make_platform)
    shipment = ship(platform, "EXFRESTART001")
    declared(platform, "CEB607", examples.bag(parcels(shipment)))
    arrived(platform, shipment)
    restart_simulator(platform)
    departure = declared(platform, "CEB509", examples.departure(parcels(shipment)))
    assert statuses(departure) == ["2", "120"] and inventory(platform, shipment).status == "899"

    restart_simulator(platform)
    send_again(platform, "CEB603", inventory(platform, shipment).document)
    platform.runner.run_until_idle()
    again = inventory(platform, shipment)
    assert again.status == "899", "a refused duplicate does not undo the clearance"
    assert answers(again)[-1] == ("-604001", f"清单[{again.number}]已经申报过，请勿重复申报")


def test_a_simulator_restarted_in_the_middle_of_an_answer_sends_what_it_decided(make_platform):
    """X6: customs crashed after deciding an arrival's effects but before sending the inventory's new receipts; the
    restarted node reads the arrival again and sends the same receipts, once (no second 399/800)."""
    platform = new_platform(make_platform)
    shipment = ship(platform, "EXFCRASH00001")
    platform.customs.declarations["CEB507"].declare(examples.arrival(parcels(shipment)), "test")
    steps = dict(platform.runner.steps)
    for name in ("prepare", "deliver", "customs-sim"):
        steps[name]()
    box = platform.box
    [progress] = [p for p in box.folder("inbox").iterdir() if p.name.startswith("CEB604")]
    [arrival] = [p for p in box.folder("sent").iterdir() if p.name.startswith("CEB507")]
    progress.unlink()
    arrival.rename(box.folder("outbox") / arrival.name)
    restart_simulator(platform)
    platform.runner.run_until_idle()
    assert [p.name for p in box.folder("handled").iterdir() if p.name == progress.name] == [progress.name]
    assert statuses(inventory(platform, shipment)) == ["2", "120", "399", "800"]
    assert sum(1 for line in platform.simulator.ledger.path.read_text("utf-8").splitlines() if '"by"' in line) == 2


def test_a_parcel_goes_into_one_bag_only_until_customs_refuses_that_bag(make_platform):
    """E7: a parcel in a live bag cannot go into another (the error names the parcel and the bag holding it), also
    within one batch; once customs refuses the bag, the parcel may be bagged again."""
    import pytest

    from domain.shared.rules import DeclarationRejected

    platform = new_platform(make_platform, faults="reject-order=BAGREFUSE")
    shipment = ship(platform, "EXFONEBAG0001")
    bags = platform.customs.declarations["CEB607"]

    refused = declared(platform, "CEB607", examples.bag(parcels(shipment)) | {"copNo": "BAGREFUSE01"})
    assert refused.status == "100"
    kept = declared(platform, "CEB607", examples.bag(parcels(shipment)) | {"copNo": "BAGKEEP01"})
    assert kept.status not in ("100", "") and not kept.status.startswith("-")

    with pytest.raises(DeclarationRejected) as again:
        bags.declare(examples.bag(parcels(shipment)) | {"copNo": "BAGTHIRD01"}, "test")
    [error] = again.value.errors
    assert (error.field, error.rule) == ("wayBillList[1].logisticsNo", "bagged")
    assert "BAGKEEP01" in error.message_zh and parcels(shipment)[0] in error.message_en

    other = ship(platform, "EXFONEBAG0002")
    first, second = bags.declare_many([examples.bag(parcels(other)) | {"copNo": "BAGBATCH01"},
                                       examples.bag(parcels(other)) | {"copNo": "BAGBATCH02"}], "test")
    assert first.stored and not second.stored and "BAGBATCH01" in second.errors[0].message_zh


def test_two_bags_of_one_parcel_declared_at_the_same_instant_cannot_both_be_stored(make_platform, database_url):
    """E7: two users bag the same parcel at once; both pass the checks (neither sees the other), the second save
    loses on the parcel's claim and stores nothing of its bag."""
    import pytest
    from eventsourcing.persistence import IntegrityError

    platform = new_platform(make_platform, database_url)
    shipment = ship(platform, "EXFRACEBAG001")
    bags = platform.customs.declarations["CEB607"]
    [(a, bag_a)] = bags.decide_many([examples.bag(parcels(shipment)) | {"copNo": "BAGRACEA"}], "user-a")
    [(b, bag_b)] = bags.decide_many([examples.bag(parcels(shipment)) | {"copNo": "BAGRACEB"}], "user-b")
    assert bag_a is not None and bag_b is not None and a.along and b.along

    platform.store.save(bag_a, *a.along)
    with pytest.raises(IntegrityError):
        platform.store.save(bag_b, *b.along)
    assert bags.exists(bag_a.key) and not bags.exists(bag_b.key)
