"""X6, I4-I11: the customs side's rules (domain/customs_node/rules.py), each passing and failing with the exact code."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters import ceb
from domain.customs_node import rules as clearance
from domain.shared.tax import Rates
from engine.customs import examples

GUID = "0106F91C-0E8C-419A-9CBC-1396A4976BE2"


@pytest.fixture
def purchase():
    return examples.purchase("CLEAR0001")


def inventory_check(p, used=Decimal(0)) -> clearance.Decision:
    return clearance.check_inventory(p["inventory"], p["order"], p["payment"], p["waybill"], used)


@pytest.mark.parametrize("mode", ["9610", "1210"])
def test_a_consistent_purchase_passes_the_three_document_match(mode):
    assert inventory_check(examples.purchase("CLEAR0002", mode=mode)) == clearance.ACCEPTED


def test_a_missing_payment_is_named_with_minus_621002(purchase):
    decision = clearance.check_inventory(purchase["inventory"], purchase["order"], None, purchase["waybill"],
                                         Decimal(0))
    assert decision.code == "-621002"
    assert decision.info == "四单回执解析失败，海关未收到或未接受支付单[订单3301960001/CLEAR0001]！"


def test_every_missing_document_is_named(purchase):
    decision = clearance.check_inventory(purchase["inventory"], None, None, None, Decimal(0))
    assert decision.code == "-621002"
    assert "订单[3301960001/CLEAR0001]" in decision.info and "运单[3301980001/YTCLEAR0001]" in decision.info


def test_an_amount_mismatch_names_both_values(purchase):
    purchase["payment"]["amountPaid"] = Decimal("800.00")
    decision = inventory_check(purchase)
    assert decision.code == "-621003"
    assert f"acturalPaid[{purchase['order']['acturalPaid']}]" in decision.info
    assert "amountPaid[800.00]" in decision.info


def test_a_consignee_mismatch_between_order_and_waybill_is_refused(purchase):
    purchase["waybill"] |= {"consignee": "李四", "consigneeTelephone": "13900000000"}
    decision = inventory_check(purchase)
    assert decision.code == "-621003"
    assert "订单consignee[张三]与运单consignee[李四]不一致" in decision.info
    assert "consigneeTelephone[13800000000]与运单consigneeTelephone[13900000000]" in decision.info


def test_inventory_lines_must_match_the_order_lines_one_to_one(purchase):
    extra = dict(purchase["inventory"]["inventoryList"][0], gnum=3)
    purchase["inventory"]["inventoryList"].append(extra)
    decision = inventory_check(purchase)
    assert decision.code == "-621003"
    assert "清单表体商品序号gnum[1,2,3]与订单商品序号gnum[1,2]不一一对应" in decision.info


def test_goods_names_must_be_the_order_item_names(purchase):
    purchase["inventory"]["inventoryList"][1]["gname"] = "奶粉"
    decision = inventory_check(purchase)
    assert decision.code == "-621003"
    assert decision.info == ("清单申报失败，清单表体第[2]项商品名称gname[奶粉]与订单商品名称"
                             "itemName[婴儿配方奶粉 2段]不一致")


def test_the_waybill_must_name_the_same_order(purchase):
    purchase["waybill"]["orderNo"] = "OTHER"
    decision = inventory_check(purchase)
    assert decision.code == "-621003" and "运单orderNo[OTHER]与清单orderNo[CLEAR0001]不一致" in decision.info


def test_the_single_transaction_limit():
    over = examples.purchase("CLEAR0003", price=Decimal("1250.00"))  # 5000 goods + 10 freight
    decision = inventory_check(over)
    assert decision == clearance.Decision("-621005", "清单[CCLEAR0003]的购买金额超过单笔限额[5000]")
    at_limit = examples.purchase("CLEAR0004", price=Decimal("1247.50"))  # 4990 + 10 = 5000
    assert inventory_check(at_limit) == clearance.ACCEPTED


def test_the_annual_limit_counts_what_the_buyer_used_this_year(purchase):
    value = Decimal("804.00")  # 4 x 198.50 + 10 freight
    assert inventory_check(purchase, used=Decimal(26000) - value) == clearance.ACCEPTED
    decision = inventory_check(purchase, used=Decimal(25500))
    assert decision == clearance.Decision(
        "-621018", "清单[CCLEAR0001]中购买人[330102199001011234]已用购买额度为[25500.00]，"
                   "本次购买将超过年度限额[26000]")


def test_bonded_1210_needs_its_account_book_area_and_item_record_numbers():
    p = examples.purchase("CLEAR0005", mode="1210")
    del p["inventory"]["emsNo"]
    p["inventory"]["areaName"] = ""
    p["inventory"]["inventoryList"][1]["itemRecordNo"] = None
    decision = inventory_check(p)
    assert decision.code == "-621001"
    assert decision.info == "清单报文校验失败，贸易方式1210须填写: emsNo、areaName、表体第[2]项itemRecordNo"


def test_direct_purchase_9610_needs_conveyance_voyage_and_bill():
    p = examples.purchase("CLEAR0006")
    p["inventory"]["billNo"] = ""
    decision = inventory_check(p)
    assert decision.code == "-621001" and decision.info.endswith("billNo")


def test_orders_break_their_rules_with_100(purchase):
    assert clearance.check_order(purchase["order"]) == clearance.ACCEPTED
    decision = clearance.check_order(purchase["order"] | {"acturalPaid": Decimal(1)})
    assert decision.code == "100" and decision.info.startswith("acturalPaid: ")


def test_a_delivery_receipt_needs_the_waybill(purchase):
    assert clearance.check_delivery(purchase["delivery"], purchase["waybill"]) == clearance.ACCEPTED
    decision = clearance.check_delivery(purchase["delivery"], None)
    assert decision.code == "100" and "运单[3301980001/YTCLEAR0001]" in decision.info


@pytest.mark.parametrize(("message_type", "code"), [
    ("CEB311", "-301010"), ("CEB411", "-401007"), ("CEB511", "-504015"), ("CEB513", "-505012"),
    ("CEB621", "-621004"), ("CEB623", "-623009"), ("CEB625", "-625033"), ("CEB711", "-800003")])
def test_duplicates_are_refused_with_the_code_of_their_type(message_type, code):
    decision = clearance.duplicate(message_type, "N0001")
    assert decision.code == code and "[N0001]" in decision.info


def released(p, status="800", **more):
    return clearance.kept("CEB621", p["inventory"]) | {"invtNo": "29282026I000000001", "status": status} | more


@pytest.mark.parametrize("status", ["120", "399", "500", "800"])
def test_a_cancellation_is_taken_in_the_cancellable_states(purchase, status):
    cancellation = examples.cancellation(purchase["inventory"], "29282026I000000001")
    assert clearance.check_cancellation(cancellation, released(purchase, status)) == clearance.ACCEPTED


def test_a_cancellation_of_an_unknown_or_ended_inventory_is_refused(purchase):
    cancellation = examples.cancellation(purchase["inventory"], "29282026I000000001")
    unknown = clearance.check_cancellation(cancellation, None)
    assert unknown == clearance.Decision("-623003", "系统中不存在清单编号为[29282026I000000001]的清单！")
    for status in ("cancelled", "2", "100"):
        decision = clearance.check_cancellation(cancellation, released(purchase, status))
        assert decision.code == "-623005"
        assert decision.info.startswith("清单的状态不符合撤单申报要求(清单编号[29282026I000000001])！")
    assert "已撤销" in clearance.check_cancellation(cancellation, released(purchase, "cancelled")).info


def test_a_return_of_a_released_inventory_is_approved(purchase):
    refund = examples.refund(purchase["inventory"], "29282026I000000001", qty=Decimal(1))
    assert clearance.check_return(refund, released(purchase)) == clearance.ACCEPTED
    assert clearance.check_return(refund, released(purchase, returned={"1": "1"})) == clearance.ACCEPTED


def test_a_return_is_refused_when_its_inventory_is_unknown_or_not_released(purchase):
    refund = examples.refund(purchase["inventory"], "29282026I000000001")
    assert clearance.check_return(refund, None).code == "-625004"
    decision = clearance.check_return(refund, released(purchase, "120"))
    assert decision.code == "-625004" and "当前状态为[海关入库]" in decision.info


def test_a_return_line_must_exist_in_the_inventory(purchase):
    refund = examples.refund(purchase["inventory"], "29282026I000000001") | {"copNo": "625R0001"}
    refund["invtRefundList"][0]["gnum"] = 7
    decision = clearance.check_return(refund, released(purchase))
    assert decision == clearance.Decision(
        "-625209", "退货申请单[625R0001],在关联的清单中未找到表体序号为[7],商品编号为[0402210000]的数据")


def test_a_return_takes_back_at_most_what_is_left(purchase):
    refund = examples.refund(purchase["inventory"], "29282026I000000001", qty=Decimal(3))
    decision = clearance.check_return(refund, released(purchase))
    assert decision == clearance.Decision("-625004", "退货申请单申报失败，表体第[1]项退货数量[3]超过清单数量[2]")
    again = examples.refund(purchase["inventory"], "29282026I000000001", qty=Decimal(1))
    decision = clearance.check_return(again, released(purchase, returned={"1": "2"}))
    assert decision.code == "-625004" and decision.info.endswith("（已退[2]）")


def test_an_accepted_inventory_goes_120_399_800_with_its_numbers():
    numbers = {"preNo": "B20261125000000001", "invtNo": "29282026I000000001"}
    steps = clearance.receipts("CEB621", clearance.ACCEPTED, numbers, GUID)
    assert [s.status for s in steps] == ["2", "120", "399", "800"]
    assert steps[0] == clearance.Step("2", f"新增申报成功[{GUID}]", {"preNo": "B20261125000000001"})
    assert all(s.numbers == numbers for s in steps[1:])
    inspected = clearance.receipts("CEB621", clearance.ACCEPTED, numbers, GUID, inspected=True)
    assert [s.status for s in inspected] == ["2", "120", "500", "399", "800"]


def test_refusals_and_the_other_types_answer_2_then_their_result():
    refusal = clearance.refused("-621002", "四单回执解析失败")
    assert [(s.status, s.info) for s in clearance.receipts("CEB621", refusal, {"preNo": "B1"}, GUID)][1:] == [
        ("-621002", "四单回执解析失败")]
    assert [s.status for s in clearance.receipts("CEB623", clearance.ACCEPTED, {}, GUID)] == ["2", "399"]
    assert [s.status for s in clearance.receipts("CEB625", clearance.ACCEPTED, {}, GUID)] == ["2", "399"]
    entry = clearance.receipts("CEB711", clearance.ACCEPTED, {"preNo": "B1", "rkdNo": "R1"}, GUID)
    assert [(s.status, s.numbers.get("rkdNo")) for s in entry] == [("2", None), ("120", "R1")]
    assert [s.status for s in clearance.receipts("CEB411", clearance.ACCEPTED, {}, GUID)] == ["2", "120"]


def test_customs_numbers_have_the_spec_shapes():
    from datetime import date

    assert clearance.pre_no(date(2026, 11, 25), 12) == "B20261125000000012"
    assert clearance.invt_no("2928", 2026, 7) == "29282026I000000007"
    assert len(clearance.rkd_no("2928", date(2026, 11, 25), 3)) == 18
    assert clearance.tax_no("29282026I000000007") == "29282026I00000000701"


def test_the_tax_bill_uses_the_rates_and_validates(purchase):
    inventory = released(purchase)
    bill = clearance.tax_bill(inventory, "29282026I00000000101", lambda _: Rates(vat=Decimal(13)),
                              "20261125120000000", GUID)
    assert (bill["customsTax"], bill["valueAddedTax"], bill["consumptionTax"]) == (0, Decimal("73.16"), 0)
    assert [line["gnum"] for line in bill["taxListRd"]] == [1, 2] and bill["status"] == "1"
    assert "无税率" not in bill["note"]
    assert ceb.validate(ceb.build("CEB816", [bill], {}, GUID)) == []


def test_without_rates_the_taxes_are_0_and_the_bill_says_why(purchase):
    bill = clearance.tax_bill(released(purchase), "29282026I00000000101", lambda _: None, "20261125120000000", GUID)
    assert bill["valueAddedTax"] == 0 and "商品编码[0402210000]无税率" in bill["note"]


def test_a_voided_tax_bill_status_validates(purchase):
    status = clearance.tax_status(released(purchase, taxNo="29282026I00000000101"), "3", "20261125120000001", GUID)
    assert status["status"] == "3" and status["assureCode"] == "3301960001"
    assert ceb.validate(ceb.build("CEB818", [status], {}, GUID)) == []


def test_customs_keeps_what_later_documents_are_matched_on(purchase):
    order = clearance.kept("CEB311", purchase["order"])
    assert order["acturalPaid"] == str(purchase["order"]["acturalPaid"])
    assert order["orderList"] == [{"gnum": "1", "itemName": "婴儿配方奶粉 1段"},
                                  {"gnum": "2", "itemName": "婴儿配方奶粉 2段"}]
    assert clearance.kept("CEB711", examples.entry(["YT1"])) == {}
