"""Charts as server-side SVG (B4): no CDN, no JavaScript. Every bar and point carries its label and value as an
aria-label and a <title> (the tooltip), so the numbers can be read, tested and copied."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

PALETTE = ("#2f6fdf", "#27a36a", "#e0a100", "#d6453d", "#8a5cc7", "#1aa3b8", "#7a7a7a", "#c2577f")
WIDTH, ROW, LEFT, RIGHT = 720, 24, 200, 70
CHART_H, TOP, BOTTOM, GUTTER = 240, 20, 56, 48


def fit(label: str, width: int = 30) -> str:
    """The label cut to about `width` Latin characters (a CJK character counts two), with an ellipsis."""
    used = 0
    for i, char in enumerate(label):
        used += 2 if ord(char) > 0x2E80 else 1
        if used > width:
            return label[:i] + "…"
    return label


def nice_scale(top: float) -> tuple[float, int]:
    """A round top of the axis at or above `top` and its number of intervals (at most 5): 21 -> (25, 5)."""
    if top <= 0:
        return 1, 1
    magnitude = 10 ** math.floor(math.log10(top / 5)) if top >= 5 else 1
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if math.ceil(top / step) <= 5:
            return step * math.ceil(top / step), math.ceil(top / step)
    return top, 5


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _svg(chart_id: str, title: str, width: int, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px" font-family="sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _bar(x: float, y: float, w: float, h: float, color: str, label: str, value: float, series: str = "") -> str:
    name = f"{label} · {series}" if series else label
    text = f"{name}: {_number(value)}"
    return (f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
            f'fill="{color}" data-label="{escape(label)}" data-series="{escape(series)}" '
            f'data-value="{_number(value)}" aria-label="{escape(text)}"><title>{escape(text)}</title></rect>')


def bar_chart(items: Sequence[tuple[str, float]], title: str, chart_id: str, unit: str = "",
              color: str = PALETTE[0]) -> Markup:
    """Horizontal bars, one per (label, value), the value written after each bar."""
    top = max((v for _, v in items), default=0) or 1
    span = WIDTH - LEFT - RIGHT
    body = []
    for i, (label, value) in enumerate(items):
        y = TOP + i * ROW
        body.append(f'<text x="{LEFT - 6}" y="{y + ROW * 0.65:.1f}" text-anchor="end">{escape(fit(label))}</text>')
        body.append(_bar(LEFT, y + 3, span * value / top, ROW - 6, color, label, value))
        body.append(f'<text class="value" x="{LEFT + span * value / top + 4:.1f}" y="{y + ROW * 0.65:.1f}">'
                    f"{_number(value)}{escape(unit)}</text>")
    if not items:
        body.append(f'<text x="{WIDTH / 2}" y="{TOP + ROW}" text-anchor="middle" class="empty">-</text>')
    return _svg(chart_id, title, WIDTH, TOP * 2 + max(len(items), 1) * ROW, body)


def stacked_columns(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str,
                    chart_id: str, colors: dict[str, str] | None = None,
                    tick: Callable[[str], str] = lambda c: c[-5:]) -> Markup:
    """Vertical columns per category (e.g. per day), stacked by series (e.g. by status), with a legend.
    tick: the text under a column (default: the last five characters, MM-DD of a date)."""
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    top, intervals = nice_scale(max(totals, default=0))
    step = (WIDTH - GUTTER - 10) / max(len(categories), 1)
    body = _axis(top, intervals)
    for i, category in enumerate(categories):
        x, base = GUTTER + i * step, TOP + CHART_H
        for n, (name, values) in enumerate(series):
            h = CHART_H * values[i] / top
            if values[i]:
                color = (colors or {}).get(name, PALETTE[n % len(PALETTE)])
                body.append(_bar(x + step * 0.15, base - h, step * 0.7, h, color, category, values[i], name))
            base -= h
        if len(categories) <= 16 or i % max(1, len(categories) // 12) == 0:
            body.append(f'<text x="{x + step / 2:.1f}" y="{TOP + CHART_H + 14}" text-anchor="middle" '
                        f'font-size="10">{escape(fit(tick(category), 12))}</text>')
    body += _legend([name for name, _ in series], colors)
    return _svg(chart_id, title, WIDTH, TOP + CHART_H + BOTTOM, body)


def line_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], title: str,
               chart_id: str, top: float | None = None, unit: str = "") -> Markup:
    """Lines over the categories; None leaves a gap. Each point is a circle with its value."""
    values = [v for _, vs in series for v in vs if v is not None]
    top, intervals = (top, 4) if top else nice_scale(max(values, default=0))
    step = (WIDTH - GUTTER - 10) / max(len(categories), 1)
    body = _axis(top, intervals, unit)
    for n, (name, points) in enumerate(series):
        color = PALETTE[n % len(PALETTE)]
        xy = [(GUTTER + (i + 0.5) * step, TOP + CHART_H - CHART_H * v / top, categories[i], v)
              for i, v in enumerate(points) if v is not None]
        if len(xy) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in xy)
            body.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        for x, y, label, v in xy:
            text = f"{label} · {name}: {_number(v)}{unit}"
            body.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}" '
                        f'data-label="{escape(label)}" data-value="{_number(v)}" aria-label="{escape(text)}">'
                        f"<title>{escape(text)}</title></circle>")
    for i, category in enumerate(categories):
        if len(categories) <= 16 or i % max(1, len(categories) // 12) == 0:
            body.append(f'<text x="{GUTTER + (i + 0.5) * step:.1f}" y="{TOP + CHART_H + 14}" text-anchor="middle" '
                        f'font-size="10">{escape(category[-5:])}</text>')
    body += _legend([name for name, _ in series], None)
    return _svg(chart_id, title, WIDTH, TOP + CHART_H + BOTTOM, body)


def _axis(top: float, intervals: int, unit: str = "") -> list[str]:
    lines = []
    for i in range(intervals + 1):
        value = top * i / intervals
        y = TOP + CHART_H - CHART_H * i / intervals
        lines.append(f'<line x1="{GUTTER}" x2="{WIDTH - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        lines.append(f'<text x="{GUTTER - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
                     f"{_number(round(value, 2))}{escape(unit)}</text>")
    return lines


def _legend(names: Sequence[str], colors: dict[str, str] | None) -> list[str]:
    items, x = [], GUTTER
    for n, name in enumerate(names):
        color = (colors or {}).get(name, PALETTE[n % len(PALETTE)])
        y = TOP + CHART_H + 32
        items.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{color}"/>'
                     f'<text class="legend" x="{x + 14}" y="{y + 9}">{escape(name)}</text>')
        x += 24 + 8 * len(name) + (6 * sum(1 for c in name if ord(c) > 0x2E80))
    return items
