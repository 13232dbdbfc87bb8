"""Lookup API of the customs code lists (I1, I2): what forms autocomplete from and integrators look codes up in."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from domain.identity.roles import Principal
from domain.reference.entry import Entry
from domain.reference.lists import LISTS
from engine.reference.service import ReferenceData
from ui.deps import PlatformDep
from ui.security import Require, require

router = APIRouter(prefix="/api/reference", tags=["reference"])
BASIC_DATA = {name for name, spec in LISTS.items() if spec.kind in ("goods", "site")}  # 基础资料 (I2)


def permission_for(list_name: str, action: str) -> str:
    """海关参数 lists need I1, 基础资料 lists (positive/negative list, inspection modes) I2."""
    return f"{'I2' if list_name in BASIC_DATA else 'I1'}:{action}"


class RequireForList(Require):
    """The permission a route on one list needs, chosen by the list in its path."""

    def __init__(self, action: str):
        super().__init__(f"I1:{action}")
        self.action = action

    async def __call__(self, request: Request) -> Principal | None:
        return await Require(permission_for(request.path_params.get("list_name", ""), self.action))(request)


def for_list(action: str) -> Any:
    return Depends(RequireForList(action))


def service_of(platform: Any, list_name: str | None = None) -> ReferenceData:
    if platform.reference is None:
        raise HTTPException(503, "参考数据服务未启动 reference data service not running")
    if list_name is not None and list_name not in LISTS:
        raise HTTPException(404, f"没有代码表 {list_name} no such list; lists: {', '.join(LISTS)}")
    return platform.reference


def entry_json(entry: Entry, lang: str = "zh-CN") -> dict[str, Any]:
    return {"code": entry.code, "name_zh": entry.name_zh, "name_en": entry.name_en,
            "label": f"{entry.code} {entry.name(lang)}".strip(), "valid_from": entry.valid_from,
            "valid_to": entry.valid_to, **entry.attrs}


@router.get("", summary="The code lists and how many entries each has", dependencies=[require("I1:view")])
def lists(platform: PlatformDep) -> list[dict[str, Any]]:
    counts = service_of(platform).counts()
    return [{"list": name, "name_zh": spec.zh, "name_en": spec.en, "count": counts[name]}
            for name, spec in LISTS.items()]


@router.get("/{list_name}", summary="Look up codes: prefix of the code, the name or (countries) an alias",
            dependencies=[for_list("view")])
def lookup(platform: PlatformDep, list_name: str, q: str = "", limit: Annotated[int, Query(ge=1, le=200)] = 20,
           on: Annotated[date | None, Query(description="only entries valid on this day (default today)")] = None,
           all_dates: Annotated[bool, Query(alias="all", description="whatever their validity dates")] = False,
           lang: str = "zh-CN") -> dict[str, Any]:
    """`GET /api/reference/countries?q=日` offers 116 日本; `q=11` offers 110 ... 116 ...; `q=JPN` offers 116."""
    service = service_of(platform, list_name)
    day = None if all_dates else on or service.now().date()
    items = service.search(list_name, q, limit, day)
    return {"list": list_name, "q": q, "items": [entry_json(e, lang) for e in items]}


@router.get("/{list_name}/entries/{code:path}", summary="One entry with its history (who changed what, when, why)",
            dependencies=[for_list("view")])
def entry(platform: PlatformDep, list_name: str, code: str) -> dict[str, Any]:
    service = service_of(platform, list_name)
    found = service.entry(list_name, code)
    if found is None:
        raise HTTPException(404, f"{LISTS[list_name].zh} {code} 不存在 not found")
    return {"list": list_name, "entry": found, "history": service.history(list_name, code)}
