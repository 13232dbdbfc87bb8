"""海关节点模拟器 (X6): plays the customs data node behind the file boxes, for tests, demos and onboarding.

For each message in the outbox it checks the XSD and the signature and answers in the inbox: CEB900 for a message
customs cannot read; else, for every document of domain/customs/documents.py, its receipt with returnStatus 2
(申报中), then, each after `accept_delay`, what the customs rules decide: 120 (入库), 399 (审结) or a refusal (100 退单
or a negative code).
Import (domain/customs_node/rules.py; CEB312, CEB412, CEB512, CEB514, CEB622, CEB624, CEB626, CEB712): an inventory
goes 120, 399, 800 (放行) with its electronic tax bill (CEB816); an approved cancellation (399) voids that bill
(CEB818 status 3).
Export (domain/customs_node/export_rules.py; CEB304, CEB404, CEB506, CEB508, CEB510, CEB604, CEB606, CEB608, CEB214,
CEB216, CEB702): an inventory stops at 120 until its parcel arrives (CEB507: 399, 800) and departs (CEB509: 899 结关),
each move its own CEB604; an approved summary application (CEB702 399 with its sumNo) is followed by its results,
the customs declarations it became (CEB792).

What the node received and decided is kept in `<boxes>/.customs-sim-ledger` (JSON lines, appended and synced before
any receipt of it is sent): a restart re-reads the outbox, gives the same answers with the same numbers, skips the
receipts already given and counts no buyer's amount twice. Faults (`--faults`) make it misbehave on purpose. It
serves the file boxes (`CustomsSimulator`) or the AMQP queues (`AmqpCustomsSimulator`): same logic, different I/O.
Every message it receives is logged by name in `<boxes>/.customs-sim-received`. Taxes come from `rates` (the HS rates
of the platform's reference data); without them (`cbec customs-sim` on its own) a tax bill's taxes are 0 and its note
says so."""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

from adapters import ceb
from adapters.customs.filebox import FileBox, write_atomically
from adapters.signing import verify_tree
from domain.customs import documents
from domain.customs.documents import COLLECTION, EXPORT_ORDER, EXPORT_WAYBILL, ORDER, WAYBILL, DocumentType
from domain.customs_node import export_rules as clearance_export
from domain.customs_node import rules as clearance
from domain.shared import statuses
from domain.shared.tax import Rates, returned_value, transaction_value

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
RECEIPT_OF = {t.message: t.receipt for t in documents.ALL_TYPES}
EXPORT = {t.message for t in documents.EXPORT_TYPES}
PER_MESSAGE = 100  # documents per message customs sends (the receipts' XSD maxOccurs)
# the fields of each receipt node, from its XSD: the key fields and those customs fills are copied from the document
RECEIPT_FIELDS = {receipt: {f.name for f in ceb.describe(receipt)["head"]} for receipt in RECEIPT_OF.values()}
ANSWER_FIELDS = {"guid", "returnStatus", "returnTime", "returnInfo"}
Outgoing = tuple[str, str, str, list[dict[str, Any]]]  # a message to send: file name, type, guid seed, documents
Parcel = tuple[str, str]  # an export waybill: (logisticsCode, logisticsNo)


@dataclass
class Faults:
    """What to get wrong: reject=0.1 (share of documents refused), format=0.05 (share of messages answered CEB900),
    drop=0.05 (messages never answered), reject-order=TEXT (refuse documents whose number or note contains TEXT),
    delay=SECONDS (answer that late), duplicate=0.1 (share of receipts sent twice), reorder (the first receipt, 2,
    arrives after the others), down=SECONDS (the transport refuses messages for that long from the start),
    inspect=0.2 (share of inventories, import or export, that go 查验 500 before 审结)."""

    reject: float = 0.0
    format: float = 0.0
    drop: float = 0.0
    reject_order: str = ""
    delay: float = 0.0
    duplicate: float = 0.0
    reorder: bool = False
    down: float = 0.0
    inspect: float = 0.0
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def parse(cls, spec: str) -> Faults:
        faults = cls()
        for part in filter(None, (p.strip() for p in (spec or "").split(","))):
            name, _, value = part.partition("=")
            key = name.strip().replace("-", "_")
            if key not in KINDS:
                raise ValueError(f"unknown fault {name!r}: use reject=, format=, drop=, reject-order=, delay=, "
                                 "duplicate=, reorder, down=, inspect=, seed=")
            setattr(faults, key, KINDS[key](value))
        if faults.seed is not None:
            faults.rng = random.Random(faults.seed)
        return faults

    def hits(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate


KINDS = {"reject": float, "format": float, "drop": float, "reject_order": str, "seed": int, "delay": float,
         "duplicate": float, "reorder": lambda v: v.strip().lower() not in ("0", "false", "no"), "down": float,
         "inspect": float}


def _stamp(moment: datetime | None = None) -> str:
    moment = moment or datetime.now(SHANGHAI)
    return moment.strftime("%Y%m%d%H%M%S") + f"{moment.microsecond // 1000:03d}"


def _later(stamp: str) -> str:
    """One millisecond after a returnTime."""
    moment = datetime.strptime(stamp, "%Y%m%d%H%M%S%f") + timedelta(milliseconds=1)
    return _stamp(moment)


def _next_stamp(previous: str) -> str:
    """Now, but always after the previous receipt of the same document."""
    return max(_stamp(), _later(previous))


class Ledger:
    """What the customs node received and decided, replayed from its file at start: each decision (with the facts
    customs keeps of an accepted document and the numbers it assigned), each inventory status sent (an export
    inventory's later ones with the answer stage that caused them), each tax bill issued. Everything else (documents
    held, inventories, the buyers' annual amounts, parcels bagged, arrived and departed, inventories summarised, the
    number serials) is derived from those entries; a message read again after a restart finds its decisions here, so
    nothing is decided or counted twice."""

    def __init__(self, path: Path):
        self.path = path
        self.decided: dict[tuple[str, str, str], dict[str, Any]] = {}  # (message guid, type, key) -> decision
        self.held: dict[tuple[str, str], dict[str, Any]] = {}  # (type, key) -> accepted: message guid, facts
        self.payments: dict[tuple[str, str], dict[str, Any]] = {}  # (ebpCode, orderNo) -> the accepted payment
        # invtNo -> facts, numbers, type (CEB621 / CEB603), status, time (of the status), returned, taxNo, year
        self.inventories: dict[str, dict[str, Any]] = {}
        self.used: dict[tuple[str, int], Decimal] = defaultdict(Decimal)  # (buyer ID number, year) -> amount
        self.serials: Counter[str] = Counter()  # numbers assigned so far: preNo, invtNo, rkdNo, sumNo ...
        self.parcels: dict[Parcel, str] = {}  # -> the invtNo of the export inventory declaring it
        self.bags: dict[Parcel, dict[str, str]] = {}  # -> billNo, totalPackageNo of the bag (CEB607) it is in
        self.arrived: set[Parcel] = set()  # listed by an accepted arrival (CEB507)
        self.departed: set[Parcel] = set()  # listed by an accepted departure (CEB509)
        self.summarised: dict[str, str] = {}  # invtNo -> the sumNo of the summary application that took it
        self.progressed: dict[str, list[dict[str, Any]]] = {}  # answer stage -> the inventory statuses it caused
        self._unsaved: list[str] = []
        lines = path.read_text("utf-8").splitlines() if path.exists() else []
        for number, line in enumerate(lines, start=1):
            try:
                self._apply(json.loads(line))
            except ValueError:  # a line cut short by a crash: its receipts were never sent
                log.warning("customs simulator ledger line %s unreadable; ignored", number)

    def record(self, entry: dict[str, Any]) -> None:
        self._apply(entry)
        self._unsaved.append(json.dumps(entry, ensure_ascii=False))

    def save(self) -> None:
        """Make what was recorded durable; called before the receipts it explains are sent."""
        if not self._unsaved:
            return
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write("\n".join(self._unsaved) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self._unsaved.clear()

    def facts(self, doc_type: DocumentType, document: dict[str, Any]) -> dict[str, Any] | None:
        """What customs accepted under the key doc_type reads from this document (e.g. the order an inventory names)."""
        held = self.held.get((doc_type.message, "/".join(doc_type.key_of(document))))
        return held["facts"] if held else None

    def documents_of(self, inventory: dict[str, Any]) -> tuple[dict[str, Any] | None, ...]:
        """The accepted order, payment and waybill an inventory names."""
        payment = self.payments.get((str(inventory.get("ebpCode") or ""), str(inventory.get("orderNo") or "")))
        return self.facts(ORDER, inventory), payment, self.facts(WAYBILL, inventory)

    def export_documents_of(self, inventory: dict[str, Any]) -> tuple[dict[str, Any] | None, ...]:
        """The accepted export order, receipt of payment and waybill an export inventory names."""
        return self.facts(EXPORT_ORDER, inventory), self.facts(COLLECTION, inventory), \
            self.facts(EXPORT_WAYBILL, inventory)

    def known_parcel(self, parcel: Parcel) -> bool:
        """An export waybill customs accepted."""
        return (EXPORT_WAYBILL.message, "/".join(parcel)) in self.held

    def inventory(self, invt_no: str, message_type: str) -> dict[str, Any] | None:
        """The inventory customs numbered invt_no, if it is of that type (import CEB621, export CEB603)."""
        inventory = self.inventories.get(invt_no)
        return inventory if inventory is not None and inventory["type"] == message_type else None

    def _apply(self, entry: dict[str, Any]) -> None:
        kind = entry["r"]
        if kind == "decided":
            self._decided(entry)
        elif kind == "state" and entry["invtNo"] in self.inventories:
            self._move(self.inventories[entry["invtNo"]], entry)
            if "by" in entry:
                self.progressed.setdefault(entry["by"], []).append(entry)
        elif kind == "taxed" and entry["invtNo"] in self.inventories:
            self.inventories[entry["invtNo"]] |= {"taxNo": entry["taxNo"], "taxTime": entry["time"]}

    @staticmethod
    def _move(inventory: dict[str, Any], entry: dict[str, Any]) -> None:
        """Customs' record of an inventory moves forward only: a stage sent again after a restart does not take a
        released inventory back to 120, and a cancelled one stays cancelled."""
        if statuses.legal_move("CEB621", inventory["status"], entry["status"]):
            inventory["status"] = entry["status"]
            inventory["time"] = entry.get("time", inventory["time"])

    def _decided(self, entry: dict[str, Any]) -> None:
        message_type, facts = entry["type"], entry["facts"]
        self.decided[(entry["message"], message_type, entry["key"])] = entry
        self.serials.update(entry["numbers"].keys())
        self.serials.update(entry.get("serials", {}))
        if not entry["accepted"]:
            return
        self.held[(message_type, entry["key"])] = {"message": entry["message"], "facts": facts}
        if message_type in EXPORT:
            self._export_accepted(message_type, facts, entry)
        elif message_type == "CEB411":
            self.payments[(facts["ebpCode"], facts["orderNo"])] = facts
        elif message_type == "CEB621":
            invt_no = entry["numbers"]["invtNo"]
            self.inventories[invt_no] = facts | {"invtNo": invt_no, "type": message_type, "status": "2",
                                                 "time": entry["time"], "returned": {}, "year": entry["year"]}
            self.used[(facts["buyerIdNumber"], entry["year"])] += transaction_value(facts)
        elif message_type == "CEB623":
            self._cancel(self.inventories.get(facts["invtNo"]))
        elif message_type == "CEB625" and facts["invtNo"] in self.inventories:
            inventory = self.inventories[facts["invtNo"]]
            returned = inventory["returned"]
            for line in facts["invtRefundList"]:
                returned[line["gnum"]] = str(Decimal(returned.get(line["gnum"], "0")) + Decimal(line["qty"] or "0"))
            # an approved return gives its goods' value back to the buyer's year (财关税〔2016〕18号)
            self.used[(inventory["buyerIdNumber"], inventory["year"])] -= returned_value(inventory, facts)

    def _export_accepted(self, message_type: str, facts: dict[str, Any], entry: dict[str, Any]) -> None:
        """What an accepted export document changes: an inventory is held by its invtNo and parcel; a cancellation
        ends its inventory; bags, arrivals and departures mark their parcels; a summary application takes its
        inventories; a return counts what it takes back."""
        if message_type == "CEB603":
            invt_no = entry["numbers"]["invtNo"]
            self.inventories[invt_no] = facts | entry["numbers"] | {
                "type": message_type, "status": "2", "time": entry["time"], "returned": {}, "year": entry["year"]}
            self.parcels[(facts["logisticsCode"], facts["logisticsNo"])] = invt_no
        elif message_type == "CEB605" and facts["invtNo"] in self.inventories:
            self.inventories[facts["invtNo"]]["status"] = statuses.CANCELLED
        elif message_type == "CEB607":
            for parcel, line in zip(clearance_export.parcels(facts, message_type), facts["wayBillList"], strict=True):
                self.bags[parcel] = {"billNo": facts["billNo"], "totalPackageNo": line["totalPackageNo"]}
        elif message_type in ("CEB507", "CEB509"):
            marked = self.arrived if message_type == "CEB507" else self.departed
            marked.update(clearance_export.parcels(facts, message_type))
        elif message_type == "CEB701":
            self.summarised.update(dict.fromkeys(facts["invtNos"], entry["numbers"]["sumNo"]))
        elif message_type == "CEB213" and facts["invtNo"] in self.inventories:
            inventory = self.inventories[facts["invtNo"]]
            inventory["returned"] = clearance_export.returned_after(inventory["returned"], facts)

    def _cancel(self, inventory: dict[str, Any] | None) -> None:
        """An approved cancellation ends the inventory and gives its amount back to the buyer's year."""
        if inventory is None or inventory["status"] == statuses.CANCELLED:
            return
        inventory["status"] = statuses.CANCELLED
        self.used[(inventory["buyerIdNumber"], inventory["year"])] -= transaction_value(inventory)


@dataclass
class Reply:
    """The receipts owed to one document: its receipt node (the fields copied from it), the steps decided and the
    decision itself (the ledger entry)."""

    message_type: str
    node: dict[str, str]
    steps: list[clearance.Step]
    invt_no: str = ""  # the inventory an accepted inventory or cancellation concerns
    stamp: str = ""  # returnTime of its last receipt; at first, of the decision (its 2, even when sent again)
    decided: dict[str, Any] = field(default_factory=dict)


@dataclass
class Answer:
    """The receipts owed to one incoming message, one stage (the n-th receipt of each document) at a time."""

    name: str
    token: Any
    guid: str
    receipt: str
    replies: list[Reply]
    stage: int = 0
    due: float = 0.0
    held: list[Outgoing] = field(default_factory=list)  # reorder: the 2s

    @property
    def stages(self) -> int:
        return max((len(r.steps) for r in self.replies), default=0)


class CustomsSimulator:
    """The logic, over the file boxes: reads outbox/, answers in inbox/, moves what it read to sent/."""

    def __init__(self, boxes: Path, faults: Faults | None = None, accept_delay: float = 0.0,
                 copy: str = "海关跨境电商节点模拟器", rates: Callable[[str], Rates | None] | None = None):
        self.box = FileBox(boxes)
        self.faults = faults or Faults()
        self.accept_delay = accept_delay
        self.copy = copy
        self.rates = rates or (lambda _gcode: None)
        self.pending: dict[str, Answer] = {}
        self.delayed: dict[str, tuple[float, bytes, Any]] = {}
        self.down_until = 0.0
        self.ledger = Ledger(self.box.root / ".customs-sim-ledger")
        self.received_log = self.box.root / ".customs-sim-received"
        if self.faults.down > 0:
            self.down_until = time.time() + self.faults.down
            self._set_down(self.faults.down)

    def run_once(self) -> int:
        """One pass over the incoming messages and the receipts due; returns how many it acted on."""
        done = self._finish_due()
        if self.down_until and time.time() >= self.down_until:
            self.down_until = 0.0
            self._set_up()
        if self.down_until:
            return done
        now = time.monotonic()
        for name, (at, data, token) in list(self.delayed.items()):
            if at <= now:
                del self.delayed[name]
                self._receive(name, data, token)
                done += 1
        for name, data, token in self._incoming():
            if name in self.pending or name in self.delayed:
                continue
            self._log_received(name)
            if self.faults.delay > 0:
                self.delayed[name] = (now + self.faults.delay, data, token)
            else:
                self._receive(name, data, token)
            done += 1
        return done

    def run_forever(self, interval: float = 0.2, stop: object = None) -> None:
        while not (stop is not None and stop.is_set()):  # type: ignore[attr-defined]
            if not self.run_once():
                time.sleep(interval)

    # I/O: the file boxes (AmqpCustomsSimulator overrides these) -------------------------------------

    def _incoming(self) -> list[tuple[str, bytes, Any]]:
        return [(p.name, p.read_bytes(), p) for p in sorted(self.box.folder("outbox").iterdir()) if p.suffix == ".xml"]

    def _done(self, token: Any) -> None:
        if token.exists():
            os.replace(token, self.box.folder("sent") / token.name)

    def _send(self, name: str, data: bytes) -> None:
        if any((self.box.folder(f) / name).exists() for f in ("inbox", "handled", "quarantine")):
            return
        write_atomically(self.box.folder("inbox") / name, data)

    def _set_down(self, seconds: float) -> None:
        self.box.set_down(seconds)

    def _set_up(self) -> None:
        (self.box.root / ".down").unlink(missing_ok=True)

    def _log_received(self, name: str) -> None:
        with open(self.received_log, "a", encoding="utf-8") as handle:
            handle.write(name + "\n")

    # reading a message ----------------------------------------------------------------------------

    def _receive(self, name: str, data: bytes, token: Any) -> None:
        try:
            message = ceb.parse(data)
        except ceb.CodecError as error:
            return self._format_error(name, token, "Unknown", "", f"报文无法解析: {error}", data)
        guid = message.envelope.cop_msg_id if message.envelope else message.guid
        problem = self._format_problem(message)
        if problem or self.faults.hits(self.faults.format):
            return self._format_error(name, token, f"{message.message_type}Message", guid,
                                      problem or "模拟格式错误 (simulated fault)", data)
        if self.faults.hits(self.faults.drop):
            log.info("simulator drops %s on purpose", name)
            return self._done(token)
        self._answer(name, token, message)

    def _format_problem(self, message: ceb.Message) -> str:
        if message.message_type not in RECEIPT_OF:
            return f"模拟器不支持的报文类型 {message.message_type}"
        issues = ceb.validate(message.root)
        if issues:
            return "XSD校验失败: " + "; ".join(f"{i.field}: {i.message}" for i in issues[:5])
        verification = verify_tree(message.root)
        return "" if verification.ok else f"1001 数字签名无效: {verification.reason}"

    def _answer(self, name: str, token: Any, message: ceb.Message) -> None:
        """Decide every document (or find the decision of an earlier run), make it durable, send the 2s and
        schedule the rest."""
        doc_type = documents.of_message(message.message_type)
        replies = [self._reply(doc_type, doc, message.guid) for doc in message.documents]
        self.ledger.save()
        answer = Answer(name, token, message.guid, doc_type.receipt, replies)
        first = self._stage(answer)
        if self.faults.reorder:
            answer.held = first
        else:
            self._send_all(first)
        answer.due = time.monotonic() + self.accept_delay
        self.pending[name] = answer
        if self.accept_delay <= 0:
            self._finish_due()

    def _reply(self, doc_type: DocumentType, doc: dict[str, Any], message_guid: str) -> Reply:
        key = "/".join(doc_type.key_of(doc))
        decided = self.ledger.decided.get((message_guid, doc_type.message, key))
        if decided is None:
            decided = self._decide(doc_type, doc, message_guid, key)
            self.ledger.record(decided)
        node = {k: str(v) for k, v in doc.items()
                if k in RECEIPT_FIELDS[doc_type.receipt] and k not in ANSWER_FIELDS and v not in (None, "")}
        steps = [clearance.Step(*step) for step in decided["plan"]]
        invt_no = decided["numbers"].get("invtNo") or decided["facts"].get("invtNo", "")
        return Reply(doc_type.message, node | {"guid": str(doc.get("guid"))}, steps, invt_no, decided["time"],
                     decided)

    # customs' decisions ---------------------------------------------------------------------------

    def _decide(self, doc_type: DocumentType, doc: dict[str, Any], message_guid: str, key: str) -> dict[str, Any]:
        """One document's decision as a ledger entry: accepted or not, the receipts to send, the numbers assigned and
        the facts customs keeps."""
        moment = datetime.now(SHANGHAI)
        number = str(doc.get(doc_type.number) or "")
        held = self.ledger.held.get((doc_type.message, key))
        export = doc_type.message in EXPORT
        rules: Any = clearance_export if export else clearance
        if held and held["message"] != message_guid:
            decision = rules.duplicate(doc_type.message, number)
        else:
            decision = self._check_export(doc_type.message, doc) if export else \
                self._check(doc_type.message, doc, moment.year)
        if decision.accepted:
            decision = self._fault(number, str(doc.get("note") or "")) or decision
        numbers = self._numbers(doc_type, doc, decision.accepted, moment)
        guid = str(doc.get("guid"))
        if export:
            plan = clearance_export.receipts(doc_type.message, decision, numbers, guid)
        else:
            inspected = doc_type.message == "CEB621" and decision.accepted and self.faults.hits(self.faults.inspect)
            plan = clearance.receipts(doc_type.message, decision, numbers, guid, inspected)
        entry = {"r": "decided", "message": message_guid, "type": doc_type.message, "key": key,
                 "accepted": decision.accepted, "year": moment.year, "time": _stamp(moment), "numbers": numbers,
                 "facts": rules.kept(doc_type.message, doc) if decision.accepted else {},
                 "plan": [[s.status, s.info, s.numbers] for s in plan]}
        if decision.accepted and doc_type.message == "CEB701":
            entry |= self._summary(doc, numbers, moment)
        return entry

    def _check(self, message_type: str, doc: dict[str, Any], year: int) -> clearance.Decision:
        if message_type == "CEB311":
            return clearance.check_order(doc)
        if message_type == "CEB513":
            return clearance.check_delivery(doc, self.ledger.facts(WAYBILL, doc))
        if message_type == "CEB621":
            used = self.ledger.used[(str(doc.get("buyerIdNumber") or ""), year)]
            return clearance.check_inventory(doc, *self.ledger.documents_of(doc), used=used)
        if message_type == "CEB623":
            return clearance.check_cancellation(doc, self.ledger.inventory(str(doc.get("invtNo")), "CEB621"))
        if message_type == "CEB625":
            return clearance.check_return(doc, self.ledger.inventory(str(doc.get("invtNo")), "CEB621"))
        return clearance.ACCEPTED

    def _check_export(self, message_type: str, doc: dict[str, Any]) -> clearance.Decision:
        ledger = self.ledger
        inventory = ledger.inventory(str(doc.get("invtNo") or ""), "CEB603")
        if message_type == "CEB303":
            return clearance_export.check_order(doc)
        if message_type == "CEB603":
            return clearance_export.check_inventory(doc, *ledger.export_documents_of(doc))
        if message_type in clearance_export.PARCEL_LISTS:
            return clearance_export.check_parcels(message_type, doc, ledger.known_parcel,
                                                  ledger.arrived.__contains__ if message_type == "CEB509" else None)
        if message_type == "CEB605":
            return clearance_export.check_cancellation(doc, inventory)
        if message_type == "CEB213":
            return clearance_export.check_return(doc, inventory)
        if message_type == "CEB215":
            return clearance_export.check_tally(doc, inventory)
        if message_type == "CEB701":
            return clearance_export.check_summary(doc, self._summarised(doc), ledger.inventories, ledger.summarised)
        return clearance.ACCEPTED

    def _summarised(self, application: dict[str, Any]) -> list[str]:
        """The inventories a summary application takes: those cleared in its time window, else those it lists."""
        if clearance_export.uses_window(application):
            return clearance_export.in_window(application, self.ledger.inventories.values(), self.ledger.summarised)
        return [str(line.get("invtNo") or "") for line in application.get("summaryApplyList") or []]

    def _summary(self, application: dict[str, Any], numbers: dict[str, str], moment: datetime) -> dict[str, Any]:
        """An accepted summary application's facts, decided with it: the inventories it took and the customs
        declarations they became (`clearance_export.summarise`), each numbered (declSeqNo, entryId)."""
        invt_nos = self._summarised(application)
        declarations = clearance_export.summarise(application, [self.ledger.inventories[n] for n in invt_nos])
        serial, customs_code = self.ledger.serials, str(application.get("customsCode") or "")
        for n, declaration in enumerate(declarations, start=1):
            declaration["declSeqNo"] = clearance_export.decl_seq_no(moment.date(), serial["declSeqNo"] + n)
            declaration["entryId"] = clearance_export.entry_id(customs_code, moment.year, serial["entryId"] + n)
        facts = clearance_export.kept("CEB701", application) | {"invtNos": invt_nos, "sumNo": numbers["sumNo"]}
        return {"facts": facts, "declarations": declarations,
                "serials": {"declSeqNo": len(declarations), "entryId": len(declarations)}}

    def _fault(self, number: str, note: str = "") -> clearance.Decision | None:
        """reject-order=TEXT: the number or the note (#18: a mistake the declarant can fix and send again) has TEXT."""
        if self.faults.reject_order and (self.faults.reject_order in number or self.faults.reject_order in note):
            return clearance.refused("100", "模拟退单: 编号命中退单规则 (simulated rejection)")
        if self.faults.hits(self.faults.reject):
            return clearance.refused("100", "模拟退单 (simulated random rejection)")
        return None

    def _numbers(self, doc_type: DocumentType, doc: dict[str, Any], accepted: bool,
                 moment: datetime) -> dict[str, str]:
        """The numbers customs assigns: a preNo to every document whose receipt carries one, an invtNo to an
        accepted inventory (import or export), an rkdNo to accepted warehouse entry details, a sumNo to an accepted
        summary application."""
        serial = self.ledger.serials
        customs_code = str(doc.get("customsCode") or "")
        numbers = {}
        if "preNo" in RECEIPT_FIELDS[doc_type.receipt]:
            numbers["preNo"] = clearance.pre_no(moment.date(), serial["preNo"] + 1)
        if accepted and doc_type.message == "CEB621":
            numbers["invtNo"] = clearance.invt_no(customs_code, moment.year, serial["invtNo"] + 1)
        if accepted and doc_type.message == "CEB603":
            numbers["invtNo"] = clearance_export.invt_no(customs_code, moment.year, serial["invtNo"] + 1)
        if accepted and doc_type.message == "CEB701":
            numbers["sumNo"] = clearance_export.sum_no(moment.date(), serial["sumNo"] + 1)
        if accepted and doc_type.message == "CEB711":
            numbers["rkdNo"] = clearance.rkd_no(customs_code, moment.date(), serial["rkdNo"] + 1)
        return numbers

    # sending the receipts -------------------------------------------------------------------------

    def _finish_due(self) -> int:
        """Send the next stage of every answer due; with no accept_delay, every stage at once."""
        done = 0
        while due := [a for a in self.pending.values() if a.due <= time.monotonic()]:
            for answer in due:
                self._send_all(self._stage(answer))
                done += 1
                if answer.stage < answer.stages:
                    answer.due = time.monotonic() + self.accept_delay
                    continue
                self._send_all(answer.held)  # reorder: the 2s, stamped first, arrive last
                del self.pending[answer.name]
                self._done(answer.token)
        return done

    def _stage(self, answer: Answer) -> list[Outgoing]:
        """The receipt messages of an answer's next stage and what customs sends because of them (tax bills, the
        later receipts of export inventories, summary results), their effects recorded and saved first."""
        k = answer.stage
        answer.stage += 1
        nodes: list[dict[str, Any]] = []
        sent: dict[str, list[dict[str, Any]]] = defaultdict(list)  # message type -> documents
        moved: list[str] = []  # export inventories that may move on
        for reply in answer.replies:
            if k >= len(reply.steps) or self._stopped(reply, k):
                continue
            step = reply.steps[k]
            reply.stamp = _next_stamp(reply.stamp) if k else reply.stamp
            nodes.append(reply.node | step.numbers | {"returnStatus": step.status, "returnTime": reply.stamp,
                                                      "returnInfo": step.info})
            if k:
                self._effects(reply, step, sent, moved)
        if moved:
            sent["CEB604"] += self._progress(f"{answer.guid}/s{k}", moved)
        self.ledger.save()
        seed = f"{answer.guid}/s{k}"
        out = [(f"{answer.receipt}Message_{answer.guid}_s{k}.xml", answer.receipt, seed, nodes)] if nodes else []
        for kind, docs in sent.items():
            tag = "_p" if kind == answer.receipt else ""  # not the name of the stage's receipts
            for n in range(0, len(docs), PER_MESSAGE):
                suffix = tag + (f"_{n // PER_MESSAGE}" if n else "")
                out.append((f"{kind}Message_{answer.guid}_s{k}{suffix}.xml", kind, f"{seed}/{kind}{suffix}",
                            docs[n:n + PER_MESSAGE]))
        return out

    def _stopped(self, reply: Reply, k: int) -> bool:
        """An inventory cancelled meanwhile gets none of its remaining receipts."""
        inventory = self.ledger.inventories.get(reply.invt_no) \
            if reply.message_type in statuses.INVENTORY_TYPES else None
        return k > 0 and inventory is not None and inventory["status"] == statuses.CANCELLED

    def _effects(self, reply: Reply, step: clearance.Step, sent: dict[str, list[dict[str, Any]]],
                 moved: list[str]) -> None:
        """What sending a receipt does at customs: an inventory's status moves (an import one released: its tax bill
        is issued; an export one accepted: it may move on at once); an approved import cancellation voids the tax
        bill of its inventory; an accepted arrival or departure moves the inventories of its parcels on; an accepted
        summary application is followed by its results."""
        inventory = self.ledger.inventories.get(reply.invt_no)
        if reply.message_type in statuses.INVENTORY_TYPES and inventory is not None:
            self.ledger.record({"r": "state", "invtNo": reply.invt_no, "status": step.status, "time": reply.stamp})
            if reply.message_type == "CEB603":
                moved.append(reply.invt_no)
            elif step.status == "800":
                sent["CEB816"].append(self._tax_bill(inventory, reply.stamp))
        elif reply.message_type == "CEB623" and step.status == "399" and inventory and inventory.get("taxNo"):
            stamp = max(reply.stamp, _later(inventory["taxTime"]))
            sent["CEB818"].append(clearance.tax_status(inventory, "3", stamp, _guid(f"tax/{inventory['taxNo']}/3")))
        elif not reply.decided.get("accepted") or step is not reply.steps[-1]:
            return
        elif reply.message_type in ("CEB507", "CEB509"):
            parcels = clearance_export.parcels(reply.decided["facts"], reply.message_type)
            moved += [self.ledger.parcels[p] for p in parcels if p in self.ledger.parcels]
        elif reply.message_type == "CEB701":
            sent["CEB792"] += self._summary_results(reply)

    def _progress(self, trigger: str, moved: list[str]) -> list[dict[str, Any]]:
        """The CEB604 receipts of the export inventories that move on now (`clearance_export.progress`), each later
        than the one before; recorded under the answer stage that caused them, so that the stage sent again after a
        restart sends the same receipts."""
        entries = self.ledger.progressed.get(trigger)
        if entries is None:
            entries = []
            for invt_no in dict.fromkeys(moved):
                inventory = self.ledger.inventories[invt_no]
                parcel = (inventory["logisticsCode"], inventory["logisticsNo"])
                stamp = inventory["time"]
                for status, info in clearance_export.progress(inventory, parcel in self.ledger.arrived,
                                                              parcel in self.ledger.departed,
                                                              self.faults.hits(self.faults.inspect)):
                    stamp = _next_stamp(stamp)
                    entries.append({"r": "state", "invtNo": invt_no, "status": status, "info": info, "time": stamp,
                                    "by": trigger})
            for entry in entries:
                self.ledger.record(entry)
        return [self._inventory_receipt(entry) for entry in entries]

    def _inventory_receipt(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A CEB604 InventoryReturn of an export inventory, from what customs keeps of it."""
        inventory = self.ledger.inventories[entry["invtNo"]]
        node = {k: v for k, v in inventory.items() if k in RECEIPT_FIELDS["CEB604"] and k not in ANSWER_FIELDS and v}
        return node | {"guid": inventory["guid"], "returnStatus": entry["status"], "returnTime": entry["time"],
                       "returnInfo": entry["info"]}

    def _summary_results(self, reply: Reply) -> list[dict[str, Any]]:
        """汇总结果单 CEB792 of an accepted summary application: each declaration with its lines, then each with its
        declaration number (entryId), a millisecond later."""
        decided, results = reply.decided, []
        stamp = reply.stamp
        for final in (False, True):
            stamp = _later(stamp)
            results += [clearance_export.summary_result(
                decided["facts"], decided["numbers"]["sumNo"], declaration, stamp,
                _guid(f"summary/{declaration['declSeqNo']}/{int(final)}"), final)
                for declaration in decided["declarations"]]
        return results

    def _tax_bill(self, inventory: dict[str, Any], stamp: str) -> dict[str, Any]:
        if not inventory.get("taxNo"):
            self.ledger.record({"r": "taxed", "invtNo": inventory["invtNo"],
                                "taxNo": clearance.tax_no(inventory["invtNo"]), "time": stamp})
        number = inventory["taxNo"]
        return clearance.tax_bill(inventory, number, self.rates, inventory["taxTime"], _guid(f"tax/{number}"))

    def _send_all(self, messages: list[Outgoing]) -> None:
        for name, message_type, seed, docs in messages:
            self._write(name, message_type, seed, docs)

    def _format_error(self, name: str, token: Any, msg_type: str, guid: str, info: str, data: bytes) -> None:
        log.info("simulator answers CEB900 for %s: %s", name, info)
        doc = {"guid": guid or _guid(name), "returnStatus": "-1",
               "returnInfo": info[:5000], "returnTime": _stamp(), "oriCopMsgId": guid,
               "oriMessageType": msg_type[:15], "oriBizMessage": data.decode("utf-8", "replace")}
        self._write(f"CEB900Message_{Path(name).stem}.xml", "CEB900", name + "/900", [doc])
        self._done(token)

    def _write(self, name: str, message_type: str, seed: str, documents: list[dict[str, Any]]) -> None:
        data = ceb.to_bytes(ceb.build(message_type, documents, {}, _guid(f"receipt/{seed}")))
        self._send(name, data)
        if self.faults.hits(self.faults.duplicate):
            log.info("simulator sends %s twice on purpose", name)
            self._send(Path(name).stem + "_dup.xml", data)


def _guid(seed: str) -> str:
    """A 36-character upper-case guid, the same for the same seed (so a replayed answer is the same message)."""
    return str(uuid5(NAMESPACE_URL, seed)).upper()
