"""#7 conformance (E1-E10): `cbec example` produces every export message type of the issue, each valid against the
official 202205 export XSD; the ones the platform sends carry a customs signature that verifies, also when the
message has a ceb:ExtendMessage (the export schema wants ds:Signature before it, the import schema after it)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from lxml import etree

from adapters import ceb
from adapters.signing import generate_identity, load_signer, verify_bytes
from domain.customs.documents import BY_RECEIPT
from engine.customs.message_examples import AVAILABLE, documents_of, example_message
from engine.identity.enterprises import DEMO

SENT = ("CEB303", "CEB403", "CEB505", "CEB507", "CEB509", "CEB603", "CEB605", "CEB607", "CEB701", "CEB213", "CEB215")
FROM_CUSTOMS = ("CEB304", "CEB404", "CEB506", "CEB508", "CEB510", "CEB604", "CEB606", "CEB608", "CEB702", "CEB792",
                "CEB214", "CEB216")
CEB, SIGNATURE = ceb.CEB_NS, "{http://www.w3.org/2000/09/xmldsig#}Signature"


def test_every_export_message_of_the_issue_has_an_example():
    assert set(SENT + FROM_CUSTOMS) <= set(AVAILABLE)
    assert {ceb.message_info(code).direction for code in SENT + FROM_CUSTOMS} == {"export"}


@pytest.mark.parametrize("message_type", SENT)
def test_sent_messages_validate_unsigned_since_the_export_xsd_makes_the_signature_optional(message_type):
    parsed = ceb.parse(example_message(message_type))
    assert parsed.message_type == message_type and not parsed.signed
    assert ceb.validate(parsed.root) == []


@pytest.mark.parametrize("message_type", SENT)
@pytest.mark.parametrize("algorithm", ["RSA-SHA1", "SM2-SM3"])
def test_sent_messages_validate_and_carry_a_valid_customs_signature(message_type, algorithm):
    data = example_message(message_type, signed=True, algorithm=algorithm)
    parsed = ceb.parse(data)
    assert parsed.message_type == message_type and parsed.signed
    assert ceb.validate(parsed.root) == []
    assert verify_bytes(data).ok
    assert not verify_bytes(data.replace(b"<ceb:guid>", b"<ceb:guid>X", 1)).ok


def test_the_order_example_holds_a_b2c_a_b2b_order_and_an_overseas_warehouse_booking():
    """E1: orderType E (9610), B (9710) and W (9810, from an overseas platform without a customs code: 无)."""
    orders = ceb.parse(example_message("CEB303")).documents
    assert [o["orderType"] for o in orders] == ["E", "B", "W"]
    assert orders[2]["ebpCode"] == "无"


def test_the_bag_arrival_departure_and_summary_name_the_same_parcel_and_inventory():
    """E7, E10, E8, E3: the 9610 shipment's waybill number runs through bag, arrival and departure."""
    waybill = ceb.parse(example_message("CEB505")).documents[0]["logisticsNo"]
    bag = ceb.parse(example_message("CEB607")).documents[0]
    assert [w["logisticsNo"] for w in bag["wayBillList"]] == [waybill]
    assert [a["logisticsNo"] for a in ceb.parse(example_message("CEB507")).documents[0]["arrivalList"]] == [waybill]
    assert [d["logisticsNo"] for d in ceb.parse(example_message("CEB509")).documents[0]["departureList"]] == [waybill]
    summary = ceb.parse(example_message("CEB701")).documents[0]
    assert [s["invtNo"] for s in summary["summaryApplyList"]] == [bag["wayBillList"][0]["invtNo"]]


@pytest.mark.parametrize("message_type", FROM_CUSTOMS)
def test_customs_messages_validate_and_parse_back(message_type):
    parsed = ceb.parse(example_message(message_type))
    assert parsed.message_type == message_type
    assert ceb.validate(parsed.root) == []
    assert parsed.documents and all(doc.get("guid") for doc in parsed.documents)


@pytest.mark.parametrize("message_type", [r for r in FROM_CUSTOMS if r in BY_RECEIPT])
def test_receipts_answer_the_example_document_by_its_key(message_type):
    """A receipt is matched to its document by the key fields of the document table: they are the sent example's."""
    doc_type = BY_RECEIPT[message_type]
    receipt = ceb.parse(example_message(message_type)).documents[0]
    assert receipt["returnStatus"] in ("120", "399") and len(receipt["returnTime"]) == 17
    sent = ceb.parse(example_message(doc_type.message)).documents[0]
    generated = set(doc_type.generated)  # copNo / coElNo: made up anew for each example
    assert all(receipt[k] == sent[k] for k in doc_type.key if k not in generated)
    assert all(receipt[k] for k in doc_type.key)


def test_the_summary_result_gives_the_declaration_number_and_the_inventory_lines():
    """E3: CEB792 maps the summary (sumNo) to a customs declaration (declSeqNo) and lists the inventory's lines."""
    result = ceb.parse(example_message("CEB792")).documents[0]
    summary = ceb.parse(example_message("CEB702")).documents[0]
    assert result["sumNo"] == summary["sumNo"] and result["declSeqNo"]
    assert [line["gseqno"] for line in result["summaryResultList"]] == ["1", "2"]


def _unsigned_with_extend_message(message_type: str) -> etree._Element:
    transfer = {"copCode": DEMO["code"], "copName": DEMO["name"], "dxpId": DEMO["dxp_id"]}
    root = ceb.build(message_type, documents_of(message_type), transfer, str(uuid.uuid4()).upper())
    extend = etree.SubElement(root, f"{{{CEB}}}ExtendMessage")
    for name, value in (("name", "platformTrace"), ("version", "1.0")):
        etree.SubElement(extend, f"{{{CEB}}}{name}").text = value
    etree.SubElement(extend, f"{{{CEB}}}Message")
    return root


@pytest.mark.parametrize("message_type, order", [("CEB603", ["Signature", "ExtendMessage"]),
                                                 ("CEB701", ["Signature", "ExtendMessage"]),
                                                 ("CEB621", ["ExtendMessage", "Signature"])])
def test_a_signed_message_with_an_extend_message_is_valid_against_its_own_schema(message_type, order):
    """The issue's note: the export schema puts ds:Signature before ExtendMessage, the import one after it."""
    root = _unsigned_with_extend_message(message_type)
    with tempfile.TemporaryDirectory() as tmp:
        load_signer(*generate_identity(Path(tmp), "RSA-SHA1", common_name=DEMO["name"])).sign_tree(root)
    assert [etree.QName(child).localname for child in root][-2:] == order
    assert ceb.validate(root) == []
    assert verify_bytes(ceb.to_bytes(root)).ok


def test_the_cli_prints_an_export_example():
    done = subprocess.run([sys.executable, "-m", "engine.cli", "example", "CEB607", "--signed"], capture_output=True,
                          timeout=120)
    assert done.returncode == 0
    assert ceb.validate(ceb.parse(done.stdout).root) == [] and verify_bytes(done.stdout).ok
