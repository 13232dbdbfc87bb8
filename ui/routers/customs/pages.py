"""申报企业控制台: the declarant's order form and order page (I3). The order list is the one list of every document
type since #18 (documents.py, /declarant/orders), with its search, filters, drafts and exports."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from domain.customs.documents import ORDER
from domain.shared.rules import DeclarationRejected
from engine.customs.catalog import Catalog
from ui.deps import PlatformDep, render
from ui.i18n import lang_of
from ui.personal import personal_page, reveal_context
from ui.routers.customs.documents import amend_context
from ui.security import require

router = APIRouter(prefix="/declarant", include_in_schema=False)
catalog = Catalog()
GENERATED = {"guid", "appType", "appTime", "appStatus", "orderType", "currency", "buyerIdType"}
LINE_HIDDEN = {"gnum", "currency"}
LINE_FIELD = re.compile(r"orderList\.(\d+)\.(\w+)")


def form_fields() -> tuple[list[Any], list[Any]]:
    head, lists = catalog.specs("CEB311")
    return [s for s in head if s.name not in GENERATED], [s for s in lists["orderList"] if s.name not in LINE_HIDDEN]


@router.get("/orders/new", response_class=HTMLResponse, dependencies=[require("I3:declare")])
def new_order(request: Request, platform: PlatformDep) -> Any:
    principal = request.state.principal
    enterprise = next((e for e in platform.identity.enterprises.all()
                       if principal.may_see(e.code) and "ecommerce" in e.kinds), None)
    values = {} if enterprise is None else {"ebpCode": enterprise.code, "ebpName": enterprise.name,
                                            "ebcCode": enterprise.code, "ebcName": enterprise.name}
    return _form(request, values | {"freight": "0", "discount": "0", "taxTotal": "0"}, [{}], [])


@router.post("/orders/new", response_class=HTMLResponse, dependencies=[require("I3:declare")])
async def submit_order(request: Request, platform: PlatformDep) -> Any:
    head, lines = parse_form(dict((await request.form()).items()))
    try:
        principal = request.state.principal
        order = platform.customs.import_orders.declare(head | {"orderList": lines}, declared_by=principal.name,
                                               principal=principal)
    except DeclarationRejected as rejected:
        return _form(request, head, lines or [{}], rejected.errors, status_code=422)
    platform.runner.wake.set()
    platform.customs.orders_view.run_once()
    return RedirectResponse(f"/declarant/orders/{order.order_no}?ebpCode={order.ebp_code}&created=1", status_code=303)


def parse_form(form: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Head fields by name; line fields named orderList.<n>.<field>, in the order of n."""
    head: dict[str, Any] = {}
    lines: dict[int, dict[str, Any]] = {}
    for name, value in form.items():
        match = LINE_FIELD.fullmatch(name)
        if match:
            lines.setdefault(int(match.group(1)), {})[match.group(2)] = value
        elif not name.startswith("_"):
            head[name] = value
    filled = [lines[n] for n in sorted(lines) if any(str(v).strip() for v in lines[n].values())]
    return head, filled


def _form(request: Request, values: dict[str, Any], lines: list[dict[str, Any]], errors: list[Any],
          status_code: int = 200) -> Any:
    head_fields, line_fields = form_fields()
    return render(request, "customs/orders/order_form.html", {
        "values": values, "lines": lines, "errors": errors, "by_field": {e.field: e for e in errors},
        "head_fields": head_fields, "line_fields": line_fields}, status_code=status_code)


@router.get("/orders/{order_no}", response_class=HTMLResponse, dependencies=[require("I3:view")])
def order_detail(request: Request, platform: PlatformDep, order_no: str, ebpCode: str | None = None) -> Any:  # noqa: N803
    detail = platform.customs.queries.detail(order_no, ebpCode, request.state.principal)
    if detail is None:
        return render(request, "customs/orders/not_found.html", {"order_no": order_no}, status_code=404)
    head_fields, line_fields = form_fields()
    page = render(request, "customs/orders/order_detail.html", {
        "d": detail, "o": detail.order, "doc": detail.order.document, "head_fields": head_fields,
        "line_fields": line_fields, "created": request.query_params.get("created") == "1",
        **amend_context(request, ORDER, detail.order, detail.status, lang_of(request, platform.settings.lang)),
        **reveal_context(request)})
    return personal_page(request, platform, page, [detail.order.document, *(m.xml for m in detail.messages)],
                         f"订单 order {order_no}", [order_no])  # #18
