"""`cbec example MESSAGE` (INTERFACES.md): a complete, valid message of every import type the platform sends or
receives, built by the platform's own builder from one consistent demo purchase. What integrators copy from."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters import ceb
from domain.customs import tax
from domain.customs.documents import BY_MESSAGE, BY_RECEIPT
from engine import clock, examples
from engine.catalog import Catalog
from engine.declarations import complete, to_values
from engine.enterprises import DEMO

INVT_NO, PRE_NO, RETURN_TIME = "29282026I000000001", "B20261125000000001", "20261125100000000"
# the messages whose XSD requires ds:Signature: built signed even when not asked, or they would not be valid
SIGNATURE_REQUIRED = {"CEB621", "CEB623", "CEB625", "CEB711"}
DEMO_RATES = tax.Rates(Decimal(0), Decimal(13), Decimal(0))


def _purchase() -> dict[str, dict[str, Any]]:
    return examples.purchase("DEMO20261125000001")


def _document(message_type: str, raw: dict[str, Any]) -> dict[str, Any]:
    catalog = Catalog()
    return to_values(complete(raw, clock.now(), catalog, BY_MESSAGE[message_type]), catalog, message_type)


def _receipt(receipt_type: str) -> dict[str, Any]:
    """One receipt node answering the demo document: its key fields, customs' numbers, status 120 (399 for the
    cancellation and return)."""
    doc_type = BY_RECEIPT[receipt_type]
    raw = {"CEB311": "order", "CEB411": "payment", "CEB511": "waybill", "CEB513": "delivery",
           "CEB621": "inventory"}.get(doc_type.message)
    source = _purchase()[raw] if raw else _sources()[doc_type.message]()
    document = _document(doc_type.message, source)
    head, _ = Catalog().specs(receipt_type)
    names = {spec.name for spec in head}
    status = "399" if doc_type.message in ("CEB623", "CEB625") else "120"
    node = {k: v for k, v in document.items() if k in names and not isinstance(v, list)}
    node |= {"guid": str(uuid.uuid4()).upper(), "returnStatus": status, "returnTime": RETURN_TIME,
             "returnInfo": "海关入库成功" if status == "120" else "海关审结"}
    for name, value in (("preNo", PRE_NO), ("invtNo", INVT_NO), ("rkdNo", "29282026R00000001")):
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


def _sources() -> dict[str, Callable[[], dict[str, Any]]]:
    inventory = _purchase()["inventory"]
    return {"CEB623": lambda: examples.cancellation(inventory, INVT_NO),
            "CEB625": lambda: examples.refund(inventory, INVT_NO),
            "CEB711": lambda: examples.entry([inventory["logisticsNo"]])}


def documents_of(message_type: str) -> list[dict[str, Any]]:
    """The business documents of an example message of that type."""
    code = ceb.normalize_type(message_type)
    purchase = _purchase()
    outgoing = {"CEB311": "order", "CEB411": "payment", "CEB511": "waybill", "CEB513": "delivery",
                "CEB621": "inventory"}
    if code in outgoing:
        return [_document(code, purchase[outgoing[code]])]
    if code in _sources():
        return [_document(code, _sources()[code]())]
    if code in BY_RECEIPT:
        return [_receipt(code)]
    if code == "CEB816":
        return [_tax_bill()]
    if code == "CEB818":
        bill = _tax_bill()
        return [{k: bill[k] for k in ("guid", "returnTime", "invtNo", "taxNo")} | {"status": "2",
                                                                                 "entDutyNo": "JKS2026112500001"}]
    raise ValueError(f"no example for {message_type}; available: {', '.join(AVAILABLE)}")


AVAILABLE = ("CEB311", "CEB312", "CEB411", "CEB412", "CEB511", "CEB512", "CEB513", "CEB514", "CEB621", "CEB622",
             "CEB623", "CEB624", "CEB625", "CEB626", "CEB711", "CEB712", "CEB816", "CEB818")


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
    from adapters.signing import generate_identity, load_signer

    demo_key = (data_dir or Path()) / "keys" / DEMO["code"]
    if data_dir and (demo_key / "key.pem").exists():
        load_signer(demo_key / "key.pem", demo_key / "cert.pem").sign_tree(root)
        return
    with tempfile.TemporaryDirectory() as tmp:
        load_signer(*generate_identity(Path(tmp), algorithm, common_name=DEMO["name"])).sign_tree(root)
