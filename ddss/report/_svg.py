"""Small inline-SVG charts (no JS, no network): the report must open offline."""

from __future__ import annotations

from datetime import date
from html import escape

COLOURS = ("#1f6fb2", "#2e9e5b", "#e08a1e", "#8e44ad", "#c0392b")
TARGET_COLOUR = "#c0392b"


def _fmt(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}".replace(".", ",")


def thousands(n: int | None) -> str:
    """Vietnamese grouping: 11.351.128."""
    return "–" if n is None else f"{n:,}".replace(",", ".")


def grouped_bars(
    rows: list[tuple[str, list[float | None]]],
    series: list[str],
    *,
    target: float | None = None,
    width: int = 1140,
    label_width: int = 170,
) -> str:
    """Horizontal bars, one group per unit (0–100 %), with a dashed target line."""
    bar_h, gap, top = 10, 7, 34
    plot_w = width - label_width - 60
    group_h = bar_h * len(series) + gap
    height = top + group_h * len(rows) + 24
    x = lambda v: label_width + plot_w * max(0.0, min(v, 100.0)) / 100  # noqa: E731
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    ]
    for i, name in enumerate(series):  # legend
        lx = label_width + i * 200
        out.append(
            f'<rect x="{lx}" y="6" width="14" height="12" fill="{COLOURS[i]}"/>'
            f'<text x="{lx + 20}" y="16" class="lg">{escape(name)}</text>'
        )
    for tick in range(0, 101, 20):
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - 20}" class="grid"/>'
            f'<text x="{x(tick):.1f}" y="{height - 6}" class="ax" text-anchor="middle">{tick} %</text>'
        )
    for r, (label, values) in enumerate(rows):
        y0 = top + r * group_h
        out.append(
            f'<text x="{label_width - 8}" y="{y0 + bar_h * len(series) / 2 + 4:.1f}" '
            f'class="lb" text-anchor="end">{escape(label)}</text>'
        )
        for s, v in enumerate(values):
            y = y0 + s * bar_h
            w = x(v or 0.0) - label_width
            out.append(
                f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h - 1}" fill="{COLOURS[s]}"/>'
                f'<text x="{label_width + w + 4:.1f}" y="{y + bar_h - 2}" class="val">{_fmt(v)}</text>'
            )
    if target is not None:
        out.append(
            f'<line x1="{x(target):.1f}" y1="{top - 8}" x2="{x(target):.1f}" y2="{height - 20}" '
            f'stroke="{TARGET_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{x(target) + 4:.1f}" y="{top - 10}" class="tg">mốc {target:g} %</text>'
        )
    out.append("</svg>")
    return "".join(out)


def trend_lines(
    dates: list[date],
    series: dict[str, list[float | None]],
    *,
    target: float | None = None,
    width: int = 1140,
    height: int = 300,
) -> str:
    """Percent over time, one line per series; a single run still shows its points."""
    left, right, top, bottom = 50, 190, 16, 36
    pw, ph = width - left - right, height - top - bottom
    n = max(len(dates), 1)
    x = lambda i: left + (pw * i / (n - 1) if n > 1 else pw / 2)  # noqa: E731
    y = lambda v: top + ph * (1 - max(0.0, min(v, 100.0)) / 100)  # noqa: E731
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    ]
    for tick in range(0, 101, 20):
        out.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + pw}" y2="{y(tick):.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" class="ax" text-anchor="end">{tick} %</text>'
        )
    step = max(1, len(dates) // 8)
    for i, d in enumerate(dates):
        if i % step == 0 or i == len(dates) - 1:
            out.append(
                f'<text x="{x(i):.1f}" y="{height - 12}" class="ax" text-anchor="middle">'
                f"{d.strftime('%d/%m/%Y')}</text>"
            )
    if target is not None:
        out.append(
            f'<line x1="{left}" y1="{y(target):.1f}" x2="{left + pw}" y2="{y(target):.1f}" '
            f'stroke="{TARGET_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
    for s, (name, values) in enumerate(series.items()):
        pts = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        colour = COLOURS[s % len(COLOURS)]
        if len(pts) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        out += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{colour}"/>' for px, py in pts]
        ly = top + 14 + s * 22
        last = next((v for v in reversed(values) if v is not None), None)
        out.append(
            f'<rect x="{left + pw + 16}" y="{ly - 10}" width="14" height="12" fill="{colour}"/>'
            f'<text x="{left + pw + 36}" y="{ly}" class="lg">{escape(name)}: {_fmt(last)} %</text>'
        )
    out.append("</svg>")
    return "".join(out)


def count_bars(rows: list[tuple[str, int]], *, width: int = 1140, label_width: int = 520) -> str:
    """Horizontal bars of counts (issue codes), longest first."""
    bar_h, top = 22, 6
    height = top + bar_h * len(rows) + 6
    most = max((v for _, v in rows), default=1) or 1
    plot_w = width - label_width - 90
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    ]
    for r, (label, v) in enumerate(rows):
        y = top + r * bar_h
        w = plot_w * v / most
        out.append(
            f'<text x="{label_width - 8}" y="{y + 15}" class="lb" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" fill="{COLOURS[2]}"/>'
            f'<text x="{label_width + w + 6:.1f}" y="{y + 15}" class="val">{thousands(v)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
