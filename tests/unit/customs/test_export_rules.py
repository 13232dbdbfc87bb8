"""E1-E10: the business rules the platform checks on every export document before sending it (RULES.md 2.1, 2.3,
2.4), so the declarant sees what customs would refuse. Each rule: a document that keeps it, one that breaks it, and
the field and rule code the declarant is shown, in both languages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from domain.customs import export_rules
from domain.customs.import_rules import check_against_inventory
from domain.customs.rules import check
from engine.customs import examples

INVT_NO = "29282026E000000001"
MODES = ["9610", "1210", "9710", "9810"]


def fields(errors) -> dict[str, str]:
    return {e.field: e.rule for e in errors}


def spoken(errors) -> bool:
    """Every error says what is wrong in both languages, naming its field."""
    return bool(errors) and all(e.message_zh and e.message_en and
                                e.field.rsplit(".", 1)[-1].split("[")[0] in e.message_en for e in errors)


def shipment(mode: str = "9610") -> dict[str, dict[str, Any]]:
    return examples.export_purchase("EXPRULES0001", mode=mode)


def with_line(document: dict[str, Any], list_name: str, index: int, **changes: Any) -> dict[str, Any]:
    lines = [dict(line) for line in document[list_name]]
    lines[index] |= changes
    return document | {list_name: lines}


@dataclass
class Stored:
    """An export inventory as the platform holds it: customs status and document."""

    status: str
    document: dict[str, Any]


@pytest.mark.parametrize("mode", MODES)
def test_the_demo_shipments_keep_every_rule(mode):
    """E1, E2, E3, E5, E7, E8, E10: the demo documents are the other tests' data and what integrators copy."""
    documents = shipment(mode)
    assert check("CEB303", documents["order"]) == []
    assert check("CEB603", documents["inventory"]) == []
    assert export_rules.check_against_order(documents["inventory"], documents["order"]) == []
    assert check("CEB213", examples.export_return(documents["inventory"], INVT_NO)) == []
    for message, document in (("CEB701", examples.summary([INVT_NO])), ("CEB607", examples.bag(["EX1", "EX2"])),
                              ("CEB507", examples.arrival(["EX1"])), ("CEB509", examples.departure(["EX1"]))):
        assert check(message, document) == [], message


# CEB303 order (E1) ---------------------------------------------------------------------------------------------------

def test_an_order_is_of_an_export_type():
    """E1: orderType E (B2C), B (B2B) or W (overseas-warehouse booking), nothing else (I is the import order)."""
    errors = check("CEB303", shipment()["order"] | {"orderType": "I"})
    assert fields(errors) == {"orderType": "order_type"} and spoken(errors)


def test_an_order_is_priced_in_any_currency_with_line_totals():
    """E1: totalPrice = qty x price, lines numbered 1..n; USD (502) is as good as CNY for an export."""
    order = with_line(shipment()["order"], "orderList", 1, totalPrice=Decimal("49"), gnum=3) | {"currency": "502"}
    errors = check("CEB303", order)
    assert fields(errors) == {"orderList[2].totalPrice": "line_total", "orderList[2].gnum": "sequence"}
    assert spoken(errors)


def test_an_overseas_platform_without_a_customs_code_declares_none_in_every_mode():
    """E1, E2: ebpCode "无" (RULES.md 2.1) for a W booking and for a B2C seller on a foreign marketplace alike."""
    assert check("CEB303", shipment("9810")["order"]) == []
    assert check("CEB303", shipment()["order"] | {"ebpCode": "无"}) == []
    assert check("CEB603", shipment("9710")["inventory"] | {"ebpCode": "无"}) == []


# CEB603 inventory (E2) -----------------------------------------------------------------------------------------------

def test_an_inventory_is_an_export_with_fixed_flags():
    """E2: ieFlag E, fFlag and iFlag 3 (总价), statisticsFlag A or B, ieDate a real YYYYMMDD date."""
    inventory = shipment()["inventory"] | {"ieFlag": "I", "fFlag": "1", "iFlag": "2", "statisticsFlag": "C",
                                           "ieDate": "20261131"}
    errors = check("CEB603", inventory)
    assert fields(errors) == {"ieFlag": "fixed_value", "fFlag": "fixed_value", "iFlag": "fixed_value",
                              "statisticsFlag": "one_of", "ieDate": "date_format"}
    assert spoken(errors)


@pytest.mark.parametrize("mode", ["9610", "1210", "9710", "9810"])
def test_the_four_export_trade_modes_are_taken(mode):
    assert check("CEB603", shipment(mode)["inventory"]) == []


def test_other_trade_modes_are_refused():
    """E2: tradeMode 9610, 1210, 9710 or 9810 (RULES.md 2.1 CEB603); 0110 general trade is not e-commerce."""
    errors = check("CEB603", shipment()["inventory"] | {"tradeMode": "0110"})
    assert fields(errors) == {"tradeMode": "trade_mode"} and spoken(errors)


def test_special_area_export_needs_the_area_enterprise_account_book_and_record_numbers():
    """E2: 1210 needs iacCode, iacName, emsNo and every line's itemRecordNo (RULES.md 2.3)."""
    inventory = with_line(shipment("1210")["inventory"] | {"iacCode": None, "iacName": "", "emsNo": None},
                          "inventoryList", 0, itemRecordNo=None)
    errors = check("CEB603", inventory)
    assert fields(errors) == {"iacCode": "mode_required", "iacName": "mode_required", "emsNo": "mode_required",
                              "inventoryList[1].itemRecordNo": "mode_required"}
    assert "1210" in errors[0].message_zh and spoken(errors)


def test_lines_have_totals_numbers_and_a_bar_code():
    """E2: totalPrice = qty x price, gnum 1..n, barCode given ("无" when there is none)."""
    inventory = with_line(shipment()["inventory"], "inventoryList", 0, totalPrice=Decimal("1"), barCode="")
    inventory = with_line(inventory, "inventoryList", 1, gnum=5)
    errors = check("CEB603", inventory)
    assert fields(errors) == {"inventoryList[1].totalPrice": "line_total", "inventoryList[1].barCode": "required",
                              "inventoryList[2].gnum": "sequence"}
    assert "无" in errors[-1].message_zh and spoken(errors)


@pytest.mark.parametrize(("mode", "order_type"), [("9610", "B"), ("1210", "W"), ("9710", "E"), ("9810", "E")])
def test_the_order_type_suits_the_trade_mode(mode, order_type):
    """E2: an order on the platform: E for 9610/1210, B for 9710, W for 9810 (RULES.md 2.3)."""
    documents = shipment(mode)
    errors = export_rules.check_against_order(documents["inventory"], documents["order"] | {"orderType": order_type})
    assert fields(errors) == {"tradeMode": "mode_order_type"} and spoken(errors)


def test_the_lines_are_the_orders_one_to_one_and_the_consignor_its_enterprise():
    """E2: gnum one to one with the order's lines; ebcCode the order's e-commerce enterprise (RULES.md 2.4)."""
    documents = shipment()
    inventory = with_line(documents["inventory"], "inventoryList", 1, gnum=3) | {"ebcCode": "3301960099"}
    errors = export_rules.check_against_order(inventory, documents["order"])
    assert fields(errors) == {"ebcCode": "order_ebc", "inventoryList[2].gnum": "order_gnum",
                              "inventoryList": "order_lines"}


# CEB605 cancellation (E4), CEB213 return (E5) ------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "taken"), [("120", True), ("399", True), ("800", True), ("899", False),
                                               ("100", False), ("2", False)])
def test_a_cancellation_is_taken_until_the_goods_left(status, taken):
    """E4: the inventory exists on the platform, in 120, 399 or 800; not after departure (899)."""
    cancellation = examples.export_cancellation(INVT_NO)
    errors = check_against_inventory("CEB605", cancellation, Stored(status, shipment()["inventory"]))
    assert (errors == []) is taken
    assert taken or fields(errors) == {"invtNo": "inventory_status"}
    assert fields(check_against_inventory("CEB605", cancellation, None)) == {"invtNo": "inventory_exists"}


def test_a_return_comes_back_from_abroad_as_an_import():
    """E5: ieFlag I, country not China, tradeMode 9661 or 1261 when given (RULES.md 2.1 CEB213)."""
    refund = examples.export_return(shipment()["inventory"], INVT_NO) | {"ieFlag": "E", "country": "142",
                                                                          "tradeMode": "9610"}
    errors = check("CEB213", refund)
    assert fields(errors) == {"ieFlag": "fixed_value", "country": "not_china", "tradeMode": "one_of"}
    assert spoken(errors)
    assert check("CEB213", examples.export_return(shipment("9710")["inventory"], INVT_NO)) == []  # no tradeMode


def test_a_return_takes_back_at_most_what_left_of_the_inventorys_lines():
    """E5: against the original inventory on the platform (800/899): its gnum, gcode, gname, qty <= original."""
    original = shipment()["inventory"]
    refund = with_line(examples.export_return(original, INVT_NO, qty=Decimal(5)), "invtRefundList", 1, gnum=9)
    errors = check_against_inventory("CEB213", refund, Stored("899", original))
    assert fields(errors) == {"invtRefundList[1].qty": "return_qty", "invtRefundList[2].gnum": "inventory_gnum"}
    assert "-625209" not in errors[1].message_zh and spoken(errors)
    assert fields(check_against_inventory("CEB213", refund, Stored("399", original))) == {"invtNo": "inventory_status"}


# CEB701 summary application (E3) -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("window", "rule"), [
    ({"startTime": "20261001000000"}, {"endTime": "time_pair"}),
    ({"endTime": "20261031235959"}, {"startTime": "time_pair"}),
    ({"startTime": "20261031000000", "endTime": "20261001000000"}, {"endTime": "time_order"}),
    ({"startTime": "20261032000000", "endTime": "20261101000000"}, {"startTime": "time_format"}),
])
def test_a_summary_time_window_is_a_pair_in_order(window, rule):
    """E3: startTime and endTime both or neither, endTime >= startTime (RULES.md 2.1 CEB701, 2.5)."""
    errors = check("CEB701", examples.summary([INVT_NO]) | window)
    assert fields(errors) == rule and spoken(errors)


def test_a_summary_lists_inventories_or_gives_a_window():
    """E3: without a time window at least one invtNo; with one, the list may be empty (customs ignores it)."""
    errors = check("CEB701", examples.summary([]))
    assert fields(errors) == {"summaryApplyList": "summary_items"}
    assert check("CEB701", examples.summary([], "20261001000000", "20261031235959")) == []


# CEB507 arrival, CEB509 departure, CEB607 bag (E7, E8, E10) ----------------------------------------------------------

@pytest.mark.parametrize(("message", "document", "list_name"), [
    ("CEB507", examples.arrival(["EX1", "EX2"]), "arrivalList"),
    ("CEB509", examples.departure(["EX1", "EX2"]), "departureList"),
    ("CEB607", examples.bag(["EX1", "EX2"]), "wayBillList"),
])
def test_split_messages_count_their_parts_and_number_their_parcels(message, document, list_name):
    """E7, E8, E10: msgCount and msgSeqNo positive, msgSeqNo <= msgCount; parcels numbered 1..n (RULES.md 2.0)."""
    errors = check(message, with_line(document | {"msgCount": 2, "msgSeqNo": 3}, list_name, 1, gnum=4))
    assert fields(errors) == {"msgSeqNo": "msg_seq", f"{list_name}[2].gnum": "sequence"} and spoken(errors)
    assert fields(check(message, document | {"msgCount": 0})) == {"msgCount": "positive"}


def test_the_parcels_listed_must_be_declared_export_waybills():
    """E7, E8, E10: one error naming every parcel that is not a declared export waybill of the logistics enterprise."""
    bag = examples.bag(["EX1", "EX2", "EX3"])
    assert export_rules.listed_waybills(bag, "wayBillList") == ["EX1", "EX2", "EX3"]
    [error] = export_rules.check_waybills(bag, "wayBillList", ["EX2", "EX3"])
    assert (error.field, error.rule) == ("wayBillList", "waybills_declared")
    assert "EX2" in error.message_zh and "EX3" in error.message_en and "3301980001" in error.message_zh
    assert export_rules.check_waybills(bag, "wayBillList", []) == []
