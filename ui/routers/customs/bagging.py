"""装袋 (E7): many parcels under one bag number. A logistics declarant lists its accepted export waybills (CEB505,
120) that no bag holds yet, filters and ticks them (or takes every one of the filter), enters the master waybill and
the bag number, sees the weight, and declares one 清单总分单 (CEB607) listing them. From a bag's page, the 运抵单
(CEB507) and the 离境单 (CEB509) start prefilled with its conveyance and its parcels.

The parcels come from projections/customs/bags.py through DocumentQueries; the documents are declared by the generic
Declarations service, so the rules, tenancy and the rest of the flow are those of any document."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from domain.customs.documents import ARRIVAL, BAG, DEPARTURE, DocumentType
from domain.shared.rules import DeclarationRejected, FieldError
from projections.customs.bags import weight
from ui.deps import PlatformDep, render
from ui.routers.customs.documents import (
    add_page,
    base_url,
    follow_up_url,
    form_of,
    form_page,
    not_found,
    page_context,
    prefilled,
)

router = APIRouter(include_in_schema=False)
PAGE = f"{base_url(BAG)}/new-from-parcels"
PER_PAGE = 100
MAX_PARCELS = 5000  # one bag; a wider filter is to be narrowed
# the bag's fields the declarant enters on the bagging page (the others: the platform's, copNo too, or the parcels')
HEAD = ("customsCode", "billNo", "trafMode", "trafName", "voyageNo", "domesticTrafNo", "loctNo", "agentCode",
        "agentName", "logisticsCode", "logisticsName", "note")
BAG_NUMBER = "totalPackageNo"  # the bag number, on every line
FILTERS = ("q", "date_from", "date_to")


def head_fields() -> list[Any]:
    return [s for s in form_of(BAG).head if s.name in HEAD]


def bag_number_field() -> Any:
    return next(s for s in form_of(BAG).lines if s.name == BAG_NUMBER)


def bagging_page(request: Request, platform: Any, filters: dict[str, str], page: int, values: dict[str, Any],
                 ticked: set[str], errors: list[FieldError], status_code: int = 200) -> Any:
    """The filtered parcels (one page), their count and weight, the bag's fields, and what went wrong."""
    principal = request.state.principal
    rows, total = platform.customs.document_queries.unbagged(principal, page=page, per_page=PER_PAGE, **filters)
    every = platform.customs.document_queries.unbagged_all(principal, limit=MAX_PARCELS, **filters)
    return render(request, "customs/documents/bagging.html", page_context(BAG) | {
        "page_url": PAGE, "rows": rows, "total": total, "page": page,
        "pages": max((total + PER_PAGE - 1) // PER_PAGE, 1), "filters": filters,
        "filtered_weight": sum((weight_of(r) for r in every), Decimal(0)), "head": head_fields(),
        "bag_number": bag_number_field(), "values": values, "ticked": ticked, "errors": errors,
        "by_field": {e.field: e for e in errors}}, status_code=status_code)


def weight_of(row: dict[str, Any]) -> Decimal:
    return weight(row["gross_weight"])


def _page(request: Request, platform: PlatformDep, q: str = "", date_from: str = "", date_to: str = "",
          page: int = 1) -> Any:
    values = prefilled(BAG, platform, request.state.principal)
    return bagging_page(request, platform, {"q": q, "date_from": date_from, "date_to": date_to}, max(page, 1),
                        values, set(), [])


async def _declare(request: Request, platform: PlatformDep) -> Any:
    """One 清单总分单 of the ticked parcels (field `parcel`, repeated), or with `all` of every parcel of the filter;
    a parcel bagged meanwhile, or of another logistics enterprise, refuses the whole bag."""
    form, principal = await request.form(), request.state.principal
    filters = {name: str(form.get(name) or "") for name in FILTERS}
    values = {name: str(form.get(name) or "") for name in (*HEAD, BAG_NUMBER)}
    ticked = {str(i) for i in form.getlist("parcel")}
    take_all = bool(form.get("all"))
    try:
        if not values[BAG_NUMBER].strip():
            refuse(BAG_NUMBER, "required", "请填写总包号（袋号）", "enter the bag number")
        parcels = chosen(platform, principal, filters, ticked, take_all, values["logisticsCode"])
        bag = platform.customs.declarations[BAG.message].declare(bag_of(values, parcels), declared_by=principal.name,
                                                         principal=principal)
    except DeclarationRejected as rejected:
        return bagging_page(request, platform, filters, 1, values, ticked, rejected.errors, status_code=422)
    platform.runner.wake.set()
    platform.customs.documents_view.run_once()
    return RedirectResponse(f"{base_url(BAG)}/{bag.id}?created=1", status_code=303)


def chosen(platform: Any, principal: Any, filters: dict[str, str], ticked: set[str], take_all: bool,
           logistics_code: str) -> list[dict[str, Any]]:
    """The parcels to bag, each still unbagged and of the bag's logistics enterprise; DeclarationRejected else."""
    criteria = filters if take_all else {"ids": sorted(ticked)}
    parcels = platform.customs.document_queries.unbagged_all(principal, limit=MAX_PARCELS + 1, **criteria) \
        if take_all or ticked else []
    if not parcels:
        refuse("wayBillList", "required", "请至少勾选一票运单", "tick at least one parcel")
    if len(parcels) > MAX_PARCELS:
        refuse("wayBillList", "max", f"一个总包最多 {MAX_PARCELS} 票运单，请缩小筛选范围",
               f"a bag holds at most {MAX_PARCELS} parcels: narrow the filter")
    gone = len(ticked) - len(parcels) if not take_all else 0
    if gone:
        refuse("wayBillList", "bagged", f"{gone} 票运单已装袋或不可装袋，请刷新后重新勾选",
               f"{gone} of the ticked parcels are bagged already or may not be bagged: reload and tick again")
    others = ", ".join(sorted({p["logistics_no"] for p in parcels if p["logistics_code"] != logistics_code})[:5])
    if others:
        refuse("logisticsCode", "parcels", f"运单 {others} 不属于物流企业 {logistics_code}",
               f"parcels {others} are not of logistics enterprise {logistics_code}")
    return parcels


def refuse(field: str, rule: str, message_zh: str, message_en: str) -> None:
    raise DeclarationRejected([FieldError(field, rule, message_zh, message_en)])


def bag_of(values: dict[str, str], parcels: list[dict[str, Any]]) -> dict[str, Any]:
    """The CEB607 document: the entered fields, the parcels' weight, one line per parcel under the bag number."""
    head = {k: v for k, v in values.items() if k in HEAD and v.strip()}
    lines = [{"gnum": n, BAG_NUMBER: values.get(BAG_NUMBER, ""), "logisticsNo": p["logistics_no"]}
             | ({"invtNo": p["invt_no"]} if p["invt_no"] else {}) for n, p in enumerate(parcels, start=1)]
    return head | {"grossWeight": format(sum((weight_of(p) for p in parcels), Decimal(0)), "f"),
                   "wayBillList": lines}


def _from_bag(target: DocumentType) -> Any:
    def from_bag(request: Request, platform: PlatformDep, bag_id: UUID) -> Any:
        """运抵 / 离境 of a bag: the target's form with the bag's conveyance and parcels in it."""
        found = platform.customs.document_queries.detail(BAG, str(bag_id), request.state.principal)
        if found is None:
            return not_found(request, BAG, str(bag_id))
        return form_page(request, target, prefilled(target, platform, request.state.principal)
                         | made_from(found.document.document, target), [])
    return from_bag


def made_from(bag: dict[str, Any], target: DocumentType) -> dict[str, Any]:
    """The fields of the target type the bag has too (but its own numbers), and its parcels as the target's lines."""
    form = form_of(target)
    line_names = {s.name for s in form.lines}
    head = {s.name: bag[s.name] for s in form.head
            if s.name not in {"copNo", "note"} and bag.get(s.name) not in (None, "")}
    lines = [{k: v for k, v in line.items() if k in line_names} for line in bag.get("wayBillList") or []]
    return head | {form.list_key: lines}


def _register() -> None:
    add_page(router, PAGE, _page, BAG.permission("declare"))
    add_page(router, PAGE, _declare, BAG.permission("declare"), "POST")
    for target in (ARRIVAL, DEPARTURE):
        add_page(router, follow_up_url(BAG, "{bag_id:uuid}", target), _from_bag(target), target.permission("declare"))


_register()
