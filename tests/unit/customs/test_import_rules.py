"""I4-I11: the business rules the platform checks on every import document before sending it, so the declarant sees
what customs would refuse (RULES.md 2.2-2.4). Each rule: a document that keeps it, one that breaks it, and the exact
field and rule code the declarant is shown."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from domain.customs import import_rules
from domain.customs.import_rules import check_against_inventory, check_against_order, check_annual_limit
from domain.customs.rules import check
from engine.customs import examples

INVT_NO = "29282026I000000001"


def fields(errors) -> dict[str, str]:
    return {e.field: e.rule for e in errors}


def inventory(mode: str = "9610", **changes: Any) -> dict[str, Any]:
    return examples.purchase("RULES0001", mode=mode)["inventory"] | changes


def with_line(document: dict[str, Any], list_name: str, index: int, **changes: Any) -> dict[str, Any]:
    lines = [dict(line) for line in document[list_name]]
    lines[index] |= changes
    return document | {list_name: lines}


def spoken(errors) -> bool:
    """Every error says what is wrong in both languages, naming its field."""
    return all(e.message_zh and e.message_en and e.field.rsplit(".", 1)[-1].split("[")[0] in e.message_en
               for e in errors)


@pytest.mark.parametrize("mode", ["9610", "1210"])
def test_the_demo_purchase_keeps_every_rule(mode):
    """I3, I4, I8-I11, I5, I6: the demo documents are the other tests' data and what integrators copy."""
    purchase = examples.purchase("RULES0001", mode=mode)
    for name, message in (("order", "CEB311"), ("payment", "CEB411"), ("waybill", "CEB511"),
                          ("delivery", "CEB513"), ("inventory", "CEB621")):
        assert check(message, purchase[name]) == [], name
    assert check("CEB623", examples.cancellation(purchase["inventory"], INVT_NO)) == []
    assert check("CEB625", examples.refund(purchase["inventory"], INVT_NO)) == []
    assert check("CEB711", examples.entry(["YT1", "YT2"])) == []
    assert check_against_order(purchase["inventory"], purchase["order"]) == []


# the buyer's identity (I4) -------------------------------------------------------------------------------------------

def test_gb11643_check_characters():
    """I4: the check character of the standard's own examples, X included."""
    assert import_rules.id_check_digit("11010519491231002") == "X"
    assert import_rules.id_check_digit("44052418800101001") == "4"


@pytest.mark.parametrize("number", ["11010519491231002X", "330102199001011234"])
def test_a_valid_id_number_passes(number):
    assert check("CEB621", inventory(buyerIdNumber=number)) == []


@pytest.mark.parametrize(("number", "rule"), [
    ("330102199001011235", "id_check_digit"),  # one digit off
    ("11010519491231002x", "id_format"),  # lower-case x
    ("33010219900101123", "id_format"),  # 17 characters
    ("3301021990010112345", "id_format"),  # 19 characters
    ("33010219900101123A", "id_format"),
    ("330102199013011231", "id_birth_date"),  # month 13, check character right
])
def test_a_wrong_id_number_is_refused_with_its_rule(number, rule):
    """I4: buyerIdNumber is an 18-character resident ID card number with the GB 11643 check character."""
    errors = check("CEB621", inventory(buyerIdNumber=number))
    assert fields(errors) == {"buyerIdNumber": rule}
    assert spoken(errors)


def test_the_check_digit_error_says_which_character_is_expected():
    [error] = check("CEB311", examples.import_order() | {"buyerIdNumber": "330102199001011235"})
    assert (error.field, error.rule) == ("buyerIdNumber", "id_check_digit")
    assert "4" in error.message_zh and "should be 4" in error.message_en


@pytest.mark.parametrize("name", ["张", "买家8888", "x" * 61])
def test_the_buyer_name_must_be_a_real_name(name):
    """I4: buyerName is the real name (2-60 characters, no digits), not an account or nickname."""
    assert fields(check("CEB621", inventory(buyerName=name))) == {"buyerName": "real_name"}


@pytest.mark.parametrize("name", ["张三", "欧阳娜娜", "Anna Müller", "阿卜杜·热合曼"])
def test_real_names_pass(name):
    assert check("CEB621", inventory(buyerName=name)) == []


def test_the_identity_is_checked_on_every_document_naming_the_buyer():
    """I3, I5, I6, I10: buyerIdNumber of orders, cancellations and returns, payerIdNumber and payerName of
    payments."""
    purchase = examples.purchase("RULES0001")
    bad = "330102199001011235"
    assert fields(check("CEB311", purchase["order"] | {"buyerIdNumber": bad})) == {"buyerIdNumber": "id_check_digit"}
    assert fields(check("CEB411", purchase["payment"] | {"payerIdNumber": bad, "payerName": "1号"})) == {
        "payerIdNumber": "id_check_digit", "payerName": "real_name"}
    cancellation = examples.cancellation(purchase["inventory"], INVT_NO) | {"buyerIdNumber": bad}
    assert fields(check("CEB623", cancellation)) == {"buyerIdNumber": "id_check_digit"}
    refund = examples.refund(purchase["inventory"], INVT_NO) | {"buyerIdNumber": bad}
    assert fields(check("CEB625", refund)) == {"buyerIdNumber": "id_check_digit"}


def test_an_id_number_of_another_id_type_is_not_held_to_the_id_card_rule():
    """I6: the return's buyerIdType is not fixed to 1 (身份证); another type's number has no GB 11643 check."""
    refund = examples.refund(inventory(), INVT_NO) | {"buyerIdType": "2", "buyerIdNumber": "E12345678"}
    assert check("CEB625", refund) == []


# CEB621 inventory (I4) -----------------------------------------------------------------------------------------------

def test_only_retail_import_trade_modes():
    """I4: tradeMode 9610 (直购进口) or 1210 (保税进口)."""
    errors = check("CEB621", inventory(tradeMode="9710"))
    assert fields(errors) == {"tradeMode": "trade_mode"} and spoken(errors)


def test_direct_purchase_needs_the_conveyance_and_bill():
    """I4: 9610 needs trafNo, voyageNo and billNo (RULES.md 2.3)."""
    errors = check("CEB621", inventory(trafNo=None, voyageNo="", billNo=None))
    assert fields(errors) == {"trafNo": "mode_required", "voyageNo": "mode_required", "billNo": "mode_required"}
    assert "9610" in errors[0].message_zh and spoken(errors)


def test_bonded_import_needs_account_book_zone_and_item_record_and_country_142():
    """I4: 1210 needs emsNo, areaCode, areaName, every line's itemRecordNo, and country 142 (RULES.md 2.3)."""
    document = with_line(inventory("1210", emsNo=None, areaCode=None, areaName=None, country="601"),
                         "inventoryList", 1, itemRecordNo=None)
    assert fields(check("CEB621", document)) == {
        "emsNo": "mode_required", "areaCode": "mode_required", "areaName": "mode_required",
        "country": "fixed_value", "inventoryList[2].itemRecordNo": "mode_required"}


def test_fixed_values_of_an_inventory():
    """I4: ieFlag I, currency 142 on head and lines, packNo 1, buyerIdType 1."""
    document = with_line(inventory(ieFlag="E", currency="502", packNo=2, buyerIdType="2"), "inventoryList", 0,
                         currency="502")
    assert fields(check("CEB621", document)) == {
        "ieFlag": "fixed_value", "currency": "fixed_value", "packNo": "fixed_value", "buyerIdType": "fixed_value",
        "inventoryList[1].currency": "fixed_value"}
    assert check("CEB621", inventory(packNo="1")) == [] and check("CEB621", inventory(packNo=Decimal("1.0"))) == []


def test_inventory_lines_are_numbered_priced_and_have_a_legal_quantity():
    """I4: gnum consecutive from 1, totalPrice = price x qty, qty1 > 0."""
    document = with_line(inventory(), "inventoryList", 1, gnum=3, totalPrice=Decimal("1"), qty1=0)
    assert fields(check("CEB621", document)) == {"inventoryList[2].gnum": "sequence",
                                                 "inventoryList[2].totalPrice": "line_total",
                                                 "inventoryList[2].qty1": "positive"}


@pytest.mark.parametrize("party", ["ebpCode", "ebcCode", "logisticsCode", "agentCode"])
def test_the_guarantor_is_one_of_the_inventorys_enterprises(party):
    """I4: assureCode is the platform, e-commerce enterprise, logistics enterprise or declarant (RULES.md 2.2)."""
    document = inventory()
    assert check("CEB621", document | {"assureCode": document[party]}) == []


def test_a_stranger_as_guarantor_is_refused():
    errors = check("CEB621", inventory(assureCode="9999999999"))
    assert fields(errors) == {"assureCode": "assure_code"}
    assert "3301980001" in errors[0].message_en  # says whom it may be


@pytest.mark.parametrize("day", ["20261131", "2026-11-25", "26112500"])
def test_the_declaration_date_is_a_real_date(day):
    assert fields(check("CEB621", inventory(declTime=day))) == {"declTime": "date_format"}


def test_over_the_single_transaction_limit_is_refused_with_the_customs_code():
    """I4: goods + freight + insurance above 5000 CNY: customs would refuse with -621005."""
    document = examples.purchase("RULES0001", lines=1, price=Decimal("2500"))["inventory"]  # 2 x 2500 + 10
    errors = check("CEB621", document)
    assert fields(errors) == {"inventoryList": "single_limit"}
    assert "-621005" in errors[0].message_zh and "-621005" in errors[0].message_en
    assert "5010" in errors[0].message_en


def test_exactly_the_single_limit_passes():
    document = examples.purchase("RULES0001", lines=1, price=Decimal("2495"))["inventory"]  # 4990 + 10
    assert check("CEB621", document) == []


def test_the_annual_limit_counts_what_the_buyer_already_used():
    """I4: used this calendar year + this inventory above 26000 CNY: -621018, naming the used amount."""
    document = inventory()  # 2 x 397 + 10 = 804
    assert check_annual_limit(document, Decimal("25196")) == []
    [error] = check_annual_limit(document, Decimal("25196.01"))
    assert (error.field, error.rule) == ("buyerIdNumber", "annual_limit")
    assert "-621018" in error.message_zh and "25196.01" in error.message_zh and "-621018" in error.message_en


# CEB621 against the platform's own order (RULES.md 2.4) ---------------------------------------------------------------

def test_inventory_lines_must_be_the_orders_lines():
    """I4: gnum one-to-one with the order's lines, gname the order's goods name."""
    purchase = examples.purchase("RULES0001", lines=3)
    document = purchase["inventory"]
    renamed = with_line(document, "inventoryList", 0, gname="奶粉")
    errors = check_against_order(renamed, purchase["order"])
    assert fields(errors) == {"inventoryList[1].gname": "order_gname"}
    assert "婴儿配方奶粉 1段" in errors[0].message_zh
    shorter = document | {"inventoryList": document["inventoryList"][:2]}
    assert fields(check_against_order(shorter, purchase["order"])) == {"inventoryList": "order_lines"}
    extra = with_line(document, "inventoryList", 2, gnum=4)
    assert fields(check_against_order(extra, purchase["order"])) == {"inventoryList[3].gnum": "order_gnum",
                                                                     "inventoryList": "order_lines"}


# the other documents -------------------------------------------------------------------------------------------------

def test_payment_rules():
    """I10: currency 142, payerIdType 1, payTime a real YYYYMMDDhhmmss."""
    payment = examples.purchase("RULES0001")["payment"]
    assert fields(check("CEB411", payment | {"currency": "840", "payerIdType": "2", "payTime": "20261125250000"})) \
        == {"currency": "fixed_value", "payerIdType": "fixed_value", "payTime": "time_format"}
    assert fields(check("CEB411", payment | {"payTime": "202611250930"})) == {"payTime": "time_format"}


def test_waybill_rules():
    """I8: packNo 1, currency 142."""
    waybill = examples.purchase("RULES0001")["waybill"]
    assert fields(check("CEB511", waybill | {"packNo": 3, "currency": "840"})) == {
        "packNo": "fixed_value", "currency": "fixed_value"}


def test_delivery_receipt_rules():
    """I9: logisticsStatus S (签收) only, logisticsTime a real YYYYMMDDhhmmss."""
    delivery = examples.purchase("RULES0001")["delivery"]
    assert fields(check("CEB513", delivery | {"logisticsStatus": "R", "logisticsTime": "2026112815000"})) == {
        "logisticsStatus": "fixed_value", "logisticsTime": "time_format"}


def test_warehouse_entry_rules():
    """I11: ieFlag I or E, at least one delivery line, lines numbered 1..n."""
    entry = examples.entry(["YT1", "YT2"])
    assert check("CEB711", entry | {"ieFlag": "E"}) == []
    assert fields(check("CEB711", entry | {"ieFlag": "X"})) == {"ieFlag": "one_of"}
    assert fields(check("CEB711", entry | {"deliveryList": []})) == {"deliveryList": "required"}
    assert fields(check("CEB711", with_line(entry, "deliveryList", 1, gnum=5))) == {"deliveryList[2].gnum": "sequence"}


def test_a_cancellation_is_only_ever_new():
    """I5: CEB623 appType 1 only (S22 p96)."""
    cancellation = examples.cancellation(inventory(), INVT_NO)
    assert fields(check("CEB623", cancellation | {"appType": "2"})) == {"appType": "fixed_value"}


# CEB625 return against its inventory (I6) ----------------------------------------------------------------------------

@dataclass
class Stored:
    """An inventory as the platform holds it: customs status and document."""

    status: str
    document: dict[str, Any]


def test_a_return_of_the_inventorys_own_lines_passes():
    original = inventory()
    assert check_against_inventory("CEB625", examples.refund(original, INVT_NO), Stored("800", original)) == []
    partly = examples.refund(original, INVT_NO, qty=Decimal(1))
    assert check_against_inventory("CEB625", partly, Stored("899", original)) == []


def test_return_lines_must_be_lines_of_the_inventory():
    """I6: each gnum exists in the inventory (-625209), gcode and gname as declared, qty <= declared, once."""
    original = inventory()
    refund = examples.refund(original, INVT_NO)
    lines = refund["invtRefundList"]
    changed = refund | {"invtRefundList": [
        lines[0] | {"gcode": "0402290000", "gname": "奶粉", "qty": Decimal(3)}, lines[1] | {"gnum": 7}, lines[0]]}
    errors = check_against_inventory("CEB625", changed, Stored("800", original))
    assert fields(errors) == {
        "invtRefundList[1].gcode": "inventory_gcode", "invtRefundList[1].gname": "inventory_gname",
        "invtRefundList[1].qty": "return_qty", "invtRefundList[2].gnum": "inventory_gnum",
        "invtRefundList[3].gnum": "duplicate"}
    assert "-625209" in errors[3].message_zh and spoken(errors)


def test_a_return_needs_a_released_inventory_on_the_platform():
    """I6: the inventory must exist and be released (800/899) before goods come back."""
    original = inventory()
    refund = examples.refund(original, INVT_NO)
    assert fields(check_against_inventory("CEB625", refund, None)) == {"invtNo": "inventory_exists"}
    assert fields(check_against_inventory("CEB625", refund, Stored("120", original))) == {"invtNo": "inventory_status"}


def test_a_cancellation_needs_an_inventory_customs_still_holds():
    """I5: cancellations are taken in before release (CANCELLABLE), not after a refusal."""
    original = inventory()
    cancellation = examples.cancellation(original, INVT_NO)
    assert check_against_inventory("CEB623", cancellation, Stored("120", original)) == []
    assert fields(check_against_inventory("CEB623", cancellation, Stored("100", original))) == {
        "invtNo": "inventory_status"}
