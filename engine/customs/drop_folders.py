"""Watched drop folders per enterprise (X1): an enterprise's systems drop files into <drop>/<code>/in/ and the
platform declares or sends what they hold, then moves each file to done/ or failed/ with <name>.result.json beside it.

- .json: one document, a list of documents, or {"type": slug, "documents": [...]};
- .xlsx: the platform's Excel template of the type (the sheets 表头 heads / 表体 lines);
- .csv: documents without lines only (payments, waybills, deliveries, cancellations ...): a header row of field
  names (as in the template, ``支付交易编号 payTransactionId`` or ``payTransactionId``), one document per row,
  UTF-8 or GB18030;
- .xml: a ready-made CEB message of a type the platform sends (passthrough): XSD-checked, its BaseTransfer/copCode
  and its documents' sender must be the folder's enterprise, signed with that enterprise's key (a signature already
  in the file is replaced) and sent as it is. Each of its documents becomes a platform declaration of its type,
  checked by the rules of that type (a document it refers to that is not on the platform, an inventory cancelled or
  parcels bagged, may have been declared elsewhere: not required) and recorded already packed into the message
  (`passthrough`: never packed again), so customs' receipts apply to it and it shows in the consoles and the
  message tracking like any declaration. One document refused (a rule, or already declared) refuses the file.

The type of a .json/.xlsx/.csv file is its "type" field (.json only) or else the start of its file name: a type's
slug or message code, then '-', '_' or '.', e.g. ``payments-20261125.json``, ``inventories_1.xlsx``,
``CEB411-batch7.csv``. Documents are declared for the folder's enterprise only (its code must be the type's sender
field, like a user of that enterprise, A6), declared_by ``drop:<code>``; good documents are stored, refused ones
listed. A file goes to done/ only when everything in it was accepted.

Restart safety: each file is recorded (DropFile: enterprise, name, content hash, result) in the same transaction as
its documents or its message, before the result file is written and the file moved. A file found again in in/ after
a crash is recognised by that record: its result is written again and it is moved, nothing is declared twice.

Isolation (#16 item 5): each file is handled alone. Whatever a file causes, a rule it breaks (FileProblem), a bound
it exceeds (size, Excel rows/columns/cells/time, JSON depth, a DTD in an XML or Excel file) or an error no rule names,
it is recorded failed with its reason and moved to failed/; the other files, of this enterprise and the others, go
on. Only the event store's own trouble (PersistenceError) ends the pass, to be retried. The folders of an enterprise
registered after start are made on the next pass; a missing done/ or failed/ folder is made when a file moves there;
a file that cannot be moved is logged once and left alone for STUCK_RETRY seconds, not retried every pass."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, PersistenceError
from eventsourcing.utils import get_topic

from adapters import ceb
from adapters.customs.dropbox import DropBox
from adapters.excel import reading
from adapters.reference.tables import TableError, _decode  # UTF-8 or GB18030, as the code-list tables are read
from adapters.signing import xmldsig
from domain.customs.documents import ALL_TYPES, BY_MESSAGE, BY_SLUG, DocumentType
from domain.customs.drop_files import DropFile
from domain.exchange.model import CustomsMessage
from domain.identity.model import Enterprise
from domain.identity.roles import Principal
from domain.shared.rules import FieldError
from engine import clock
from engine.customs import workbooks
from engine.customs.catalog import Catalog
from engine.customs.service import Declarations, Outcome
from engine.customs.workbooks import MAX_BYTES  # a dropped file is read within the consoles' Excel limit
from engine.signing.signers import Signers
from engine.store import EventStore

log = logging.getLogger(__name__)
PER_PASS = 20  # files per runner pass, so one full folder does not hold up the other processors
MAX_JSON_DEPTH = 32  # nesting of a JSON file: a document is 4 deep ({"documents": [{"orderList": [{...}]}]})
STUCK_RETRY = 600.0  # seconds a file that could not be moved out of in/ is left alone
REGISTERED = get_topic(getattr(Enterprise, "Registered"))  # noqa: B009 - the @event class, made at class creation


class JsonRefused(ValueError):
    """A JSON text that is not valid, or nested deeper than MAX_JSON_DEPTH; the message says it in zh and en."""

    def __init__(self, rule: str, message_zh: str, message_en: str):
        super().__init__(f"{message_zh} {message_en}")
        self.rule, self.message_zh, self.message_en = rule, message_zh, message_en


def load_json(data: bytes, parse_float: Callable[[str], Any] | None = None) -> Any:
    """A JSON file's content (UTF-8, a BOM is fine), refused as JsonRefused when it is no JSON or nested deeper than
    MAX_JSON_DEPTH (a deeper text raises RecursionError in the parser, caught here, before anything recurses on it)."""
    try:
        content = json.loads(data.decode("utf-8-sig"), parse_float=parse_float)
    except RecursionError:
        content, depth = None, MAX_JSON_DEPTH + 1
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise JsonRefused("json", f"不是有效的JSON（UTF-8）：{error}", f"not valid JSON (UTF-8): {error}") from error
    else:
        depth = _depth(content)
    if depth > MAX_JSON_DEPTH:
        raise JsonRefused("max_depth", f"JSON嵌套超过{MAX_JSON_DEPTH}层", f"the JSON is nested deeper than "
                          f"{MAX_JSON_DEPTH} levels")
    return content


def _depth(value: Any) -> int:
    """How deep lists and objects nest in a parsed JSON value, without recursion (stops past MAX_JSON_DEPTH)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if deepest > MAX_JSON_DEPTH:
                break
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


class FileProblem(ValueError):
    """The file cannot be declared or sent as a whole: its errors go to the result file, with the outcome of each
    of its documents when they were judged one by one (a passthrough message)."""

    def __init__(self, *errors: FieldError, documents: list[dict[str, Any]] | None = None):
        super().__init__("; ".join(e.message_en for e in errors))
        self.errors = list(errors)
        self.documents = documents or []


class DropFolders:
    """The runner step: takes settled files from registered enterprises' folders, one at a time."""

    def __init__(self, store: EventStore, declarations: Mapping[str, Declarations], signers: Signers, box: DropBox,
                 now: Callable[[], datetime] = clock.now):
        self.store, self.declarations, self.signers, self.box, self.now = store, declarations, signers, box, now
        self.catalog = Catalog()
        self._registered: set[str] = set()
        self._ignored: set[str] = set()
        self._enterprises_seen = 0  # the notification id of the last Enterprise.Registered given its folders
        self._stuck: dict[Path, tuple[tuple[float, int], float]] = {}  # file -> (its mtime and size, retry after)
        self._unreadable: set[str] = set()  # enterprises whose in/ folder could not be listed (logged once)

    def run_once(self) -> int:
        self.ensure_folders()
        done = 0
        for code in self.box.codes():
            if done >= PER_PASS:
                break
            if self.registered(code):
                try:
                    waiting = self.box.waiting(code, PER_PASS - done, skip=self._skipped())
                except OSError as error:  # the folder vanished or cannot be read: that enterprise alone waits
                    if code not in self._unreadable:
                        log.error("drop folder %s cannot be read: %s", self.box.root / code / "in", error)
                        self._unreadable.add(code)
                    continue
                self._unreadable.discard(code)
                for path in waiting:
                    self.take(code, path)
                    done += 1
        return done

    def ensure_folders(self) -> None:
        """The folders of every enterprise registered since the last pass (all of them on the first): one registered
        after start gets its folders without a restart."""
        found = self.store.recorder.select_notifications(self._enterprises_seen + 1, 1000,
                                                         topics=[REGISTERED])
        if not found:
            return
        codes: list[str] = []
        for notification in found:
            try:
                codes.append(self.store.repository.get(notification.originator_id).code)
            except AggregateNotFoundError:  # pragma: no cover - a registration is never removed
                continue
        try:
            self.box.ensure(codes)
        except OSError as error:
            log.error("drop folders of %s cannot be made: %s", ", ".join(codes), error)
            return  # tried again on the next pass
        self._enterprises_seen = found[-1].id

    def _skipped(self) -> set[Path]:
        """Files that could not be moved out of in/ and are not due to be tried again (unless they changed)."""
        moment = self.box.clock()
        return {path for path, (signature, retry) in self._stuck.items()
                if moment < retry and _signature(path) == signature}

    def registered(self, code: str) -> bool:
        """Registration is never undone: a known code is remembered; an unknown one is logged once."""
        if code not in self._registered and Enterprise.create_id(code) in self.store.repository:
            self._registered.add(code)
        if code not in self._registered and code not in self._ignored:
            log.warning("drop folder %s ignored: no enterprise %s is registered", self.box.root / code, code)
            self._ignored.add(code)
        return code in self._registered

    def take(self, code: str, path: Path) -> None:
        """Record the file's outcome (or find it recorded), then write its result and move it."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # taken by another process meanwhile
            return
        except OSError as error:  # unreadable (permissions, a folder named like a file ...): reported once
            self._stick(path, error)
            return
        key = (code, path.name, hashlib.sha256(data).hexdigest())
        record = self._recorded(*key)
        if record is None:
            try:
                record = self.process(*key, data)
            except IntegrityError:  # another process recorded the same file first
                record = self._recorded(*key)
            except PersistenceError:
                raise  # the event store's trouble, not the file's: the pass is tried again
            except Exception as error:  # anything else the file causes is its own failure, never the others'
                log.exception("drop file %s/%s failed unexpectedly", code, path.name)
                record = self._failed(*key, error)
        if record is None:
            return
        try:
            self.box.finish(path, record.ok, record.result)
        except FileNotFoundError:
            if path.exists():  # the file is there, its target is not (a folder removed meanwhile)
                self._stick(path, FileNotFoundError(f"cannot move {path.name} out of {path.parent}"))
            return  # else taken by another process meanwhile
        except OSError as error:
            self._stick(path, error)
            return
        self._stuck.pop(path, None)
        log.info("drop file %s/%s handled: %s", code, path.name, "done" if record.ok else "failed")

    def _failed(self, code: str, name: str, digest: str, error: Exception) -> DropFile | None:
        """The record of a file that raised what no rule names (a damaged or hostile file): failed, with the kind of
        error, saved alone. None when even that cannot be saved (it is then left in in/, reported once)."""
        moment = self.now()
        detail = f"{type(error).__name__}: {error}"[:300]
        problem = FieldError("file", "unprocessable", f"文件无法处理：{detail}",
                             f"the file cannot be processed: {detail}")
        made = DropFile(enterprise=code, file_name=name, sha256=digest, ok=False, processed_at=moment,
                        result={"file": name, "enterprise": code, "processedAt": moment.isoformat(),
                                "errors": [problem.as_dict()]})
        try:
            self.store.save(made)
        except IntegrityError:
            return self._recorded(code, name, digest)
        except PersistenceError:
            raise
        except Exception:
            log.exception("drop file %s/%s: its failure cannot be recorded", code, name)
            return None
        return made

    def _stick(self, path: Path, error: Exception) -> None:
        """A file that cannot be read or moved: logged once (again only if it changes), tried again after
        STUCK_RETRY seconds, so it neither fills the log nor takes the pass."""
        signature = _signature(path)
        known = self._stuck.get(path)
        if known is None or known[0] != signature:
            log.error("drop file %s cannot be handled, left in place for %g s: %s", path, STUCK_RETRY, error)
        self._stuck[path] = (signature, self.box.clock() + STUCK_RETRY)

    def _recorded(self, code: str, name: str, digest: str) -> DropFile | None:
        try:
            return self.store.repository.get(DropFile.create_id(code, name, digest))
        except AggregateNotFoundError:
            return None

    def process(self, code: str, name: str, digest: str, data: bytes) -> DropFile:
        def record(result: dict[str, Any], ok: bool) -> DropFile:
            head = {"file": name, "enterprise": code, "processedAt": moment.isoformat()}
            return DropFile(enterprise=code, file_name=name, sha256=digest, result=head | result, ok=ok,
                            processed_at=moment)

        moment = self.now()
        try:
            if len(data) > MAX_BYTES:
                raise FileProblem(FieldError("file", "max_size", "文件超过20MB，请拆分",
                                             "the file is larger than 20 MB: split it"))
            if name.lower().endswith(".xml"):
                message, documents, along = self.passthrough(code, data, moment)
                made = record({"messageType": message.message_type, "messageGuid": message.guid,
                               "documents": message.document_numbers, "errors": []}, True)
                # Declared and Packed before Prepared, as when built; a bag's parcel claims with it (E7)
                self.store.save(*documents, *along, message, made)
                return made
            doc_type, raws, rows, problems = self.read(name, data)
        except FileProblem as problem:
            shown = {"documents": problem.documents} if problem.documents else {}
            made = record({"errors": [e.as_dict() for e in problem.errors]} | shown, False)
            self.store.save(made)
            return made
        return self.declare(code, doc_type, raws, rows, problems, record)

    def declare(self, code: str, doc_type: DocumentType, raws: list[Any], rows: list[int], problems: list[FieldError],
                record: Callable[[dict[str, Any], bool], DropFile]) -> DropFile:
        """Declare the file's documents for the folder's enterprise; the record is saved with them."""
        made: list[DropFile] = []

        def along(outcomes: list[Outcome]) -> list[DropFile]:
            result = {"type": doc_type.slug, "messageType": doc_type.message,
                      "accepted": sum(o.ok for o in outcomes), "refused": sum(not o.ok for o in outcomes),
                      "documents": [_outcome(o, rows) for o in outcomes], "errors": [e.as_dict() for e in problems]}
            made.append(record(result, all(o.ok for o in outcomes) and not problems))
            return made

        self.declarations[doc_type.message].declare_many(raws, f"drop:{code}", _principal(code), along=along)
        return made[0]

    def read(self, name: str, data: bytes) -> tuple[DocumentType, list[Any], list[int], list[FieldError]]:
        """The file's document type, its documents, their rows in the file (tables) and rows that are no document."""
        doc_type, raws, rows, problems = self._read(name, data)
        if not raws and not problems:
            raise FileProblem(FieldError("file", "empty", "文件中没有单证", "the file holds no documents"))
        return doc_type, raws, rows, problems

    def _read(self, name: str, data: bytes) -> tuple[DocumentType, list[Any], list[int], list[FieldError]]:
        suffix = Path(name).suffix.lower()
        if suffix == ".json":
            doc_type, raws = self.read_json(name, data)
            return doc_type, raws, [], []
        doc_type = type_of(name)
        if suffix == ".xlsx":
            return doc_type, *self.read_excel(doc_type, data)
        if suffix == ".csv":
            raws, rows = self.read_csv(doc_type, data)
            return doc_type, raws, rows, []
        raise FileProblem(FieldError("file", "format", f"不支持的文件类型 {suffix}（可用 .json .xlsx .csv .xml）",
                                     f"unsupported file type {suffix} (use .json, .xlsx, .csv or .xml)"))

    def read_json(self, name: str, data: bytes) -> tuple[DocumentType, list[Any]]:
        try:
            content = load_json(data, parse_float=Decimal)
        except JsonRefused as error:
            raise FileProblem(FieldError("file", error.rule, error.message_zh, error.message_en)) from error
        if not (isinstance(content, dict) and "documents" in content):
            return type_of(name), content if isinstance(content, list) else [content]
        named = str(content.get("type") or "")
        doc_type = type_named(named) if named else type_of(name)
        if doc_type is None:
            raise FileProblem(FieldError("type", "type", f"未知的单证类型 {named}（如 payments、CEB411）",
                                         f"unknown document type {named} (e.g. payments, CEB411)"))
        documents = content["documents"]
        return doc_type, documents if isinstance(documents, list) else [documents]

    def read_excel(self, doc_type: DocumentType, data: bytes) -> tuple[list[Any], list[int], list[FieldError]]:
        head, lists = self.catalog.specs(doc_type.message)
        list_key, lines = next(iter(lists.items()), ("", []))
        try:  # the consoles' reader: the same limit, and dropdown values ("142-人民币") read as the bare code
            read = workbooks.read(data, head, lines, doc_type.number, list_key)
        except workbooks.WorkbookRefused as error:
            raise FileProblem(FieldError("file", "xlsx", str(error), str(error))) from error
        problems = [FieldError(p.field, "row", f"{p.sheet} 第{p.row}行：{p.message_zh}",
                               f"{p.sheet} row {p.row}: {p.message_en}") for p in read.problems]
        return read.documents, read.rows, problems

    def read_csv(self, doc_type: DocumentType, data: bytes) -> tuple[list[Any], list[int]]:
        head, lists = self.catalog.specs(doc_type.message)
        if lists:
            raise FileProblem(FieldError("file", "csv", f"{doc_type.name_zh}有表体，请用 .xlsx 模板或 .json",
                                         f"{doc_type.name_en.lower()} documents have lines: use the .xlsx template "
                                         "or .json"))
        try:
            rows = list(csv.reader(io.StringIO(_decode(data))))
        except (csv.Error, TableError) as error:  # a field over csv's limit, a NUL byte, neither UTF-8 nor GB18030
            raise FileProblem(FieldError("file", "csv", f"CSV文件无法读取：{error}",
                                         f"the CSV file cannot be read: {error}")) from error
        if len(rows) > reading.LIMITS.rows:
            raise FileProblem(FieldError("file", "max_rows", f"CSV文件超过{reading.LIMITS.rows}行，请拆分",
                                         f"the CSV file has more than {reading.LIMITS.rows} rows: split it"))
        names = {s.name for s in head}
        columns = [next((w for w in reversed(str(title).split()) if w in names), None) for title in rows[0]] \
            if rows else []
        found = [(n, {c: v.strip() for c, v in zip(columns, row, strict=False) if c and v.strip()})
                 for n, row in enumerate(rows[1:], start=2) if any(v.strip() for v in row)]
        return [doc for _, doc in found], [n for n, _ in found]

    def passthrough(self, code: str, data: bytes, moment: datetime) -> tuple[CustomsMessage, list[Any], list[Any]]:
        """A ready-made message: checked, its documents declared, signed with the enterprise's key, recorded
        Prepared for delivery with the documents packed into it (their version 2, as PrepareMessages packs)."""
        message = _readable(data)
        _check_sender(message, code)
        root = message.root
        for old in root.findall(xmldsig.SIGNATURE_TAG):
            root.remove(old)
        _check_schema(ceb.validate(root, allow_unsigned=True))
        if CustomsMessage.create_id(message.guid) in self.store.repository:
            raise FileProblem(FieldError("guid", "unique", f"报文编号 {message.guid} 已使用过，每个报文需要新的guid",
                                         f"message guid {message.guid} was used before: every message needs a new one"))
        documents, along = self.declared(code, message)
        try:
            signer = self.signers.signer(code)
        except Exception as error:  # no key registered, or it cannot be loaded: the signing adapter says which
            raise FileProblem(FieldError("signature", "signing_key", f"企业 {code} 的签名密钥不可用：{error}",
                                         f"the signing key of enterprise {code} cannot be used: {error}")) from error
        signer.sign_tree(root)
        _check_schema(ceb.validate(root))
        sent = CustomsMessage(guid=message.guid, message_type=message.message_type, sender=code,
                              document_ids=[d.id for d in documents], document_numbers=[d.number for d in documents],
                              xml=ceb.to_bytes(root).decode("utf-8"), algorithm=signer.algorithm, prepared_at=moment)
        for document in documents:
            document.packed(message_id=sent.id, message_guid=sent.guid)
        return sent, documents, along

    def declared(self, code: str, message: ceb.Message) -> tuple[list[Any], list[Any]]:
        """The message's documents as new declarations of their type (ImportOrder, Declaration), checked like those
        declared on the platform, and what is recorded with them (a bag's parcel claims); any refused, or already
        declared, refuses the file with each document's errors."""
        doc_type = BY_MESSAGE[message.message_type]
        decided = self.declarations[doc_type.message].decide_many(message.documents, f"drop:{code}",
                                                                  _principal(code), passthrough=True)
        refused = [outcome for outcome, document in decided if document is None]
        if refused:
            raise FileProblem(*(_naming(doc_type, o.number or f"#{o.index + 1}", e) for o in refused for e in o.errors),
                              documents=[_outcome(outcome, []) for outcome, _ in decided])
        return [document for _, document in decided], [a for outcome, _ in decided for a in outcome.along]


def _signature(path: Path) -> tuple[float, int]:
    """A file's modification time and size, to see it changed; (0, -1) when it cannot be seen."""
    try:
        stat = path.stat()
    except OSError:
        return 0.0, -1
    return stat.st_mtime, stat.st_size


def _naming(doc_type: DocumentType, number: str, error: FieldError) -> FieldError:
    """A passthrough document's error for the whole file: which document it is about."""
    if error.rule == "unique":
        return replace(error, message_zh=f"{doc_type.name_zh} {number} 已在平台申报过，不能在报文中再次发送",
                       message_en=f"{doc_type.name_en} {number} was already declared on the platform: it cannot be "
                                  "sent again in a message")
    return replace(error, message_zh=f"{doc_type.name_zh} {number}：{error.message_zh}",
                   message_en=f"{doc_type.name_en} {number}: {error.message_en}")


def _principal(code: str) -> Principal:
    """Who declares a drop file's documents: the folder's enterprise only (A6)."""
    return Principal(f"drop:{code}", "", (), frozenset(), frozenset({code}))


def _readable(data: bytes) -> ceb.Message:
    """A business message (not a DXP envelope: the platform wraps, CBEC_DXP_ENVELOPE) of a type the platform sends."""
    try:
        message = ceb.parse(data)
    except ceb.CodecError as error:
        raise FileProblem(FieldError("xml", "readable", f"不是可读的海关报文：{error}",
                                     f"not a readable CEB message: {error}")) from error
    if message.envelope is not None or message.message_type not in BY_MESSAGE:
        raise FileProblem(FieldError("xml", "message_type", f"只接受平台发送的业务报文（非DXP封装、非回执），"
                                     f"收到 {message.message_type}", "only business messages the platform sends "
                                     f"(no DXP envelope, no receipt) are taken, not {message.message_type}"))
    return message


def _check_sender(message: ceb.Message, code: str) -> None:
    """The folder's enterprise transmits the message and sends every document in it."""
    cop_code = str((message.transfer or {}).get("copCode") or "")
    if cop_code != code:
        raise FileProblem(FieldError("BaseTransfer/copCode", "tenancy", f"传输企业 {cop_code} 不是本目录的企业 {code}",
                                     f"the transmitting enterprise {cop_code} is not this folder's enterprise {code}"))
    field = BY_MESSAGE[message.message_type].sender
    others = ", ".join(sorted({str(d.get(field) or "") for d in message.documents} - {code}))
    if others:
        raise FileProblem(FieldError(field, "tenancy", f"单证的 {field} 为 {others}，不是本目录的企业 {code}",
                                     f"documents name {field} {others}, not this folder's enterprise {code}"))


def _check_schema(issues: list[ceb.SchemaIssue]) -> None:
    if issues:
        raise FileProblem(*(FieldError(i.field or "xml", i.code, f"报文不符合XSD：{i.message}", i.message)
                            for i in issues))


def type_named(name: str) -> DocumentType | None:
    """A type by its slug (payments) or its message code (CEB411), any case."""
    return BY_SLUG.get(name.lower()) or BY_MESSAGE.get(name.upper())


def type_of(file_name: str) -> DocumentType:
    """The type a file name starts with, before '-', '_' or '.'; the longest fits (export-waybills, not exports)."""
    lower = file_name.lower()
    names = sorted({t.slug for t in ALL_TYPES} | {t.message.lower() for t in ALL_TYPES}, key=len, reverse=True)
    found = next((n for n in names if lower.startswith(n) and lower[len(n):len(n) + 1] in ("-", "_", ".")), None)
    if found is None:
        raise FileProblem(FieldError("file", "type", "文件名须以单证类型开头，如 payments-001.json 或 CEB411-001.csv",
                                     "the file name must start with the document type, e.g. payments-001.json or "
                                     "CEB411-001.csv"))
    return BY_SLUG.get(found) or BY_MESSAGE[found.upper()]  # type_named(found), found among the names of ALL_TYPES


def _outcome(outcome: Outcome, rows: list[int]) -> dict[str, Any]:
    shown = {"index": outcome.index, "number": outcome.number, "accepted": outcome.ok,
             "errors": [e.as_dict() for e in outcome.errors]}
    return shown | ({"row": rows[outcome.index]} if rows else {})

