"""`cbec example MESSAGE` (INTERFACES.md): a complete, valid message of every import and export type the platform
sends or receives, built by the platform's own builder from one consistent demo purchase (import) and one 9610
shipment (export; its order message also holds a 9710 B2B order and a 9810 booking). What integrators copy from."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters import ceb
from domain.customs.documents import ALL_TYPES, BY_MESSAGE, BY_RECEIPT, SUMMARY_RESULT, TAX_BILL, TAX_STATUS
from domain.shared import tax
from engine import clock
from engine.customs import examples
from engine.customs.catalog import Catalog
from engine.customs.service import complete, to_values
from engine.identity.enterprises import DEMO

INVT_NO, PRE_NO, RETURN_TIME = "29282026I000000001", "B20261125000000001", "20261125100000000"
EXPORT_INVT_NO, SUM_NO, DECL_SEQ_NO = "29282026E000000001", "S29282026000000001", "292820261000000001"
# the messages whose XSD requires ds:Signature (import CEB621/623/625/711; no export one): built signed even when not
# asked, or they would not be valid
SIGNATURE_REQUIRED = frozenset(code for code in ceb.message_types() if ceb.message_info(code).signature == "required")
DEMO_RATES = tax.Rates(Decimal(0), Decimal(13), Decimal(0))
EXPORT_MODES = ("9610", "9710", "9810")  # one export order each: orderType E, B (B2B) and W (overseas warehouse)
# customs' answer in the example receipts: 399 审结 where the receipt's list of statuses has no 120 (RULES.md 1.4)
CONCLUDED = {"CEB623", "CEB625", "CEB505", "CEB507", "CEB509", "CEB605", "CEB215", "CEB701"}


def _purchase() -> dict[str, dict[str, Any]]:
    return examples.purchase("DEMO20261125000001")


def _shipment(mode: str = "9610") -> dict[str, dict[str, Any]]:
    return examples.export_purchase(f"EXP2026112500000{EXPORT_MODES.index(mode) + 1}", mode)


def _document(message_type: str, raw: dict[str, Any]) -> dict[str, Any]:
    catalog = Catalog()
    return to_values(complete(raw, clock.now(), catalog, BY_MESSAGE[message_type]), catalog, message_type)


def _sources() -> dict[str, Callable[[], list[dict[str, Any]]]]:
    """The demo documents of every message the platform sends: one import purchase and its follow-ups, one 9610
    export shipment and its bag, arrival, departure, summary, cancellation, return and tally."""
    purchase, shipment = _purchase(), _shipment()
    inventory, parcel = purchase["inventory"], shipment["waybill"]["logisticsNo"]
    return {"CEB311": lambda: [purchase["order"]], "CEB411": lambda: [purchase["payment"]],
            "CEB511": lambda: [purchase["waybill"]], "CEB513": lambda: [purchase["delivery"]],
            "CEB621": lambda: [inventory], "CEB623": lambda: [examples.cancellation(inventory, INVT_NO)],
            "CEB625": lambda: [examples.refund(inventory, INVT_NO)],
            "CEB711": lambda: [examples.entry([inventory["logisticsNo"]])],
            "CEB303": lambda: [_shipment(mode)["order"] for mode in EXPORT_MODES],
            "CEB403": lambda: [shipment["collection"]], "CEB505": lambda: [shipment["waybill"]],
            "CEB603": lambda: [shipment["inventory"]],
            "CEB607": lambda: [examples.bag([parcel], invt_nos=[EXPORT_INVT_NO])],
            "CEB507": lambda: [examples.arrival([parcel])], "CEB509": lambda: [examples.departure([parcel])],
            "CEB701": lambda: [examples.summary([EXPORT_INVT_NO])],
            "CEB605": lambda: [examples.export_cancellation(EXPORT_INVT_NO)],
            "CEB213": lambda: [examples.export_return(shipment["inventory"], EXPORT_INVT_NO)],
            "CEB215": lambda: [examples.tally(parcel, EXPORT_INVT_NO)]}


def _receipt(receipt_type: str) -> dict[str, Any]:
    """One receipt node answering the demo document: its key fields, customs' numbers, status 120 (399 where the
    receipt's statuses have no 120)."""
    doc_type = BY_RECEIPT[receipt_type]
    document = _document(doc_type.message, _sources()[doc_type.message]()[0])
    head, _ = Catalog().specs(receipt_type)
    names = {spec.name for spec in head}
    status = "399" if doc_type.message in CONCLUDED else "120"
    node = {k: v for k, v in document.items() if k in names and not isinstance(v, list)}
    node |= {"guid": str(uuid.uuid4()).upper(), "returnStatus": status, "returnTime": RETURN_TIME,
             "returnInfo": "海关入库成功" if status == "120" else "海关审结"}
    invt_no = EXPORT_INVT_NO if doc_type.direction == "export" else INVT_NO
    for name, value in (("preNo", PRE_NO), ("invtNo", invt_no), ("rkdNo", "29282026R00000001"),
                        ("sumNo", SUM_NO)):
        if name in names:
            node[name] = value
    return node


def _tax_bill() -> dict[str, Any]:
    inventory = _document("CEB621", _purchase()["inventory"])
    result = tax.retail_import_tax(inventory, lambda _gcode: DEMO_RATES)
    return {"guid": str(uuid.uuid4()).upper(), "returnTime": RETURN_TIME, "invtNo": INVT_NO,
            "taxNo": f"{INVT_NO}01", "customsTax": result.customs_tax, "valueAddedTax": result.value_added_tax,
            "consumptionTax": result.consumption_tax, "status": "1", "ebcCode": DEMO["code"],
            "logisticsCode": examples.LOGISTICS["code"], "agentCode": DEMO["code"], "customsCode": examples.CUSTOMS,
            "taxListRd": [{"gnum": t.gnum, "gcode": t.gcode, "taxPrice": t.tax_price, "customsTax": t.customs_tax,
                           "valueAddedTax": t.value_added_tax, "consumptionTax": t.consumption_tax}
                          for t in result.lines]}


def _summary_result() -> dict[str, Any]:
    """汇总结果单 (CEB792): the demo summary application became one customs declaration listing the demo export
    inventory's lines. decState as in the official sample (the values are customs' to define, RULES.md 2.1)."""
    summary, inventory = _document("CEB701", _sources()["CEB701"]()[0]), _shipment()["inventory"]
    parties = ("customsCode", "agentCode", "agentName", "ebcCode", "ebcName", "declAgentCode", "declAgentName")
    return {"guid": str(uuid.uuid4()).upper(), "sumNo": SUM_NO, "opDate": RETURN_TIME, "declSeqNo": DECL_SEQ_NO,
            "entryId": DECL_SEQ_NO, "decState": "A", "grossWeight": inventory["grossWeight"],
            "netWeight": inventory["netWeight"], "msgCount": 1, "msgSeqNo": 1} | {k: summary[k] for k in parties} | {
        "summaryResultList": [{"invtNo": EXPORT_INVT_NO, "logisticsNo": inventory["logisticsNo"], "gseqno": gseqno,
                               "gnum": line["gnum"], "gcode": line["gcode"]}
                              for gseqno, line in enumerate(inventory["inventoryList"], start=1)]}


def documents_of(message_type: str) -> list[dict[str, Any]]:
    """The business documents of an example message of that type."""
    code = ceb.normalize_type(message_type)
    sources = _sources()
    if code in sources:
        return [_document(code, raw) for raw in sources[code]()]
    if code in BY_RECEIPT:
        return [_receipt(code)]
    if code == "CEB816":
        return [_tax_bill()]
    if code == "CEB818":
        bill = _tax_bill()
        return [{k: bill[k] for k in ("guid", "returnTime", "invtNo", "taxNo")} | {"status": "2",
                                                                                 "entDutyNo": "JKS2026112500001"}]
    if code == SUMMARY_RESULT:
        return [_summary_result()]
    raise ValueError(f"no example for {message_type}; available: {', '.join(AVAILABLE)}")


AVAILABLE = tuple(sorted({t.message for t in ALL_TYPES} | {t.receipt for t in ALL_TYPES}
                         | {TAX_BILL, TAX_STATUS, SUMMARY_RESULT}))


def example_message(message_type: str, signed: bool = False, algorithm: str = "RSA-SHA1",
                    data_dir: Path | None = None) -> bytes:
    """A complete, valid message; signed, when asked or when its XSD requires it, with the demo enterprise's key of
    the data folder (`cbec init` / `cbec serve` make it) or else a throwaway one."""
    code = ceb.normalize_type(message_type)
    docs = documents_of(code)
    outgoing = code in BY_MESSAGE
    transfer = {"copCode": DEMO["code"], "copName": DEMO["name"], "dxpMode": "DXP", "dxpId": DEMO["dxp_id"]} \
        if outgoing else {}
    root = ceb.build(code, docs, transfer, str(uuid.uuid4()).upper())
    if outgoing and (signed or code in SIGNATURE_REQUIRED):
        _sign(root, algorithm, data_dir)
    return ceb.to_bytes(root)


def _sign(root: Any, algorithm: str, data_dir: Path | None) -> None:
    """With the demo enterprise's key from the data folder's sealed key store when it has one (its passphrase as
    the platform opens it), else with a throwaway identity."""
    from adapters.signing import generate_identity, load_signer
    from adapters.signing.keys import customs_signer
    from engine.settings import Settings
    from engine.signing.platform_keys import platform_keystore

    if data_dir and Path(data_dir).is_dir():
        settings = Settings.from_env(data_dir)
        store_dir = Path(settings.keystore_dir or Path(data_dir) / "keystore")
        if (store_dir / DEMO["code"] / "active").exists():
            loaded = platform_keystore(settings).load(DEMO["code"])
            customs_signer(loaded.key, loaded.certificate).sign_tree(root)
            return
    with tempfile.TemporaryDirectory() as tmp:
        load_signer(*generate_identity(Path(tmp), algorithm, common_name=DEMO["name"])).sign_tree(root)
