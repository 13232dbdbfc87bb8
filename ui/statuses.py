"""Status classes for colouring (#18): a declarant tells at a glance what customs accepted, released or refused, and
a format error (CEB900) apart from a business refusal, on lists, the home page and the dashboards alike. One colour
per class, the same in the CSS (ui/static/style.css .st-*) and in the dashboards' SVG charts."""

from __future__ import annotations

from domain.shared import statuses

CLASSES = ("accepted", "released", "refused", "format", "progress", "other")
COLORS = {"accepted": "#27a36a", "released": "#1f6fb2", "refused": "#d6453d", "format": "#8e44ad",
          "progress": "#e0a100", "other": "#9aa5b1"}


def status_class(status: str) -> str:
    """accepted (120 入库, 399 审结), released (800 放行, 899 结关), refused (100 退单, six-digit negative processing
    codes such as -621002), format (short negative CEB900 codes), other (暂存, 已撤销), else progress."""
    status = status or ""
    if status in ("120", "399"):
        return "accepted"
    if status in ("800", "899"):
        return "released"
    if status.startswith("-"):
        return "format" if len(status) <= 4 else "refused"
    if statuses.is_refused(status):
        return "refused"
    if status in (statuses.DRAFT, statuses.CANCELLED):
        return "other"
    return "progress"


def status_color(status: str) -> str:
    return COLORS[status_class(status)]
