"""X6, E1-E10: the customs side's export rules (domain/customs_node/export_rules.py), each passing and failing with
its code and a reason that names what is wrong; the monthly summary grouping on a mixed month (E3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from adapters import ceb
from domain.customs_node import export_rules as ce
from domain.customs_node.rules import ACCEPTED
from engine.customs import examples

GUID = "0106F91C-0E8C-419A-9CBC-1396A4976BE2"


def held(message_type, document, **more):
    """What customs keeps of an accepted document, as the simulator hands it in (text values), with more facts."""
    return ce.kept(message_type, document) | more


def inventory_check(shipment, order=True, collection=True, waybill=True):
    return ce.check_inventory(shipment["inventory"], held("CEB303", shipment["order"]) if order else None,
                              held("CEB403", shipment["collection"]) if collection else None,
                              held("CEB505", shipment["waybill"]) if waybill else None)


@pytest.mark.parametrize("mode", ["9610", "9710", "9810", "1210"])
def test_a_consistent_shipment_of_every_mode_is_accepted(mode):
    """E1, E2: each trade mode with the order type it takes (E, B, W, E)."""
    assert inventory_check(examples.export_purchase("CE0001", mode=mode)) == ACCEPTED


@pytest.mark.parametrize(("mode", "needed"), [("9610", True), ("1210", True), ("9710", False), ("9810", False)])
def test_only_the_b2c_modes_need_the_receipt_of_payment(mode, needed):
    """E9: 9610 and 1210 (orderType E) need the CEB403 of ebcCode + orderNo; 9710 and 9810 do not."""
    decision = inventory_check(examples.export_purchase("CE0002", mode=mode), collection=False)
    if needed:
        assert decision == ce.Decision("-603002", "清单申报失败，海关未收到或未接受收款单[3301960001/CE0002]！")
    else:
        assert decision == ACCEPTED


def test_a_missing_waybill_and_order_are_named():
    shipment = examples.export_purchase("CE0003")
    decision = inventory_check(shipment, order=False, waybill=False)
    assert decision.code == "-603002"
    assert decision.info == "清单申报失败，海关未收到或未接受订单[3301960001/CE0003]、运单[3301980001/EXCE0003]！"


def test_the_order_type_must_suit_the_trade_mode():
    """E1, E2: a B2C order (E) for a B2B inventory (9710) is refused naming both."""
    shipment = examples.export_purchase("CE0004", mode="9710")
    shipment["order"]["orderType"] = "E"
    decision = inventory_check(shipment)
    assert decision.code == "-603003"
    assert "订单类型orderType[E]与清单贸易方式tradeMode[9710]不符，应为[B]" in decision.info


def test_inventory_lines_must_be_the_order_lines_and_the_consignor_the_orders():
    shipment = examples.export_purchase("CE0005")
    shipment["inventory"]["inventoryList"][1]["gnum"] = 3
    shipment["order"]["ebcCode"] = "3301960009"
    decision = inventory_check(shipment)
    assert decision.code == "-603003"
    assert "清单表体商品序号gnum[1,3]与订单商品序号gnum[1,2]不一一对应" in decision.info
    assert "订单电商企业ebcCode[3301960009]与清单收发货人ebcCode[3301960001]不一致" in decision.info


def test_bonded_1210_needs_its_area_enterprise_account_book_and_record_numbers():
    shipment = examples.export_purchase("CE0006", mode="1210")
    shipment["inventory"]["emsNo"] = ""
    del shipment["inventory"]["inventoryList"][0]["itemRecordNo"]
    assert inventory_check(shipment) == ce.Decision(
        "-603001", "清单报文校验失败，贸易方式1210须填写: emsNo、表体第[1]项itemRecordNo")
    shipment["inventory"]["tradeMode"] = "0110"
    assert inventory_check(shipment).info == "清单报文校验失败，贸易方式tradeMode[0110]不是9610、1210、9710或9810"


def test_orders_need_an_export_type_and_numbered_lines():
    """E1: orderType E/B/W; "无" as the platform code of an overseas booking is accepted."""
    booking = examples.export_purchase("CE0007", mode="9810")["order"]
    assert booking["ebpCode"] == "无" and ce.check_order(booking) == ACCEPTED
    booking["orderType"] = "I"
    booking["orderList"][1]["gnum"] = 5
    decision = ce.check_order(booking)
    assert decision.code == "-303001"
    assert decision.info == ("订单业务校验失败，订单类型orderType[I]不是E(B2C)、B(B2B)或W(海外仓订仓单)；"
                             "订单商品序号gnum[1,5]须从1开始连续编号")


def test_parcels_must_be_known_and_departures_must_have_arrived():
    """E7, E8, E10: unknown waybills are named; a departure of a parcel that never arrived is refused."""
    known = {("3301980001", "EX1"), ("3301980001", "EX2")}
    assert ce.check_parcels("CEB607", examples.bag(["EX1", "EX2"]), known.__contains__) == ACCEPTED
    assert ce.check_parcels("CEB607", examples.bag(["EX1", "EX9"]), known.__contains__) == ce.Decision(
        "-903001", "运单[3301980001/EX9]未向海关申报或未被海关接受")
    assert ce.check_parcels("CEB507", examples.arrival(["EX8"]), known.__contains__).code == "-803001"
    arrived = {("3301980001", "EX1")}
    assert ce.check_parcels("CEB509", examples.departure(["EX1"]), known.__contains__, arrived.__contains__) \
        == ACCEPTED
    assert ce.check_parcels("CEB509", examples.departure(["EX1", "EX2"]), known.__contains__,
                            arrived.__contains__) == ce.Decision(
        "-507002", "运单[3301980001/EX2]未运抵海关监管作业场所，不能离境")
    assert ce.check_parcels("CEB507", examples.arrival([]), known.__contains__) == ACCEPTED


@pytest.mark.parametrize(("status", "arrived", "departed", "inspected", "moves"), [
    ("120", False, False, False, []),
    ("120", True, False, False, ["399", "800"]),
    ("120", True, True, False, ["399", "800", "899"]),
    ("120", True, False, True, ["500", "399", "800"]),
    ("800", True, True, False, ["899"]),
    ("899", True, True, False, []),
    ("2", True, True, False, []),
    ("cancelled", True, True, False, []),
])
def test_an_accepted_inventory_moves_with_its_parcel(status, arrived, departed, inspected, moves):
    """E2: 120 waits; arrival releases (399, 800), departure clears (899); nothing moves a cancelled one."""
    steps = ce.progress({"status": status}, arrived, departed, inspected)
    assert [s for s, _ in steps] == moves


def exported(status="899", **more):
    shipment = examples.export_purchase("CE0010")
    return held("CEB603", shipment["inventory"], invtNo="29282026E000000001", status=status, type="CEB603",
                returned={}, **more), shipment


@pytest.mark.parametrize(("status", "code"), [("120", ""), ("399", ""), ("800", ""), ("899", "-607002"),
                                              ("cancelled", "-607002")])
def test_a_cancellation_is_taken_until_the_goods_leave(status, code):
    """E4: 120, 399, 800 cancellable; after departure (899) or a cancellation, -607002 with the state."""
    inventory, _ = exported(status)
    decision = ce.check_cancellation(examples.export_cancellation("29282026E000000001"), inventory)
    assert decision.code == code
    if code:
        assert decision.info.startswith("清单的状态不符合撤单申报要求(清单编号[29282026E000000001])！当前状态")


def test_a_cancellation_of_an_unknown_or_anothers_inventory_is_refused():
    inventory, _ = exported("120")
    cancellation = examples.export_cancellation("29282026E000000009")
    assert ce.check_cancellation(cancellation, None) == ce.Decision(
        "-607001", "系统中不存在清单编号为[29282026E000000009]的出口清单！")
    cancellation["ebcCode"] = "3301960009"
    assert ce.check_cancellation(cancellation, inventory).code == "-607003"


def test_a_return_of_a_departed_inventory_is_approved():
    """E5: CEB213 of an 899 inventory, same parties, 9661 for a 9610, quantities within the original."""
    inventory, shipment = exported()
    assert ce.check_return(examples.export_return(shipment["inventory"], "29282026E000000001"), inventory) == ACCEPTED


def test_a_return_names_every_broken_rule():
    inventory, shipment = exported()
    refund = examples.export_return(shipment["inventory"], "29282026E000000001", qty=Decimal(5))
    refund |= {"ebcCode": "3301960009", "country": "142", "tradeMode": "9610"}
    refund["invtRefundList"][0]["gmodel"] = "涤纶"
    refund["invtRefundList"].append(dict(refund["invtRefundList"][0], gnum=7))
    decision = ce.check_return(refund, inventory)
    assert decision.code == "100"
    for part in ("ebcCode[3301960009]与原清单[3301960001]不一致", "启运国country不能为中国[142]",
                 "贸易方式tradeMode[9610]应为[9661]（原清单贸易方式9610）",
                 "表体第[1]项gmodel[涤纶]与原清单[棉100%|针织|男式]不一致", "表体第[1]项退货qty[5]超过原清单[4]",
                 "表体第[1]项退货qty1[0.50000]超过原清单[0.4]", "原清单中未找到表体序号为[7]的商品"):
        assert part in decision.info


def test_returns_take_back_at_most_what_is_left():
    inventory, shipment = exported()
    first = examples.export_return(shipment["inventory"], "29282026E000000001", qty=Decimal(3))
    inventory["returned"] = ce.returned_after({}, first)
    assert inventory["returned"]["1"] == {"qty": "3", "qty1": "0.30000", "qty2": "0"}
    again = examples.export_return(shipment["inventory"], "29282026E000000001", qty=Decimal(2))
    decision = ce.check_return(again, inventory)
    assert "表体第[1]项退货qty[2]超过原清单[4]（已退[3]）" in decision.info
    assert ce.check_return(first, exported("120")[0]).info == (
        "退货申请单申报失败，清单[29282026E000000001]当前状态为[海关入库]，只有已放行或已结关的清单可以退货")


def test_a_tally_may_name_a_known_inventory():
    inventory, _ = exported()
    assert ce.check_tally(examples.tally("EX1", "29282026E000000001"), inventory) == ACCEPTED
    assert ce.check_tally(examples.tally("EX1"), None) == ACCEPTED
    assert ce.check_tally(examples.tally("EX1", "29282026E000000009"), None).code == "100"


def inventory_of(n, country="502", status="899", gcode="6109100021", ebc="3301960001", mode="9610", lines=2):
    shipment = examples.export_purchase(f"CESUM{n:04d}", mode=mode, country=country, gcode=gcode, lines=lines)
    shipment["inventory"]["ebcCode"] = ebc
    return held("CEB603", shipment["inventory"], invtNo=f"29282026E{n:09d}", status=status, type="CEB603",
                time=f"2026112{n % 10}120000000")


def test_summary_key_is_consignor_mode_country_port_hs_code_unit_currency():
    """E3: the customs summary rules, and summaryFlag 2 adding the producer/seller."""
    inventory = inventory_of(1)
    line = inventory["inventoryList"][0]
    assert ce.summary_key(inventory, line) == ("3301960001", "9610", "502", "2928", "6109100021", "011", "142")
    assert ce.summary_key(inventory, line, by_owner=True)[-1] == "3301960001"


def test_a_mixed_month_is_grouped_into_one_declaration_per_key():
    """E3: three countries and two HS codes: each key one declaration; an inventory whose lines have two HS codes
    is in two declarations; weights shared by the lines' value; gseqno counts within a declaration."""
    first, second, japan = inventory_of(1), inventory_of(2), inventory_of(3, country="116")
    second["inventoryList"][1]["gcode"] = "6110200090"
    application = examples.summary([])
    groups = ce.summarise(application, [first, second, japan])
    assert [[(line["invtNo"][-1], line["gnum"], line["gseqno"]) for line in g["lines"]] for g in groups] == [
        [("1", "1", "1"), ("1", "2", "2"), ("2", "1", "3")], [("2", "2", "1")], [("3", "1", "1"), ("3", "2", "2")]]
    assert [(g["grossWeight"], g["netWeight"]) for g in groups] == [
        ("1.35000", "1.20000"), ("0.45000", "0.40000"), ("0.90000", "0.80000")]


def test_a_summary_takes_only_the_applicants_departed_9610_inventories_not_summarised_before():
    """E3: the month's inventories not released, not departed, of another enterprise, simplified (A), another mode
    or summarised already are each refused with the reason (-703001)."""
    inventories = {i["invtNo"]: i for i in (
        inventory_of(1), inventory_of(2, status="120"), inventory_of(3, status="800"),
        inventory_of(4, ebc="3301960009"), inventory_of(5, mode="9710"), inventory_of(6), inventory_of(7))}
    inventories["29282026E000000007"]["statisticsFlag"] = "A"
    application = examples.summary(list(inventories) + ["29282026E000000008", "29282026E000000001"])
    problems = ce.summary_problems(application, [line["invtNo"] for line in application["summaryApplyList"]],
                                   inventories, {"29282026E000000006": "S20261201000000001"})
    not_summary = "不是9610汇总申报(statisticsFlag B)清单"
    assert problems == {
        "29282026E000000002": "未放行离境(当前状态[海关入库])", "29282026E000000003": "未放行离境(当前状态[放行])",
        "29282026E000000004": "收发货人[3301960009]不是申请人", "29282026E000000005": not_summary,
        "29282026E000000006": "已汇总于[S20261201000000001]", "29282026E000000007": not_summary,
        "29282026E000000008": "出口清单不存在", "29282026E000000001": "重复列出"}
    decision = ce.check_summary(application, ["29282026E000000002"], inventories, {})
    assert decision == ce.Decision(
        "-703001", "汇总申请单申报失败，清单[29282026E000000002]未放行离境(当前状态[海关入库])")
    assert ce.check_summary(examples.summary([]), [], inventories, {}).info == "汇总申请单申报失败，未列出可汇总的清单"


def test_a_time_window_replaces_the_list():
    """E3 (RULES.md 2.1 CEB701): startTime/endTime select the inventories cleared in the window."""
    inventories = [inventory_of(1), inventory_of(2), inventory_of(3, status="800"), inventory_of(4)]
    application = examples.summary(["29282026E000000004"], start="20261121000000", end="20261122235959")
    assert ce.uses_window(application) and not ce.uses_window(examples.summary([]))
    assert ce.in_window(application, inventories, {"29282026E000000001": "S1"}) == ["29282026E000000002"]


def test_summary_results_validate_against_the_export_schema():
    """E3: the CEB792 customs sends, first with the lines, then with the declaration number."""
    application = held("CEB701", examples.summary(["29282026E000000001"]))
    [declaration] = ce.summarise(application, [inventory_of(1)])
    declaration |= {"declSeqNo": ce.decl_seq_no(date(2026, 12, 1), 1), "entryId": ce.entry_id("2928", 2026, 1)}
    first = ce.summary_result(application, ce.sum_no(date(2026, 12, 1), 1), declaration, "20261201100000000", GUID,
                              final=False)
    final = ce.summary_result(application, ce.sum_no(date(2026, 12, 1), 1), declaration, "20261201100000001", GUID,
                              final=True)
    assert (first["decState"], len(first["summaryResultList"]), final["decState"], final["entryId"]) == (
        "A", 2, "B", "292820260000000001")
    assert ceb.validate(ceb.build("CEB792", [first, final], {}, GUID)) == []


def test_customs_numbers_have_the_spec_shapes():
    assert ce.invt_no("2928", 2026, 7) == "29282026E000000007"
    assert ce.sum_no(date(2026, 12, 1), 3) == "S20261201000000003"
    assert len(ce.decl_seq_no(date(2026, 12, 1), 3)) == 18
    assert ce.entry_id("2928", 2026, 3) == "292820260000000003" and ce.entry_id("2928", 2026, 3).isdigit()


def test_receipts_and_duplicates_of_each_export_type():
    """X6: 2 then 120; 399 for cancellations and summary applications; refusals with their code."""
    numbers = {"preNo": "B20261201000000001", "sumNo": "S20261201000000001"}
    assert [s.status for s in ce.receipts("CEB303", ACCEPTED, {}, GUID)] == ["2", "120"]
    assert [s.status for s in ce.receipts("CEB605", ACCEPTED, {}, GUID)] == ["2", "399"]
    summary = ce.receipts("CEB701", ACCEPTED, numbers, GUID)
    assert [(s.status, s.numbers.get("sumNo")) for s in summary] == [("2", None), ("399", "S20261201000000001")]
    refusal = ce.receipts("CEB603", ce.Decision("-603002", "x"), numbers, GUID)
    assert [s.status for s in refusal] == ["2", "-603002"]
    assert ce.duplicate("CEB505", "EX1") == ce.Decision("-504015", "已存在相同编号的运单[EX1]")
    assert ce.duplicate("CEB603", "E1").code == "-604001" and ce.duplicate("CEB213", "R1").code == "100"
