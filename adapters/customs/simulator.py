"""海关节点模拟器 (X6): plays the customs data node behind the file boxes, for tests, demos and onboarding.

For each message in the outbox it checks the XSD and the signature, then the order rules, and answers in
the inbox: CEB900 for a message customs cannot read, else CEB312 returnStatus 2 (申报中) for every order, then
after `accept_delay` 120 (海关入库) or 100 (海关退单, with the reason). Receipts are written once: a restart
re-reads the outbox and skips answers already given. Faults (`--faults`) make it misbehave on purpose.
It serves the file boxes (`CustomsSimulator`) or the AMQP queues (`AmqpCustomsSimulator`): same logic,
different I/O. Every message it receives is logged by name in `<boxes>/.customs-sim-received`."""

from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

from adapters import ceb
from adapters.customs.filebox import FileBox, write_atomically
from adapters.signing import verify_tree
from domain.customs import rules

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
RECEIPT_OF = {"CEB311": ("CEB312", "OrderReturn")}


@dataclass
class Faults:
    """What to get wrong: reject=0.1 (share of orders refused), format=0.05 (share of messages answered CEB900),
    drop=0.05 (messages never answered), reject-order=TEXT (refuse orders whose orderNo contains TEXT),
    delay=SECONDS (answer that late), duplicate=0.1 (share of receipts sent twice), reorder (the final receipt
    arrives before the 2), down=SECONDS (the transport refuses messages for that long from the start)."""

    reject: float = 0.0
    format: float = 0.0
    drop: float = 0.0
    reject_order: str = ""
    delay: float = 0.0
    duplicate: float = 0.0
    reorder: bool = False
    down: float = 0.0
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
                                 "duplicate=, reorder, down=, seed=")
            setattr(faults, key, KINDS[key](value))
        if faults.seed is not None:
            faults.rng = random.Random(faults.seed)
        return faults

    def hits(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate


KINDS = {"reject": float, "format": float, "drop": float, "reject_order": str, "seed": int, "delay": float,
         "duplicate": float, "reorder": lambda v: v.strip().lower() not in ("0", "false", "no"), "down": float}


def _stamp(moment: datetime | None = None) -> str:
    moment = moment or datetime.now(SHANGHAI)
    return moment.strftime("%Y%m%d%H%M%S") + f"{moment.microsecond // 1000:03d}"


class CustomsSimulator:
    """The logic, over the file boxes: reads outbox/, answers in inbox/, moves what it read to sent/."""

    def __init__(self, boxes: Path, faults: Faults | None = None, accept_delay: float = 0.0,
                 copy: str = "海关跨境电商节点模拟器"):
        self.box = FileBox(boxes)
        self.faults = faults or Faults()
        self.accept_delay = accept_delay
        self.copy = copy
        self.pending: dict[str, tuple[float, Any, list[dict[str, str]], str, list[dict[str, str]]]] = {}
        self.delayed: dict[str, tuple[float, bytes, Any]] = {}
        self.down_until = 0.0
        self.accepted_file = self.box.root / ".customs-sim-accepted"
        self.received_log = self.box.root / ".customs-sim-received"
        lines = self.accepted_file.read_text("utf-8").splitlines() if self.accepted_file.exists() else []
        self.accepted = dict(line.split(" ", 1) for line in lines if " " in line)
        if self.faults.down > 0:
            self.down_until = time.time() + self.faults.down
            self._set_down(self.faults.down)

    def run_once(self) -> int:
        """One pass over the incoming messages; returns how many it acted on."""
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

    # the logic ------------------------------------------------------------------------------------

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
        receipt_type, _ = RECEIPT_OF[message.message_type]
        first = [self._return(doc, "2", f"新增申报成功[{doc.get('guid')}]") for doc in message.documents]
        if not self.faults.reorder:
            self._write(f"{receipt_type}Message_{message.guid}_2.xml", receipt_type, message.guid + "/2", first)
            first = []
        finals = [self._final(doc, message.guid) for doc in message.documents]
        self.pending[name] = (time.monotonic() + self.accept_delay, token, finals, message.guid, first)
        if self.accept_delay <= 0:
            self._finish_due()

    def _final(self, doc: dict[str, str], message_guid: str) -> dict[str, str]:
        problems = [f"{e.field}: {e.message_zh}" for e in rules.check_import_order(doc)]
        key = f"{doc.get('ebpCode')}/{doc.get('orderNo')}"
        if self.accepted.get(key, message_guid) != message_guid:
            problems.append(f"订单编号[{doc.get('orderNo')}]已存在，重复申报")
        if self.faults.reject_order and self.faults.reject_order in str(doc.get("orderNo")):
            problems.append("模拟退单: 订单编号命中退单规则 (simulated rejection)")
        elif self.faults.hits(self.faults.reject):
            problems.append("模拟退单 (simulated random rejection)")
        if problems:
            return self._return(doc, "100", "; ".join(problems)[:1000])
        self._remember(key, message_guid)
        return self._return(doc, "120", "海关入库成功")

    def _remember(self, key: str, message_guid: str) -> None:
        if key not in self.accepted:
            self.accepted[key] = message_guid
            with open(self.accepted_file, "a", encoding="utf-8") as handle:
                handle.write(f"{key} {message_guid}\n")

    def _finish_due(self) -> int:
        now = time.monotonic()
        due = [name for name, (at, *_rest) in self.pending.items() if at <= now]
        for name in due:
            _, token, finals, guid, held_first = self.pending.pop(name)
            for final, first in zip(finals, held_first, strict=False):  # a final must be newer than its 2
                final["returnTime"] = max(final["returnTime"], _later(first["returnTime"]))
            self._write(f"CEB312Message_{guid}_final.xml", "CEB312", guid + "/final", finals)
            if held_first:  # reorder: the 2, stamped earlier, arrives after the final
                self._write(f"CEB312Message_{guid}_2.xml", "CEB312", guid + "/2", held_first)
            self._done(token)
        return len(due)

    def _return(self, doc: dict[str, str], status: str, info: str) -> dict[str, str]:
        return {"guid": str(doc.get("guid")), "ebpCode": str(doc.get("ebpCode")), "ebcCode": str(doc.get("ebcCode")),
                "orderNo": str(doc.get("orderNo")), "returnStatus": status, "returnTime": _stamp(),
                "returnInfo": info}

    def _format_error(self, name: str, token: Any, msg_type: str, guid: str, info: str, data: bytes) -> None:
        log.info("simulator answers CEB900 for %s: %s", name, info)
        doc = {"guid": guid or str(uuid5(NAMESPACE_URL, name)).upper(), "returnStatus": "-1",
               "returnInfo": info[:5000], "returnTime": _stamp(), "oriCopMsgId": guid,
               "oriMessageType": msg_type[:15], "oriBizMessage": data.decode("utf-8", "replace")}
        self._write(f"CEB900Message_{Path(name).stem}.xml", "CEB900", name + "/900", [doc])
        self._done(token)

    def _write(self, name: str, message_type: str, seed: str, documents: list[dict[str, str]]) -> None:
        guid = str(uuid5(NAMESPACE_URL, f"receipt/{seed}")).upper()
        data = ceb.to_bytes(ceb.build(message_type, documents, {}, guid))
        self._send(name, data)
        if self.faults.hits(self.faults.duplicate):
            log.info("simulator sends %s twice on purpose", name)
            self._send(Path(name).stem + "_dup.xml", data)


def _later(stamp: str) -> str:
    """One millisecond after a returnTime."""
    moment = datetime.strptime(stamp, "%Y%m%d%H%M%S%f") + timedelta(milliseconds=1)
    return _stamp(moment)
