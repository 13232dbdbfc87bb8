"""数据统计 (B4): charts over the BI read models, rendered as SVG on the server."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from domain.shared import statuses
from engine import clock
from engine.audit.exports import ExportRefused, export_list, typed
from engine.reference.names import CodeNames
from projections.audit import dashboards as queries
from ui import charts
from ui.deps import PlatformDep, render
from ui.i18n import lang_of, translator
from ui.security import require
from ui.statuses import CLASSES, COLORS, status_color

router = APIRouter(prefix="/dashboards", include_in_schema=False)
STATUS_ORDER = ["declared", "prepared", "sent", "2", "120", "399", "800", "899", "100"]
# #18: shades of one hue per status class (ui/statuses.py): accepted green, released blue, refused red, format errors
# purple, in progress amber; a status without its own shade takes its class's colour
STATUS_COLORS = {"declared": "#f3d27a", "prepared": "#e8b93a", "sent": "#e0a100", "2": "#b98500",
                 "120": "#27a36a", "399": "#1e7f52", "800": "#1f6fb2", "899": "#17507f", "100": "#d6453d",
                 "cancelled": "#9aa5b1"}
MAX_DAYS = 366
VIEWS = ("declarations_daily", "receipts", "order_lines", "enterprises")


def _range(date_from: str, date_to: str) -> tuple[date, date]:
    today = clock.now().date()
    try:
        end = date.fromisoformat(date_to) if date_to else today
        start = date.fromisoformat(date_from) if date_from else end - timedelta(days=29)
    except ValueError:
        end, start = today, today - timedelta(days=29)
    start = max(min(start, end), end - timedelta(days=MAX_DAYS - 1))
    return start, end


@router.get("", response_class=HTMLResponse, dependencies=[require("B4:view")])
def index(request: Request, platform: PlatformDep, date_from: str = "", date_to: str = "",
          enterprise: str = "") -> Any:
    principal = request.state.principal
    platform.audit.catch_up(*VIEWS)
    start, end = _range(date_from, date_to)
    scope = queries.Scope(start.isoformat(), end.isoformat(), enterprise,
                          None if principal.sees_all else sorted(principal.enterprise_codes))
    db, lang = platform.readmodels, lang_of(request, platform.settings.lang)
    t = translator(lang)

    def label(status: str) -> str:
        """120 海关入库; a negative code's name carries the code already (海关处理失败 -621002)."""
        return f"{status} {statuses.label(status, lang)}" if status.isdigit() else statuses.label(status, lang)

    days = [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    per_day = queries.declarations_by_day(db, scope)
    names = queries.enterprise_names(db)
    goods_column, goods = queries.top_goods(db, scope)
    context = {
        "filters": {"date_from": start.isoformat(), "date_to": end.isoformat(), "enterprise": enterprise},
        "enterprises": {code: name for code, name in names.items() if principal.may_see(code)},
        "goods_by_hs": goods_column == "gcode",
        **queries.kpis(per_day),
        "legend": [(c, COLORS[c]) for c in CLASSES],
        "per_day": _per_day_chart(per_day, days, label, t),
        "release": _release_chart(per_day, days, t),
        "latency": _latency_chart(queries.receipt_latency(db, scope), t),
        "rejections": charts.bar_chart([(r["reason"] or "-", int(r["n"])) for r in queries.rejections(db, scope)],
                                       t("dash_rejections"), "chart-rejections", color=COLORS["refused"]),
        "goods": charts.bar_chart([(r["label"] or "-", int(r["lines"])) for r in goods],
                                  t("dash_top_hs") if goods_column == "gcode" else t("dash_top_items"), "chart-goods",
                                  color=charts.PALETTE[4]),
        "per_enterprise": _enterprise_chart(queries.declarations_by_enterprise(db, scope), names, label, t),
    }
    return render(request, "audit/dashboards/index.html", context)


# 商品明细 export: each coded column (unit, country) with its name beside it, as customs' own lists show them
LINE_COLUMNS = ["day", "order_no", "enterprise", "gnum", "item_no", "item_name", "gcode", "gmodel", "unit",
                "unit_name", "qty", "total_price", "country", "country_name"]
CODED = {"unit": "unit", "country": "country"}  # column -> the CEB field naming its code list (CodeNames)
LINES_LIMIT = 100_000


@router.get("/order-lines/export", dependencies=[require("B4:view")])
def export_order_lines(request: Request, platform: PlatformDep, date_from: str = "", date_to: str = "",
                       enterprise: str = "", format: str = "xlsx") -> Response:  # noqa: A002
    """The goods lines behind the top-goods chart as a file: the chart's dates and enterprise, the reader's
    enterprises only unless the role sees all; headers in the reader's language, quantities and prices as numbers,
    unit and country codes each with their name from the code lists beside them."""
    principal = request.state.principal
    platform.audit.catch_up("order_lines")
    start, end = _range(date_from, date_to)
    scope = queries.Scope(start.isoformat(), end.isoformat(), enterprise,
                          None if principal.sees_all else sorted(principal.enterprise_codes))
    lang = lang_of(request, platform.settings.lang)
    rows = named(queries.order_lines(platform.readmodels, scope, LINES_LIMIT), CodeNames(platform.reference), lang)
    t = translator(lang)
    try:
        exported = export_list(typed(rows, numbers=["qty", "total_price"]), LINE_COLUMNS, format, "order-lines",
                               [t(f"lcol_{c}") for c in LINE_COLUMNS])
    except ExportRefused as error:
        return Response(str(error), status_code=400, media_type="text/plain; charset=utf-8")
    return Response(exported.content, media_type=exported.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'})


def named(rows: list[dict[str, Any]], names: CodeNames, lang: str) -> list[dict[str, Any]]:
    """Each coded column's name beside its code (one lookup per distinct code, not per line)."""
    cache: dict[tuple[str, Any], str] = {}
    for column, field in CODED.items():
        for code in {row.get(column) for row in rows}:
            cache[(column, code)] = names.name(field, code, lang)
    return [row | {f"{c}_name": cache[(c, row.get(c))] for c in CODED} for row in rows]


def color_of(status: str) -> str:
    return STATUS_COLORS.get(status) or status_color(status)


def _per_day_chart(rows: list[dict[str, Any]], days: list[str], label: Any, t: Any) -> Any:
    counts = {(r["day"], r["status"]): int(r["n"]) for r in rows}
    present = {r["status"] for r in rows}
    order = [s for s in STATUS_ORDER if s in present] + sorted(present - set(STATUS_ORDER))
    series = [(label(s), [counts.get((d, s), 0) for d in days]) for s in order]
    colors = {label(s): color_of(s) for s in order}
    return charts.stacked_columns(days, series, t("dash_per_day"), "chart-per-day", colors)


def _release_chart(rows: list[dict[str, Any]], days: list[str], t: Any) -> Any:
    """入库率 per day, as the KPI counts it (queries.kpis): accepted of the documents sent to customs."""
    rates = [queries.kpis([r for r in rows if r["day"] == d])["rate"] for d in days]
    return charts.line_chart(days, [(t("dash_release_rate"), rates)], t("dash_release_rate"), "chart-release",
                             top=100, unit="%")


def _latency_chart(groups: list[dict[str, Any]], t: Any) -> Any:
    items: list[tuple[str, float]] = []
    for g in groups:
        name = f"{g['message_type']} {g['return_status']}"
        items += [(f"{name} · {t('dash_median')}", g["median_ms"]), (f"{name} · {t('dash_p95')}", g["p95_ms"])]
    return charts.bar_chart(items, t("dash_latency"), "chart-latency", unit=" ms", color=charts.PALETTE[5])


def _enterprise_chart(rows: list[dict[str, Any]], names: dict[str, str], label: Any, t: Any) -> Any:
    codes = sorted({r["enterprise"] for r in rows})
    counts = {(r["enterprise"], r["status"]): int(r["n"]) for r in rows}
    present = {r["status"] for r in rows}
    order = [s for s in STATUS_ORDER if s in present] + sorted(present - set(STATUS_ORDER))
    categories = [f"{names.get(c, c)} {c}" for c in codes]
    series = [(label(s), [counts.get((c, s), 0) for c in codes]) for s in order]
    colors = {label(s): color_of(s) for s in order}
    return charts.stacked_columns(categories, series, t("dash_per_enterprise"), "chart-enterprises", colors,
                                  tick=lambda c: c[:8])
