"""JSON API for enterprise systems (X1): the same commands and queries as the consoles."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from domain.shared import statuses
from domain.shared.rules import DeclarationRejected
from engine.customs.api_json import plain
from engine.customs.queries import OrderDetail
from ui.deps import PlatformDep
from ui.personal import personal_answer
from ui.security import Allowed

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/enterprises", summary="Enterprises the caller may declare for")
def enterprises(platform: PlatformDep, principal: Allowed("self:session")) -> list[dict[str, Any]]:
    enterprises = platform.identity.enterprises
    return [enterprises.as_json(e) for e in enterprises.all() if principal.may_see(e.code)]


@router.post("/import/orders", status_code=201, summary="Declare an import order (CEB311)")
def declare_order(platform: PlatformDep, principal: Allowed("I3:declare"), order: dict[str, Any] = Body(  # noqa: B008
        ..., examples=[{"orderNo": "A0001", "ebpCode": "3301960001", "orderList": [{"itemName": "..."}]}])) -> Any:
    """Checks the order (XSD field rules, amounts, fixed codes) and stores it; it is then built, signed and
    sent to customs by the processors. Errors: 422 with one entry per field, in Chinese and English."""
    try:
        stored = platform.customs.import_orders.declare(order, declared_by=principal.name, principal=principal)
    except DeclarationRejected as rejected:
        return JSONResponse(status_code=422, content={
            "detail": "订单未通过校验，未保存 the order was not stored",
            "errors": [e.as_dict() for e in rejected.errors]})
    platform.runner.wake.set()
    return {"orderNo": stored.order_no, "ebpCode": stored.ebp_code, "guid": stored.guid,
            "status": stored.status, "statusLabel": statuses.label(stored.status),
            "warnings": [e.as_dict() for e in platform.customs.import_orders.warnings(order)]}


@router.post("/import/orders/batch", summary="Declare up to 1,000 import orders in one call")
def declare_orders(platform: PlatformDep, principal: Allowed("I3:declare"),
                   orders: list[dict[str, Any]] = Body(..., embed=True, max_length=1000)) -> Any:
    """Each order is checked on its own: the valid ones are stored together, the answer lists per order
    `accepted` or its errors. A retried call cannot declare an order twice (the order number is unique)."""
    outcomes = platform.customs.import_orders.declare_many(orders, declared_by=principal.name, principal=principal)
    platform.runner.wake.set()
    return {"accepted": sum(o.stored for o in outcomes), "results": [
        {"index": o.index, "orderNo": o.order_no, "accepted": o.stored, "errors": [e.as_dict() for e in o.errors],
         "warnings": [e.as_dict() for e in o.warnings]} for o in outcomes]}


@router.get("/import/orders", summary="Search import orders")
def search_orders(request: Request, platform: PlatformDep, principal: Allowed("I3:view"), q: str = "", status: str = "",
                  date_from: str = Query("", alias="from"),
                  date_to: str = Query("", alias="to"), page: int = Query(1, ge=1, le=1_000_000),
                  per_page: int = Query(20, ge=1, le=500)) -> dict[str, Any]:
    rows, total = platform.customs.queries.search(principal, q=q, status=status, date_from=date_from, date_to=date_to,
                                          page=page, per_page=per_page)
    answer = {"total": total, "page": page, "perPage": per_page,
              "items": [row | {"statusLabel": statuses.label(row["status"])} for row in rows]}
    return personal_answer(request, platform, answer, "订单 order search API", [r.get("order_no") for r in rows])


@router.get("/import/orders/{order_no}", summary="One import order with status, receipts and timeline")
def get_order(request: Request, platform: PlatformDep, order_no: str, principal: Allowed("I3:view"),
              ebp_code: str | None = Query(None, alias="ebpCode")) -> Any:
    detail = platform.customs.queries.detail(order_no, ebp_code, principal)
    if detail is None:
        raise HTTPException(404, f"订单 {order_no} 不存在 order not found")
    return personal_answer(request, platform, order_json(detail), f"订单 order {order_no} API", [order_no])


def order_json(detail: OrderDetail) -> dict[str, Any]:
    order = detail.order
    return plain({
        **order.document, "status": detail.status, "statusLabel": statuses.label(detail.status),
        "returnInfo": order.return_info, "declaredAt": order.declared_at.isoformat(),
        "receipts": order.receipts,
        "messages": [{"guid": m.guid, "messageType": m.message_type, "algorithm": m.algorithm,
                      "file": m.delivered_as, "xml": m.xml} for m in detail.messages],
        "timeline": [item | {"at": item["at"].isoformat()} for item in detail.timeline],
    })
