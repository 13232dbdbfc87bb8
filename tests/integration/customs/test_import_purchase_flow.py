"""I3-I11, I7, X6: retail import purchases from declaration to 放行 and the electronic tax bill, through the customs
node simulator playing the customs side: the three-document match, the personal limits, cancellations, returns,
delivery receipts and warehouse entries, each refusal with the spec's code, and a simulator restart that forgets
nothing.

The platform refuses some bad documents itself before sending them (domain/customs/import_rules.py); customs must
refuse them too, so those are stored past the platform's checks (`send_unchecked`) and judged by customs alone."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from adapters import ceb
from adapters.signing import verify_bytes
from engine import bootstrap, clock
from engine.customs import examples
from engine.customs.service import to_values
from engine.demo import ensure_demo_enterprises, ensure_demo_rates

ROLES = {"order": "CEB311", "payment": "CEB411", "waybill": "CEB511", "inventory": "CEB621", "delivery": "CEB513"}
PURCHASE = ("order", "payment", "waybill", "inventory")


def new_platform(make_platform, database_url=None, faults=""):
    """A platform with the demo enterprises of every role and the demo HS rates."""
    platform = make_platform(database_url, faults=faults)
    ensure_demo_enterprises(platform.identity.enterprises)
    ensure_demo_rates(platform.reference)
    return platform


def send_unchecked(platform, message_type: str, raw: dict[str, Any], links: dict[str, str] | None = None) -> Any:
    """Store a document as declared, skipping the platform's checks, as if they had let it through."""
    declarations = platform.customs.declarations[message_type]
    moment = clock.now()
    document = to_values(declarations.complete(raw, moment), declarations.catalog, message_type)
    number = str(document.get(declarations.doc_type.number) or "")
    aggregate = declarations.new(declarations.doc_type.key_of(document), number, document, "test", moment,
                                 links or {})
    platform.store.save(aggregate)
    return aggregate


def declare(platform, purchase, roles=PURCHASE, unchecked=()) -> None:
    for role in roles:
        if role in unchecked:
            send_unchecked(platform, ROLES[role], purchase[role])
        else:
            platform.customs.declarations[ROLES[role]].declare(purchase[role], "test")


def document(platform, message_type: str, *key: str) -> Any:
    return platform.customs.declarations[message_type].get_by_key(tuple(key))


def inventory(platform, purchase) -> Any:
    return document(platform, "CEB621", purchase["inventory"]["copNo"])


def answers(aggregate) -> list[tuple[str, str]]:
    return [(r["returnStatus"], r["returnInfo"]) for r in aggregate.receipts]


def bought(platform, order_no: str, mode: str = "9610", **options) -> tuple[dict[str, Any], Any]:
    """A purchase declared and run to its end; with its inventory."""
    purchase = examples.purchase(order_no, mode=mode, **options)
    declare(platform, purchase)
    platform.runner.run_until_idle()
    return purchase, inventory(platform, purchase)


def tax_bill(platform, invt_no: str) -> dict[str, Any]:
    [bill], _ = platform.customs.documents_view.tax_bills(invt_nos=[invt_no])
    return bill


def test_a_9610_purchase_is_released_with_its_tax_bill(make_platform, database_url):
    """I3, I4, I7, I8, I9, I10: order, payment, waybill, inventory and delivery receipt, each answered by customs;
    the inventory goes 2, 120, 399, 800 with its numbers, then the tax bill; every receipt validates."""
    platform = new_platform(make_platform, database_url)
    purchase = examples.purchase("FLOW9610000001")
    declare(platform, purchase, (*PURCHASE, "delivery"))
    platform.runner.run_until_idle()

    assert platform.customs.import_orders.get("3301960001", "FLOW9610000001").status == "120"
    assert document(platform, "CEB411", "3301960002", "PAYFLOW9610000001").status == "120"
    assert document(platform, "CEB511", "3301980001", "YTFLOW9610000001").status == "120"
    assert document(platform, "CEB513", "3301980001", "YTFLOW9610000001").status == "120"
    invt = inventory(platform, purchase)
    assert [status for status, _ in answers(invt)] == ["2", "120", "399", "800"]
    assert invt.status == "800" and invt.return_info == "放行"
    assert re.fullmatch(r"B\d{17}", invt.numbers["preNo"])
    assert re.fullmatch(r"2928\d{4}I\d{9}", invt.numbers["invtNo"])
    times = [r["returnTime"] for r in invt.receipts]
    assert times == sorted(times) and len(set(times)) == 4

    bill = tax_bill(platform, invt.numbers["invtNo"])
    # 794 goods + 10 freight, VAT 13 % (demo rate) at 70 %, no duty, no consumption tax
    assert (bill["status"], bill["customs_tax"], bill["value_added_tax"], bill["total_tax"]) == \
        ("1", "0", "73.16", "73.16")
    receipts = list(platform.box.folder("handled").iterdir())
    assert {p.name.split("Message_")[0] for p in receipts} >= {"CEB312", "CEB412", "CEB512", "CEB514", "CEB622",
                                                                "CEB816"}
    assert [p.name for p in receipts if ceb.validate(p.read_bytes())] == []


def test_a_1210_bonded_purchase_is_released_with_its_tax_bill(make_platform):
    """I4, I7: the bonded mode (account book, area, item record numbers) reaches 放行 too."""
    platform = new_platform(make_platform)
    _, invt = bought(platform, "FLOW1210000001", mode="1210")
    assert invt.status == "800"
    bill = tax_bill(platform, invt.numbers["invtNo"])
    assert bill["status"] == "1" and Decimal(bill["value_added_tax"]) > 0


def test_a_missing_payment_stops_the_inventory(make_platform):
    """I4 三单对碰: customs has no payment for the order: -621002 naming it."""
    platform = new_platform(make_platform)
    purchase = examples.purchase("NOPAY000000001")
    declare(platform, purchase, ("order", "waybill", "inventory"))
    platform.runner.run_until_idle()
    invt = inventory(platform, purchase)
    assert invt.status == "-621002"
    assert invt.return_info == "四单回执解析失败，海关未收到或未接受支付单[订单3301960001/NOPAY000000001]！"
    assert "invtNo" not in invt.numbers and invt.numbers["preNo"]


def test_a_payment_of_another_amount_fails_the_match(make_platform):
    """I4, I10: order acturalPaid and payment amountPaid differ: -621003 with both values."""
    platform = new_platform(make_platform)
    purchase = examples.purchase("AMOUNT00000001")
    purchase["payment"]["amountPaid"] = Decimal("100.00")
    declare(platform, purchase, unchecked=("payment", "inventory"))
    platform.runner.run_until_idle()
    invt = inventory(platform, purchase)
    assert invt.status == "-621003"
    assert f"acturalPaid[{purchase['order']['acturalPaid']}]与支付单支付金额amountPaid[100]不一致" in invt.return_info


def test_a_waybill_to_another_consignee_fails_the_match(make_platform):
    """I4, I8: order and waybill consignees differ: -621003 naming the field and both values."""
    platform = new_platform(make_platform)
    purchase = examples.purchase("CONSIGNEE00001")
    purchase["waybill"]["consigneeAddress"] = "上海市浦东新区1号"
    declare(platform, purchase, unchecked=("waybill", "inventory"))
    platform.runner.run_until_idle()
    invt = inventory(platform, purchase)
    assert invt.status == "-621003"
    assert "订单consigneeAddress[浙江省杭州市西湖区文三路1号]与运单consigneeAddress[上海市浦东新区1号]不一致" \
        in invt.return_info


def test_inventory_lines_that_are_not_the_order_lines_fail_the_match(make_platform):
    """I4: the inventory's gnum must be one to one with the order's."""
    platform = new_platform(make_platform)
    purchase = examples.purchase("GNUM0000000001")
    purchase["inventory"]["inventoryList"][1]["gnum"] = 3
    declare(platform, purchase, unchecked=("inventory",))
    platform.runner.run_until_idle()
    invt = inventory(platform, purchase)
    assert invt.status == "-621003"
    assert "清单表体商品序号gnum[1,3]与订单商品序号gnum[1,2]不一一对应" in invt.return_info


def test_a_purchase_over_5000_is_refused(make_platform):
    """I4 personal limits: over the single-transaction limit: -621005."""
    platform = new_platform(make_platform)
    purchase = examples.purchase("OVER0000000001", price=Decimal("1300.00"))
    declare(platform, purchase, unchecked=PURCHASE)
    platform.runner.run_until_idle()
    invt = inventory(platform, purchase)
    assert (invt.status, invt.return_info) == ("-621005", "清单[COVER0000000001]的购买金额超过单笔限额[5000]")


def test_the_annual_limit_spans_a_buyers_purchases_and_a_cancellation_gives_back(make_platform):
    """I4, I5: five purchases of 4,900 use 24,500 of the buyer's 26,000; the sixth is refused (-621018); once one
    is cancelled the buyer may buy again."""
    platform = new_platform(make_platform)
    price = Decimal("1222.50")  # 4 x 1222.50 + 10 freight = 4900
    purchases = [examples.purchase(f"YEAR{i:010d}", price=price) for i in range(6)]
    for purchase in purchases:
        declare(platform, purchase, unchecked=("inventory",))
    platform.runner.run_until_idle()

    assert [inventory(platform, p).status for p in purchases] == ["800"] * 5 + ["-621018"]
    assert inventory(platform, purchases[5]).return_info == (
        "清单[CYEAR0000000005]中购买人[330102199001011234]已用购买额度为[24500.00]，本次购买将超过年度限额[26000]")

    first = inventory(platform, purchases[0])
    platform.customs.declarations["CEB623"].declare(examples.cancellation(purchases[0]["inventory"],
                                                                  first.numbers["invtNo"]), "test")
    platform.runner.run_until_idle()
    assert inventory(platform, purchases[0]).status == "cancelled"
    _, again = bought(platform, "YEAR0000000006", price=price)
    assert again.status == "800"


def test_a_bonded_inventory_without_its_account_book_is_refused(make_platform):
    """I4, 1210: emsNo is required in bonded mode: -621001."""
    platform = new_platform(make_platform)
    purchase = examples.purchase("NOEMS000000001", mode="1210")
    purchase["inventory"]["emsNo"] = None
    declare(platform, purchase, unchecked=("inventory",))
    platform.runner.run_until_idle()
    invt = inventory(platform, purchase)
    assert (invt.status, invt.return_info) == ("-621001", "清单报文校验失败，贸易方式1210须填写: emsNo")


def test_an_approved_cancellation_ends_the_inventory_and_voids_its_tax_bill(make_platform):
    """I5, I7: CEB624 2 then 399; the inventory is 已撤销 and its tax bill 作废 (CEB818 status 3)."""
    platform = new_platform(make_platform)
    purchase, invt = bought(platform, "CANCEL00000001")
    invt_no = invt.numbers["invtNo"]
    cancellations = platform.customs.declarations["CEB623"]
    cancellation = cancellations.declare(examples.cancellation(purchase["inventory"], invt_no), "test")
    platform.runner.run_until_idle()

    cancellation = document(platform, "CEB623", cancellation.number)
    assert [status for status, _ in answers(cancellation)] == ["2", "399"]
    assert inventory(platform, purchase).status == "cancelled"
    assert tax_bill(platform, invt_no)["status"] == "3"


def test_a_cancellation_in_the_wrong_state_or_of_an_unknown_inventory_is_refused(make_platform):
    """I5: a second cancellation of a cancelled inventory: -623005; an inventory customs never numbered: -623003."""
    platform = new_platform(make_platform)
    purchase, invt = bought(platform, "CANCEL00000002")
    invt_no = invt.numbers["invtNo"]
    platform.customs.declarations["CEB623"].declare(examples.cancellation(purchase["inventory"], invt_no), "test")
    second = send_unchecked(platform, "CEB623", examples.cancellation(purchase["inventory"], invt_no),
                            links={"inventory": str(invt.id)})
    unknown = send_unchecked(platform, "CEB623", examples.cancellation(purchase["inventory"], "29282026I999999999"))
    platform.runner.run_until_idle()

    second, unknown = (document(platform, "CEB623", d.number) for d in (second, unknown))
    assert second.status == "-623005"
    assert second.return_info == f"清单的状态不符合撤单申报要求(清单编号[{invt_no}])！当前状态[已撤销]"
    assert (unknown.status, unknown.return_info) == ("-623003", "系统中不存在清单编号为[29282026I999999999]的清单！")


def test_a_return_is_approved_and_one_taking_back_too_much_is_refused(make_platform):
    """I6: CEB626 2 then 399 for a return of one of two; returning three of two more is refused (-625004)."""
    platform = new_platform(make_platform)
    purchase, invt = bought(platform, "RETURN00000001")
    invt_no = invt.numbers["invtNo"]
    approved = platform.customs.declarations["CEB625"].declare(examples.refund(purchase["inventory"], invt_no,
                                                                       qty=Decimal(1)), "test")
    platform.runner.run_until_idle()
    too_many = send_unchecked(platform, "CEB625", examples.refund(purchase["inventory"], invt_no, qty=Decimal(2)),
                              links={"inventory": str(invt.id)})
    platform.runner.run_until_idle()

    approved, too_many = (document(platform, "CEB625", d.number) for d in (approved, too_many))
    assert [status for status, _ in answers(approved)] == ["2", "399"]
    assert too_many.status == "-625004"
    assert too_many.return_info == "退货申请单申报失败，表体第[1]项退货数量[2]超过清单数量[2]（已退[1]）"


def test_warehouse_entry_details_get_an_rkd_number(make_platform):
    """I11: CEB712 2 then 120 with the rkdNo customs assigns."""
    platform = new_platform(make_platform)
    entries = platform.customs.declarations["CEB711"]
    entry = entries.declare(examples.entry(["YTENTRY0000001", "YTENTRY0000002"]), "test")
    platform.runner.run_until_idle()
    entry = document(platform, "CEB711", entry.number)
    assert [status for status, _ in answers(entry)] == ["2", "120"]
    assert re.fullmatch(r"2928\d{14}", entry.numbers["rkdNo"])


def test_a_delivery_receipt_for_an_unknown_waybill_is_refused(make_platform):
    """I9: 签收 of a waybill customs never accepted: 100 naming it."""
    platform = new_platform(make_platform)
    purchase = examples.purchase("NOWAYBILL00001")
    send_unchecked(platform, "CEB513", purchase["delivery"])
    platform.runner.run_until_idle()
    delivery = document(platform, "CEB513", "3301980001", "YTNOWAYBILL00001")
    assert (delivery.status, delivery.return_info) == (
        "100", "运单[3301980001/YTNOWAYBILL00001]未向海关申报或未被海关接受，不能签收")


def test_faults_reach_inventories_too(make_platform):
    """X6: reject-order matches any document's number; inspect=1 sends every inventory to 查验 before 审结."""
    platform = new_platform(make_platform, faults="reject-order=REJ,inspect=1")
    refused = examples.purchase("FAULT000000001")
    refused["inventory"]["copNo"] = "REJ000000001"
    declare(platform, refused)
    _, inspected = bought(platform, "FAULT000000002")
    platform.runner.run_until_idle()
    assert inventory(platform, refused).status == "100" and "模拟退单" in inventory(platform, refused).return_info
    assert [status for status, _ in answers(inspected)] == ["2", "120", "500", "399", "800"]


def restart_simulator(platform) -> None:
    """A new simulator on the same boxes, as after a restart of the customs node."""
    platform.simulator = bootstrap.make_simulator(platform.settings, "", platform.reference)
    platform.runner.steps = [(name, platform.simulator.run_once if name == "customs-sim" else step)
                             for name, step in platform.runner.steps]


def send_again(platform, message_type: str, doc: dict[str, Any]) -> None:
    """A second message with a document customs already has (another guid), signed by its sender."""
    sender = platform.customs.declarations[message_type].enterprise(str(doc["agentCode"]))
    guid = str(uuid.uuid4()).upper()
    root = ceb.build(message_type, [doc | {"guid": guid}], {"copCode": sender.code, "copName": sender.name,
                                                           "dxpId": sender.dxp_id}, guid)
    platform.signing.signer(sender.code).sign_tree(root)
    data = ceb.to_bytes(root)
    assert verify_bytes(data).ok and ceb.validate(data) == []
    platform.box.deliver(f"{message_type}Message_{guid}.xml", data)


def test_a_restarted_simulator_keeps_its_ledger(make_platform):
    """X6: after a restart customs still knows the buyer's used amount (nothing counted twice) and still refuses
    duplicates."""
    platform = new_platform(make_platform)
    price = Decimal("1222.50")  # 4900 each
    for i in range(5):
        bought(platform, f"RESTART{i:07d}", price=price)
    restart_simulator(platform)

    _, accepted = bought(platform, "RESTART0000005", price=Decimal("347.50"))  # 1400: 25,900 used
    assert accepted.status == "800"
    over = examples.purchase("RESTART0000006", price=Decimal("47.50"))  # 200 more
    declare(platform, over, unchecked=("inventory",))
    platform.runner.run_until_idle()
    assert inventory(platform, over).status == "-621018"
    assert "已用购买额度为[25900.00]" in inventory(platform, over).return_info

    restart_simulator(platform)
    send_again(platform, "CEB621", accepted.document)
    platform.runner.run_until_idle()
    again = inventory(platform, {"inventory": accepted.document})
    assert again.status == "800", "a refused duplicate does not undo the release"
    assert answers(again)[-1] == ("-621004", f"清单[{accepted.number}]已经申报过，请勿重复申报")


def test_an_approved_return_gives_its_goods_back_to_the_buyers_annual_limit(make_platform):
    """I4, I6: five purchases of 4,900 use 24,500 of 26,000; the platform refuses a sixth (it would exceed). Once
    customs approves the return of the first one's goods (4,890; the freight stays counted), the buyer may buy
    again: the platform's check and customs both count the return."""
    import pytest

    from domain.shared.rules import DeclarationRejected

    platform = new_platform(make_platform)
    price = Decimal("1222.50")  # 4 x 1222.50 + 10 freight = 4900
    purchases = [bought(platform, f"GIVEBACK{i:06d}", price=price) for i in range(5)]
    assert [invt.status for _, invt in purchases] == ["800"] * 5
    sixth = examples.purchase("GIVEBACK000005", price=price)
    with pytest.raises(DeclarationRejected) as refused:
        platform.customs.declarations["CEB621"].declare(sixth["inventory"], "test")
    assert refused.value.errors[0].rule == "annual_limit" and "24500" in refused.value.errors[0].message_en

    first, invt = purchases[0]
    refunds = platform.customs.declarations["CEB625"]
    refund = refunds.declare(examples.refund(first["inventory"], invt.numbers["invtNo"]), "test")
    platform.runner.run_until_idle()
    assert document(platform, "CEB625", refund.number).status == "399"

    declare(platform, sixth)
    platform.runner.run_until_idle()
    assert inventory(platform, sixth).status == "800"
