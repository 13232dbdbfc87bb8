"""海关179 支付原始数据 (I13): the platDataOpen endpoint customs calls (no login: customs has no session), the
simulator's realTimeDataUpload when the customs simulator runs, the console of requests and uploads, and the API
through which enterprises supply the payment raw data."""

from __future__ import annotations

import math
import time
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Body, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from domain.customs.payment179 import FAILED, RAW_FIELDS, RECEIVED, UPLOADED
from domain.shared.rules import DeclarationRejected
from ui.deps import PlatformDep, render
from ui.i18n import lang_of, translator
from ui.routers.customs.query import parties_of
from ui.security import PUBLIC, Allowed, client_address, require

router = APIRouter()
PER_PAGE = 20
SIM_UPLOAD = "/customs-sim/ceb2grab/grab/realTimeDataUpload"
PLAT_DATA_OPEN = "/platDataOpen"
LABELS = {"ebpCode": "电商平台代码", "orderNo": "订单编号"} | {f.name: f.label_zh for f in RAW_FIELDS}


def refusal(request: Request) -> Response | None:
    """#16 item 11, before the body is read (ui/app.py Guard): customs' call only from CBEC_CUSTOMS179_SOURCES, at
    most CBEC_CUSTOMS179_RATE a minute per source (engine/customs/payment179.py SourceGate); a refusal is answered in
    the 179 form (code 20000, the reason in zh and en) and counted, not stored as an event."""
    platform = request.app.state.platform
    reason = platform.customs.payment179.gate.admit(client_address(request))
    if not reason:
        return None
    stamp = int(time.time() * 1000)
    if reason == "rate":
        return JSONResponse(status_code=429, headers={"Retry-After": "60"}, content={
            "code": "20000", "serviceTime": stamp,
            "message": "请求过于频繁，请稍后再试 (CBEC_CUSTOMS179_RATE) "
                       "too many requests from this source: try again later"})
    return JSONResponse(status_code=403, content={
        "code": "20000", "serviceTime": stamp,
        "message": "来源地址未登记为海关 (CBEC_CUSTOMS179_SOURCES) the source address is not registered as customs'"})


@router.post(PLAT_DATA_OPEN, dependencies=[PUBLIC], tags=["customs"],
             summary="海关179: customs asks for the payment data of an order (form field openReq)")
def plat_data_open(request: Request, platform: PlatformDep, openReq: str | None = Form(None)) -> Any:  # noqa: N803
    """Answers {"code": "10000", "message": "", "serviceTime": ms} and uploads the signed payment data in the
    background; 20000 with the reason when the request is malformed or the order is not on this platform."""
    answer = platform.customs.payment179.open(openReq)
    platform.identity.log("command", "customs 海关", "", client_address(request), "179 platDataOpen",
                          (openReq or "")[:200], answer["code"], {"openReq": (openReq or "")[:500],
                                                                  "message": answer["message"]})
    platform.runner.wake.set()
    return answer


@router.post(SIM_UPLOAD, dependencies=[PUBLIC], include_in_schema=False)
def simulated_upload(platform: PlatformDep, payExInfoStr: str = Form("")) -> Any:  # noqa: N803
    """The customs simulator's realTimeDataUpload (only while the simulator runs)."""
    customs = platform.customs.payment179.customs
    if customs is None:
        raise HTTPException(404)
    return customs.upload(payExInfoStr)


@router.post("/api/import/payment-raw", tags=["api"], status_code=201,
             summary="Supply the payment raw data of an order (179 upload)")
def supply_raw(platform: PlatformDep, principal: Allowed("I13:manage"), raw: dict[str, Any] = Body(  # noqa: B008
        ..., examples=[{"orderNo": "A0001", "ebpCode": "3301960001", "initalRequest": "<xml>...</xml>",
                        "initalResponse": "<xml>...</xml>", "verDept": "3", "payType": "1",
                        "recpAccount": "6222020000000000", "recpName": "示范跨境电商", "itemLinks": ["https://..."]}]),
               ) -> Any:
    """What the platform sent to the payment provider and got back (raw text, 8000 characters each), the verifying
    institution (verDept 1 银联 2 网联 3 其他), the payment type, the receiving account and one goods link per
    order line. Supplying again replaces the data. Errors: 422, one entry per field, in Chinese and English."""
    try:
        stored = platform.customs.payment179.supply(raw, principal.name, principal)
    except DeclarationRejected as rejected:
        return JSONResponse(status_code=422, content={"detail": "支付原始数据未保存 nothing was stored",
                                                      "errors": [e.as_dict() for e in rejected.errors]})
    return {"orderNo": stored.order_no, "ebpCode": stored.ebp_code, "version": stored.version}


@router.get("/api/import/payment-data", tags=["api"], summary="Customs' 179 data requests and their uploads")
def list_requests(platform: PlatformDep, principal: Allowed("I13:view"), q: str = "", status: str = "",
                  page: int = 1) -> dict[str, Any]:
    rows, total = _search(platform, principal, q, status, page)
    return {"total": total, "page": page, "items": rows}


def _search(platform: Any, principal: Any, q: str, status: str, page: int) -> tuple[list[dict[str, Any]], int]:
    platform.customs.payment179_view.run_once()
    return platform.customs.payment179_view.search(q.strip(), status, min(max(page, 1), 1_000_000), PER_PAGE,
                                             parties_of(principal))


@router.get("/payments179", response_class=HTMLResponse, include_in_schema=False, dependencies=[require("I13:view")])
def console(request: Request, platform: PlatformDep, q: str = "", status: str = "", page: int = 1) -> Any:
    return _console(request, platform, q, status, page)


def _console(request: Request, platform: Any, q: str = "", status: str = "", page: int = 1, notice: str = "",
             errors: Any = None, raw: dict[str, Any] | None = None, status_code: int = 200) -> Any:
    rows, total = _search(platform, request.state.principal, q, status, page)
    return render(request, "customs/payment179/list.html", {
        "rows": rows, "total": total, "page": max(page, 1), "pages": max(1, math.ceil(total / PER_PAGE)),
        "filters": {"q": q, "status": status}, "states": (RECEIVED, UPLOADED, FAILED), "notice": notice,
        "errors": errors or [], "raw": raw or {}, "simulator": platform.customs.payment179.customs is not None,
        "labels": LABELS},
        status_code=status_code)


@router.post("/payments179/{request_id}/resend", response_class=HTMLResponse, include_in_schema=False,
             dependencies=[require("I13:manage")])
def resend(request: Request, platform: PlatformDep, request_id: UUID) -> Any:
    principal = request.state.principal
    try:
        platform.customs.payment179.resend(request_id, principal.name, principal)
    except DeclarationRejected as rejected:
        return _console(request, platform, errors=rejected.errors, status_code=422)
    platform.runner.wake.set()
    return _console(request, platform, notice=_t(request, platform, "p179_resent"))


def _t(request: Request, platform: Any, key: str) -> str:
    return translator(lang_of(request, platform.settings.lang))(key)


@router.post("/payments179/raw", response_class=HTMLResponse, include_in_schema=False,
             dependencies=[require("I13:manage")])
async def supply_form(request: Request, platform: PlatformDep) -> Any:
    form = {k: str(v) for k, v in (await request.form()).items() if not k.startswith("_")}
    raw: dict[str, Any] = dict(form)
    raw["itemLinks"] = [line.strip() for line in form.get("itemLinks", "").splitlines() if line.strip()]
    principal = request.state.principal
    try:
        platform.customs.payment179.supply(raw, principal.name, principal)
    except DeclarationRejected as rejected:
        return _console(request, platform, errors=rejected.errors, raw=form, status_code=422)
    return _console(request, platform, notice=_t(request, platform, "p179_supplied"))


@router.post("/payments179/ask", response_class=HTMLResponse, include_in_schema=False,
             dependencies=[require("I13:manage")])
def ask(request: Request, platform: PlatformDep, order_no: str = Form("")) -> Any:
    """Demo and onboarding: the customs simulator asks for an order's payment data."""
    try:
        _, answer = platform.customs.payment179.ask_as_customs(order_no.strip())
    except DeclarationRejected as rejected:
        return _console(request, platform, errors=rejected.errors, status_code=422)
    platform.runner.wake.set()
    notice = f"{_t(request, platform, 'p179_asked')} {answer['code']} {answer['message']}"
    return _console(request, platform, notice=notice)
