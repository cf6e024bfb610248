"""Partners' answers side by side, each item compared the way its type compares answers.

Plain data in, plain data out: no database and no Flask, so review pages, the session view
and PDF handouts all read the same comparison (boundary grids: clinic.worksheets.items.grid).
Its words come from flask_babel, which falls back to English outside a request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask_babel import gettext, ngettext

from clinic.enums import ResponseStatus
from clinic.worksheets.answers import AnswerError, clean_answer
from clinic.worksheets.conditions import shown_items
from clinic.worksheets.items import Item
from clinic.worksheets.items.grid import (
    BOTH_NO,
    BOTH_YES,
    EXPLORE,
    INCOMPLETE,
    LIMIT,
    GridComparison,
)
from clinic.worksheets.schema import Section, Worksheet


@dataclass(frozen=True)
class GridSummary:
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def text(self) -> str:
        """E.g. "9 both yes, 4 to explore, 2 limits to respect"; rarer categories only if any.

        "Shared" is left for a partner's choice to share, so it never names matching answers.
        """
        c = self.counts
        parts = [
            gettext("%(num)s both yes", num=c[BOTH_YES]),
            gettext("%(num)s to explore", num=c[EXPLORE]),
            ngettext("%(num)s limit to respect", "%(num)s limits to respect", c[LIMIT]),
        ]
        if c[BOTH_NO]:
            parts.append(gettext("%(num)s both no", num=c[BOTH_NO]))
        if c[INCOMPLETE]:
            parts.append(gettext("%(num)s not compared yet", num=c[INCOMPLETE]))
        return ", ".join(parts)


def summarize(comparisons: Iterable[GridComparison | None]) -> GridSummary:
    total: Counter[str] = Counter()
    for comparison in comparisons:
        if comparison is not None:
            total.update(comparison.counts())
    return GridSummary(total)


# --- side by side --------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredAnswer:
    value: Any
    shareable: bool = False
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Respondent:
    """Whoever answered one worksheet: a partner, or both partners together."""

    name: str
    answers: Mapping[str, StoredAnswer]
    status: ResponseStatus = ResponseStatus.NOT_OPENED
    submitted_at: datetime | None = None
    language: str | None = None  # the language the answers were written in

    def shared_only(self, worksheet: Worksheet) -> Respondent:
        """The same respondent holding only what they chose to share: answers marked
        shareable, and of the others the parts shared one by one (``Item.shared_part``).

        The client pages store answers a couple writes together as shareable, so the flags
        alone decide, for joint worksheets too. Answers to items the worksheet no longer has
        are dropped.
        """
        kept = {}
        for _, item in worksheet.items():
            stored = self.answers.get(item.id)
            if stored is None:
                continue
            part = item.shared_part(stored.value, stored.shareable)
            if part is not None:
                kept[item.id] = StoredAnswer(part, True, stored.updated_at)
        return Respondent(self.name, kept, self.status, self.submitted_at, self.language)


@dataclass(frozen=True)
class Cell:
    respondent: Respondent
    value: Any = None  # the cleaned value; None when not answered
    shareable: bool = False
    answered_at: datetime | None = None
    unreadable: bool = False  # stored value no longer fits the item; shown as a notice
    skipped: bool = False  # an earlier answer of this respondent hid the question (show_if)

    @property
    def answered(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class ItemRow:
    section: Section
    item: Item
    cells: tuple[Cell, ...]
    grid: GridComparison | None = None  # a part-by-part comparison (``Item.comparison``)

    @property
    def answered_by_all(self) -> bool:
        return all(c.answered for c in self.cells)


def pair_answers(worksheet: Worksheet, respondents: Sequence[Respondent]) -> list[ItemRow]:
    """Every item in reading order with each respondent's answer beside the others'.

    A conditional question that every respondent with answers skipped is left out; one
    that only some skipped says so in their cell instead of "no answer".
    """
    shown = {r.name: _shown(worksheet, r) for r in respondents}
    rows = []
    for section, item in worksheet.items():
        skipped = {r.name for r in respondents if item.id not in shown[r.name]}
        if skipped and skipped == {r.name for r in respondents if r.answers}:
            continue
        cells = tuple(
            _cell(item, r) if r.name not in skipped else Cell(r, skipped=True) for r in respondents
        )
        grid = item.comparison([c.value for c in cells]) if len(respondents) >= 2 else None
        rows.append(ItemRow(section, item, cells, grid))
    return rows


def session_rows(worksheet: Worksheet, respondents: Sequence[Respondent]) -> list[ItemRow]:
    """What the session view may show: items every respondent answered and shared.

    Private answers (and grid rows not shared) are dropped before anything is paired or
    compared, so no category, count or value can be derived from them. An item one partner
    shared and the other did not is left out entirely, and so is a part of one (a grid row),
    so the screen never shows who chose not to share.
    """
    shared = [r.shared_only(worksheet) for r in respondents]
    rows = []
    for row in pair_answers(worksheet, shared):
        if not row.answered_by_all:
            continue
        values = row.item.common_part([c.value for c in row.cells])
        if values is None:
            continue
        cells = tuple(replace(c, value=v) for c, v in zip(row.cells, values, strict=True))
        grid = row.item.comparison(values) if row.grid is not None else None
        rows.append(replace(row, cells=cells, grid=grid and grid.compared_only()))
    return rows


def _shown(worksheet: Worksheet, respondent: Respondent) -> set[str]:
    """The items this respondent was shown; all of them before any answer is given."""
    if not respondent.answers:
        return {item.id for _, item in worksheet.items()}
    values = {item_id: stored.value for item_id, stored in respondent.answers.items()}
    return shown_items(worksheet, values)


def _cell(item: Item, respondent: Respondent) -> Cell:
    stored = respondent.answers.get(item.id)
    if stored is None:
        return Cell(respondent)
    try:
        value = clean_answer(item, stored.value)
    except AnswerError:
        return Cell(respondent, None, stored.shareable, stored.updated_at, unreadable=True)
    return Cell(respondent, value, stored.shareable, stored.updated_at)
