"""批量导入 and workbook export of import orders (I3, X1): the Excel template users already fill in."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from engine import clock
from engine.customs import examples, workbooks
from engine.customs.api_json import plain
from engine.customs.catalog import Catalog
from engine.customs.service import complete, to_values
from ui.deps import PlatformDep, render
from ui.routers.customs.pages import GENERATED, LINE_HIDDEN
from ui.security import require

router = APIRouter(prefix="/declarant", include_in_schema=False)
catalog = Catalog()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _fields() -> tuple[list[Any], list[Any]]:
    head, lists = catalog.specs("CEB311")
    return ([s for s in head if s.name not in GENERATED - {"guid"} and s.name != "guid"],
            [s for s in lists["orderList"] if s.name not in LINE_HIDDEN - {"gnum"}])


def _download(data: bytes, name: str, ascii_name: str) -> Response:
    """RFC 6266: an ASCII name for old clients, the Chinese one for the rest."""
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get("/import/orders/template.xlsx", dependencies=[require("I3:declare")])
def order_template() -> Response:
    """The empty template, with one example order to show the shape."""
    head, lines = _fields()
    example = to_values(complete(examples.import_order("EXAMPLE-0001"), clock.now()), catalog)
    return _download(workbooks.template(head, lines, "orderNo", "orderList", [plain(example)]), "订单导入模板.xlsx",
                     "order-template.xlsx")


@router.get("/import/orders", response_class=HTMLResponse, dependencies=[require("I3:declare")])
def import_form(request: Request) -> Any:
    return render(request, "customs/orders/order_import.html", {"report": None})


@router.post("/import/orders", response_class=HTMLResponse, dependencies=[require("I3:declare")])
def import_orders(request: Request, platform: PlatformDep, file: UploadFile, keep_good: str = Form("")) -> Any:
    """Every row checked; a bad row is reported with its reason. Nothing of a file with bad rows is stored
    unless the user asked to keep the good ones. A sync endpoint: the workbook is parsed (within its bounds) and
    the orders declared on a worker thread, never on the event loop (#16 item 4)."""
    data = file.file.read(workbooks.MAX_BYTES + 1)
    head, lines = _fields()
    try:
        read = workbooks.read(data, head, lines, "orderNo", "orderList")
    except workbooks.WorkbookRefused as error:
        return render(request, "customs/orders/order_import.html", {"report": None, "failure": str(error)}, 422)
    principal = request.state.principal
    outcomes = platform.customs.import_orders.declare_many(read.documents, principal.name, principal,
                                                   all_or_nothing=not keep_good,
                                                   dry_run=bool(read.problems) and not keep_good)
    stored = sum(o.stored for o in outcomes)
    platform.runner.wake.set()
    platform.customs.orders_view.run_once()
    report = {"file": file.filename, "documents": len(read.documents), "stored": stored,
              "problems": read.report(outcomes, lambda o: o.order_no), "kept_good": bool(keep_good)}
    return render(request, "customs/orders/order_import.html", {"report": report},
                  200 if stored or not report["problems"] else 422)


@router.get("/export/orders.xlsx", dependencies=[require("I3:view")])
def export_workbook(request: Request, platform: PlatformDep, q: str = "", status: str = "", date_from: str = "",
                    date_to: str = "") -> Response:
    """The orders of the list (same filters and tenancy) as a filled template: heads and lines."""
    rows, _ = platform.customs.queries.search(request.state.principal, q=q, status=status, date_from=date_from,
                                      date_to=date_to, page=1, per_page=10_000)
    orders = [platform.customs.import_orders.get(r["ebp_code"], r["order_no"]) for r in rows]
    head, lines = _fields()
    documents = [plain(o.document) | {"status": o.status} for o in orders if o is not None]
    data = workbooks.template(head, lines, "orderNo", "orderList", documents)
    return _download(data, "进口订单.xlsx", "import-orders.xlsx")
