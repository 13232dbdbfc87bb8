"""The import document types (I3-I11) as one table: which message carries each, which receipt answers it, which
fields identify it, which enterprise signs and sends it, and which feature (permission) it belongs to.

Everything generic (declaring, building, signing, sending, applying receipts, the read model, the consoles, the
Excel templates, the API) reads this table instead of knowing a message type. Field names are the official XSD's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DocumentType:
    message: str  # the CEB message that carries the document, e.g. CEB621
    slug: str  # its name in URLs and file names, e.g. inventories
    name_zh: str
    name_en: str
    feature: str  # the FEATURES.md id and permission prefix, e.g. I4 -> "I4:view", "I4:declare"
    role: str  # the enterprise kind that declares it (ecommerce, logistics, payment, site)
    receipt: str  # the customs receipt message answering it, e.g. CEB622
    key: tuple[str, ...]  # fields identifying one document, in the document and in its receipt
    sender: str  # the field naming the enterprise that signs and transmits the message
    parties: tuple[str, ...]  # fields naming the enterprises whose users may see the document
    number: str  # the number shown to users
    per_message: int = 100  # documents per message (XSD maxOccurs)
    head_defaults: dict[str, str] = field(default_factory=dict)  # values customs fixes, filled when empty
    line_defaults: dict[str, str] = field(default_factory=dict)
    generated: tuple[str, ...] = ()  # numbers the platform makes up when the declarant leaves them empty
    search: tuple[str, ...] = ()  # further fields a search by text looks in

    def permission(self, action: str) -> str:
        return f"{self.feature}:{action}"

    def key_of(self, document: dict[str, Any]) -> tuple[str, ...]:
        return tuple(str(document.get(name) or "") for name in self.key)

    def label(self, lang: str = "zh-CN") -> str:
        return self.name_en if lang == "en" else self.name_zh


_STANDARD = {"appType": "1", "appStatus": "2"}
_BUYER = {"buyerIdType": "1"}

ORDER = DocumentType("CEB311", "orders", "订单", "Order", "I3", "ecommerce", "CEB312", ("ebpCode", "orderNo"),
                     "ebcCode", ("ebcCode", "ebpCode"), "orderNo",
                     head_defaults=_STANDARD | _BUYER | {"orderType": "I", "currency": "142"},
                     line_defaults={"currency": "142"}, search=("buyerName", "buyerIdNumber", "payTransactionId"))
PAYMENT = DocumentType("CEB411", "payments", "支付单", "Payment", "I10", "payment", "CEB412",
                       ("payCode", "payTransactionId"), "payCode", ("payCode", "ebpCode"), "payTransactionId",
                       head_defaults=_STANDARD | {"payerIdType": "1", "currency": "142"},
                       search=("orderNo", "payerName", "payerIdNumber"))
WAYBILL = DocumentType("CEB511", "waybills", "运单", "Waybill", "I8", "logistics", "CEB512",
                       ("logisticsCode", "logisticsNo"), "logisticsCode", ("logisticsCode",), "logisticsNo",
                       head_defaults=_STANDARD | {"currency": "142", "packNo": "1"}, search=("orderNo", "consignee"))
DELIVERY = DocumentType("CEB513", "deliveries", "物流签收单", "Delivery receipt", "I9", "logistics", "CEB514",
                        ("logisticsCode", "logisticsNo"), "logisticsCode", ("logisticsCode",), "logisticsNo",
                        head_defaults=_STANDARD | {"logisticsStatus": "S"})
INVENTORY = DocumentType("CEB621", "inventories", "清单", "Inventory", "I4", "ecommerce", "CEB622", ("copNo",),
                         "agentCode", ("ebcCode", "agentCode", "ebpCode", "logisticsCode"), "copNo",
                         head_defaults=_STANDARD | _BUYER | {"ieFlag": "I", "currency": "142", "packNo": "1"},
                         line_defaults={"currency": "142"}, generated=("copNo",),
                         search=("orderNo", "logisticsNo", "invtNo", "buyerName", "buyerIdNumber"))
CANCELLATION = DocumentType("CEB623", "cancellations", "撤销申请单", "Cancellation", "I5", "ecommerce", "CEB624",
                            ("copNo",), "agentCode", ("ebcCode", "agentCode", "ebpCode"), "copNo",
                            head_defaults={"appType": "1", "appStatus": "2"} | _BUYER, generated=("copNo",),
                            search=("orderNo", "logisticsNo", "invtNo", "buyerName", "buyerIdNumber"))
RETURN = DocumentType("CEB625", "returns", "退货申请单", "Return", "I6", "ecommerce", "CEB626", ("copNo",),
                      "agentCode", ("ebcCode", "agentCode", "ebpCode", "logisticsCode"), "copNo",
                      head_defaults=_STANDARD | _BUYER, generated=("copNo",),
                      search=("orderNo", "logisticsNo", "invtNo", "buyerName", "buyerIdNumber"))
ENTRY = DocumentType("CEB711", "entries", "入库明细单", "Warehouse entry details", "I11", "site", "CEB712", ("copNo",),
                     "operatorCode", ("operatorCode", "logisticsCode"), "copNo", per_message=1,
                     head_defaults=_STANDARD | {"ieFlag": "I"}, generated=("copNo",), search=("billNo",))

IMPORT_TYPES: tuple[DocumentType, ...] = (ORDER, PAYMENT, WAYBILL, DELIVERY, INVENTORY, CANCELLATION, RETURN, ENTRY)
BY_MESSAGE = {t.message: t for t in IMPORT_TYPES}
BY_SLUG = {t.slug: t for t in IMPORT_TYPES}
BY_RECEIPT = {t.receipt: t for t in IMPORT_TYPES}
# messages customs sends on its own (not answers to a document of ours)
TAX_BILL, TAX_STATUS = "CEB816", "CEB818"


def of_message(message_type: str) -> DocumentType:
    try:
        return BY_MESSAGE[message_type]
    except KeyError:
        raise ValueError(f"unknown import document message {message_type!r}") from None


def of_slug(slug: str) -> DocumentType | None:
    return BY_SLUG.get(slug)
