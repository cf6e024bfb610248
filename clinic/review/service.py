"""What the review pages show, loaded in a fixed number of queries however much there is.

Views stay thin: they ask here for a couple's or an assignment's review, and get plain data
(``compare`` rows, grid summaries, ``trends``) that templates and PDFs render alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, g
from flask_babel import gettext
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic.couples.service import own_couple_or_404
from clinic.enums import AnsweredBy
from clinic.extensions import db
from clinic.models import (
    AssignedWorksheet,
    Assignment,
    Couple,
    Partner,
    Response,
    SessionNote,
    Therapist,
)
from clinic.review.compare import (
    GridSummary,
    ItemRow,
    Respondent,
    StoredAnswer,
    pair_answers,
    session_rows,
    summarize,
)
from clinic.review.scores import ScoreCard, ScoreTrend, collect_score_trends, score_card
from clinic.review.trends import Observation, Trend, collect_trends
from clinic.safety.privacy import is_private_worksheet
from clinic.storage import utcnow
from clinic.worksheets.items.agreement import AgreementItem
from clinic.worksheets.schema import Worksheet
from clinic.worksheets.versions import worksheet_of


def together() -> str:
    """The respondent of a worksheet the couple answers on one form, in the page's language."""
    return gettext("Together")


NOTE_MAX = 20_000


@dataclass(frozen=True)
class WorksheetReview:
    assigned: AssignedWorksheet
    worksheet: Worksheet | None  # None when the stored definition can no longer be read
    respondents: list[Respondent]
    rows: list[ItemRow]
    summary: GridSummary
    scores: ScoreCard | None = None  # in the session view: shared scores only

    @property
    def title(self) -> str:
        return self.assigned.worksheet_version.title

    @property
    def joint(self) -> bool:
        return self.assigned.answered_by == AnsweredBy.COUPLE


@dataclass(frozen=True)
class AssignmentReview:
    assignment: Assignment
    worksheets: list[WorksheetReview]

    @property
    def submitted(self) -> bool:
        """Whether anyone has sent answers; the couple page opens the newest such review."""
        return any(r.submitted_at for s in self.worksheets for r in s.respondents)

    @property
    def summary(self) -> GridSummary:
        total: Counter[str] = Counter()
        for reviewed in self.worksheets:
            total.update(reviewed.summary.counts)
        return GridSummary(total)


def assignment_couple_or_404(therapist: Therapist, assignment_id: int) -> Couple:
    """The couple an assignment belongs to, if it is this therapist's; 404 otherwise."""
    couple_id = db.session.scalar(
        select(Assignment.couple_id)
        .join(Assignment.couple)
        .where(Assignment.id == assignment_id, Couple.therapist_id == therapist.id)
    )
    if couple_id is None:
        abort(404)
    return own_couple_or_404(therapist, couple_id)


def history(couple: Couple, only: Collection[int] | None = None) -> list[Assignment]:
    """Every assignment of the couple (or those of them with an id in ``only``), newest
    first, with worksheets, responses and answers."""
    worksheets = selectinload(Assignment.worksheets)
    query = select(Assignment).where(Assignment.couple_id == couple.id)
    if only is not None:
        query = query.where(Assignment.id.in_(only))
    return list(
        db.session.scalars(
            query.order_by(Assignment.created_at.desc(), Assignment.id.desc()).options(
                worksheets.selectinload(AssignedWorksheet.worksheet_version),
                worksheets.selectinload(AssignedWorksheet.responses).selectinload(Response.answers),
            )
        )
    )


def pick(assignments: Iterable[Assignment], assignment_id: int) -> Assignment:
    found = next((a for a in assignments if a.id == assignment_id), None)
    if found is None:
        abort(404)
    return found


def review_assignment(
    assignment: Assignment,
    partners: Sequence[Partner],
    for_session: bool = False,
    score_trends: Sequence[ScoreTrend] = (),
) -> AssignmentReview:
    """Each worksheet's answers side by side; ``for_session`` keeps only what both shared.

    The session view's score cards hold shared scores only; ``score_trends`` (from
    ``score_trends_for``) lets them say whether a change since last time is reliable.
    """
    names = partner_names(partners)
    reviewed = []
    for assigned in assignment.worksheets:
        if for_session and is_private_worksheet(assigned):
            continue  # private answers never reach a screen both partners see, nor their title
        worksheet = _worksheet(assigned)
        respondents = respondents_of(assigned, partners, names)
        if worksheet is None:
            rows = []
        elif for_session:
            rows = session_rows(worksheet, respondents)
        else:
            rows = pair_answers(worksheet, respondents)
        summary = summarize(row.grid for row in rows)
        card = None
        if worksheet is not None:
            # On the session screen a score shows only when its respondent shared every
            # question of it, with no flags and no earlier score to compare with.
            trends = () if for_session else score_trends
            card = score_card(worksheet, respondents, trends, shared_only=for_session)
        reviewed.append(WorksheetReview(assigned, worksheet, respondents, rows, summary, card))
    return AssignmentReview(assignment, reviewed)


def trends_for(
    assignments: Iterable[Assignment], partners: Sequence[Partner], slugs: set[str] | None = None
) -> list[Trend]:
    """Scale answers over time from every submitted response (of these worksheet slugs)."""
    names = partner_names(partners)
    return collect_trends(observations(assignments, names, slugs), [*names.values(), together()])


def score_trends_for(
    assignments: Iterable[Assignment], partners: Sequence[Partner], slugs: set[str] | None = None
) -> list[ScoreTrend]:
    """Scores over time from every submitted response of scored worksheets."""
    names = partner_names(partners)
    found = observations(assignments, names, slugs)
    return collect_score_trends(found, [*names.values(), together()])


def observations(
    assignments: Iterable[Assignment], names: dict[int, str], slugs: set[str] | None = None
) -> list[Observation]:
    """Every submitted response (of these worksheet slugs) as who answered what, when."""
    found = []
    for assignment in assignments:
        for assigned in assignment.worksheets:
            if slugs is not None and assigned.worksheet_version.slug not in slugs:
                continue
            worksheet = _worksheet(assigned)
            for response in assigned.responses:
                if worksheet is None or response.submitted_at is None:
                    continue
                who = together() if response.partner_id is None else names.get(response.partner_id)
                if who is None:
                    continue
                values = {a.item_id: a.value for a in response.answers}
                found.append(Observation(worksheet, who, response.submitted_at, values))
    return found


def partner_names(partners: Sequence[Partner]) -> dict[int, str]:
    """Each partner's display name, made unique, so two partners called Alex stay apart."""
    names: dict[int, str] = {}
    for partner in partners:
        name = partner.display_name
        if name in names.values():
            name = f"{name} ({partner.position + 1})"
        names[partner.id] = name
    return names


def name_partners(partners: Sequence[Partner]) -> None:
    """Let this request's agreement templates name each partner (by partner id): agreement
    records hold ids only, so an export for one partner names nobody else."""
    g.agreement_names = {str(pid): name for pid, name in partner_names(partners).items()}


def respondents_of(
    assigned: AssignedWorksheet, partners: Sequence[Partner], names: dict[int, str]
) -> list[Respondent]:
    by_partner = {r.partner_id: r for r in assigned.responses}
    if assigned.answered_by == AnsweredBy.COUPLE:
        return [_respondent(together(), by_partner.get(None))]
    return [_respondent(names[p.id], by_partner.get(p.id)) for p in partners]


def _respondent(name: str, response: Response | None) -> Respondent:
    if response is None:
        return Respondent(name, {})
    answers = {
        a.item_id: StoredAnswer(a.value, a.shareable, a.updated_at) for a in response.answers
    }
    return Respondent(name, answers, response.status, response.submitted_at, response.language)


def _worksheet(assigned: AssignedWorksheet) -> Worksheet | None:
    try:
        return worksheet_of(assigned.worksheet_version)
    except (ValidationError, ValueError):
        return None


# --- agreements -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementLine:
    """One agreement a couple makes together, for the couple page: agreed? look again when?"""

    title: str
    assignment_id: int
    assigned_id: int
    item: AgreementItem
    value: Any

    @property
    def agreed(self) -> bool:
        return self.item.is_agreed(self.value)

    @property
    def look_again(self) -> date | None:
        return self.item.look_again(self.value)


def agreements_of(couple: Couple) -> list[AgreementLine]:
    """Every agreement the couple started, newest assignment first (a fixed few queries)."""
    lines = []
    for assignment in history(couple):
        for assigned in assignment.worksheets:
            response = next((r for r in assigned.responses if r.partner_id is None), None)
            worksheet = _worksheet(assigned) if response is not None else None
            if worksheet is None or response is None:
                continue
            answers = {a.item_id: a.value for a in response.answers}
            for _, item in worksheet.items():
                if isinstance(item, AgreementItem) and item.id in answers:
                    lines.append(
                        AgreementLine(
                            assigned.worksheet_version.title,
                            assignment.id,
                            assigned.id,
                            item,
                            answers[item.id],
                        )
                    )
    return lines


# --- session notes ------------------------------------------------------------------------


def notes_for(couple: Couple, assignment: Assignment | None = None) -> list[SessionNote]:
    """The couple's notes (or one assignment's), newest first."""
    query = select(SessionNote).where(SessionNote.couple_id == couple.id)
    if assignment is not None:
        query = query.where(SessionNote.assignment_id == assignment.id)
    return list(
        db.session.scalars(query.order_by(SessionNote.created_at.desc(), SessionNote.id.desc()))
    )


def add_note(couple: Couple, body: str, *, assignment_id: int | None = None) -> SessionNote:
    """A note on the couple, or on one of its assignments (the caller checked it is theirs)."""
    now = utcnow()
    note = SessionNote(
        couple_id=couple.id, assignment_id=assignment_id, body=body, created_at=now, updated_at=now
    )
    db.session.add(note)
    db.session.flush()  # the caller may link to the new note
    return note


def update_note(note: SessionNote, body: str) -> None:
    note.body = body


def own_note_or_404(therapist: Therapist, note_id: int) -> SessionNote:
    note = db.session.scalar(
        select(SessionNote)
        .join(Couple, Couple.id == SessionNote.couple_id)
        .where(SessionNote.id == note_id, Couple.therapist_id == therapist.id)
    )
    if note is None:
        abort(404)
    return note
