"""Small server-rendered SVG charts: a line chart, a sparkline and a bar chart.

Each returns inline SVG markup that scales to its container (``viewBox``,
width 100 %), carries an accessible name (``role="img"``, ``<title>`` and
``<desc>``) and draws nothing it was not given: missing values (None) leave
gaps. Pages show the same figures in a ``<table>`` next to each chart.
"""

from collections.abc import Sequence
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_ids = count(1)


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _open(
    width: int, height: int, title: str, desc: str, css: str, ident: str | None = None
) -> tuple[str, str]:
    ident = ident or f"chart-{next(_ids)}"
    head = (
        f'<svg class="chart {css}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
    )
    return ident, head


def _describe(labels: Sequence[str], values: Sequence[float | None]) -> str:
    return "; ".join(
        f"{label}: {'—' if value is None else _fmt(value)}"
        for label, value in zip(labels, values, strict=True)
    )


def _segments(points: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]


def line_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    max_value: float | None = None,
    width: int = 600,
    height: int = 220,
) -> SafeString:
    """A line with a dot per value, y from 0 to ``max_value`` (default: the largest value)."""
    _ident, head = _open(width, height, title, _describe(labels, values), "line")
    left, right, top, bottom = 36, 10, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [v for v in values if v is not None]
    top_value = max_value if max_value is not None else max(known, default=0) or 1
    step = plot_w / max(1, len(values) - 1)
    parts = [head]
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_fmt(y)}" y2="{_fmt(y)}"/>'
            f'<text class="axis" x="{left - 6}" y="{_fmt(y + 4)}" text-anchor="end">'
            f"{_fmt(top_value * fraction)}</text>"
        )
    points: list[tuple[float, float] | None] = []
    for index, value in enumerate(values):
        if value is None:
            points.append(None)
            continue
        points.append((left + index * step, top + plot_h * (1 - min(value, top_value) / top_value)))
    for run in _segments(points):
        path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in run)
        parts.append(f'<polyline class="series" points="{path}"/>')
    for point, value in zip(points, values, strict=True):
        if point is not None:
            parts.append(
                f'<circle class="dot" cx="{_fmt(point[0])}" cy="{_fmt(point[1])}" r="3">'
                f"<title>{_fmt(value or 0)}</title></circle>"
            )
    every = max(1, len(labels) // 6)
    for index, label in enumerate(labels):
        if index % every == 0 or index == len(labels) - 1:
            parts.append(
                f'<text class="axis" x="{_fmt(left + index * step)}" y="{height - 8}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped above)


def sparkline(
    values: Sequence[float | None], *, title: str, max_value: float = 100, ident: str | None = None
) -> SafeString:
    """A tiny line without axes (e.g. 12 monthly scores in a table cell).
    ``ident`` names its title and description (unique on the page; by
    default a new one per chart): a chart kept in a cache keeps its names."""
    width, height, pad = 100, 24, 2
    labels = [str(i + 1) for i in range(len(values))]
    _ident, head = _open(width, height, title, _describe(labels, values), "sparkline", ident)
    step = (width - 2 * pad) / max(1, len(values) - 1)
    points: list[tuple[float, float] | None] = [
        None
        if v is None
        else (pad + i * step, pad + (height - 2 * pad) * (1 - min(v, max_value) / (max_value or 1)))
        for i, v in enumerate(values)
    ]
    parts = [head]
    for run in _segments(points):
        parts.append(
            f'<polyline class="series" points="{" ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in run)}"/>'
        )
    last = next((p for p in reversed(points) if p is not None), None)
    if last is not None:
        parts.append(f'<circle class="dot" cx="{_fmt(last[0])}" cy="{_fmt(last[1])}" r="2"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    width: int = 600,
    height: int = 220,
    max_value: float | None = None,
) -> SafeString:
    """Vertical bars with their value on top and the label below."""
    _ident, head = _open(width, height, title, _describe(labels, values), "bar")
    left, right, top, bottom = 10, 10, 18, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max_value if max_value is not None else max(values, default=0) or 1
    slot = plot_w / max(1, len(values))
    bar_w = max(2.0, slot * 0.7)
    parts = [
        head,
        f'<line class="grid" x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}"/>',
    ]
    every = max(1, len(labels) // 8)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar_h = plot_h * min(value, top_value) / top_value
        x = left + index * slot + (slot - bar_w) / 2
        y = top + plot_h - bar_h
        parts.append(
            f'<rect class="series" x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(bar_w)}" height="{_fmt(bar_h)}">'
            f"<title>{escape(label)}: {_fmt(value)}</title></rect>"
            f'<text class="value" x="{_fmt(x + bar_w / 2)}" y="{_fmt(y - 4)}" text-anchor="middle">'
            f"{_fmt(value)}</text>"
        )
        if index % every == 0:
            parts.append(
                f'<text class="axis" x="{_fmt(x + bar_w / 2)}" y="{height - 8}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308
