"""Charts as server-side SVG: no JavaScript, no library, nothing from another site.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that reads out every
value, so a screen reader gets the data; the page puts the same numbers in a table beside it.
Values are printed on the bars and the two series differ in shape and fill, not only in hue, so
a black-and-white print stays readable. Bars link to the ledger like the figures do.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from roundtable.lib.i18n import label_value

# A presentation attribute, not a style attribute, which the Content-Security-Policy refuses.
FONT = "system-ui, sans-serif"
INK = "#1c2430"
MUTED = "#5b6777"
ACCENT = "#1d5fa8"
LIGHT = "#c9dbf0"
GRID = "#d8dee7"


@dataclass
class Bar:
    label: str
    value: int
    href: str = ""


def _text(x, y, text, *, size=12, anchor="start", weight="normal", fill=INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-weight="{weight}" fill="{fill}" font-family="{FONT}">{escape(text)}</text>'
    )


def _linked(href: str, inner: str, label: str) -> str:
    if not href:
        return inner
    return f'<a href="{escape(href)}" aria-label="{escape(label)}">{inner}</a>'


def _role(links: bool) -> str:
    """A chart is an image, read out by its title and description; one whose bars are links
    is a group (an image's content is presentational, so links inside it would be lost)."""
    return "group" if links else "img"


def _shorten(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(bars: list[Bar], *, chart_id: str, title: str) -> SafeString:
    """Horizontal bars, largest first as given; labels on the left, values at the bar's end."""
    if not bars:
        return mark_safe("")
    width, label_w, row_h, top = 520, 170, 26, 8
    bar_w = width - label_w - 60
    height = top * 2 + row_h * len(bars)
    peak = max(b.value for b in bars) or 1
    desc = "; ".join(label_value(b.label, b.value) for b in bars)
    links = any(b.href for b in bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="{_role(links)}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for i, bar in enumerate(bars):
        y = top + i * row_h
        length = max(2.0, bar_w * bar.value / peak) if bar.value else 0
        parts.append(_text(label_w - 8, y + 17, _shorten(bar.label, 22), anchor="end"))
        shape = (
            f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row_h - 8}" '
            f'fill="{ACCENT}" rx="2"/>'
        )
        parts.append(_linked(bar.href, shape, label_value(bar.label, bar.value)))
        parts.append(_text(label_w + length + 6, y + 17, str(bar.value), weight="600"))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text went through escape()


@dataclass
class TrendPoint:
    label: str
    raised: int
    concluded: int
    on_time_rate: float | None
    raised_href: str = ""
    concluded_href: str = ""


def trend_chart(points: list[TrendPoint], *, chart_id: str, title: str) -> SafeString:
    """Per quarter: issues raised (solid bar) and concluded (outlined light bar), and above
    them, in a band of its own, the share concluded on time (a dashed line of round markers
    on a 0–100 % scale)."""
    if not points:
        return mark_safe("")
    width, height = 720, 360
    left, right, bottom = 48, 48, 28
    legend_h, band_top, band_h, gap = 24, 44, 64, 34
    bars_top = band_top + band_h + gap
    plot_w, plot_h = width - left - right, height - bars_top - bottom
    peak = max(max(p.raised, p.concluded) for p in points) or 1
    slot = plot_w / len(points)
    bar = min(26.0, slot / 3)
    raised_label, concluded_label, rate_label = (
        _("Raised"),
        _("Concluded"),
        _("Concluded on time (%)"),
    )
    links = any(p.raised_href or p.concluded_href for p in points)
    desc = "; ".join(
        label_value(p.label, f"{raised_label} {p.raised}, {concluded_label} {p.concluded}, ")
        + f"{rate_label} {'—' if p.on_time_rate is None else round(p.on_time_rate * 100)}"
        for p in points
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="{_role(links)}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    # The rate band: 0 %, 50 % and 100 % lines, labelled on the right.
    for share in (0, 50, 100):
        y = band_top + band_h - band_h * share / 100
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(width - right + 6, y + 4, f"{share}%", size=11, fill=MUTED))
    # The bars: counts on the left scale.
    for step in range(5):
        y = bars_top + plot_h - plot_h * step / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, str(round(peak * step / 4)), size=11, anchor="end"))
    line = []
    for i, p in enumerate(points):
        cx = left + slot * i + slot / 2
        for offset, value, href, fill, stroke, name in (
            (-bar - 1, p.raised, p.raised_href, ACCENT, ACCENT, raised_label),
            (1, p.concluded, p.concluded_href, LIGHT, INK, concluded_label),
        ):
            h = plot_h * value / peak
            y = bars_top + plot_h - h
            shape = (
                f'<rect x="{cx + offset:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{fill}" stroke="{stroke}" stroke-width="1"/>'
            )
            parts.append(_linked(href, shape, f"{p.label} {name}: {value}"))
            parts.append(_text(cx + offset + bar / 2, y - 3, str(value), size=10, anchor="middle"))
        parts.append(_text(cx, height - bottom + 18, p.label, size=11, anchor="middle"))
        if p.on_time_rate is not None:
            line.append((cx, band_top + band_h - band_h * p.on_time_rate, p.on_time_rate))
    if len(line) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _rate in line)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{INK}" stroke-width="2" '
            'stroke-dasharray="5 3"/>'
        )
    for x, y, rate in line:
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="{INK}" stroke-width="2"/>'
        )
        parts.append(_text(x, y - 8, f"{round(rate * 100)}%", size=10, anchor="middle"))
    # Legend.
    legend_y = legend_h - 8
    parts.append(f'<rect x="{left}" y="{legend_y - 9}" width="12" height="12" fill="{ACCENT}"/>')
    parts.append(_text(left + 16, legend_y + 1, raised_label, size=11))
    parts.append(
        f'<rect x="{left + 110}" y="{legend_y - 9}" width="12" height="12" fill="{LIGHT}" '
        f'stroke="{INK}"/>'
    )
    parts.append(_text(left + 126, legend_y + 1, concluded_label, size=11))
    parts.append(
        f'<line x1="{left + 240}" x2="{left + 262}" y1="{legend_y - 3}" y2="{legend_y - 3}" '
        f'stroke="{INK}" stroke-width="2" stroke-dasharray="5 3"/>'
        f'<circle cx="{left + 251}" cy="{legend_y - 3}" r="3.5" fill="#fff" stroke="{INK}" '
        'stroke-width="2"/>'
    )
    parts.append(_text(left + 268, legend_y + 1, rate_label, size=11))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text went through escape()
