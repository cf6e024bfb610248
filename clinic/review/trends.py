"""Scale answers over time, per partner, as a server-rendered SVG line chart.

No JavaScript and no chart library: ``render_svg`` returns a self-contained SVG string that
the review page inlines and WeasyPrint embeds in PDFs. Only presentation attributes are used
(the strict CSP forbids style attributes), every text goes through XML escaping, and each
chart carries a <title> and <desc>; pages also show ``Trend.table`` as a text alternative.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeGuard
from xml.sax.saxutils import escape

from flask_babel import gettext, lazy_gettext

from clinic import localtime
from clinic.worksheets.schema import ScaleItem, Worksheet
from clinic.worksheets.scoring import number

if TYPE_CHECKING:
    from clinic.review.scores import ScoreSeries, ScoreTrend

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 24, 44, 64
INSET = 40  # keeps the first and last points and their date labels clear of the edges
LABEL_GAP = 100  # date labels closer than this (in px) would overlap
# Partners are told apart by colour, dash and marker alike, so print and colour blindness work.
STYLES = (
    ("#2f6f73", None, "circle"),
    ("#a0522d", "7 4", "square"),
    ("#5b3f8c", "2 4", "triangle"),
    ("#1d5b2a", "9 3 2 3", "diamond"),
)


@dataclass(frozen=True)
class Point:
    when: datetime
    value: int


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[Point, ...]  # oldest first


@dataclass(frozen=True)
class Trend:
    title: str  # the item's prompt
    worksheet_title: str
    minimum: int
    maximum: int
    min_label: str
    max_label: str
    series: tuple[Series, ...]

    @property
    def scale_text(self) -> str:
        return gettext(
            "a scale from %(min)s (%(min_label)s) to %(max)s (%(max_label)s)",
            min=self.minimum,
            min_label=self.min_label,
            max=self.maximum,
            max_label=self.max_label,
        )

    def table(self) -> list[tuple[date, list[int | None]]]:
        """The text alternative: one row per day, one column per series (None: no answer)."""
        by_day: dict[date, list[int | None]] = {}
        for column, series in enumerate(self.series):
            for point in series.points:
                by_day.setdefault(_local_day(point.when), [None] * len(self.series))[column] = (
                    point.value
                )
        return sorted(by_day.items())


@dataclass(frozen=True)
class Observation:
    """One respondent's submitted answers to one worksheet, at one time."""

    worksheet: Worksheet
    respondent: str
    when: datetime
    answers: Mapping[str, Any]


def collect_trends(
    observations: Iterable[Observation], respondents: Sequence[str], min_points: int = 2
) -> list[Trend]:
    """A trend per scale item of repeated worksheets (same slug), one series per respondent.

    Wording and labels come from the newest version of the worksheet; the range covers every
    version. Values outside their own version's range are left out, never plotted. A trend
    needs ``min_points`` answers from at least one respondent to be worth drawing.
    """
    newest: dict[str, Worksheet] = {}
    ranges: dict[tuple[str, str], tuple[int, int]] = {}
    points: dict[tuple[str, str], dict[str, list[Point]]] = {}
    for obs in sorted(observations, key=lambda o: o.when):
        ws = obs.worksheet
        if ws.id not in newest or ws.version >= newest[ws.id].version:
            newest[ws.id] = ws
        for _, item in ws.items():
            value = obs.answers.get(item.id)
            if not isinstance(item, ScaleItem) or not _in_range(value, item):
                continue
            key = (ws.id, item.id)
            low, high = ranges.get(key, (item.min, item.max))
            ranges[key] = (min(low, item.min), max(high, item.max))
            points.setdefault(key, {}).setdefault(obs.respondent, []).append(Point(obs.when, value))

    order = {name: i for i, name in enumerate(respondents)}
    trends = []
    for slug, ws in sorted(newest.items(), key=lambda pair: pair[1].title):
        for _, item in ws.items():
            by_respondent = points.get((slug, item.id), {})
            if not isinstance(item, ScaleItem) or not by_respondent:
                continue
            if max(len(p) for p in by_respondent.values()) < min_points:
                continue
            names = sorted(by_respondent, key=lambda n: (order.get(n, len(order)), n))
            low, high = ranges[(slug, item.id)]
            series = tuple(Series(n, tuple(by_respondent[n])) for n in names)
            trends.append(
                Trend(item.prompt, ws.title, low, high, item.min_label, item.max_label, series)
            )
    return trends


def _in_range(value: Any, item: ScaleItem) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and item.min <= value <= item.max


def describe(trend: Trend) -> str:
    """A sentence or two saying what the chart shows, for <desc> and screen readers."""
    parts = [
        gettext(
            "%(title)s (%(worksheet)s), on %(scale)s.",
            title=trend.title,
            worksheet=trend.worksheet_title,
            scale=trend.scale_text,
        )
    ]
    for series in trend.series:
        first, last = series.points[0], series.points[-1]
        count = len(series.points)
        if count == 1:
            parts.append(
                gettext(
                    "%(name)s: 1 answer, on %(day)s: %(value)s.",
                    name=series.name,
                    day=day(first.when),
                    value=first.value,
                )
            )
        else:
            parts.append(
                gettext(
                    "%(name)s: %(count)s answers from %(first_day)s to %(last_day)s, "
                    "starting at %(first)s and ending at %(last)s.",
                    name=series.name,
                    count=count,
                    first_day=day(first.when),
                    last_day=day(last.when),
                    first=first.value,
                    last=last.value,
                )
            )
    return " ".join(parts)


def day(when: datetime | date) -> str:
    """E.g. "2 Mar 2026"; the same in charts, tables and PDFs, on the reader's local day."""
    return localtime.format_day(when)


def render_svg(trend: Trend, chart_id: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The chart as an SVG document fragment; ``chart_id`` keeps element ids unique per page."""
    uid = "trend-" + re.sub(r"[^A-Za-z0-9_-]", "-", chart_id)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    whens = sorted({p.when for s in trend.series for p in s.points})
    first, last = whens[0].timestamp(), whens[-1].timestamp()

    def x(when: datetime) -> float:
        if last == first:
            return LEFT + plot_w / 2
        return LEFT + INSET + (when.timestamp() - first) / (last - first) * (plot_w - 2 * INSET)

    def y(value: int) -> float:
        return TOP + (trend.maximum - value) / (trend.maximum - trend.minimum) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{uid}-title {uid}-desc" font-family="DejaVu Sans, sans-serif" '
        f'font-size="14" fill="#1f2a30">',
        f'<title id="{uid}-title">{escape(trend.title)}</title>',
        f'<desc id="{uid}-desc">{escape(describe(trend))}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    out += _y_axis(trend, y, width)
    out += _x_axis(whens, x, height)
    out += _legend(trend)
    for index, series in enumerate(trend.series):
        out += _series(series, STYLES[index % len(STYLES)], x, y)
    scale = f"{trend.minimum} = {trend.min_label} · {trend.maximum} = {trend.max_label}"
    out.append(f'<text x="{LEFT}" y="{height - 10}" fill="#5b6870">{escape(scale)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _y_axis(trend: Trend, y, width: int) -> list[str]:
    span = trend.maximum - trend.minimum
    step = 1 if span <= 5 else 2
    ticks = sorted({trend.minimum, trend.maximum, *range(trend.minimum, trend.maximum + 1, step)})
    out = []
    for value in ticks:
        top = y(value)
        out.append(
            f'<line x1="{LEFT}" y1="{top:.1f}" x2="{width - RIGHT}" y2="{top:.1f}" '
            f'stroke="#d8dee2" stroke-width="1"/>'
        )
        out.append(f'<text x="{LEFT - 8}" y="{top + 4:.1f}" text-anchor="end">{value}</text>')
    return out


def _x_axis(whens: list[datetime], x, height: int) -> list[str]:
    """A label under the first answer of each day, skipping days that would overlap."""
    days: list[tuple[date, datetime]] = []
    for when_day, when in sorted({_local_day(w): w for w in reversed(whens)}.items()):
        if not days or x(when) - x(days[-1][1]) >= LABEL_GAP:
            days.append((when_day, when))
    baseline = height - BOTTOM
    out = [
        f'<line x1="{LEFT}" y1="{baseline}" x2="{LEFT}" y2="{TOP}" stroke="#9aa6ad" '
        f'stroke-width="1"/>'
    ]
    for when_day, when in days:
        left = x(when)
        out.append(
            f'<text x="{left:.1f}" y="{baseline + 20}" text-anchor="middle">'
            f"{escape(day(when_day))}</text>"
        )
    return out


def _legend(trend: Trend) -> list[str]:
    out, left = [], LEFT
    for index, series in enumerate(trend.series):
        colour, dash, marker = STYLES[index % len(STYLES)]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{left}" y1="18" x2="{left + 28}" y2="18" stroke="{colour}" '
            f'stroke-width="2.5"{dashed}/>'
        )
        out.append(_marker(marker, left + 14, 18, colour))
        out.append(f'<text x="{left + 36}" y="22">{escape(series.name)}</text>')
        left += 56 + 9 * min(len(series.name), 24)
    return out


def _series(series: Series, style, x, y) -> list[str]:
    colour, dash, marker = style
    coords = " ".join(f"{x(p.when):.1f},{y(p.value):.1f}" for p in series.points)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    out = [
        f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5" '
        f'stroke-linejoin="round"{dashed}/>'
    ]
    for point in series.points:
        label = f"{series.name}, {day(point.when)}: {point.value}"
        out.append(_marker(marker, x(point.when), y(point.value), colour, label))
    return out


def _marker(shape: str, cx: float, cy: float, colour: str, label: str | None = None) -> str:
    tip = f"<title>{escape(label)}</title>" if label else ""
    paint = f'fill="{colour}" stroke="#ffffff" stroke-width="1.5"'
    if shape == "circle":
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" {paint}>{tip}</circle>'
    if shape == "square":
        return (
            f'<rect x="{cx - 4.5:.1f}" y="{cy - 4.5:.1f}" width="9" height="9" {paint}>{tip}</rect>'
        )
    corners = {
        "triangle": ((0, -6), (5.5, 4), (-5.5, 4)),
        "diamond": ((0, -6), (6, 0), (0, 6), (-6, 0)),
    }[shape]
    points = " ".join(f"{cx + dx:.1f},{cy + dy:.1f}" for dx, dy in corners)
    return f'<polygon points="{points}" {paint}>{tip}</polygon>'


def _local_day(when: datetime) -> date:
    """The day an answer was given where the page's reader is (clinic.localtime)."""
    return localtime.local(when, localtime.page_zone()).date()


# --- score charts (clinic.review.scores): one respondent, bands shaded, reliable changes marked

BAND_FILLS = ("#eef3f4", "#f7f1e8", "#eef3f4", "#f7f1e8", "#eef3f4", "#f7f1e8")
CHANGE_MARKS = {
    "improvement": ("#1d5b2a", lazy_gettext("Reliable improvement")),
    "deterioration": ("#8b1e1e", lazy_gettext("Reliable deterioration")),
}
RELIABLE_CHANGES = {
    "improvement": lazy_gettext("a reliable improvement"),
    "deterioration": lazy_gettext("a reliable deterioration"),
}


def describe_scores(trend: ScoreTrend, series: ScoreSeries) -> str:
    """What a score chart shows, in words (its <desc>, the PDF's alt text)."""
    score = trend.score
    parts = [
        gettext(
            "%(score)s (%(worksheet)s) for %(name)s, from %(low)s to %(high)s.",
            score=score.label,
            worksheet=trend.worksheet_title,
            name=series.name,
            low=number(trend.low),
            high=number(trend.high),
        )
    ]
    for point in series.points:
        said = f"{day(point.when)}: {point.result.text}"
        if point.change is not None and point.change.kind is not None:
            said += f", {RELIABLE_CHANGES.get(point.change.kind, point.change.kind)}"
        parts.append(said + ".")
    if score.cutoff is not None:
        parts.append(
            gettext(
                "The %(cutoff)s is %(value)s.",
                cutoff=score.cutoff_label or gettext("cutoff"),
                value=number(score.cutoff),
            )
        )
    return " ".join(parts)


def render_score_svg(
    trend: ScoreTrend, series: ScoreSeries, chart_id: str, width: int = WIDTH, height: int = HEIGHT
) -> str:
    """One respondent's score over time, on its bands, with the cutoff and reliable changes."""
    uid = "score-" + re.sub(r"[^A-Za-z0-9_-]", "-", chart_id)
    plot_w, plot_h = width - LEFT - RIGHT - 120, height - TOP - BOTTOM
    whens = [p.when for p in series.points]
    first, last = whens[0].timestamp(), whens[-1].timestamp()
    low, high = trend.low, trend.high

    def x(when: datetime) -> float:
        if last == first:
            return LEFT + plot_w / 2
        return LEFT + INSET + (when.timestamp() - first) / (last - first) * (plot_w - 2 * INSET)

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart score-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{uid}-title {uid}-desc" font-family="DejaVu Sans, sans-serif" '
        f'font-size="14" fill="#1f2a30">',
        f'<title id="{uid}-title">{escape(f"{trend.score.label}: {series.name}")}</title>',
        f'<desc id="{uid}-desc">{escape(describe_scores(trend, series))}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    out += _bands(trend, y, LEFT + plot_w)
    out += _x_axis(whens, x, height)
    if trend.score.cutoff is not None:
        top = y(trend.score.cutoff)
        name = trend.score.cutoff_label or gettext("cutoff")
        out.append(
            f'<line x1="{LEFT}" y1="{top:.1f}" x2="{LEFT + plot_w}" y2="{top:.1f}" '
            f'stroke="#1f2a30" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        out.append(
            f'<text x="{LEFT + 4}" y="{top - 6:.1f}" font-size="12">'
            f"{escape(name)} {escape(number(trend.score.cutoff))}</text>"
        )
    colour, _, marker = STYLES[0]
    complete = series.complete
    if len(complete) > 1:
        coords = " ".join(f"{x(p.when):.1f},{y(p.result.value or 0):.1f}" for p in complete)
        out.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5" '
            f'stroke-linejoin="round"/>'
        )
    for point in complete:
        value = point.result.value or 0
        cx, cy = x(point.when), y(value)
        kind = point.change.kind if point.change is not None else None
        if kind is not None:
            ring, words = CHANGE_MARKS[kind]
            out.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="10" fill="none" stroke="{ring}" '
                f'stroke-width="2.5"/>'
            )
            out.append(
                f'<text x="{cx:.1f}" y="{cy - 16:.1f}" text-anchor="middle" font-size="12" '
                f'fill="{ring}">{escape(str(words))}</text>'
            )
        label = f"{series.name}, {day(point.when)}: {point.result.text}"
        out.append(_marker(marker, cx, cy, colour, label))
    for point in series.points:
        if point.result.value is None:
            out.append(
                f'<text x="{x(point.when):.1f}" y="{TOP + plot_h - 6}" text-anchor="middle" '
                f'font-size="12" fill="#5b6870">{escape(gettext("incomplete"))}</text>'
            )
    higher = (
        gettext("%(score)s: higher is better", score=trend.score.label)
        if trend.score.higher_is == "better"
        else gettext("%(score)s: higher is worse", score=trend.score.label)
    )
    out.append(f'<text x="{LEFT}" y="{height - 10}" fill="#5b6870">{escape(higher)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _bands(trend: ScoreTrend, y, right: float) -> list[str]:
    """Shaded bands with their labels at the right; plain gridlines when there are none."""
    half = 0.5 if trend.score.method == "sum" else 0
    out = []
    for index, band in enumerate(trend.score.bands):
        top = y(min(band.max + half, trend.high))
        bottom = y(max(band.min - half, trend.low))
        out.append(
            f'<rect x="{LEFT}" y="{top:.1f}" width="{right - LEFT:.1f}" '
            f'height="{bottom - top:.1f}" fill="{BAND_FILLS[index % len(BAND_FILLS)]}"/>'
        )
        out.append(
            f'<text x="{right + 8:.1f}" y="{(top + bottom) / 2 + 4:.1f}" font-size="12">'
            f"{escape(band.label)}</text>"
        )
    for value in sorted({trend.low, trend.high, *(b.min for b in trend.score.bands)}):
        out.append(
            f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{escape(number(value))}</text>"
        )
    out.append(
        f'<line x1="{LEFT}" y1="{y(trend.low):.1f}" x2="{right:.1f}" y2="{y(trend.low):.1f}" '
        f'stroke="#9aa6ad" stroke-width="1"/>'
    )
    return out
