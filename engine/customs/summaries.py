"""汇总申报 (E3): the summary applications (CEB701) a month's departed 9610 inventories make (domain/customs/summary.py
groups them), declaring them, the reminder from the 1st of the next month until they are declared, and the results
customs sends back (CEB702 sumNo, CEB792 declarations).

"Now" is engine.clock.now(), read at each call, so tests (and a demo) can set the date."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

from domain.customs import summary
from domain.customs.documents import SUMMARY
from domain.customs.model import LINES, Declaration
from domain.identity.roles import Principal
from domain.shared import statuses
from engine import clock
from engine.customs.drafts import scope
from engine.customs.service import Declarations, Outcome
from engine.store import EventStore
from projections.customs.summaries import ExportSummariesView

DECLARED = (get_topic(Declaration.Declared),)


@dataclass
class Reminder:
    """A month whose inventories still wait for their summary application."""

    month: str
    inventories: int
    deadline: date
    overdue: bool


@dataclass
class Result:
    """One customs declaration a summary application became (CEB792)."""

    decl_seq_no: str
    entry_id: str
    dec_state: str
    invt_nos: list[str]


@dataclass
class Declared:
    """A summary application on the platform, with what customs answered."""

    document_id: str
    number: str
    status: str
    sum_no: str
    invt_nos: list[str]
    declared_at: datetime
    return_info: str = ""
    results: list[Result] = field(default_factory=list)

    @property
    def awaiting(self) -> bool:
        """Customs has more to say: no final answer yet, or accepted without every declaration numbered."""
        if not statuses.is_final(self.status):
            return True
        return self.status == "399" and (not self.results or any(not r.entry_id for r in self.results))


@dataclass
class Month:
    """The month's proposals (applications still to declare) and the applications already declared."""

    month: str
    deadline: date
    reminded: bool
    overdue: bool
    proposals: list[summary.Application]
    declared: list[Declared]


class Summaries:
    """汇总申报: a month's proposals and declared applications, declaring, reminders; tenancy by the principal's
    enterprises (the inventories' consignor or declarant)."""

    def __init__(self, store: EventStore, view: ExportSummariesView, declarations: Declarations,
                 documents_view: Any = None):
        self.store, self.view, self.declarations = store, view, declarations
        self.documents_view = documents_view  # customs_documents: a document's status, messages built and sent too

    def today(self) -> date:
        return clock.now().astimezone(clock.SHANGHAI).date()

    def last_month(self) -> str:
        return summary.previous_month(self.today())

    def month(self, month: str, principal: Principal | None = None) -> Month:
        """The month's proposals for the enterprises the principal sees (None: all)."""
        self.catch_up()
        parties = scope(principal) if principal is not None else None
        today = self.today()
        return Month(month, summary.deadline(month), summary.reminded(month, today), summary.overdue(month, today),
                     summary.propose(self.view.due(month, parties)), self.declared(month, parties))

    def declare(self, month: str, declared_by: str, principal: Principal | None = None,
                keys: Collection[str] | None = None) -> list[Outcome]:
        """申报: the month's proposals (those whose `key_text` is in keys; None: all) as summary applications, in one
        transaction or not at all; proposed afresh, so nothing already listed is listed again. No projector runs
        here: see `_proposals`."""
        chosen = [a for a in self._proposals(month, principal) if keys is None or key_text(a.key) in keys]
        documents = [a.document(note=f"{month} 汇总申报 monthly summary") for a in chosen]
        return self.declarations.declare_many(documents, declared_by, principal, all_or_nothing=True)

    def _proposals(self, month: str, principal: Principal | None) -> list[summary.Application]:
        """The month's proposals as the read model stands (not caught up: this is the write path), less the
        inventories that applications stored after the read model's position list (read from the event store:
        declared a moment ago, not projected yet), so a second click does not list them again. An inventory that
        departed since is proposed next time."""
        parties = scope(principal) if principal is not None else None
        position = self.view.position()  # before reading the rows, so the tail covers whatever they miss
        due = self.view.due(month, parties)
        listed = self._listed_since(position) if due else set()
        return summary.propose(i for i in due if str(i.get("invtNo")) not in listed)

    def _listed_since(self, position: int, page: int = 1000) -> set[str]:
        """The invtNos listed by the summary applications (CEB701) declared after that event store position."""
        listed: set[str] = set()
        while notifications := self.store.recorder.select_notifications(position + 1, page, topics=DECLARED):
            events: list[Any] = [self.store.mapper.to_domain_event(n) for n in notifications]
            for event in events:
                if getattr(event, "message_type", "") == SUMMARY.message:
                    listed |= {str(line.get("invtNo")) for line in event.document.get("summaryApplyList") or []}
            position = notifications[-1].id
        return listed

    def reminders(self, principal: Principal | None = None) -> list[Reminder]:
        """The months over (from the 1st of the next month) with inventories still to summarise, oldest first. Read
        as the view stands: the runner keeps it current."""
        parties = scope(principal) if principal is not None else None
        today = self.today()
        this_month = f"{today.year:04d}-{today.month:02d}"
        return [Reminder(month, count, summary.deadline(month), summary.overdue(month, today))
                for month, count in self.view.months_due(this_month, parties)]

    def declared(self, month: str, parties: list[str] | None) -> list[Declared]:
        found = (self._load(application_id) for application_id in self.view.applications(month, parties))
        applications = sorted((a for a in found if a is not None), key=lambda a: (a.declared_at, a.number))
        return [self._declared(application) for application in applications]

    def catch_up(self) -> None:
        for view in (self.documents_view, self.view):
            if view is not None:
                view.run_once()

    def _declared(self, application: Declaration) -> Declared:
        listed = [str(line.get("invtNo")) for line in application.document.get("summaryApplyList") or []]
        return Declared(str(application.id), application.number, self._status(application),
                        application.numbers.get("sumNo", ""), listed, application.declared_at,
                        application.return_info, results_of(application))

    def _status(self, application: Declaration) -> str:
        """As the document consoles show it (customs_documents: messages built and sent too), else the aggregate's."""
        rows, _ = self.documents_view.search(SUMMARY.message, application.number) if self.documents_view else ([], 0)
        return next((r["status"] for r in rows if r["document_id"] == str(application.id)), application.status)

    def _load(self, application_id: str) -> Declaration | None:
        try:
            return self.store.repository.get(UUID(application_id))
        except AggregateNotFoundError:
            return None


def results_of(application: Declaration) -> list[Result]:
    """The customs declarations the application became (CEB792 汇总结果单, merged per declSeqNo on the application):
    the later results of a declaration carry its entryId and decState, the first its inventory lines."""
    return [Result(str(d.get("declSeqNo") or ""), str(d.get("entryId") or ""), str(d.get("decState") or ""),
                   list(dict.fromkeys(str(line.get("invtNo")) for line in d.get(LINES) or [])))
            for d in application.summary_declarations]


def key_text(key: summary.ApplicationKey) -> str:
    """An application key as a form value."""
    return "|".join(key)
