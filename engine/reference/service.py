"""海关参数 and 基础资料 (I1, I2): the code lists' application service.

Seeds the shipped lists on first start (one batch, idempotent), imports Excel/CSV tables with a report,
records administrators' edits with their reason, answers lookups from an in-memory index of the read model
(refreshed when the projection advances), and checks declarations' codes: it is the ``CodeCheck`` port the
declaration services are given by the composition root.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from adapters.reference import shipped, tables
from domain.reference import rules
from domain.reference.entry import Entry
from domain.reference.index import ReferenceIndex
from domain.reference.lists import LISTS, ListSpec
from domain.reference.model import CodeList, ImportReport
from domain.shared.rules import FieldError
from engine import clock
from engine.store import EventStore
from projections.reference.code_lists import ReferenceView

log = logging.getLogger(__name__)


class UnknownList(KeyError):
    """No code list of that name."""


MAX_IMPORT_BYTES = tables.MAX_BYTES  # the largest file import_file reads


class UnreadableTable(ValueError):
    """An imported file is no table of a code list: not .xlsx or .csv, empty, no code column, or damaged; the
    message (zh and en) says which."""


def spec_of(list_name: str) -> ListSpec:
    if list_name not in LISTS:
        raise UnknownList(list_name)
    return LISTS[list_name]


class ReferenceData:
    def __init__(self, store: EventStore, view: ReferenceView, now: Callable[[], datetime] = clock.now,
                 recheck_seconds: float = 1.0):
        self.store, self.view, self.now = store, view, now
        self.recheck_seconds = recheck_seconds
        self._index: ReferenceIndex | None = None
        self._position = -1
        self._checked = 0.0
        view.listeners.append(self.invalidate)

    # commands -----------------------------------------------------------------------------------

    def ensure_seeded(self) -> dict[str, int]:
        """Load every shipped list not loaded yet (or a new shipped version's new codes), in one transaction;
        then bring the read model up to date. Running it again, or in two processes at once, adds nothing."""
        pending, added = [], {}
        for name in LISTS:
            rows, digest = shipped.shipped(name)
            code_list = self._load(name)
            if not digest or digest in code_list.seeded:
                continue
            added[name] = len(code_list.seed(rows, digest, self.now()))
            pending.append(code_list)
        if pending:
            try:
                self.store.save(*pending)
            except IntegrityError:  # another process seeded the same version first
                log.info("reference lists were seeded concurrently; keeping the other process's version")
                added = {}
        self.catch_up()
        return added

    def import_rows(self, list_name: str, rows: Sequence[tuple[int, Mapping[str, Any]]], columns: Sequence[str],
                    by: str, reason: str = "", source: str = "", complete: bool = False) -> ImportReport:
        """Import rows (numbered as in their file) into a list; the report says what was added, changed, rejected.
        ``complete``: the file is customs' official list, so from now on a code missing from it is refused (#18);
        said in the same save as the rows."""
        spec_of(list_name)
        code_list = self._load(list_name)
        moment = self.now()
        report = code_list.import_rows(rows, columns, self.index(), by, reason or "导入 import", source, moment)
        if complete:
            code_list.mark_complete(True, by, reason or f"导入官方代码表 official list imported: {source}", moment)
        self.store.save(code_list)
        self.catch_up()
        return report

    def import_file(self, list_name: str, filename: str, data: bytes, by: str, reason: str = "",
                    complete: bool = False) -> ImportReport:
        """An Excel (.xlsx) or CSV file. Raises UnreadableTable when the file is not a readable table."""
        try:
            rows, columns = tables.read_table(spec_of(list_name), filename, data)
        except tables.TableError as error:
            raise UnreadableTable(str(error)) from error
        return self.import_rows(list_name, rows, columns, by, reason, filename, complete)

    def edit(self, list_name: str, values: Mapping[str, Any], by: str, reason: str) -> bool:
        """Add or change one entry; raises ReferenceChangeRefused (no reason, bad values). False if nothing changed."""
        spec_of(list_name)
        for attempt in range(3):
            code_list = self._load(list_name)
            changed = code_list.edit(values, self.index(), by, reason, self.now())
            try:
                self.store.save(code_list)
                break
            except IntegrityError:  # someone changed the list meanwhile: decide again on the new state
                if attempt == 2:
                    raise
        self.catch_up()
        return changed

    def _load(self, list_name: str) -> CodeList:
        try:
            return self.store.repository.get(CodeList.create_id(list_name))
        except AggregateNotFoundError:
            return CodeList(name=list_name, created_at=self.now())

    def catch_up(self) -> None:
        while self.view.run_once(5000):
            pass

    # queries ------------------------------------------------------------------------------------

    def index(self) -> ReferenceIndex:
        """The in-memory index, rebuilt when a code list changed in the read model (checked at most once a second,
        and at once when the projection runs in this process); not when other events move the log on."""
        moment = time.monotonic()
        if self._index is None or moment - self._checked >= self.recheck_seconds:
            self._checked = moment
            position = self.view.changed()
            if self._index is None or position != self._position:
                self._index = ReferenceIndex((Entry.of(name, row) for name, row in self.view.rows()),
                                             self.completeness())
                self._position = position
        return self._index

    def invalidate(self) -> None:
        self._checked = 0.0

    def search(self, list_name: str, q: str = "", limit: int = 20, on: date | None = None) -> list[Entry]:
        spec_of(list_name)
        return self.index().search(list_name, q, limit, on)

    def page(self, list_name: str, q: str = "", page: int = 1, per_page: int = 50) -> tuple[list[dict[str, str]], int]:
        spec_of(list_name)
        return self.view.page(list_name, q, page, per_page)

    def entry(self, list_name: str, code: str) -> dict[str, str] | None:
        spec_of(list_name)
        return self.view.get(list_name, code)

    def history(self, list_name: str, code: str) -> list[dict[str, Any]]:
        spec_of(list_name)
        return self.view.history(list_name, code)

    def completeness(self) -> dict[str, bool]:
        """Whether each list holds every official code: as an administrator last said, else as shipped."""
        said = self.view.completeness()
        return {name: said[name]["complete"] if name in said else shipped.provenance(name).complete
                for name in LISTS}

    def overview(self) -> list[dict[str, Any]]:
        """Per list, for the console: rows, source, complete or not (and who said so), the last import."""
        counts, said, imports = self.counts(), self.view.completeness(), self.view.last_imports()
        complete = self.completeness()
        return [{"list": name, "spec": spec, "rows": counts[name], "source": shipped.provenance(name).source,
                 "complete": complete[name], "marked": said.get(name), "last_import": imports.get(name)}
                for name, spec in LISTS.items()]

    def counts(self) -> dict[str, int]:
        counts = self.view.counts()
        return {name: counts.get(name, 0) for name in LISTS}

    def export_xlsx(self, list_name: str) -> bytes:
        return tables.write_workbook(spec_of(list_name), [row for _, row in self.view.rows(list_name)])

    def template_xlsx(self, list_name: str) -> bytes:
        return tables.write_workbook(spec_of(list_name), [])

    # the CodeCheck port -------------------------------------------------------------------------

    def check(self, message_type: str, document: Mapping[str, Any], on: date | None = None,
              skip: Collection[str] = ()) -> list[FieldError]:
        """Every code rule on one document of a message type; none for a type without a code profile."""
        profile = rules.PROFILES.get(message_type)
        if profile is None:
            return []
        day = on or rules.declaration_date(document, profile) or self.now().date()
        return rules.check_codes(document, profile, self.index(), day, skip)

    def warnings(self, message_type: str, document: Mapping[str, Any], on: date | None = None,
                 skip: Collection[str] = ()) -> list[FieldError]:
        """The codes a document is accepted with though a list known to be incomplete lacks them (#18)."""
        profile = rules.PROFILES.get(message_type)
        if profile is None:
            return []
        day = on or rules.declaration_date(document, profile) or self.now().date()
        return rules.code_warnings(document, profile, self.index(), day, skip)
