"""电子税单管理 (I7): the tax bills customs issued (CEB816) with their status changes (CEB818), for the enterprises
named on the inventories they tax: list, one bill with its lines, the list as a workbook."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from engine.customs import workbooks
from engine.customs.api_json import plain
from engine.customs.drafts import scope
from projections.customs.documents import TAX_SORTABLE
from ui.deps import PlatformDep, render
from ui.listing import ListQuery, ListRefused, parse
from ui.routers.customs.batch import _download
from ui.routers.customs.documents import catalog
from ui.security import require

router = APIRouter(prefix="/declarant", include_in_schema=False)
PER_PAGE = 20
STATUSES = ("1", "2", "3")
EXPORT_LIMIT = 10_000


def search(request: Request, platform: Any, q: str, status: str | list[str], page: int, per_page: int,
           sort: str = "", descending: bool = True) -> tuple[list, int]:
    return platform.customs.documents_view.tax_bills(q=q.strip(), status=status, page=page, per_page=per_page,
                                                     parties=scope(request.state.principal), sort=sort,
                                                     descending=descending)


def as_now(bill: Any) -> dict[str, Any]:
    """The bill as issued, with the status and payment notice number its later changes (CEB818) gave it."""
    return plain(bill.document) | {"status": bill.status, "entDutyNo": bill.ent_duty_no}


@router.get("/tax-bills", response_class=HTMLResponse, dependencies=[require("I7:view")])
def tax_bills(request: Request, platform: PlatformDep, q: str = "") -> Any:
    """#18: the shared list parameters (ui/listing.py): page size, jump to page, sortable columns, several statuses;
    a bad one is refused (422) naming it."""
    context = {"filters": {"q": q}, "statuses": STATUSES, "sortable": TAX_SORTABLE}
    try:
        lq = parse(request, TAX_SORTABLE, STATUSES)
    except ListRefused as refused:
        return render(request, "customs/documents/tax_bills.html", context | {
            "rows": [], "total": 0, "lq": ListQuery(), "list_error": refused}, 422)
    rows, total = search(request, platform, q, lq.statuses, lq.page, lq.per_page, lq.sort, lq.descending)
    return render(request, "customs/documents/tax_bills.html", context | {"rows": rows, "total": total, "lq": lq})


@router.get("/tax-bills/export.xlsx", dependencies=[require("I7:view")])
def export(request: Request, platform: PlatformDep, q: str = "") -> Response:
    """The filtered list as a workbook: one row per bill on the heads sheet, its tax lines on the lines sheet."""
    statuses = [s for s in request.query_params.getlist("status") if s in STATUSES]
    rows, _ = search(request, platform, q, statuses, 1, EXPORT_LIMIT)
    queries = platform.customs.document_queries
    bills = (queries.tax_bill(r["invt_no"], r["tax_no"], request.state.principal) for r in rows)
    head, lists = catalog.specs("CEB816")
    documents = [as_now(bill) for bill in bills if bill is not None]
    data = workbooks.template([s for s in head if s.name != "guid"], lists["taxListRd"], "taxNo", "taxListRd",
                              documents)
    return _download(data, "电子税单.xlsx", "tax-bills.xlsx")


@router.get("/tax-bills/{invt_no}/{tax_no}", response_class=HTMLResponse, dependencies=[require("I7:view")])
def tax_bill(request: Request, platform: PlatformDep, invt_no: str, tax_no: str) -> Any:
    bill = platform.customs.document_queries.tax_bill(invt_no, tax_no, request.state.principal)
    if bill is None:
        return render(request, "customs/documents/tax_bill.html", {"bill": None, "number": tax_no}, status_code=404)
    head, lists = catalog.specs("CEB816")
    inventory = platform.customs.documents_view.inventory_id(invt_no)
    return render(request, "customs/documents/tax_bill.html", {
        "bill": bill, "doc": as_now(bill), "head_fields": [s for s in head if s.name != "guid"],
        "line_fields": lists["taxListRd"], "inventory": inventory})
