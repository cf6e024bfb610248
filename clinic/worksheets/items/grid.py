"""boundary_grid: rows answered yes / maybe / not now / no, with a firm-limit box and a note.

A firm limit goes with maybe, not now or no only: "yes, as a firm limit" means nothing, so
the form offers the box beside those answers and cleaning refuses it beside a yes. Each row
may be shared on its own (``shared``), as well as the whole grid (the answer's share box).

The comparison's wording is part of the contract: where one partner's no or firm limit meets
the other's yes or maybe, the row is "a limit to respect", never a gap or a difference to
negotiate. "Shared" is kept for a partner's choice to share, never for matching answers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from flask_babel import gettext, lazy_gettext
from flask_babel import lazy_gettext as _l
from pydantic import Field, model_validator

from clinic.i18n import N_
from clinic.worksheets.items.base import (
    AnswerError,
    FhirSource,
    Fields,
    Hint,
    Id,
    Item,
    Model,
    Text,
    Value,
    answer_group,
    clean_choice,
    clean_flag,
    clean_mapping,
    clean_text,
    coded,
    coding,
    one_answer,
    question,
    register,
    require_unique,
    string_answer,
    tail,
)

# Stored value -> label shown to partners, in display order.
# The labels stay English here (FHIR exports them); pages show them through gettext.
GRID_ANSWERS = {"yes": N_("Yes"), "maybe": N_("Maybe"), "not_now": N_("Not now"), "no": N_("No")}
FIRM_ANSWERS = ("maybe", "not_now", "no")  # the answers a firm limit can go with
NOTE_MAX = 500  # a row's note
LONG_GRID = 14  # rows; a longer grid may break across pages between rows
GROUP_ROWS = 4  # rows a phone shows at a time, about; longer grids fold into such groups
FOLD_AFTER = 6  # rows; a grid this short stays in one piece

BOTH_YES = "both_yes"
EXPLORE = "explore"
LIMIT = "limit"
BOTH_NO = "both_no"
INCOMPLETE = "incomplete"

# key: (label, what it means for the therapist), in the order a session takes them up.
# English here; pages show them through gettext.
CATEGORIES: dict[str, tuple[str, str]] = {
    BOTH_YES: (N_("Both yes"), N_("Everyone said yes.")),
    EXPLORE: (
        N_("To explore together"),
        N_(
            "A yes or maybe meets a maybe or a not now: something to talk about slowly, "
            "if both want to."
        ),
    ),
    LIMIT: (
        N_("A limit to respect"),
        N_(
            "One partner said no or marked a firm limit. The limit stands as it is; it is "
            "information about how to care for them, not a position to bargain over."
        ),
    ),
    BOTH_NO: (
        N_("Both no"),
        N_("Neither partner wants this now: each said no or not now."),
    ),
    INCOMPLETE: (
        N_("Not compared yet"),
        N_("Not everyone has answered this row."),
    ),
}
_WANTING = ("yes", "maybe")


class GridRow(Model):
    id: Id
    label: Text

    hints: ClassVar[dict[str, Hint]] = {
        "id": Hint(_l("Reference name"), _l("Lowercase letters, digits, - or _.")),
        "label": Hint(_l("Row shown to partners")),
    }


class GridCell(Value):
    """One row's stored answer: ``{"answer"?, "non_negotiable", "note"?, "shared"?}``."""

    answer: str | None = None
    non_negotiable: bool = False
    note: str | None = None
    shared: bool = False  # this row may be shown to the partner; stored only when true

    def stored(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude={"shared"} if not self.shared else None)


@dataclass(frozen=True)
class RowGroup:
    """Rows a phone shows together, with how many have an answer; one group is open."""

    rows: list[GridRow]
    answered: int
    open: bool = False


@register
class BoundaryGridItem(Item):
    form_from_definition: ClassVar[bool] = True  # see Item
    type: Literal["boundary_grid"]
    rows: list[GridRow] = Field(min_length=1, max_length=40)

    share_label: ClassVar[str] = lazy_gettext("My partner may see all of this list in session")
    builder_name: ClassVar[str] = N_("Boundary grid (yes / maybe / not now / no per row)")
    hints: ClassVar[dict[str, Hint]] = {"rows": Hint(_l("Rows"), entry=_l("Row"))}

    @model_validator(mode="after")
    def _check(self) -> BoundaryGridItem:
        require_unique((r.id for r in self.rows), N_("row id"))
        return self

    @property
    def answer_labels(self) -> dict[str, str]:
        """Stored answer -> its label in the page's language, in display order."""
        return {value: gettext(label) for value, label in GRID_ANSWERS.items()}

    def choices(self) -> list[tuple[str, str]]:
        """The answers every row offers: (stored value, label)."""
        return list(self.answer_labels.items())

    def own_texts(self) -> Iterator[str]:
        return (r.label for r in self.rows)

    def own_texts_in(self, tr: Callable[[str], str]) -> dict[str, Any]:
        return {"rows": [r.model_copy(update={"label": tr(r.label)}) for r in self.rows]}

    def breaks_across_pages(self) -> bool:
        return len(self.rows) > LONG_GRID

    def row_groups(self, value: Any) -> list[RowGroup]:
        """The rows in groups of about GROUP_ROWS that a phone shows one at a time (a grid of
        up to FOLD_AFTER rows is one group); the first with a row to answer is open."""
        count = 1 if len(self.rows) <= FOLD_AFTER else math.ceil(len(self.rows) / GROUP_ROWS)
        size, extra = divmod(len(self.rows), count)
        given = value if isinstance(value, Mapping) else {}
        groups, start = [], 0
        for index in range(count):
            rows = self.rows[start : start + size + (index < extra)]
            start += len(rows)
            groups.append(RowGroup(rows, sum("answer" in given.get(r.id, {}) for r in rows)))
        first = next((g for g in groups if g.answered < len(g.rows)), groups[0])
        return [replace(g, open=g is first) for g in groups]

    def cells(self, value: Mapping[str, Any]) -> dict[str, GridCell]:
        """The stored answer as typed cells, by row id."""
        return {k: GridCell(**v) for k, v in value.items()}

    def read_form(self, fields: Fields, name: str) -> dict[str, Any]:
        """The firm-limit box counts only beside an answer it goes with: the form hides it
        beside a yes (or no answer), where a tick left from before cannot be seen."""
        out = {}
        for row in self.rows:
            answer = fields.one(f"{name}.{row.id}")
            out[row.id] = {
                "answer": answer,
                "non_negotiable": answer in FIRM_ANSWERS and fields.checked(f"{name}.{row.id}.nn"),
                "note": fields.one(f"{name}.{row.id}.note"),
                "shared": fields.checked(f"{name}.{row.id}.share"),
            }
        return out

    def as_posted(self, fields: Fields, name: str, stored: Any) -> dict[str, Any]:
        """Every row's parts as sent (a firm-limit tick beside a yes too); empty parts are left
        out, as in a stored answer, so that the row groups count only rows with an answer."""
        out = {}
        for row in self.rows:
            row_name = f"{name}.{row.id}"
            cell = {
                "answer": fields.one(row_name),
                "non_negotiable": fields.checked(f"{row_name}.nn"),
                "note": fields.one(f"{row_name}.note"),
                "shared": fields.checked(f"{row_name}.share"),
            }
            if given := {part: value for part, value in cell.items() if value}:
                out[row.id] = given
        return out

    def clean(self, raw: Any) -> dict[str, Any]:
        rows = clean_mapping(raw, {r.id for r in self.rows})
        out = {}
        for row in self.rows:
            if row.id not in rows:
                continue
            part = clean_mapping(rows[row.id], {"answer", "non_negotiable", "note", "shared"})
            answer = part.get("answer")
            cell = GridCell(
                answer=None if answer in (None, "") else clean_choice(answer, list(GRID_ANSWERS)),
                non_negotiable=clean_flag(part.get("non_negotiable", False)),
                # Lazy: the label is only read for a message, and handouts clean every row.
                note=clean_text(
                    part.get("note", ""),
                    NOTE_MAX,
                    lazy_gettext("The note on “%(row)s”", row=row.label),
                )
                or None,
                shared=clean_flag(part.get("shared", False)),
            )
            if cell.non_negotiable and cell.answer == "yes":
                raise AnswerError(
                    gettext(
                        "“%(row)s”: a firm limit goes with Maybe, Not now or No, not with Yes.",
                        row=row.label,
                    )
                )
            if cell != GridCell():
                out[row.id] = cell.stored()
        return out

    def is_complete(self, value: dict[str, Any]) -> bool:
        """Once every row has an answer."""
        return all("answer" in value.get(row.id, {}) for row in self.rows)

    def answer_units(self, value: Any) -> tuple[int, int]:
        """Each row with an answer counts."""
        given = value or {}
        return sum("answer" in given.get(row.id, {}) for row in self.rows), len(self.rows)

    def shared_part(self, value: Any, shareable: bool) -> Any:
        """Every row when the whole grid is shared, else only the rows shared one by one."""
        if shareable:
            return value
        rows = {k: v for k, v in value.items() if isinstance(v, Mapping) and v.get("shared")}
        return rows or None

    def common_part(self, values: Sequence[Any]) -> list[Any] | None:
        """Only the rows every respondent answered, so nothing shows who left one out."""
        answered = [
            row.id
            for row in self.rows
            if all(
                (a := GridAnswer.from_value(v.get(row.id))) is not None and a.is_answered
                for v in values
            )
        ]
        if not answered:
            return None
        return [{k: v[k] for k in answered} for v in values]

    def private_copy(self, value: Any) -> Any:
        return {k: {p: x for p, x in v.items() if p != "shared"} for k, v in value.items()}

    def describe(self, value: Any) -> str:
        cells = self.cells(value)
        lines = []
        for row in self.rows:
            cell = cells.get(row.id)
            if not cell:
                continue
            text = f"{row.label}: {self.answer_labels.get(cell.answer or '', '-')}"
            if cell.non_negotiable:
                text += " " + gettext("(a firm limit)")
            if cell.note:
                text += f" - {cell.note}"
            lines.append(text)
        return "\n".join(lines)

    def texts(self, value: Any) -> list[str]:
        return [cell.note or "" for cell in self.cells(value).values()]

    def comparison(self, values: Sequence[Any]) -> GridComparison:
        """Compare every row across respondents' stored values (None: not answered)."""
        rows = []
        for row in self.rows:
            answers = tuple(
                GridAnswer.from_value(v.get(row.id)) if isinstance(v, Mapping) else None
                for v in values
            )
            rows.append(GridRowComparison(row, answers, classify_row(answers)))
        return GridComparison(self, tuple(rows))

    def printed_lines(
        self, comparison: GridComparison | None, cells: Sequence[Any]
    ) -> tuple[GridLine, ...]:
        """The rows as a handout prints them, compared when there is a comparison."""
        if comparison is not None:
            return tuple(GridLine(r.row.label, r.answers, r.category) for r in comparison.rows)
        return tuple(
            GridLine(
                r.label,
                tuple(
                    GridAnswer.from_value(c.value.get(r.id)) if isinstance(c.value, dict) else None
                    for c in cells
                ),
            )
            for r in self.rows
        )

    def merge_parts(self, value: Any) -> dict[str, Any]:
        """Each row is a part: partners answering different rows of a joint grid both keep
        their answers; only the same row changed by both is a clash."""
        value = value or {}
        return {row.id: value.get(row.id) for row in self.rows}

    def from_merge_parts(self, parts: dict[str, Any]) -> Any:
        rows = {row.id: parts[row.id] for row in self.rows if parts.get(row.id)}
        return rows or None

    def sample_answer(self, text: str) -> dict[str, Any]:
        return {
            row.id: {
                "answer": "no" if index == 1 else "yes",
                "non_negotiable": index == 1,
                "note": f"{text} note",
            }
            for index, row in enumerate(self.rows[:2])
        }

    def fhir_question(self) -> dict[str, Any]:
        grid = coding(GRID_ANSWERS.items())
        base = self.id
        return {
            "item": [
                question(
                    f"{base}.{row.id}",
                    "group",
                    row.label,
                    item=[
                        question(f"{base}.{row.id}.answer", "choice", "Answer", answerOption=grid),
                        question(f"{base}.{row.id}.nn", "boolean", "Non-negotiable"),
                        question(f"{base}.{row.id}.note", "string", "Note"),
                        question(f"{base}.{row.id}.share", "boolean", "Shared with the partner"),
                    ],
                )
                for row in self.rows
            ]
        }

    def fhir_answer(self, value: Any) -> dict[str, Any]:
        cells = self.cells(value)
        return {
            "item": [
                answer_group(f"{self.id}.{row.id}", row.label, self._fhir_cell(row, cell))
                for row in self.rows
                if (cell := cells.get(row.id)) is not None
            ]
        }

    @classmethod
    def from_questionnaire_item(cls, node: dict[str, Any], source: FhirSource) -> dict[str, Any]:
        """Rows from the row groups ``<item>.<row>`` of Tandem's export."""
        link = str(node.get("linkId", ""))
        rows = [
            {"id": tail(child, link), "label": str(child.get("text") or "")}
            for child in source.children(node)
        ]
        return {"rows": rows}

    def from_fhir_answer(self, node: dict[str, Any]) -> Any:
        rows = {f"{self.link_id}.{row.id}": row.id for row in self.rows}
        out: dict[str, Any] = {}
        for group in node.get("item") or []:
            row_id = rows.get(str(group.get("linkId"))) if isinstance(group, dict) else None
            if row_id is None:
                raise AnswerError("This list has a row it does not know.")
            cell: dict[str, Any] = {}
            for part in group.get("item") or []:
                name = str(part.get("linkId", "")).rpartition(".")[2]
                if name == "answer":
                    cell["answer"] = coded(one_answer(part, "Coding"))
                elif name in ("nn", "share"):
                    key = "non_negotiable" if name == "nn" else "shared"
                    cell[key] = one_answer(part, "Boolean")
                elif name == "note":
                    cell["note"] = one_answer(part, "String")
            out[row_id] = cell
        return out

    def _fhir_cell(self, row: GridRow, cell: GridCell) -> list[dict[str, Any] | None]:
        link = f"{self.id}.{row.id}"
        chosen = None
        if cell.answer in GRID_ANSWERS:
            code = {"code": cell.answer, "display": GRID_ANSWERS[cell.answer]}
            chosen = {"linkId": f"{link}.answer", "answer": [{"valueCoding": code}]}
        return [
            chosen,
            {"linkId": f"{link}.nn", "answer": [{"valueBoolean": cell.non_negotiable}]},
            string_answer(f"{link}.note", cell.note),
            {"linkId": f"{link}.share", "answer": [{"valueBoolean": True}]}
            if cell.shared
            else None,
        ]


# --- comparing partners ---------------------------------------------------------------------


@dataclass(frozen=True)
class GridAnswer:
    """One partner's answer to one row, as the comparison reads it."""

    answer: str | None
    non_negotiable: bool = False
    note: str = ""
    shared: bool = False  # this row was shared on its own

    @classmethod
    def from_value(cls, raw: Any) -> GridAnswer | None:
        if not isinstance(raw, Mapping):
            return None
        return cls(
            raw.get("answer"),
            bool(raw.get("non_negotiable")),
            raw.get("note") or "",
            bool(raw.get("shared")),
        )

    @property
    def is_limit(self) -> bool:
        """A no, or anything marked firm: when in doubt, read the answer as a limit."""
        return self.answer == "no" or self.non_negotiable

    @property
    def is_answered(self) -> bool:
        return self.answer is not None or self.non_negotiable

    @property
    def label(self) -> str:
        text = gettext(GRID_ANSWERS.get(self.answer or "", N_("No answer")))
        return gettext("%(answer)s (firm limit)", answer=text) if self.non_negotiable else text


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
        return BOTH_NO
    if all(a.answer == "yes" for a in given):
        return BOTH_YES
    return EXPLORE


@dataclass(frozen=True)
class GridRowComparison:
    row: GridRow
    answers: tuple[GridAnswer | None, ...]  # aligned with the respondents
    category: str

    @property
    def label(self) -> str:
        return gettext(CATEGORIES[self.category][0])

    @property
    def rank(self) -> int:
        """Position in the order a session takes rows up: both yes first, limits last."""
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

    def compared_only(self) -> GridComparison:
        """Only the rows every respondent answered (what a session may show)."""
        return GridComparison(self.item, tuple(r for r in self.rows if r.category != INCOMPLETE))


@dataclass(frozen=True)
class GridLine:
    """One row as a handout prints it: each respondent's answer and, if compared, what the
    answers mean together."""

    label: str
    answers: tuple[GridAnswer | None, ...]
    category: str | None = None

    @property
    def category_label(self) -> str:
        return gettext(CATEGORIES[self.category][0]) if self.category else ""
