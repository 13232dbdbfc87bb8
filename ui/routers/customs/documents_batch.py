"""Excel and batches for every import (I3-I11, X1) and export (E1-E10) document type: the template, an import that
declares at once or saves 暂存 drafts (with a report per bad row; a file with bad rows stores nothing unless the good
ones are to be kept), the filtered list as a workbook, 批量申报 of selected drafts and the progress of a batch.

Included before declarant.py's router, like documents.py, so /declarant/orders/import ... are not order numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from domain.customs.documents import ALL_TYPES, DocumentType
from domain.customs.drafts import OPEN
from domain.shared import statuses
from engine import clock
from engine.customs import examples, workbooks
from engine.customs.api_json import plain
from engine.customs.import_reports import ImportReports
from engine.customs.service import complete, to_values
from ui.deps import PlatformDep, render
from ui.i18n import lang_of, translator
from ui.i18n.imports import TEXT as IMPORT_TEXT
from ui.routers.customs.batch import _download
from ui.routers.customs.documents import add_page, base_url, catalog, form_of, list_url, page_context

router = APIRouter(include_in_schema=False)  # the paths are whole: base_url(), list_url()
EXPORT_LIMIT = 10_000
CUSTOMS_NUMBERS = ("preNo", "invtNo", "rkdNo")


@dataclass(frozen=True)
class Column:
    """A workbook column that is no XSD field (the status in an export); the reader ignores it."""

    name: str
    label_zh: str
    required: bool = False


def excel_fields(doc_type: DocumentType) -> tuple[list[Any], list[Any]]:
    """The template's columns: the form's head fields, and its line fields with the line number (gnum)."""
    form = form_of(doc_type)
    _, lists = catalog.specs(doc_type.message)
    return form.head, [s for s in lists.get(form.list_key, []) if s.name not in doc_type.line_defaults]


def example(doc_type: DocumentType) -> dict[str, Any]:
    """One consistent example document of the type (engine/customs/examples.py), as the platform would complete it."""
    raw = _examples(doc_type.direction)[doc_type.message]
    return plain(to_values(complete(raw, clock.now(), catalog, doc_type), catalog, doc_type.message))


def _examples(direction: str) -> dict[str, dict[str, Any]]:
    """An example of every document type of one direction, of one shipment."""
    invt_no = "292820260000000001"
    if direction == "export":
        shipment = examples.export_purchase("EXAMPLE-0001")
        inventory, parcels = shipment["inventory"], [shipment["waybill"]["logisticsNo"]]
        return {"CEB303": shipment["order"], "CEB403": shipment["collection"], "CEB505": shipment["waybill"],
                "CEB603": inventory, "CEB607": examples.bag(parcels, invt_nos=[invt_no]),
                "CEB507": examples.arrival(parcels), "CEB509": examples.departure(parcels),
                "CEB701": examples.summary([invt_no]), "CEB605": examples.export_cancellation(invt_no),
                "CEB213": examples.export_return(inventory, invt_no), "CEB215": examples.tally(parcels[0], invt_no)}
    purchase = examples.purchase("EXAMPLE-0001")
    inventory = purchase["inventory"]
    return {"CEB311": purchase["order"], "CEB411": purchase["payment"], "CEB511": purchase["waybill"],
            "CEB513": purchase["delivery"], "CEB621": inventory, "CEB623": examples.cancellation(inventory, invt_no),
            "CEB625": examples.refund(inventory, invt_no), "CEB711": examples.entry([inventory["logisticsNo"]])}


def _template(doc_type: DocumentType) -> Any:
    def template(platform: PlatformDep) -> Response:
        """The import template with an example, the rule of each column on its header and dropdowns of the codes
        valid today (#18)."""
        head, lines = excel_fields(doc_type)
        data = workbooks.template(head, lines, doc_type.number, form_of(doc_type).list_key, [example(doc_type)],
                                  codes=platform.reference.index(), on=clock.now().date())
        return _download(data, f"{doc_type.name_zh}导入模板.xlsx", f"{doc_type.slug}-template.xlsx")
    return template


def _words(request: Request) -> Any:
    """The page's translator with the import pages' own words (ui/i18n/imports.py) first."""
    lang = lang_of(request, request.app.state.platform.settings.lang)
    shared = translator(lang)

    def t(key: str, **values: object) -> str:
        if key not in IMPORT_TEXT:
            return shared(key, **values)
        zh, en = IMPORT_TEXT[key]
        return (en if lang == "en" else zh).format(**values)
    return t


def import_page(request: Request, doc_type: DocumentType, report: dict[str, Any] | None = None, failure: str = "",
                status_code: int = 200) -> Any:
    return render(request, "customs/documents/import.html",
                  page_context(doc_type) | {"report": report, "failure": failure, "t": _words(request)},
                  status_code=status_code)


def _import_form(doc_type: DocumentType) -> Any:
    def import_form(request: Request) -> Any:
        return import_page(request, doc_type)
    return import_form


def _import(doc_type: DocumentType) -> Any:
    def upload(request: Request, platform: PlatformDep, file: UploadFile, keep_good: str = Form(""),
               mode: str = Form("draft")) -> Any:
        """mode draft: save the documents as drafts; declare: declare them at once. A sync endpoint: the workbook is
        parsed (within its bounds) and the documents stored on a worker thread, never on the event loop (#16 item 4)."""
        data = file.file.read(workbooks.MAX_BYTES + 1)
        head, lines = excel_fields(doc_type)
        try:
            read = workbooks.read(data, head, lines, doc_type.number, form_of(doc_type).list_key)
        except workbooks.WorkbookRefused as error:
            return import_page(request, doc_type, failure=str(error), status_code=422)
        principal, keep = request.state.principal, bool(keep_good)
        check_only = bool(read.problems) and not keep
        if mode == "declare":
            outcomes = platform.customs.declarations[doc_type.message].declare_many(
                read.documents, principal.name, principal, all_or_nothing=not keep, dry_run=check_only)
            platform.runner.wake.set()
            platform.customs.documents_view.run_once()
        else:
            outcomes = platform.customs.drafts.save_many(doc_type, read.documents, principal, keep_good=keep,
                                                 dry_run=check_only)
        report = _report(doc_type, file.filename or "", read, outcomes, keep, mode)
        if report["problems"]:
            report["error_report"] = _keep_error_report(request, platform, doc_type, read, outcomes,
                                                        file.filename or "")
        return import_page(request, doc_type, report, status_code=200 if report["stored"] or not report["problems"]
                           else 422)
    return upload


def _keep_error_report(request: Request, platform: Any, doc_type: DocumentType, read: workbooks.ImportedWorkbook,
                       outcomes: list[Any], file_name: str) -> str:
    """The error report's download link: the workbook of the refused rows, made now in the uploader's language and
    kept (engine/customs/import_reports.py), so the link gives this upload's rows whatever happens to the file."""
    head, lines = excel_fields(doc_type)
    lang = lang_of(request, platform.settings.lang)
    data = workbooks.error_report(read, outcomes, head, lines, doc_type.number, form_of(doc_type).list_key, lang,
                                  codes=platform.reference.index())
    report_id = ImportReports(platform.settings.data_dir).keep(data, request.state.principal, doc_type.message,
                                                               file_name, clock.now())
    return f"{base_url(doc_type)}/import/reports/{report_id}.xlsx"


def _error_report(doc_type: DocumentType) -> Any:
    def error_report(request: Request, platform: PlatformDep, report_id: str) -> Any:
        """下载错误报告: only to the uploader's organisation; any other asker gets the page of an unknown number."""
        kept = ImportReports(platform.settings.data_dir).get(report_id, request.state.principal, doc_type.message)
        if kept is None:
            return render(request, "customs/documents/not_found.html",
                          page_context(doc_type) | {"number": report_id}, status_code=404)
        stem = (kept.file_name.rsplit(".", 1)[0] or doc_type.slug)[:80]
        return _download(kept.data, f"{stem}-错误报告.xlsx", f"{doc_type.slug}-errors.xlsx")
    return error_report


def _report(doc_type: DocumentType, name: str, read: workbooks.ImportedWorkbook, outcomes: list[Any], keep: bool,
            mode: str) -> dict[str, Any]:
    """What the import page shows: counts, one line per problem (sheet, row, number, field, zh, en), the drafts."""
    number = doc_type.number
    problems = read.report(outcomes, lambda o: read.documents[o.index].get(number, ""))
    return {"file": name, "documents": len(read.documents), "stored": sum(o.stored for o in outcomes),
            "problems": problems, "kept_good": keep, "mode": mode,
            "drafts": [o.document_id for o in outcomes if o.stored] if mode != "declare" else [],
            "created": _created(doc_type, read, outcomes, mode), "error_report": ""}


def _created(doc_type: DocumentType, read: workbooks.ImportedWorkbook, outcomes: list[Any],
             mode: str) -> list[tuple[str, str]]:
    """(number, link) of each document or draft the import stored, for the result page to open them."""
    base, created = base_url(doc_type), []
    for outcome in (o for o in outcomes if o.stored):
        document = read.documents[outcome.index]
        number = outcome.number or str(document.get(doc_type.number) or "") or outcome.document_id
        if mode != "declare":
            link = f"{base}/drafts/{outcome.document_id}"
        elif doc_type.message == "CEB311":  # orders keep their page by number and platform (pages.py)
            ebp = outcome.key[0] if outcome.key else str(document.get("ebpCode") or "")
            link = f"/declarant/orders/{quote(number)}?ebpCode={quote(ebp)}"
        else:
            link = f"{base}/{outcome.document_id}"
        created.append((number, link))
    return created


def _export(doc_type: DocumentType) -> Any:
    def export(request: Request, platform: PlatformDep, q: str = "", status: str = "", date_from: str = "",
               date_to: str = "") -> Response:
        """The list as it is filtered (tenancy included), drafts and documents, as a filled template with the
        status and customs' numbers: heads and lines."""
        rows, _ = platform.customs.drafts.listing(doc_type, request.state.principal, q=q, status=status,
                                          date_from=date_from, date_to=date_to, page=1, per_page=EXPORT_LIMIT)
        head, lines = excel_fields(doc_type)
        all_head, _ = catalog.specs(doc_type.message)
        numbers = [s for s in all_head if s.name in CUSTOMS_NUMBERS and s not in head]
        documents = [_exported(platform, row) for row in rows]
        data = workbooks.template([*head, *numbers, Column("status", "状态")], lines, doc_type.number,
                                  form_of(doc_type).list_key, documents)
        return _download(data, f"{doc_type.name_zh}.xlsx", f"{doc_type.slug}.xlsx")
    return export


def _exported(platform: Any, row: dict[str, Any]) -> dict[str, Any]:
    aggregate = platform.store.repository.get(UUID(row["document_id"]))
    numbers = getattr(aggregate, "numbers", {})
    return plain(aggregate.document | numbers) | {"status": statuses.label(row["status"])}


def _declare(doc_type: DocumentType) -> Any:
    async def declare(request: Request, platform: PlatformDep) -> Any:
        """批量申报: the ticked drafts (field `draft`, repeated), or with `all` every open draft of the filter."""
        form, principal = await request.form(), request.state.principal
        ids = [str(i) for i in form.getlist("draft")]
        if form.get("all"):
            ids = platform.customs.drafts.open_ids(doc_type, principal, q=str(form.get("q") or ""),
                                           date_from=str(form.get("date_from") or ""),
                                           date_to=str(form.get("date_to") or ""))
        try:
            batch, _ = platform.customs.drafts.declare(doc_type, ids, principal)
        except IntegrityError:
            return RedirectResponse(f"{list_url(doc_type)}?notice=conflict", status_code=303)
        if not batch:
            return RedirectResponse(f"{list_url(doc_type)}?notice=none_selected", status_code=303)
        platform.runner.wake.set()
        return RedirectResponse(f"{base_url(doc_type)}/batches/{batch}", status_code=303)
    return declare


def _discard(doc_type: DocumentType) -> Any:
    async def discard(request: Request, platform: PlatformDep) -> Any:
        form = await request.form()
        try:
            platform.customs.drafts.discard(doc_type, [str(i) for i in form.getlist("draft")], request.state.principal)
        except IntegrityError:
            return RedirectResponse(f"{list_url(doc_type)}?notice=conflict", status_code=303)
        return RedirectResponse(f"{list_url(doc_type)}?status={OPEN}&notice=discarded", status_code=303)
    return discard


def _batch(doc_type: DocumentType) -> Any:
    def batch(request: Request, platform: PlatformDep, batch_id: UUID) -> Any:
        """Counts by status, refreshed by the page itself until every document has its final answer."""
        progress = platform.customs.drafts.progress(str(batch_id), request.state.principal)
        if not progress.rows:
            return render(request, "customs/documents/not_found.html",
                          page_context(doc_type) | {"number": str(batch_id)}, status_code=404)
        return render(request, "customs/documents/batch.html", page_context(doc_type) | {"progress": progress,
                                                                                 "batch_id": str(batch_id)})
    return batch


def _register() -> None:
    for doc_type in ALL_TYPES:
        base, view, declare = base_url(doc_type), doc_type.permission("view"), doc_type.permission("declare")
        add_page(router, f"{base}/template.xlsx", _template(doc_type), declare)
        add_page(router, f"{base}/import", _import_form(doc_type), declare)
        add_page(router, f"{base}/import", _import(doc_type), declare, "POST")
        add_page(router, f"{base}/import/reports/{{report_id}}.xlsx", _error_report(doc_type), declare)
        add_page(router, f"{base}/export.xlsx", _export(doc_type), view)
        add_page(router, f"{base}/declare", _declare(doc_type), declare, "POST")
        add_page(router, f"{base}/discard", _discard(doc_type), declare, "POST")
        add_page(router, f"{base}/batches/{{batch_id:uuid}}", _batch(doc_type), view)


_register()
