"""Scores of one respondent's answers, and whether a change between two of them is reliable.

Plain Python, no database and no Flask: the review pages, the PDFs and scripts all call
``score_answers`` and ``reliable_change``, so a score reads the same everywhere. What the
rules mean is in docs/worksheet-format.md ("Scoring").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from flask_babel import gettext

from clinic.worksheets.answers import AnswerError, clean_answer
from clinic.worksheets.conditions import visible_answers
from clinic.worksheets.schema import Band, Score, Worksheet, score_range

RELIABLE = 1.96  # |RCI| above this: a change unlikely (p < .05) to be measurement error alone


@dataclass(frozen=True)
class Result:
    """One score of one respondent: a value, or None with the reason it is incomplete."""

    score: Score
    value: float | None
    answered: int
    low: float
    high: float
    band: Band | None
    prorated: bool

    @property
    def complete(self) -> bool:
        return self.value is not None

    @property
    def missing(self) -> int:
        return len(self.score.items) - self.answered

    @property
    def meets_cutoff(self) -> bool | None:
        """At or above the cutoff; None without a value or a cutoff."""
        if self.value is None or self.score.cutoff is None:
            return None
        return self.value >= self.score.cutoff

    @property
    def text(self) -> str:
        """E.g. "14 of 27 (Moderate)" or "Incomplete: 2 of 9 questions unanswered"."""
        if self.value is None:
            return gettext(
                "Incomplete: %(missing)s of %(count)s questions unanswered, so no score",
                missing=self.missing,
                count=len(self.score.items),
            )
        out = gettext("%(value)s of %(high)s", value=number(self.value), high=number(self.high))
        if self.band is not None:
            out += f" ({self.band.label})"
        if self.prorated:
            out += " " + gettext("(estimated for unanswered questions)")
        return out

    @property
    def cutoff_text(self) -> str | None:
        if self.score.cutoff is None:
            return None
        name = self.score.cutoff_label or gettext("cutoff")
        value = number(self.score.cutoff)
        if self.meets_cutoff is None:
            return f"{name}: {value}"
        if self.meets_cutoff:
            return gettext("at or above the %(cutoff)s (%(value)s)", cutoff=name, value=value)
        return gettext("below the %(cutoff)s (%(value)s)", cutoff=name, value=value)


@dataclass(frozen=True)
class Change:
    """The reliable change index between two complete scores of the same respondent."""

    before: float
    after: float
    index: float
    kind: Literal["improvement", "deterioration"] | None  # None: not a reliable change

    @property
    def text(self) -> str:
        before, after = number(self.before), number(self.after)
        if self.kind is None:
            return gettext(
                "%(before)s to %(after)s: no reliable change", before=before, after=after
            )
        if self.kind == "improvement":
            return gettext(
                "%(before)s to %(after)s: reliable improvement", before=before, after=after
            )
        return gettext(
            "%(before)s to %(after)s: reliable deterioration", before=before, after=after
        )


def score_answers(worksheet: Worksheet, answers: Mapping[str, Any]) -> list[Result]:
    """Every score of the worksheet for these stored answers (hidden questions count as
    unanswered); empty for a worksheet without scoring."""
    if worksheet.scoring is None:
        return []
    shown = visible_answers(worksheet, answers)
    return [_result(worksheet, score, shown) for score in worksheet.scoring.scores]


def _result(worksheet: Worksheet, score: Score, answers: Mapping[str, Any]) -> Result:
    items = [worksheet.item(item_id) for item_id in score.items]
    low, high = score_range(score, items)
    points = []
    for item in items:
        try:
            value = clean_answer(item, answers.get(item.id))
        except AnswerError:
            value = None  # a value that no longer fits counts as unanswered, never as a score
        earned = None if value is None else item.score_of(value)
        if earned is None:
            continue
        if item.id in score.reverse:
            bottom, top = item.score_range() or (0, 0)
            earned = bottom + top - earned
        points.append(earned)
    missing = len(items) - len(points)
    total: float | None = None
    if points and missing <= score.prorate_missing:
        mean = sum(points) / len(points)
        total = round(mean, 2) if score.method == "mean" else _half_up(mean * len(items))
    return Result(
        score=score,
        value=total,
        answered=len(points),
        low=low,
        high=high,
        band=None if total is None else band_of(score, total),
        prorated=total is not None and missing > 0,
    )


def band_of(score: Score, value: float) -> Band | None:
    """The band holding the value; on a boundary between two, the upper one."""
    return next((band for band in reversed(score.bands) if band.min <= value), None)


def reliable_change(score: Score, before: float, after: float) -> Change | None:
    """Jacobson & Truax: RCI = (after - before) / (SD * sqrt(2) * sqrt(1 - r)).

    None when the definition gives no reliability and SD, so no claim is made.
    """
    if score.reliability is None or score.sd is None:
        return None
    index = (after - before) / (score.sd * math.sqrt(2) * math.sqrt(1 - score.reliability))
    kind: Literal["improvement", "deterioration"] | None = None
    if abs(index) > RELIABLE:
        rising = index > 0
        kind = "improvement" if rising == (score.higher_is == "better") else "deterioration"
    return Change(before, after, round(index, 2), kind)


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


def number(value: float) -> str:
    """A score as people write it: 14, 6.5, 7.25."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
