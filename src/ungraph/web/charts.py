"""Charts drawn on the server as inline SVG (no script needed), each with a data table as its
text alternative."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# A sequential blue scale; cells from the fourth step on carry white text (contrast >= 4.5:1).
HEAT_COLOURS = ("#eef4fb", "#c6dbef", "#6baed6", "#2171b5", "#08306b")
BAR_COLOUR = "#2a6bb0"
INK = "#1b1b1b"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and (optionally) the page it links to."""

    label: str
    value: int
    href: str | None = None


@dataclass
class Chart:
    """An SVG chart and the table that says the same in text."""

    ident: str
    title: str
    summary: str
    svg: Markup
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    wide: bool = False
    """Drawn at full width (heat maps): shrinking would make their labels unreadable."""


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at least ``value`` (the axis maximum).

    >>> [nice_ceiling(v) for v in (0, 1, 3, 7, 12, 480)]
    [1, 1, 5, 10, 20, 500]
    """
    if value <= 1:
        return 1
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def heat_step(value: int, maximum: int) -> int:
    """Which colour of :data:`HEAT_COLOURS` a cell gets (0 for none, 1-4 by share of the max).

    >>> [heat_step(v, 8) for v in (0, 1, 2, 4, 8)]
    [0, 1, 1, 2, 4]
    """
    if value <= 0 or maximum <= 0:
        return 0
    return min(4, max(1, -(-value * 4 // maximum)))


def _svg(ident: str, width: int, height: int, title: str, summary: str, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(summary)}</desc>{body}</svg>'
    )


def _link(href: str | None, inner: str) -> str:
    return f'<a href="{escape(href)}">{inner}</a>' if href else inner


def column_chart(ident: str, title: str, bars: Sequence[Bar], unit: str) -> Chart:
    """Vertical bars (e.g. documents per year) with a value axis."""
    top = nice_ceiling(max((b.value for b in bars), default=0))
    slot = 34 if len(bars) <= 30 else 18
    left, bottom, plot_h = 44, 36, 180
    width = left + max(1, len(bars)) * slot + 10
    height = plot_h + bottom + 16
    parts = []
    for tick in sorted({0, top // 2, top}):
        y = 10 + plot_h - plot_h * tick / top
        parts.append(
            f'<line x1="{left}" x2="{width - 6}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c9d0da"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    for i, bar in enumerate(bars):
        h = plot_h * bar.value / top
        x = left + i * slot + 4
        rect = (
            f'<rect x="{x}" y="{10 + plot_h - h:.1f}" width="{slot - 8}" height="{h:.1f}" '
            f'fill="{BAR_COLOUR}"><title>{escape(bar.label)}: {bar.value} {escape(unit)}</title></rect>'
        )
        parts.append(_link(bar.href, rect))
        parts.append(
            f'<text x="{x + (slot - 8) / 2:.1f}" y="{plot_h + 26}" text-anchor="middle"'
            + (
                f' transform="rotate(-45 {x + (slot - 8) / 2:.1f} {plot_h + 26})"'
                if slot < 30
                else ""
            )
            + f">{escape(bar.label)}</text>"
        )
    total = sum(b.value for b in bars)
    summary = (
        f"{total} {unit} over {len(bars)} years, most in {max(bars, key=lambda b: b.value).label}"
        if bars
        else f"No {unit} yet."
    )
    return Chart(
        ident,
        title,
        summary,
        _svg(ident, width, height, title, summary, "".join(parts)),
        ["Year", unit.capitalize()],
        [[b.label, str(b.value)] for b in bars],
        wide=True,
    )


def bar_list(ident: str, title: str, bars: Sequence[Bar], unit: str) -> Chart:
    """Horizontal bars with their labels (e.g. top speakers), each label a link."""
    top = max((b.value for b in bars), default=0) or 1
    label_w, plot_w, row_h = 310, 240, 26
    width = label_w + plot_w + 50
    height = max(1, len(bars)) * row_h + 8
    parts = []
    for i, bar in enumerate(bars):
        y = 4 + i * row_h
        w = plot_w * bar.value / top
        # About 6.5 px a character at 12 px: longer names are cut (the table has them whole).
        label = escape(bar.label if len(bar.label) <= 42 else bar.label[:41] + "…")
        parts.append(
            _link(
                bar.href,
                f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{label}</text>',
            )
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{BAR_COLOUR}"><title>{escape(bar.label)}: {bar.value}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 17}">{bar.value}</text>'
        )
    summary = (
        f"{bars[0].label} leads with {bars[0].value} {unit}; {len(bars)} shown."
        if bars
        else f"No {unit} yet."
    )
    return Chart(
        ident,
        title,
        summary,
        _svg(ident, width, height, title, summary, "".join(parts)),
        ["Name", unit.capitalize()],
        [[b.label, str(b.value)] for b in bars],
    )


def heat_map(
    ident: str,
    title: str,
    rows: Sequence[tuple[str, str | None]],
    columns: Sequence[str],
    cells: dict[tuple[str, str], int],
    unit: str,
) -> Chart:
    """A grid of rows (label, link) by columns (years); each cell's colour and number give
    the count for that pair."""
    maximum = max(cells.values(), default=0)
    label_w, cell_w, cell_h, head = 60, 40, 22, 24
    width = label_w + max(1, len(columns)) * cell_w + 8
    height = head + max(1, len(rows)) * cell_h + 8
    parts = []
    for j, column in enumerate(columns):
        x = label_w + j * cell_w + (cell_w - 2) / 2
        parts.append(
            f'<text x="{x:.1f}" y="{head - 8}" text-anchor="middle">{escape(column)}</text>'
        )
    for i, (label, href) in enumerate(rows):
        y = head + i * cell_h
        parts.append(
            _link(
                href,
                f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>',
            )
        )
        for j, column in enumerate(columns):
            value = cells.get((label, column), 0)
            step = heat_step(value, maximum)
            x = label_w + j * cell_w
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{HEAT_COLOURS[step]}"><title>{escape(label)}, {escape(column)}: '
                f"{value} {escape(unit)}</title></rect>"
            )
            if value:
                colour = "#ffffff" if step >= 3 else INK
                parts.append(
                    f'<text x="{x + (cell_w - 2) / 2:.1f}" y="{y + 15}" text-anchor="middle" '
                    f'style="fill:{colour}">{value}</text>'
                )
    busiest = max(cells.items(), key=lambda kv: kv[1]) if cells else None
    summary = (
        f"{len(rows)} rows over {len(columns)} years; the most, {busiest[1]} {unit}, "
        f"for {busiest[0][0]} in {busiest[0][1]}."
        if busiest
        else f"No {unit} yet."
    )
    return Chart(
        ident,
        title,
        summary,
        _svg(ident, width, height, title, summary, "".join(parts)),
        ["", *columns],
        [[label, *(str(cells.get((label, c), 0)) for c in columns)] for label, _ in rows],
        wide=True,
    )
