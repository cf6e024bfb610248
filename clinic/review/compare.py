"""Partners' answers side by side, and boundary grids compared row by row.

Plain data in, plain data out: no database and no Flask, so review pages, the session view
and PDF handouts all read the same comparison. The wording is part of the contract: where one
partner's no or firm limit meets the other's yes or maybe, the row is "a limit to respect",
never a gap or a difference to negotiate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clinic.enums import ResponseStatus
from clinic.worksheets.answers import AnswerError, clean_answer
from clinic.worksheets.schema import (
    GRID_ANSWERS,
    BoundaryGridItem,
    GridRow,
    Item,
    Section,
    Worksheet,
)

SHARED = "shared"
EXPLORE = "explore"
LIMIT = "limit"
SHARED_LIMIT = "shared_limit"
INCOMPLETE = "incomplete"

# key: (label, what it means for the therapist), in the order a session takes them up.
CATEGORIES: dict[str, tuple[str, str]] = {
    SHARED: ("Shared yes", "Everyone said yes."),
    EXPLORE: (
        "To explore together",
        "A yes or maybe meets a maybe or a not now: something to talk about slowly, "
        "if both want to.",
    ),
    LIMIT: (
        "A limit to respect",
        "One partner said no or marked a firm limit. The limit stands as it is; it is "
        "information about how to care for them, not a position to bargain over.",
    ),
    SHARED_LIMIT: ("Shared limit", "Neither partner wants this now."),
    INCOMPLETE: ("Not compared yet", "Not everyone has answered this row."),
}
_WANTING = ("yes", "maybe")


@dataclass(frozen=True)
class GridAnswer:
    """One partner's answer to one row of a boundary grid."""

    answer: str | None
    non_negotiable: bool = False
    note: str = ""

    @classmethod
    def from_value(cls, raw: Any) -> GridAnswer | None:
        if not isinstance(raw, Mapping):
            return None
        return cls(raw.get("answer"), bool(raw.get("non_negotiable")), raw.get("note") or "")

    @property
    def is_limit(self) -> bool:
        """A no, or anything marked firm: when in doubt, read the answer as a limit."""
        return self.answer == "no" or self.non_negotiable

    @property
    def is_answered(self) -> bool:
        return self.answer is not None or self.non_negotiable

    @property
    def label(self) -> str:
        text = GRID_ANSWERS.get(self.answer or "", "No answer")
        return f"{text} (firm limit)" if self.non_negotiable else text


def classify_row(answers: Sequence[GridAnswer | None]) -> str:
    """The category of one row, given every respondent's answer to it (None: not answered)."""
    if len(answers) < 2 or any(a is None or not a.is_answered for a in answers):
        return INCOMPLETE
    given = [a for a in answers if a is not None]
    limited = any(a.is_limit for a in given)
    wanting = any(a.answer in _WANTING and not a.is_limit for a in given)
    if limited and wanting:
        return LIMIT
    if not wanting:
        return SHARED_LIMIT
    if all(a.answer == "yes" for a in given):
        return SHARED
    return EXPLORE


@dataclass(frozen=True)
class GridRowComparison:
    row: GridRow
    answers: tuple[GridAnswer | None, ...]  # aligned with the respondents
    category: str

    @property
    def label(self) -> str:
        return CATEGORIES[self.category][0]

    @property
    def rank(self) -> int:
        """Position in the order a session takes rows up: shared first, limits last."""
        return list(CATEGORIES).index(self.category)

    @property
    def limit_holders(self) -> tuple[int, ...]:
        """Positions of the respondents whose limit this row is."""
        return tuple(i for i, a in enumerate(self.answers) if a is not None and a.is_limit)


@dataclass(frozen=True)
class GridComparison:
    item: BoundaryGridItem
    rows: tuple[GridRowComparison, ...]

    def counts(self) -> Counter[str]:
        return Counter(r.category for r in self.rows)


def compare_grid(item: BoundaryGridItem, values: Sequence[Any]) -> GridComparison:
    """Compare every row of a grid across respondents' stored values (None: not answered)."""
    rows = []
    for row in item.rows:
        answers = tuple(
            GridAnswer.from_value(v.get(row.id)) if isinstance(v, Mapping) else None for v in values
        )
        rows.append(GridRowComparison(row, answers, classify_row(answers)))
    return GridComparison(item, tuple(rows))


@dataclass(frozen=True)
class GridSummary:
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def text(self) -> str:
        """E.g. "9 shared, 4 to explore, 2 limits to respect"; rarer categories only if any."""
        c = self.counts
        parts = [
            f"{c[SHARED]} shared",
            f"{c[EXPLORE]} to explore",
            f"{c[LIMIT]} {_limits(c[LIMIT])} to respect",
        ]
        if c[SHARED_LIMIT]:
            parts.append(f"{c[SHARED_LIMIT]} shared {_limits(c[SHARED_LIMIT])}")
        if c[INCOMPLETE]:
            parts.append(f"{c[INCOMPLETE]} not compared yet")
        return ", ".join(parts)


def _limits(count: int) -> str:
    return "limit" if count == 1 else "limits"


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

    def shared_only(self) -> Respondent:
        """The same respondent holding only the answers marked shareable.

        The client pages store answers a couple writes together as shareable, so the flag
        alone decides, for joint worksheets too.
        """
        kept = {k: a for k, a in self.answers.items() if a.shareable}
        return Respondent(self.name, kept, self.status, self.submitted_at)


@dataclass(frozen=True)
class Cell:
    respondent: Respondent
    value: Any = None  # the cleaned value; None when not answered
    shareable: bool = False
    answered_at: datetime | None = None
    unreadable: bool = False  # stored value no longer fits the item; shown as a notice

    @property
    def answered(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class ItemRow:
    section: Section
    item: Item
    cells: tuple[Cell, ...]
    grid: GridComparison | None = None

    @property
    def answered_by_all(self) -> bool:
        return all(c.answered for c in self.cells)


def pair_answers(worksheet: Worksheet, respondents: Sequence[Respondent]) -> list[ItemRow]:
    """Every item in reading order with each respondent's answer beside the others'."""
    rows = []
    for section, item in worksheet.items():
        cells = tuple(_cell(item, r) for r in respondents)
        grid = None
        if isinstance(item, BoundaryGridItem) and len(respondents) >= 2:
            grid = compare_grid(item, [c.value for c in cells])
        rows.append(ItemRow(section, item, cells, grid))
    return rows


def session_rows(worksheet: Worksheet, respondents: Sequence[Respondent]) -> list[ItemRow]:
    """What the session view may show: items every respondent answered and shared.

    Private answers are dropped before anything is paired or compared, so no category, count
    or value can be derived from them. An item one partner shared and the other did not is
    left out entirely, so the screen never shows who chose not to share.
    """
    shared = [r.shared_only() for r in respondents]
    return [row for row in pair_answers(worksheet, shared) if row.answered_by_all]


def _cell(item: Item, respondent: Respondent) -> Cell:
    stored = respondent.answers.get(item.id)
    if stored is None:
        return Cell(respondent)
    try:
        value = clean_answer(item, stored.value)
    except AnswerError:
        return Cell(respondent, None, stored.shareable, stored.updated_at, unreadable=True)
    return Cell(respondent, value, stored.shareable, stored.updated_at)
