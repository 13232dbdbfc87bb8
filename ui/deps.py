"""Dependencies shared by the routers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from domain.shared import statuses
from engine import clock
from engine.bootstrap import Platform
from engine.customs.catalog import Catalog, path_label
from engine.customs.printing import amount_checks, computed_amounts, receipt_stage
from engine.reference.names import CodeNames
from ui.i18n import lang_of, translator
from ui.i18n.documents import DETAIL_NAMES, EVENT_NAMES, named
from ui.security import csrf_token

CATALOG = Catalog()
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# #18: every time a page shows is Asia/Shanghai time and says so (+08:00), whether the read model kept it as UTC or not
templates.env.filters["local"] = lambda moment: clock.labelled(moment, milliseconds=True)
templates.env.filters["shanghai"] = clock.labelled
# #18: computed totals beside the declared amounts on forms and document pages
templates.env.globals["computed_amounts"] = computed_amounts
templates.env.globals["amount_checks"] = amount_checks


def get_platform(request: Request) -> Platform:
    return request.app.state.platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


def render(request: Request, name: str, context: dict, status_code: int = 200):  # noqa: ANN201
    platform: Platform = request.app.state.platform
    lang = lang_of(request, platform.settings.lang)
    base = {"lang": lang, "t": translator(lang), "status_label": lambda s: statuses.label(s, lang),
            "principal": getattr(request.state, "principal", None), "csrf": csrf_token(request),
            **words_of(platform, lang)}
    response = templates.TemplateResponse(request, name, base | context, status_code=status_code)
    if request.query_params.get("lang") in ("en", "zh-CN"):
        response.set_cookie("lang", lang, samesite="lax")
    return response


def words_of(platform: Platform, lang: str) -> dict[str, Any]:
    """#18: what pages show instead of bare codes and class names: a code's name (142 人民币), a receipt's stage
    (清单回执), a history event's and its details' names (申报, 修改重报, 回执)."""
    names = CodeNames(platform.reference)
    return {"code_name": lambda field, code: names.name(field, code, lang),
            "receipt_stage": lambda message_type: receipt_stage(message_type, lang),
            "event_name": lambda kind: named(EVENT_NAMES, kind, lang),
            "detail_name": lambda key: named(DETAIL_NAMES, key, lang),
            "field_label": lambda path, message_type="": path_label(CATALOG, path, message_type, lang)}
