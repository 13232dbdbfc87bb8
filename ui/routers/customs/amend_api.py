"""JSON API of #18: 修改重报 (modify and declare again) of any document, 复制新增 values, and the inventory built from
its order, payment and waybill (the export inventory from its export order and waybill): the prefilled document with
the fields still missing, and declaring it with them. Field names are the XSD's; tenancy as everywhere (A6): only
documents the caller's organisation may see are read, only those it acts on are changed.

No `from __future__ import annotations`: the routes are made in functions (see documents_api.py)."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Body, HTTPException, Query
from fastapi.responses import JSONResponse

from domain.customs import documents as types
from domain.customs.documents import ALL_TYPES, DocumentType
from domain.shared import statuses
from domain.shared.rules import DeclarationRejected
from engine.customs.amend import Prefill, amendments, copied, may_act
from engine.customs.api_json import plain
from ui.deps import PlatformDep
from ui.routers.customs.documents_api import rejected_json
from ui.security import Allowed

router = APIRouter(tags=["api"])
IMPORT_PREFILL = "/api/import/inventories/prefill"
EXPORT_PREFILL = "/api/export/export-inventories/prefill"


def _prefill_json(prefill: Prefill) -> dict[str, Any]:
    return {"document": prefill.document, "missing": prefill.missing, "sources": prefill.sources}


def _no_order(doc_type: DocumentType) -> HTTPException:
    return HTTPException(404, f"订单不存在或无权使用，无法生成{doc_type.name_zh} no order your organisation may use")


@router.get(IMPORT_PREFILL, summary="An inventory (CEB621) prefilled from its order, payment and waybill")
def import_prefill(platform: PlatformDep, principal: Allowed("I4:declare"), ebp_code: str = Query(alias="ebpCode"),
                   order_no: str = Query(alias="orderNo"), logistics_no: str = Query("", alias="logisticsNo")) -> Any:
    """The head from the order (buyer, parties, freight), its payment and its waybill (logistics fields), the goods
    lines from the order's; `missing`: the required fields still to give (line fields as inventoryList[1].gcode)."""
    prefill = amendments(platform).inventory_from_order(ebp_code, order_no, principal, logistics_no)
    if prefill is None:
        raise _no_order(types.INVENTORY)
    return _prefill_json(prefill)


@router.get(EXPORT_PREFILL, summary="An export inventory (CEB603) prefilled from its export order and waybill")
def export_prefill(platform: PlatformDep, principal: Allowed("E2:declare"), ebp_code: str = Query(alias="ebpCode"),
                   order_no: str = Query(alias="orderNo"), logistics_code: str = Query("", alias="logisticsCode"),
                   logistics_no: str = Query("", alias="logisticsNo")) -> Any:
    prefill = amendments(platform).export_inventory_from_order(ebp_code, order_no, principal, logistics_code,
                                                               logistics_no)
    if prefill is None:
        raise _no_order(types.EXPORT_INVENTORY)
    return _prefill_json(prefill)


def _declare_from(doc_type: DocumentType, prefill: Prefill | None, given: dict[str, Any], platform: Any,
                  principal: Any) -> Any:
    """The prefilled document with the caller's fields over it (lines: the caller's replace the prefilled ones
    line by line), declared as any other."""
    if prefill is None:
        raise _no_order(doc_type)
    document = prefill.document | {k: v for k, v in given.items() if k != "inventoryList"}
    lines = given.get("inventoryList")
    if isinstance(lines, list):
        base = document.get("inventoryList") or []
        document["inventoryList"] = [(base[i] if i < len(base) else {}) | (line if isinstance(line, dict) else {})
                                     for i, line in enumerate(lines)] + base[len(lines):]
    try:
        stored = platform.customs.declarations[doc_type.message].declare(document, declared_by=principal.name,
                                                                         principal=principal)
    except DeclarationRejected as rejected:
        return rejected_json(doc_type, rejected)
    platform.runner.wake.set()
    return JSONResponse(status_code=201, content=plain({
        "documentId": str(stored.id), "number": stored.number, "guid": stored.guid, "status": stored.status,
        "statusLabel": statuses.label(stored.status), "sources": prefill.sources}))


@router.post(IMPORT_PREFILL, summary="Declare the inventory prefilled from its order, payment and waybill")
def import_from_order(platform: PlatformDep, principal: Allowed("I4:declare"),
                      body: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
    """Body: ebpCode, orderNo (and logisticsNo to choose the waybill), document: the missing fields."""
    given = body.get("document") if isinstance(body.get("document"), dict) else {}
    prefill = amendments(platform).inventory_from_order(str(body.get("ebpCode") or ""), str(body.get("orderNo") or ""),
                                                        principal, str(body.get("logisticsNo") or ""))
    return _declare_from(types.INVENTORY, prefill, given, platform, principal)


@router.post(EXPORT_PREFILL, summary="Declare the export inventory prefilled from its export order and waybill")
def export_from_order(platform: PlatformDep, principal: Allowed("E2:declare"),
                      body: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
    given = body.get("document") if isinstance(body.get("document"), dict) else {}
    prefill = amendments(platform).export_inventory_from_order(
        str(body.get("ebpCode") or ""), str(body.get("orderNo") or ""), principal,
        str(body.get("logisticsCode") or ""), str(body.get("logisticsNo") or ""))
    return _declare_from(types.EXPORT_INVENTORY, prefill, given, platform, principal)


def _redeclare(doc_type: DocumentType) -> Any:
    def redeclare(platform: PlatformDep, principal: Allowed(doc_type.permission("declare")), document_id: UUID,
                  document: dict[str, Any] = Body(...), reason: str = Body("")) -> Any:  # noqa: B008
        """修改重报: the whole modified document and the reason; checked as a new declaration, recorded as the
        document's next version under the same number and sent again. 409 in a state customs does not take it in,
        404 when it is not a document the caller acts on, 422 naming each broken rule."""
        try:
            changed = amendments(platform).redeclare(doc_type, str(document_id), document, reason, principal)
        except DeclarationRejected as rejected:
            first = rejected.errors[0] if rejected.errors else None
            if first is not None and first.field == "documentId":
                raise HTTPException(404, f"{first.message_zh} {first.message_en}") from None
            answer = rejected_json(doc_type, rejected)
            if first is not None and first.rule == "redeclarable":
                answer.status_code = 409
            return answer
        platform.runner.wake.set()
        return plain({"documentId": str(changed.id), "number": str(changed.number), "guid": changed.guid,
                      "status": changed.status, "version": len(changed.versions), "versions": changed.versions})
    return redeclare


def _copy(doc_type: DocumentType) -> Any:
    def copy(platform: PlatformDep, principal: Allowed(doc_type.permission("declare")), document_id: UUID) -> Any:
        """复制新增: the document's values without its number and the numbers customs assigned, to declare anew."""
        found = amendments(platform).find(doc_type, str(document_id), principal)
        if found is None or not may_act(principal, doc_type, found.document):
            raise HTTPException(404, f"{doc_type.name_zh}不存在或无权操作 no such {doc_type.name_en.lower()}")
        return {"document": copied(doc_type, found)}
    return copy


def _register() -> None:
    for doc_type in ALL_TYPES:
        path = f"/api/{doc_type.direction}/{doc_type.slug}/{{document_id}}"
        router.add_api_route(f"{path}/redeclare", _redeclare(doc_type), methods=["POST"],
                             summary=f"Modify and declare again a {doc_type.name_en.lower()} (修改重报)",
                             name=f"redeclare {doc_type.slug}")
        router.add_api_route(f"{path}/copy", _copy(doc_type), methods=["GET"],
                             summary=f"A {doc_type.name_en.lower()}'s values to declare as new (复制新增)",
                             name=f"copy {doc_type.slug}")


_register()
