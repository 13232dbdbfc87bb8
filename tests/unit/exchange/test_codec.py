"""The CEB codec's rules: value rendering, JSON shape, XSD order, field introspection, errors."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import pytest

from adapters import ceb

GUID = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"


class Unit(str, Enum):  # noqa: UP042 - a str mixin whose str() is not its value
    PIECE = "011"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("19050.00"), "19050"),
        (Decimal("0.5"), "0.5"),
        (Decimal("0.50000"), "0.5"),
        (Decimal("123.4500"), "123.45"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1.5E-4"), "0.00015"),
        (Decimal("-0.00"), "0"),
        (Decimal("100"), "100"),
        (Decimal("1234567890123456.78901"), "1234567890123456.78901"),
        (7, "7"),
        ("0.50", "0.50"),
        (Unit.PIECE, "011"),
    ],
)
def test_values_are_written_as_customs_expects(value: object, text: str) -> None:
    assert ceb.render(value) == text


@pytest.mark.parametrize("value", [0.5, True, None, Decimal("NaN"), Decimal("Infinity"), [1]])
def test_floats_and_other_values_are_refused(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        ceb.render(value)


@pytest.mark.parametrize(
    ("code", "lists"),
    [
        ("CEB311", ["orderList"]),
        ("CEB621", ["inventoryList"]),
        ("CEB625", ["invtRefundList"]),
        ("CEB711", ["deliveryList"]),
        ("CEB816", ["taxListRd"]),
        ("CEB607", ["wayBillList"]),
        ("CEB213", ["invtRefundList"]),
        ("CEB411", []),
        ("CEB312", []),
    ],
)
def test_lines_are_lists_named_after_the_xsd_element_in_lower_camel_case(code: str, lists: list[str]) -> None:
    assert list(ceb.describe(code)) == ["head", *lists]


def test_lower_camel_only_lowers_the_first_letter() -> None:
    assert [ceb.lower_camel(n) for n in ("OrderList", "InvtRefundList", "TaxListRd")] == [
        "orderList", "invtRefundList", "taxListRd"]


def test_a_head_is_merged_into_the_document_and_a_flat_receipt_stays_flat() -> None:
    head = [f.name for f in ceb.describe("CEB311")["head"]]
    assert head[:6] == ["guid", "appType", "appTime", "appStatus", "orderType", "orderNo"]
    assert [f.name for f in ceb.describe("CEB312")["head"]] == [
        "guid", "ebpCode", "ebcCode", "orderNo", "returnStatus", "returnTime", "returnInfo"]


def test_elements_follow_the_xsd_order_whatever_the_dict_order() -> None:
    receipt = {"returnInfo": "ok", "returnTime": "20240308112702123", "returnStatus": "2",
               "orderNo": "SO1", "ebcCode": "E1", "ebpCode": "P1", "guid": GUID}
    root = ceb.build("CEB312", [receipt], None, GUID)
    written = [child.tag.rpartition("}")[2] for child in root[0]]
    assert written == [f.name for f in ceb.describe("CEB312")["head"]]


def test_optional_empty_values_are_left_out_and_required_ones_kept_empty() -> None:
    root = ceb.build("CEB312", [{"guid": GUID, "returnInfo": None}], None, GUID)
    assert [(c.tag.rpartition("}")[2], c.text) for c in root[0]][-1] == ("returnInfo", None)
    order_root = ceb.build("CEB311", [{"note": "", "payCode": None, "orderList": []}], {}, GUID)
    names = {c.tag.rpartition("}")[2] for c in order_root.iter()}
    assert {"note", "payCode", "OrderList"}.isdisjoint(names) and "orderNo" in names


def test_the_base_transfer_defaults_its_mode_to_dxp() -> None:
    root = ceb.build("CEB411", [{}], {"copCode": "C1", "copName": "N", "dxpId": "D1"}, GUID)
    assert ceb.parse(ceb.to_bytes(root)).transfer == {"copCode": "C1", "copName": "N", "dxpMode": "DXP",
                                                      "dxpId": "D1"}


def test_markup_characters_in_values_survive_a_round_trip() -> None:
    tricky = 'A&B <c> "d" \r\n e'
    root = ceb.build("CEB312", [{"returnInfo": tricky}], None, GUID)
    assert ceb.parse(ceb.to_bytes(root)).documents[0]["returnInfo"] == tricky


def test_characters_xml_cannot_hold_are_a_codec_error() -> None:
    with pytest.raises(ceb.CodecError):
        ceb.build("CEB312", [{"returnInfo": "bell \x07"}], None, GUID)


def test_a_single_document_instead_of_a_list_is_refused() -> None:
    with pytest.raises(TypeError):
        ceb.build("CEB312", {"guid": GUID}, None, GUID)


def test_the_order_number_of_an_import_order_is_labelled_in_chinese() -> None:
    spec = ceb.field_specs("CEB311")["orderNo"]
    assert spec.label_zh == "订单编号"
    assert spec.doc_zh == "交易平台的订单编号，同一交易平台的订单编号应唯一。订单编号长度不能超过60位。"
    assert (spec.required, spec.max_length, spec.min_length, spec.kind) == (True, 60, 1, "string")


def test_field_specs_carry_lengths_digits_and_kinds() -> None:
    specs = ceb.field_specs("CEB311Message")
    assert specs["guid"].length == 36
    goods_value = specs["goodsValue"]
    assert (goods_value.kind, goods_value.total_digits, goods_value.fraction_digits) == ("decimal", 19, 5)
    assert specs["orderList.gnum"].kind == "int"
    assert specs["payCode"].required is False
    assert specs["orderList.currency"].fixed == "142"
    assert ceb.field_specs("CEB603")["fFlag"].fixed == "3"


@pytest.mark.parametrize(
    ("code", "name", "label"),
    [
        ("CEB311", "ebpCode", "电商平台代码"),
        ("CEB311", "acturalPaid", "实际支付金额"),
        ("CEB621", "country", "起运国（地区）"),
        ("CEB621", "inventoryList.country", "原产国（地区）"),
        ("CEB603", "country", "运抵国（地区）"),
        ("CEB603", "agentCode", "报关企业代码"),
        ("CEB411", "payerName", "支付人姓名"),
        ("CEB701", "endTime", "汇总结束时间"),
    ],
)
def test_labels_come_from_the_annotations_with_errors_corrected(code: str, name: str, label: str) -> None:
    assert ceb.field_specs(code)[name].label_zh == label


def test_every_field_has_a_short_chinese_label() -> None:
    for code in ceb.message_types():
        for name, spec in ceb.field_specs(code).items():
            assert spec.label_zh and len(spec.label_zh) <= 20, (code, name, spec.label_zh)


def test_message_info_tells_direction_signature_and_sender() -> None:
    assert ceb.message_info("CEB621").signature == "required"
    assert ceb.message_info("CEB311").signature == "optional"
    assert ceb.message_info("CEB312").from_customs and not ceb.message_info("CEB311").from_customs
    assert ceb.message_info("CEB303").direction == "export"
    assert ceb.receiver_for("CEB311") == ceb.IMPORT_RECEIVER == "DXPEDCCEB0000002"
    assert ceb.receiver_for("CEB603Message") == ceb.EXPORT_RECEIVER == "DXPEDCCEB0000003"


def test_message_types_cover_import_and_export() -> None:
    assert {"CEB311", "CEB621", "CEB900", "CEB816"} <= set(ceb.message_types("import"))
    assert {"CEB303", "CEB603", "CEB213", "CEB792"} <= set(ceb.message_types("export"))
    assert len(ceb.message_types()) == 42


@pytest.mark.parametrize("name", ["CEB311", "CEB311Message", "ceb311", "311"])
def test_message_types_may_be_written_several_ways(name: str) -> None:
    assert ceb.normalize_type(name) == "CEB311"


@pytest.mark.parametrize("name", ["CEB999", "Order", ""])
def test_an_unknown_message_type_is_a_codec_error(name: str) -> None:
    with pytest.raises(ceb.CodecError, match="unknown message type"):
        ceb.build(name, [], None, GUID)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b"not xml", "well-formed"),
        (b"<a><b></a>", "well-formed"),
        (b"<Order xmlns='http://www.chinaport.gov.cn/ceb'/>", "unknown root"),
        (b"<CEB311Message xmlns='urn:other'/>", "namespace"),
    ],
)
def test_what_is_not_a_ceb_message_is_a_codec_error(data: bytes, reason: str) -> None:
    with pytest.raises(ceb.CodecError, match=reason):
        ceb.parse(data)


def test_a_bom_and_a_default_namespace_are_read() -> None:
    data = b"\xef\xbb\xbf" + ceb.to_bytes(ceb.build("CEB312", [{"orderNo": "SO1"}], None, GUID))
    assert ceb.parse(data).documents[0]["orderNo"] == "SO1"


def test_markup_inside_a_text_field_is_kept_as_a_string() -> None:
    data = (
        '<CEB900Message xmlns="http://www.chinaport.gov.cn/ceb" guid="' + GUID + '" version="1.0">'
        "<MessageReturn><oriCopMsgId>1</oriCopMsgId><oriMessageType>CEB311Message</oriMessageType>"
        "<oriBizMessage><![CDATA[<ceb:CEB311Message/>]]></oriBizMessage></MessageReturn></CEB900Message>"
    ).encode()
    document = ceb.parse(data).documents[0]
    assert document["oriBizMessage"] == "<ceb:CEB311Message/>"


def test_validate_reports_unreadable_input_instead_of_raising() -> None:
    assert [i.code for i in ceb.validate(b"<broken")] == ["xml.message"]
