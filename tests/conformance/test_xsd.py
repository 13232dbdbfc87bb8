"""Messages built by the codec are valid against the official XSDs, and problems name their field."""

from __future__ import annotations

import copy
import hashlib
import re
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from adapters import ceb
from adapters.ceb.schemas import DXP_TERMINAL_XSD, DXP_TRANSPORT_XSD, XSD_DIR, xml_schema

GUID = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"
TRANSFER = {"copCode": "1105910159", "copName": "东方物通科技(北京)有限公司", "dxpId": "DXPENT0000458763"}
SENDER = "DXPENT0000458763"


def an_import_order(**changes: object) -> dict:
    order = {
        "guid": GUID, "appType": "1", "appTime": "20240308112701", "appStatus": "2", "orderType": "I",
        "orderNo": "SO20240308000001", "ebpCode": "1105910159", "ebpName": "东方物通科技(北京)有限公司",
        "ebcCode": "1105910159", "ebcName": "东方物通科技(北京)有限公司",
        "goodsValue": Decimal("298.00"), "freight": Decimal("10.00"), "discount": Decimal("0"),
        "taxTotal": Decimal("27.35"), "acturalPaid": Decimal("335.35"), "currency": "142",
        "buyerRegNo": "U20240001", "buyerName": "张三", "buyerTelephone": "13800000000", "buyerIdType": "1",
        "buyerIdNumber": "110101199001011234", "payCode": "1105910160", "payName": "某支付有限公司",
        "payTransactionId": "PAY2024030800001", "batchNumbers": None, "consignee": "张三",
        "consigneeTelephone": "13800000000", "consigneeAddress": "北京市海淀区中关村大街1号 A&B <3层>",
        "orderList": [
            {"gnum": 1, "itemNo": "SKU-1", "itemName": "婴儿奶粉", "gmodel": "900g/罐", "unit": "122",
             "qty": Decimal("2"), "price": Decimal("99.00"), "totalPrice": Decimal("198.00"),
             "currency": "142", "country": "116"},
            {"gnum": 2, "itemName": "面霜", "gmodel": "50ml/瓶", "unit": "142", "qty": Decimal("1"),
             "price": Decimal("100.00"), "totalPrice": Decimal("100.00"), "currency": "142", "country": "305",
             "note": ""},
        ],
    }
    order.update(changes)
    return order


def an_order_receipt(**changes: object) -> dict:
    receipt = {"guid": GUID, "ebpCode": "1105910159", "ebcCode": "1105910159", "orderNo": "SO20240308000001",
               "returnStatus": "2", "returnTime": "20240308112702123", "returnInfo": "新增申报成功"}
    receipt.update(changes)
    return receipt


def as_strings(document: dict) -> dict:
    """What parse gives back for a document we built: every value as its XML text, empties dropped."""
    out = {}
    for key, value in document.items():
        if isinstance(value, list):
            out[key] = [as_strings(item) for item in value]
        elif value not in (None, ""):
            out[key] = ceb.render(value)
    return out


def issues_of(document: dict, message_type: str = "CEB311") -> list[ceb.SchemaIssue]:
    return ceb.validate(ceb.build(message_type, [document], TRANSFER, GUID))


def test_a_realistic_import_order_is_valid() -> None:
    assert issues_of(an_import_order()) == []


def test_an_order_reads_back_as_the_same_document_with_string_values() -> None:
    order = an_import_order()
    message = ceb.parse(ceb.to_bytes(ceb.build("CEB311", [order], TRANSFER, GUID)))
    assert message.documents == [as_strings(order)]
    assert message.transfer == {**TRANSFER, "dxpMode": "DXP"}
    assert (message.message_type, message.guid, message.version) == ("CEB311", GUID, "1.0")


def test_the_root_declares_ceb_and_xsi_for_the_signature() -> None:
    root = ceb.build("CEB311", [an_import_order()], TRANSFER, GUID)
    assert root.nsmap == {"ceb": ceb.CEB_NS, "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
    assert ceb.to_bytes(root).startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<ceb:CEB311Message')


def test_build_bytes_is_the_same_as_build_then_to_bytes() -> None:
    order = an_import_order()
    assert ceb.build_bytes("CEB311", [order], TRANSFER, GUID) == ceb.to_bytes(
        ceb.build("CEB311", [order], TRANSFER, GUID))


def test_a_missing_required_field_is_reported_by_name() -> None:
    order = an_import_order()
    del order["consignee"]
    assert [(i.field, i.code) for i in issues_of(order)] == [("consignee", "xsd.required")]


def test_a_missing_required_line_field_is_reported_with_its_line() -> None:
    order = an_import_order()
    del order["orderList"][1]["itemName"]
    assert [(i.field, i.code) for i in issues_of(order)] == [("OrderList[2]/itemName", "xsd.required")]


def test_a_too_long_order_number_is_reported_by_name() -> None:
    issues = issues_of(an_import_order(orderNo="N" * 61))
    assert [(i.field, i.code) for i in issues] == [("orderNo", "xsd.length")]
    assert "61" in issues[0].message and "60" in issues[0].message


def test_too_many_decimals_and_a_bad_number_are_reported() -> None:
    order = an_import_order()
    order["orderList"][0]["price"] = Decimal("99.123456")
    order["orderList"][1]["qty"] = "one"
    found = {(i.field, i.code) for i in issues_of(order)}
    assert found == {("OrderList[1]/price", "xsd.digits"), ("OrderList[2]/qty", "xsd.type")}


def test_a_missing_element_in_the_middle_is_reported_as_missing() -> None:
    root = ceb.build("CEB311", [an_import_order()], TRANSFER, GUID)
    head = root.find(f".//{{{ceb.CEB_NS}}}OrderHead")
    head.remove(head.find(f"{{{ceb.CEB_NS}}}appTime"))
    assert [(i.field, i.code) for i in ceb.validate(root)] == [("appTime", "xsd.required")]


def test_problems_in_several_documents_and_the_transfer_are_told_apart() -> None:
    orders = [an_import_order(), an_import_order(orderNo="")]
    root = ceb.build("CEB311", orders, {**TRANSFER, "dxpMode": "DXPX"}, GUID)
    found = {(i.field, i.code) for i in ceb.validate(root)}
    assert found == {("Order[2]/orderNo", "xsd.required"), ("BaseTransfer/dxpMode", "xsd.length")}


def test_a_bad_root_attribute_is_reported_as_an_attribute() -> None:
    issues = ceb.validate(ceb.build("CEB311", [an_import_order()], TRANSFER, "too-short"))
    assert [(i.field, i.code) for i in issues] == [("@guid", "xsd.length")]
    root = ceb.build("CEB311", [an_import_order()], TRANSFER, GUID)
    del root.attrib["version"]
    assert [(i.field, i.code) for i in ceb.validate(root)] == [("@version", "xsd.required")]


def test_an_unsigned_inventory_lacks_its_signature_unless_that_is_allowed() -> None:
    root = ceb.build("CEB621", [an_inventory()], TRANSFER, GUID)
    assert [(i.field, i.code) for i in ceb.validate(root)] == [("Signature", "xsd.required")]
    assert ceb.validate(root, allow_unsigned=True) == []


def test_an_order_receipt_is_written_in_the_default_namespace_and_is_valid() -> None:
    root = ceb.build("CEB312", [an_order_receipt()], None, GUID)
    data = ceb.to_bytes(root)
    assert root.nsmap == {None: ceb.CEB_NS}
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<CEB312Message xmlns=')
    assert b"ceb:" not in data and b"BaseTransfer" not in data
    assert ceb.validate(data) == []
    assert ceb.parse(data).documents == [an_order_receipt()]


def test_a_receipt_can_be_asked_for_with_a_prefix() -> None:
    root = ceb.build("CEB312", [an_order_receipt()], None, GUID, prefix=True)
    assert root.prefix == "ceb" and ceb.validate(root) == []


def test_a_dxp_envelope_is_valid_and_gives_back_the_exact_message() -> None:
    inner = ceb.to_bytes(ceb.build("CEB311", [an_import_order()], TRANSFER, GUID))
    created = datetime(2024, 3, 8, 11, 27, 1)
    wrapped = ceb.wrap_dxp(inner, sender_id=SENDER, receiver_id=ceb.IMPORT_RECEIVER, msg_type="CEB311Message",
                           cop_msg_id=GUID, created=created)
    assert ceb.validate(wrapped) == []
    envelope, data = ceb.unwrap_dxp(wrapped)
    assert data == inner
    assert envelope == ceb.Envelope(GUID, SENDER, (ceb.IMPORT_RECEIVER,), created, "CEB311Message",
                                    f"CEB311Message_{GUID}.xml")
    assert b"<dxp:CreatTime>2024-03-08T11:27:01</dxp:CreatTime>" in wrapped
    assert ceb.is_dxp(wrapped) and not ceb.is_dxp(inner) and not ceb.is_dxp(b"not xml")


def test_the_envelope_alone_matches_the_terminal_node_schema() -> None:
    from lxml import etree

    wrapped = ceb.wrap_dxp(b"<x/>", sender_id=SENDER, receiver_id=ceb.EXPORT_RECEIVER, msg_type="CEB303",
                           cop_msg_id="1", created=datetime(2024, 3, 8, 3, 27, 1, tzinfo=UTC))
    assert xml_schema(DXP_TERMINAL_XSD).validate(etree.fromstring(wrapped))
    assert b"<dxp:MsgType>CEB303Message</dxp:MsgType>" in wrapped
    assert b"2024-03-08T11:27:01" in wrapped  # aware datetimes are written in China time


def test_an_envelope_that_breaks_the_schema_is_refused() -> None:
    with pytest.raises(ceb.CodecError, match="SenderId"):
        ceb.wrap_dxp(b"<x/>", sender_id="S" * 17, receiver_id=ceb.IMPORT_RECEIVER, msg_type="CEB311",
                     cop_msg_id="1", created=datetime(2024, 1, 1))


def test_a_receipt_in_a_dxp_envelope_parses_with_its_envelope() -> None:
    receipt = ceb.to_bytes(ceb.build("CEB312", [an_order_receipt()], None, GUID))
    wrapped = ceb.wrap_dxp(receipt, sender_id=ceb.IMPORT_RECEIVER, receiver_id=SENDER,
                           msg_type="CEB312Message", cop_msg_id="R1", created=datetime(2024, 3, 8, 11, 27, 2))
    message = ceb.parse(wrapped)
    assert message.message_type == "CEB312"
    assert message.documents[0]["returnStatus"] == "2"
    assert message.envelope.sender_id == ceb.IMPORT_RECEIVER
    assert message.envelope.msg_type == "CEB312Message"
    assert message.root.tag == f"{{{ceb.CEB_NS}}}CEB312Message"


def test_a_corrupt_envelope_is_a_codec_error() -> None:
    wrapped = ceb.wrap_dxp(b"<x/>", sender_id=SENDER, receiver_id=ceb.IMPORT_RECEIVER, msg_type="CEB311",
                           cop_msg_id="1", created=datetime(2024, 1, 1))
    broken = re.sub(rb"<dxp:Data>[^<]*</dxp:Data>", b"<dxp:Data>@@@</dxp:Data>", wrapped)
    with pytest.raises(ceb.CodecError, match="Base64"):
        ceb.parse(broken)


def test_the_transport_schema_resolves_its_2018_include() -> None:
    assert xml_schema(DXP_TRANSPORT_XSD) is not None


def test_the_schema_files_are_the_official_bytes_listed_in_the_readme() -> None:
    readme = (XSD_DIR / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"\| `([\w.-]+\.xsd)` \| [^|]+ \| `([0-9a-f]{64})` \|", readme))
    assert set(listed) == {p.name for p in Path(XSD_DIR).glob("*.xsd")}
    for name, digest in listed.items():
        assert hashlib.sha256((XSD_DIR / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("code", ceb.message_types())
def test_every_message_type_builds_valid_and_reads_back_from_its_specs(code: str) -> None:
    info = ceb.message_info(code)
    documents = [a_document_from_specs(code)] * min(2, info.business.max_occurs or 2)
    root = ceb.build(code, documents, None if info.from_customs else TRANSFER, GUID)
    assert ceb.validate(root, allow_unsigned=True) == []
    assert ceb.parse(ceb.to_bytes(root)).documents == documents


def test_validation_from_many_threads_keeps_each_threads_errors_apart() -> None:
    cases = [(an_import_order(orderNo="N" * (61 + n)), f"'{61 + n}'") for n in range(8)]
    failures: list[str] = []

    def check(document: dict, expected: str) -> None:
        for _ in range(200):
            issues = issues_of(copy.deepcopy(document))
            if len(issues) != 1 or expected not in issues[0].message:
                failures.append(repr(issues))

    threads = [threading.Thread(target=check, args=case) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timedelta(minutes=1).total_seconds())
    assert failures == []


def an_inventory() -> dict:
    return a_document_from_specs("CEB621")


def a_document_from_specs(code: str) -> dict:
    document: dict = {}
    for section, fields in ceb.describe(code).items():
        values = {f.name: a_value(f) for f in fields}
        if section == "head":
            document.update(values)
        else:
            document[section] = [values]
    return document


def a_value(field: ceb.FieldSpec) -> str:
    if field.fixed or field.default:
        return field.fixed or field.default
    if field.kind != "string":
        return "1"
    return "A" * (field.length or min(field.max_length or 5, 5))
