"""Aggregates of the customs context: import orders, the other declarations, tax bills, and the index of the
numbers customs assigned. The messages that carry them are the exchange context's (domain/exchange/model.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared import statuses
from domain.shared.ids import NAMESPACE
from domain.shared.receipts import Receipt, newer_than

LINES = "summaryResultList"  # a CEB792 result's lines (invtNo, logisticsNo, gseqno, gnum, gcode), the XSD's name


class NotRedeclarable(ValueError):
    """修改重报 refused: customs does not take the document again in its state (zh and en, for the user)."""

    def __init__(self, message_zh: str, message_en: str):
        super().__init__(message_en)
        self.message_zh, self.message_en = message_zh, message_en


def redeclarable(status: str, packed: bool) -> bool:
    """Whether a document may be modified and declared again under its number (#18): customs refused it (100 退单,
    a negative processing or CEB900 format code: customs keeps nothing of a refused document, which "may be declared
    again", RULES.md 2.5 and the node's duplicate rule), or the platform has not built its message yet. A document
    customs accepted is not: an inventory needs a cancellation (CEB623, RULES.md 2.6 -621011/-621012), and a change
    of an accepted order, payment or waybill (appType 2) is refused once its inventory went to customs (-301011)."""
    return statuses.is_refused(status) or (status == statuses.DECLARED and not packed)


def check_redeclarable(status: str, packed: bool, message_type: str) -> None:
    if redeclarable(status, packed):
        return
    if message_type in statuses.INVENTORY_TYPES and status in statuses.CANCELLABLE | statuses.ACCEPTED:
        raise NotRedeclarable("海关已接受该清单，不能修改重报；请先申请撤销（撤销申请单），撤销后重新申报",
                              "customs accepted this inventory: it cannot be modified; apply for its cancellation "
                              "first, then declare it again")
    raise NotRedeclarable(f"单证当前状态（{statuses.label(status)}）不能修改重报：只有海关退单、报文格式错误"
                          "或尚未生成报文的单证可以修改后重新申报",
                          f"the document cannot be modified in its state ({statuses.label(status, 'en')}): only a "
                          "document customs refused, or one whose message is not built yet, can be declared again")


def first_version(document: dict[str, Any], by: str, at: datetime) -> dict[str, Any]:
    return {"version": 1, "by": by, "at": at.isoformat(), "reason": "", "status": "", "return_info": "",
            "guid": str(document.get("guid") or "")}


def keep_version(versions: list[dict[str, Any]], status: str, return_info: str, document: dict[str, Any], by: str,
                 at: datetime, reason: str) -> list[dict[str, Any]]:
    """The versions with the replaced one's outcome recorded (the status and customs' words it ended with) and the
    new one added: who, when, why. The replaced document itself stays in the Declared/Redeclared event that
    carried it (the history page shows it)."""
    done = [*versions[:-1], versions[-1] | {"status": status, "return_info": return_info}]
    return [*done, {"version": len(versions) + 1, "by": by, "at": at.isoformat(), "reason": reason, "status": "",
                    "return_info": "", "guid": str(document.get("guid") or "")}]


def answers_current(receipt: Receipt, guid: str, versions: int) -> bool:
    """After a redeclaration a late receipt for an earlier version (its guid) changes nothing: only receipts naming
    the current version's guid, and CEB900 format receipts (addressed to the message, checked by the processor), do."""
    return versions <= 1 or receipt.message_type == "CEB900" or not receipt.guid or receipt.guid == guid


class ImportOrder(Aggregate):
    """订单 import order, CEB311. Identified by the platform code and order number (unique per platform)."""

    if TYPE_CHECKING:  # event classes @event makes below, named by other modules (topics, isinstance); their
        # fields are the decorated method's arguments, which mypy cannot see: typed as any class
        Declared: ClassVar[type[Any]]
        Packed: ClassVar[type[Any]]
        Redeclared: ClassVar[type[Any]]

    @staticmethod
    def create_id(ebp_code: str, order_no: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"CEB311/{ebp_code}/{order_no}")

    @event("Declared")
    def __init__(self, ebp_code: str, order_no: str, document: dict[str, Any], declared_by: str,
                 declared_at: datetime, passthrough: bool = False) -> None:
        self.ebp_code = ebp_code
        self.order_no = order_no
        self.document = document
        self.declared_by = declared_by
        self.declared_at = declared_at
        # sent in a ready-made message (drop folder passthrough, X1), packed with it: never packed again. Events
        # stored before the flag existed lack it (read with getattr, default False)
        self.passthrough = passthrough
        self.status = statuses.DECLARED
        self.message_id: UUID | None = None
        self.message_guid = ""
        self.status_time = ""
        self.return_info = ""
        self.receipts: list[dict[str, str]] = []
        self.versions: list[dict[str, Any]] = [first_version(document, declared_by, declared_at)]

    @event("Packed")
    def packed(self, message_id: UUID, message_guid: str) -> None:
        """Put into a customs message. Always the order's second event, so two processors packing the same
        order race on one version number and only one can win (exactly once across workers); a redeclared
        version's Packed follows its Redeclared event the same way."""
        self.message_id = message_id
        self.message_guid = message_guid

    def redeclare(self, document: dict[str, Any], by: str, at: datetime, reason: str) -> None:
        """修改重报 (#18): a new version of the order under the same number, sent again; see `Versioned`."""
        check_redeclarable(self.status, bool(self.message_id), "CEB311")
        self._redeclared(number=self.order_no, document=document, links={}, by=by, at=at, reason=reason)

    @event("Redeclared")
    def _redeclared(self, number: str, document: dict[str, Any], links: dict[str, str], by: str, at: datetime,
                    reason: str) -> None:
        self.versions = keep_version(self.versions, self.status, self.return_info, document, by, at, reason)
        self.document = document
        self.status, self.status_time, self.return_info = statuses.DECLARED, "", ""
        self.message_id, self.message_guid, self.passthrough = None, "", False

    PACKED_VERSION = 2

    @property
    def _customs_status(self) -> str:
        return self.status if self.status_time else ""

    @property
    def guid(self) -> str:
        return str(self.document["guid"])

    message_type = "CEB311"

    @property
    def number(self) -> str:
        return self.order_no

    def apply_receipt(self, receipt: Receipt) -> bool:
        """Record a customs receipt once; only a receipt newer than the current one changes the status."""
        if receipt.key in {r["key"] for r in self.receipts}:
            return False
        supersedes = newer_than(receipt, self.status_time, self._customs_status) and \
            statuses.legal_move("CEB311", self._customs_status, receipt.return_status) and \
            answers_current(receipt, str(self.document.get("guid") or ""), len(self.versions))
        self._receipt_applied(receipt=receipt.as_dict(), supersedes=supersedes)
        return True

    @event("ReceiptApplied")
    def _receipt_applied(self, receipt: dict[str, str], supersedes: bool) -> None:
        self.receipts.append(receipt)
        if supersedes:
            self.status = receipt["returnStatus"]
            self.status_time = receipt["returnTime"]
            self.return_info = receipt["returnInfo"]


class Declaration(Aggregate):
    """Any import document but the order (I4-I11): payment CEB411, waybill CEB511, delivery receipt CEB513,
    inventory CEB621, cancellation CEB623, return CEB625, warehouse entry details CEB711. Identified by its message
    type and the key fields of `domain.customs.documents` (the same fields customs' receipt carries)."""

    if TYPE_CHECKING:  # event classes @event makes below, named by other modules (topics, isinstance); their
        # fields are the decorated method's arguments, which mypy cannot see: typed as any class
        Declared: ClassVar[type[Any]]
        Packed: ClassVar[type[Any]]
        Redeclared: ClassVar[type[Any]]

    @staticmethod
    def create_id(message_type: str, key: tuple[str, ...], **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"{message_type}/{'/'.join(key)}")

    @event("Declared")
    def __init__(self, message_type: str, key: tuple[str, ...], number: str, document: dict[str, Any],
                 declared_by: str, declared_at: datetime, links: dict[str, str], passthrough: bool = False) -> None:
        self.message_type = message_type
        self.key = tuple(key)
        self.number = number
        self.document = document
        self.declared_by = declared_by
        self.declared_at = declared_at
        self.passthrough = passthrough  # see ImportOrder
        self.links = links  # documents this one refers to, by role: e.g. {"inventory": "<aggregate id>"}
        self.status = statuses.DECLARED
        self.message_id: UUID | None = None
        self.message_guid = ""
        self.status_time = ""
        self.return_info = ""
        self.receipts: list[dict[str, str]] = []
        self.versions: list[dict[str, Any]] = [first_version(document, declared_by, declared_at)]
        self.numbers: dict[str, str] = {}  # numbers customs assigned: preNo, invtNo, rkdNo, sumNo
        self.closed_by = ""  # the cancellation that ended an inventory
        self.summary_results: list[dict[str, Any]] = []  # a summary application's CEB792 results, as received

    PACKED_VERSION = 2

    @event("Packed")
    def packed(self, message_id: UUID, message_guid: str) -> None:
        """Put into a customs message; always the second event, or the one after a redeclaration (see
        ImportOrder.packed)."""
        self.message_id = message_id
        self.message_guid = message_guid

    def redeclare(self, document: dict[str, Any], links: dict[str, str], by: str, at: datetime,
                  reason: str) -> None:
        """修改重报 (#18): a new version under the same key, sent again; see `check_redeclarable`."""
        check_redeclarable(self.status, bool(self.message_id), self.message_type)
        self._redeclared(number=self.number, document=document, links=links, by=by, at=at, reason=reason,
                         message_type=self.message_type)

    @event("Redeclared")
    def _redeclared(self, number: str, document: dict[str, Any], links: dict[str, str], by: str, at: datetime,
                    reason: str, message_type: str = "") -> None:
        """The event says its message type, as Declared does: the processors pack it into a message of that type
        and the read models file it there (without it, every reader took it for an order, CEB311)."""
        self.versions = keep_version(self.versions, self.status, self.return_info, document, by, at, reason)
        self.document, self.number, self.links = document, number, links
        self.status, self.status_time, self.return_info = statuses.DECLARED, "", ""
        self.message_id, self.message_guid, self.passthrough = None, "", False

    @property
    def guid(self) -> str:
        return str(self.document["guid"])

    @property
    def _customs_status(self) -> str:
        return self.status if self.status_time else ""

    def apply_receipt(self, receipt: Receipt, numbers: dict[str, str] | None = None) -> bool:
        """Record a receipt once. It changes the status when it is newer than the current one and the move is one
        customs makes (inventories: `statuses.legal_move`); otherwise it is kept, shown, and changes nothing."""
        if receipt.key in {r["key"] for r in self.receipts}:
            return False
        supersedes = newer_than(receipt, self.status_time, self._customs_status) and \
            statuses.legal_move(self.message_type, self._customs_status, receipt.return_status) and \
            answers_current(receipt, str(self.document.get("guid") or ""), len(self.versions))
        found = {k: v for k, v in (numbers or {}).items() if v and self.numbers.get(k) != v}
        self._receipt_applied(receipt=receipt.as_dict(), supersedes=supersedes, numbers=found)
        return True

    @event("ReceiptApplied")
    def _receipt_applied(self, receipt: dict[str, str], supersedes: bool, numbers: dict[str, str]) -> None:
        self.receipts.append(receipt)
        self.numbers.update(numbers)
        if supersedes:
            self.status = receipt["returnStatus"]
            self.status_time = receipt["returnTime"]
            self.return_info = receipt["returnInfo"]

    def end(self, cancellation: str, return_time: str, reason: str) -> bool:
        """Ended by the cancellation customs approved, once: an inventory already cancelled stays as it is (a
        receipt read twice, a second approved cancellation). False when nothing changed."""
        if self.status == statuses.CANCELLED:
            return False
        self.cancelled(cancellation=cancellation, return_time=return_time, reason=reason)
        return True

    @event("Cancelled")
    def cancelled(self, cancellation: str, return_time: str, reason: str) -> None:
        """An inventory whose cancellation (CEB623, export CEB605) customs approved: 已撤销, whatever came before."""
        self.closed_by = cancellation
        self.status = statuses.CANCELLED
        self.status_time = return_time
        self.return_info = reason

    def record_summary_result(self, result: dict[str, Any], source: str) -> bool:
        """汇总结果单 (CEB792, E3) for this summary application: one customs declaration (declSeqNo) of it, with its
        lines (invtNo, logisticsNo, gseqno, gnum, gcode) or, in a later result, its numbers (entryId, decPreNo) and
        state (decState). Recorded once."""
        seen = {(r["declSeqNo"], r["opDate"], r["decState"]) for r in self.summary_results}
        if (result["declSeqNo"], result["opDate"], result["decState"]) in seen:
            return False
        self._summary_resulted(result=result, source=source)
        return True

    @event("SummaryResulted")
    def _summary_resulted(self, result: dict[str, Any], source: str) -> None:
        self.summary_results.append(result | {"source": source})

    @property
    def summary_declarations(self) -> list[dict[str, Any]]:
        """The customs declarations the summary became, one per declSeqNo in the order customs gave them: the
        results merged, the newest (opDate) deciding decState, numbers kept once given, the lines of any result
        (summaryResultList)."""
        merged: dict[str, dict[str, Any]] = {}
        for result in sorted(self.summary_results, key=lambda r: r["opDate"]):
            known = merged.setdefault(result["declSeqNo"], {LINES: []})
            known |= {k: v for k, v in result.items() if v not in ("", None, []) and k != LINES}
            known[LINES] = result[LINES] or known[LINES]
        order = list(dict.fromkeys(r["declSeqNo"] for r in self.summary_results))
        return [merged[number] for number in order]


class NumberIndex(Aggregate):
    """A number customs assigned that later customs messages name a document by, pointing at that document: the
    sumNo of a summary application (its CEB792 results carry nothing else to find it by), the invtNo of an inventory
    (CEB621, export CEB603: its cancellations and returns name it). Recorded with the receipt that assigned it
    (policies.INDEXED), so a declaration finds the document in the event store without a read model."""

    @staticmethod
    def create_id(kind: str, number: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"number/{kind}/{number}")

    @event("Assigned")
    def __init__(self, kind: str, number: str, document_id: str) -> None:
        self.kind = kind
        self.number = number
        self.document_id = document_id


class BuyerYear(Aggregate):
    """个人年度交易限值台账 (I4): the inventories (CEB621) declared in one calendar year for one buyer (ID number),
    recorded in the same transaction as each inventory, and the approved returns (CEB625 399) of those inventories,
    recorded with their receipt. What counts is judged on the documents themselves (policies.annual_use: refused
    and cancelled inventories do not), so the ledger only says which documents to look at.

    Every inventory declared for the buyer adds an event, so two declarations for the same buyer at the same moment
    race on the ledger's version: the second save fails and is decided again, seeing the first."""

    @staticmethod
    def create_id(buyer_id_number: str, year: int, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"buyer-year/{buyer_id_number}/{year}")

    @event("Opened")
    def __init__(self, buyer_id_number: str, year: int) -> None:
        self.buyer_id_number = buyer_id_number
        self.year = year
        self.inventories: list[str] = []
        self.returns: list[str] = []

    def count(self, inventory_id: str) -> bool:
        """An inventory declared for the buyer this year; False when it is already recorded."""
        if inventory_id in self.inventories:
            return False
        self._inventory_counted(inventory_id=inventory_id)
        return True

    @event("InventoryCounted")
    def _inventory_counted(self, inventory_id: str) -> None:
        self.inventories.append(inventory_id)

    def give_back(self, return_id: str, inventory_id: str) -> bool:
        """A return of one of the buyer's inventories customs approved; False when it is already recorded."""
        if return_id in self.returns:
            return False
        self._return_approved(return_id=return_id, inventory_id=inventory_id)
        return True

    @event("ReturnApproved")
    def _return_approved(self, return_id: str, inventory_id: str) -> None:
        self.returns.append(return_id)


class TaxBill(Aggregate):
    """电子税单 (I7): issued by customs for an inventory (CEB816), its status changed later (CEB818)."""

    @staticmethod
    def create_id(invt_no: str, tax_no: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"CEB816/{invt_no}/{tax_no}")

    @event("Issued")
    def __init__(self, invt_no: str, tax_no: str, document: dict[str, Any], source: str) -> None:
        self.invt_no = invt_no
        self.tax_no = tax_no
        self.document = document
        self.source = source
        self.status = str(document.get("status") or "1")
        self.status_time = str(document.get("returnTime") or "")
        self.ent_duty_no = str(document.get("entDutyNo") or "")
        self.changes: list[dict[str, str]] = []

    def change_status(self, change: dict[str, str], source: str) -> bool:
        """A CEB818 status message: applied once, and only when newer than what is known."""
        stamp = str(change.get("returnTime") or "")
        if any(c["returnTime"] == stamp and c["status"] == change.get("status") for c in self.changes):
            return False
        self._status_changed(status=str(change.get("status") or ""), return_time=stamp,
                             ent_duty_no=str(change.get("entDutyNo") or ""), source=source)
        return True

    @event("StatusChanged")
    def _status_changed(self, status: str, return_time: str, ent_duty_no: str, source: str) -> None:
        self.changes.append({"status": status, "returnTime": return_time, "entDutyNo": ent_duty_no,
                             "source": source})
        if return_time >= self.status_time:
            self.status, self.status_time = status, return_time
            self.ent_duty_no = ent_duty_no or self.ent_duty_no
