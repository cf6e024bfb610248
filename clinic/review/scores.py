"""Scores on the review pages and handouts: a card with the respondents side by side, and each
respondent's scores over time with reliable changes marked.

Plain data built from clinic.worksheets.scoring; review templates and PDFs render it alike
(the charts are drawn by ``clinic.review.trends.render_score_svg``). Flags come from the
worksheet's private alert rules and are only ever shown to the therapist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clinic.review.compare import Respondent
from clinic.review.trends import Observation
from clinic.safety.alerts import most_pressing, raised_alerts
from clinic.safety.service import URGENCY_LABELS
from clinic.worksheets.schema import Score, Worksheet
from clinic.worksheets.scoring import Change, Result, reliable_change, score_answers


@dataclass(frozen=True)
class ScorePoint:
    when: datetime
    result: Result
    change: Change | None  # against the respondent's previous complete score, if any


@dataclass(frozen=True)
class ScoreSeries:
    name: str
    points: tuple[ScorePoint, ...]  # oldest first

    @property
    def complete(self) -> list[ScorePoint]:
        return [p for p in self.points if p.result.value is not None]


@dataclass(frozen=True)
class ScoreTrend:
    """One score of one worksheet (by slug) over time, one series per respondent."""

    slug: str
    worksheet_title: str
    score: Score  # from the newest version: its bands, cutoff and label
    low: float
    high: float
    series: tuple[ScoreSeries, ...]

    def point_at(self, name: str, when: datetime | None) -> ScorePoint | None:
        for series in self.series:
            if series.name == name:
                return next((p for p in series.points if p.when == when), None)
        return None


def collect_score_trends(
    observations: Iterable[Observation], respondents: Sequence[str]
) -> list[ScoreTrend]:
    """Each scored worksheet's scores over time. Each result is scored by the version that
    was answered; a change is measured only between two complete scores."""
    newest: dict[str, Worksheet] = {}
    points: dict[tuple[str, str], dict[str, list[ScorePoint]]] = {}
    bounds: dict[tuple[str, str], tuple[float, float]] = {}
    for obs in sorted(observations, key=lambda o: o.when):
        ws = obs.worksheet
        if ws.scoring is None:
            continue
        if ws.id not in newest or ws.version >= newest[ws.id].version:
            newest[ws.id] = ws
        for result in score_answers(ws, obs.answers):
            key = (ws.id, result.score.id)
            bounds[key] = (result.low, result.high)
            earlier = points.setdefault(key, {}).setdefault(obs.respondent, [])
            before = next((p for p in reversed(earlier) if p.result.value is not None), None)
            change = None
            if before is not None and result.value is not None and before.result.value is not None:
                change = reliable_change(result.score, before.result.value, result.value)
            earlier.append(ScorePoint(obs.when, result, change))
    order = {name: i for i, name in enumerate(respondents)}
    trends = []
    for slug, ws in sorted(newest.items(), key=lambda pair: pair[1].title):
        for score in ws.scoring.scores if ws.scoring else []:
            by_respondent = points.get((slug, score.id), {})
            if not by_respondent:
                continue
            names = sorted(by_respondent, key=lambda n: (order.get(n, len(order)), n))
            series = tuple(ScoreSeries(n, tuple(by_respondent[n])) for n in names)
            low, high = bounds[(slug, score.id)]
            trends.append(ScoreTrend(slug, ws.title, score, low, high, series))
    return trends


# --- the score card -----------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreCell:
    name: str
    result: Result | None  # None: not sent yet
    change: Change | None = None


@dataclass(frozen=True)
class ScoreRow:
    score: Score
    cells: list[ScoreCell]


@dataclass(frozen=True)
class FlagLine:
    """An answer that raised a private alert: for the therapist's eyes only."""

    name: str
    prompt: str
    urgency: str


@dataclass(frozen=True)
class ScoreCard:
    about: str
    rows: list[ScoreRow]
    flags: list[FlagLine]


def score_card(
    ws: Worksheet,
    respondents: Sequence[Respondent],
    trends: Sequence[ScoreTrend] = (),
    shared_only: bool = False,
) -> ScoreCard | None:
    """The worksheet's scores for each respondent who sent answers, side by side.

    ``shared_only`` (the joint handout): a respondent's score appears only when they shared
    every question it is made of, and no flags at all.
    """
    if ws.scoring is None:
        return None
    by_id = {t.score.id: t for t in trends if t.slug == ws.id}
    rows = []
    for score in ws.scoring.scores:
        cells = []
        for person in respondents:
            if person.submitted_at is None:
                if not shared_only:  # the joint copy says nothing about who has not sent
                    cells.append(ScoreCell(person.name, None))
                continue
            if shared_only and not _shared(person, score):
                continue
            result = next(r for r in score_answers(ws, values(person)) if r.score.id == score.id)
            trend = by_id.get(score.id)
            point = trend.point_at(person.name, person.submitted_at) if trend else None
            cells.append(ScoreCell(person.name, result, point.change if point else None))
        if cells:
            rows.append(ScoreRow(score, cells))
    flags = [] if shared_only else _flags(ws, respondents)
    if not rows and not flags:
        return None
    return ScoreCard(ws.scoring.about, rows, flags)


def _shared(person: Respondent, score: Score) -> bool:
    """A respondent shares a score by sharing every question of it that they answered."""
    given = [person.answers[i] for i in score.items if i in person.answers]
    return bool(given) and all(answer.shareable for answer in given)


def _flags(ws: Worksheet, respondents: Sequence[Respondent]) -> list[FlagLine]:
    """Each item whose answer raised an alert, once per respondent, at its most pressing."""
    lines = []
    for person in respondents:
        if person.submitted_at is None:
            continue
        raised: dict[str, list[str]] = {}
        for alert in raised_alerts(ws, values(person)):
            raised.setdefault(alert.item_id, []).append(alert.urgency)
        for item_id, urgencies in raised.items():
            urgency = most_pressing(urgencies)
            label = str(URGENCY_LABELS.get(urgency, urgency))
            lines.append(FlagLine(person.name, ws.item(item_id).prompt, label))
    return lines


def values(person: Respondent) -> Mapping[str, Any]:
    return {item_id: stored.value for item_id, stored in person.answers.items()}
