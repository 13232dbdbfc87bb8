"""The import (I3-I11) and export (E1-E10) document types as one table: which message carries each, which receipt
answers it, which fields identify it, which enterprise signs and sends it, and which feature (permission) it
belongs to.

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
    direction: str = "import"  # import (进口, receiver DXPEDCCEB0000002) or export (出口, DXPEDCCEB0000003)
    owner: str = ""  # the field naming the enterprise that owns the document's number (its key); empty: the sender
    acting: tuple[str, ...] = ()  # more fields naming enterprises that may act on the document (cancel, return it)

    def permission(self, action: str) -> str:
        return f"{self.feature}:{action}"

    def key_of(self, document: dict[str, Any]) -> tuple[str, ...]:
        return tuple(str(document.get(name) or "") for name in self.key)

    def label(self, lang: str = "zh-CN") -> str:
        return self.name_en if lang == "en" else self.name_zh

    @property
    def owner_field(self) -> str:
        return self.owner or self.sender

    def actors(self, document: dict[str, Any]) -> set[str]:
        """The enterprises that may act on the document (#16): refer to it from another document (cancel it, return
        it, list it in a bag, a summary or a tally), change or declare it as a draft. Its sender, the owner of its
        number and the `acting` parties; a party that only sees it (a platform named on an inventory) does not."""
        fields = dict.fromkeys((self.sender, self.owner_field, *self.acting))
        return {str(document[f]) for f in fields if document.get(f)}


_STANDARD = {"appType": "1", "appStatus": "2"}
_BUYER = {"buyerIdType": "1"}

ORDER = DocumentType("CEB311", "orders", "订单", "Order", "I3", "ecommerce", "CEB312", ("ebpCode", "orderNo"),
                     "ebcCode", ("ebcCode", "ebpCode"), "orderNo",
                     head_defaults=_STANDARD | _BUYER | {"orderType": "I", "currency": "142"},
                     line_defaults={"currency": "142"}, owner="ebpCode")  # order numbers are unique per platform
PAYMENT = DocumentType("CEB411", "payments", "支付单", "Payment", "I10", "payment", "CEB412",
                       ("payCode", "payTransactionId"), "payCode", ("payCode", "ebpCode"), "payTransactionId",
                       head_defaults=_STANDARD | {"payerIdType": "1", "currency": "142"})
WAYBILL = DocumentType("CEB511", "waybills", "运单", "Waybill", "I8", "logistics", "CEB512",
                       ("logisticsCode", "logisticsNo"), "logisticsCode", ("logisticsCode",), "logisticsNo",
                       head_defaults=_STANDARD | {"currency": "142", "packNo": "1"})
DELIVERY = DocumentType("CEB513", "deliveries", "物流签收单", "Delivery receipt", "I9", "logistics", "CEB514",
                        ("logisticsCode", "logisticsNo"), "logisticsCode", ("logisticsCode",), "logisticsNo",
                        head_defaults=_STANDARD | {"logisticsStatus": "S"})
INVENTORY = DocumentType("CEB621", "inventories", "清单", "Inventory", "I4", "ecommerce", "CEB622", ("copNo",),
                         "agentCode", ("ebcCode", "agentCode", "ebpCode", "logisticsCode"), "copNo",
                         head_defaults=_STANDARD | _BUYER | {"ieFlag": "I", "currency": "142", "packNo": "1"},
                         line_defaults={"currency": "142"}, generated=("copNo",), acting=("ebcCode",))
CANCELLATION = DocumentType("CEB623", "cancellations", "撤销申请单", "Cancellation", "I5", "ecommerce", "CEB624",
                            ("copNo",), "agentCode", ("ebcCode", "agentCode", "ebpCode"), "copNo",
                            head_defaults={"appType": "1", "appStatus": "2"} | _BUYER, generated=("copNo",))
RETURN = DocumentType("CEB625", "returns", "退货申请单", "Return", "I6", "ecommerce", "CEB626", ("copNo",),
                      "agentCode", ("ebcCode", "agentCode", "ebpCode", "logisticsCode"), "copNo",
                      head_defaults=_STANDARD | _BUYER, generated=("copNo",))
ENTRY = DocumentType("CEB711", "entries", "入库明细单", "Warehouse entry details", "I11", "site", "CEB712", ("copNo",),
                     "operatorCode", ("operatorCode", "logisticsCode"), "copNo", per_message=1,
                     head_defaults=_STANDARD | {"ieFlag": "I"}, generated=("copNo",))

IMPORT_TYPES: tuple[DocumentType, ...] = (ORDER, PAYMENT, WAYBILL, DELIVERY, INVENTORY, CANCELLATION, RETURN, ENTRY)

# --- export (#7, E1-E11): the 202205 export business-node messages --------------------------------------------
_MSG = {"msgCount": "1", "msgSeqNo": "1"}  # one-part messages (RULES.md 2.0)
EXPORT_ORDER = DocumentType("CEB303", "export-orders", "出口订单/订仓单", "Export order / booking", "E1", "ecommerce",
                            "CEB304", ("ebpCode", "orderNo"), "ebcCode", ("ebcCode", "ebpCode"), "orderNo",
                            head_defaults=_STANDARD | {"orderType": "E", "currency": "142"},
                            line_defaults={"currency": "142"}, direction="export")
COLLECTION = DocumentType("CEB403", "collections", "收款单", "Receipt of payment", "E9", "payment", "CEB404",
                          ("ebcCode", "orderNo"), "payCode", ("payCode", "ebcCode", "ebpCode"), "orderNo",
                          head_defaults=_STANDARD | {"currency": "142"}, direction="export")
EXPORT_WAYBILL = DocumentType("CEB505", "export-waybills", "出口运单", "Export waybill", "E6", "logistics", "CEB506",
                              ("logisticsCode", "logisticsNo"), "logisticsCode", ("logisticsCode", "ebcCode"),
                              "logisticsNo", head_defaults=_STANDARD | {"currency": "142"}, direction="export")
ARRIVAL = DocumentType("CEB507", "arrivals", "运抵单", "Arrival at the site", "E10", "site", "CEB508", ("copNo",),
                       "operatorCode", ("operatorCode", "logisticsCode"), "copNo", per_message=1,
                       head_defaults=_STANDARD | _MSG | {"ieFlag": "E"}, generated=("copNo",),
                       direction="export")
DEPARTURE = DocumentType("CEB509", "departures", "离境单", "Departure", "E8", "logistics", "CEB510", ("copNo",),
                         "logisticsCode", ("logisticsCode",), "copNo", per_message=1, head_defaults=_STANDARD | _MSG,
                         generated=("copNo",), direction="export")
EXPORT_INVENTORY = DocumentType("CEB603", "export-inventories", "出口清单", "Export inventory", "E2", "ecommerce",
                                "CEB604", ("copNo",), "agentCode",
                                ("ebcCode", "agentCode", "ebpCode", "logisticsCode", "ownerCode"), "copNo",
                                head_defaults=_STANDARD | {"ieFlag": "E", "fFlag": "3", "iFlag": "3",
                                                           "fCurrency": "142", "iCurrency": "142"},
                                line_defaults={"currency": "142"}, generated=("copNo",), direction="export",
                                acting=("ebcCode",))
EXPORT_CANCELLATION = DocumentType("CEB605", "export-cancellations", "出口撤销申请单", "Export cancellation", "E4",
                                   "ecommerce", "CEB606", ("copNo",), "agentCode", ("ebcCode", "agentCode"), "copNo",
                                   head_defaults=_STANDARD, generated=("copNo",),
                                   direction="export")
BAG = DocumentType("CEB607", "bags", "清单总分单", "Master/sub waybill bag", "E7", "logistics", "CEB608", ("copNo",),
                   "agentCode", ("agentCode", "logisticsCode"), "copNo", per_message=1,
                   head_defaults=_STANDARD | _MSG, generated=("copNo",),
                   direction="export")
SUMMARY = DocumentType("CEB701", "summaries", "汇总申请单", "Summary application", "E3", "ecommerce", "CEB702",
                       ("copNo",), "agentCode", ("ebcCode", "agentCode", "declAgentCode"), "copNo", per_message=1,
                       head_defaults=_STANDARD | _MSG, generated=("copNo",), direction="export")
EXPORT_RETURN = DocumentType("CEB213", "export-returns", "出口退货申请单", "Export return", "E5", "ecommerce", "CEB214",
                             ("coElNo",), "agentCode", ("ebcCode", "agentCode", "ebpCode", "logisticsCode"), "coElNo",
                             head_defaults=_STANDARD | {"ieFlag": "I"}, generated=("coElNo",), direction="export")
TALLY = DocumentType("CEB215", "export-tallies", "出口退运理货明细单", "Export return tally", "E5", "site", "CEB216",
                     ("coElNo",), "operatorCode", ("operatorCode", "logisticsCode"), "coElNo",
                     head_defaults=_STANDARD | {"ieFlag": "I"}, generated=("coElNo",), direction="export")

EXPORT_TYPES: tuple[DocumentType, ...] = (EXPORT_ORDER, COLLECTION, EXPORT_WAYBILL, EXPORT_INVENTORY, BAG, ARRIVAL,
                                          DEPARTURE, SUMMARY, EXPORT_CANCELLATION, EXPORT_RETURN, TALLY)
ALL_TYPES = IMPORT_TYPES + EXPORT_TYPES
BY_MESSAGE = {t.message: t for t in ALL_TYPES}
SITE = "site"  # a supervised site reports the parcels that pass through it (arrivals, tallies), whoever's they are
BY_SLUG = {t.slug: t for t in ALL_TYPES}
BY_RECEIPT = {t.receipt: t for t in ALL_TYPES}
# messages customs sends on its own (not answers to a document of ours)
TAX_BILL, TAX_STATUS = "CEB816", "CEB818"
SUMMARY_RESULT = "CEB792"  # 汇总结果单: the customs declarations a summary application became


def of_message(message_type: str) -> DocumentType:
    try:
        return BY_MESSAGE[message_type]
    except KeyError:
        raise ValueError(f"unknown import document message {message_type!r}") from None


def of_slug(slug: str) -> DocumentType | None:
    return BY_SLUG.get(slug)
