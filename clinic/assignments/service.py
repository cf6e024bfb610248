"""Assignments: what a couple was given, who has done what, and the therapist's checks on it."""

from dataclasses import dataclass
from datetime import date, datetime

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic import localtime
from clinic.assignments import links
from clinic.enums import AnsweredBy, ResponseStatus, WhoAnswers
from clinic.extensions import db
from clinic.models import (
    AssignedWorksheet,
    Assignment,
    ClientLink,
    Couple,
    Partner,
    Response,
    Therapist,
    WorksheetVersion,
)
from clinic.safety import service as safety
from clinic.storage import utcnow
from clinic.worksheets.schema import Worksheet
from clinic.worksheets.versions import snapshot

WHO_ANSWERS = {
    WhoAnswers.DESIGN: lazy_gettext("As each worksheet is designed"),
    WhoAnswers.EACH_PARTNER: lazy_gettext("Each partner on their own"),
    WhoAnswers.COUPLE: lazy_gettext("The couple together, on one shared form"),
}
STATUS_LABELS = {
    ResponseStatus.NOT_OPENED: lazy_gettext("Not opened"),
    ResponseStatus.OPENED: lazy_gettext("Opened"),
    ResponseStatus.IN_PROGRESS: lazy_gettext("In progress"),
    ResponseStatus.SUBMITTED: lazy_gettext("Submitted"),
}


@dataclass(frozen=True)
class StatusCell:
    """One partner's (or, for a joint worksheet, the couple's) progress on one worksheet."""

    who: str
    status: ResponseStatus
    opened_at: datetime | None
    updated_at: datetime | None
    submitted_at: datetime | None

    @property
    def label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))


@dataclass(frozen=True)
class WorksheetStatus:
    title: str
    joint: bool
    cells: list[StatusCell]


def create_assignment(
    couple: Couple,
    worksheets: list[Worksheet],
    *,
    who_answers: WhoAnswers | str = WhoAnswers.DESIGN,
    due_date: date | None = None,
    note: str = "",
    link_days: int,
) -> tuple[Assignment, list[links.IssuedLink]]:
    """Snapshot the worksheets, create empty responses and one link per partner."""
    versions = [snapshot(ws) for ws in worksheets]
    assignment = Assignment(couple=couple, note=note, due_date=due_date, link_days=link_days)
    for position, (ws, version) in enumerate(zip(worksheets, versions, strict=True)):
        # A private worksheet is answered by each partner alone, and one with an agreement
        # by the couple together, whatever the form says.
        fixed = ws.private_only or any(item.made_together for _, item in ws.items())
        answered_by = (
            ws.answered_by if who_answers == WhoAnswers.DESIGN or fixed else AnsweredBy(who_answers)
        )
        assigned = AssignedWorksheet(
            worksheet_version=version, position=position, answered_by=answered_by
        )
        if answered_by == AnsweredBy.COUPLE:
            assigned.responses.append(Response(partner=None))
        assignment.worksheets.append(assigned)
    db.session.add(assignment)
    issued = [links.issue_link(assignment, partner) for partner in couple.partners]
    db.session.flush()  # the caller audits the new links' ids
    return assignment, issued


def own_assignment_or_404(therapist: Therapist, assignment_id: int) -> Assignment:
    """The assignment if its couple belongs to this therapist; 404 otherwise."""
    assignment = db.session.scalar(
        select(Assignment)
        .join(Assignment.couple)
        .where(Assignment.id == assignment_id, Couple.therapist_id == therapist.id)
        .options(*_status_loading())
    )
    if assignment is None:
        abort(404)
    return assignment


def own_link_or_404(assignment: Assignment, link_id: int) -> ClientLink:
    link = next((link for link in assignment.links if link.id == link_id), None)
    if link is None:
        abort(404)
    return link


def set_locked(assignment: Assignment, locked: bool) -> None:
    """A locked assignment shows partners their answers read-only."""
    assignment.locked_at = utcnow() if locked else None


def due_assignments(therapist: Therapist) -> list[Assignment]:
    """Open assignments of active couples, the soonest due first (no due date last)."""
    return list(
        db.session.scalars(
            select(Assignment)
            .join(Assignment.couple)
            .where(
                Couple.therapist_id == therapist.id,
                Couple.archived_at.is_(None),
                Assignment.locked_at.is_(None),
            )
            .order_by(
                Assignment.due_date.is_(None),
                Assignment.due_date,
                Assignment.created_at,
                Assignment.id,
            )
            .options(*_status_loading())
        )
    )


def couple_assignments(couple: Couple) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.couple_id == couple.id)
            .order_by(Assignment.created_at.desc(), Assignment.id.desc())
            .options(*_status_loading())
        )
    )


def sheet_statuses(assignment: Assignment) -> list[WorksheetStatus]:
    """For each worksheet, each partner's status with its times (one cell if answered jointly)."""
    rows = []
    partners = assignment.couple.partners
    for assigned in assignment.worksheets:
        by_partner = {r.partner_id: r for r in assigned.responses}
        joint = assigned.answered_by == AnsweredBy.COUPLE
        if joint:
            cells = [_cell(_("Together"), by_partner.get(None))]
        else:
            cells = [_cell(p.display_name, by_partner.get(p.id)) for p in partners]
        rows.append(WorksheetStatus(assigned.worksheet_version.title, joint, cells))
    return rows


def is_complete(assignment: Assignment) -> bool:
    """Every response submitted: nothing left to wait for, only to review and lock."""
    responses = (r for assigned in assignment.worksheets for r in assigned.responses)
    return all(r.status == ResponseStatus.SUBMITTED for r in responses)


def couple_today(couple: Couple, now: datetime | None = None) -> date:
    """Today where the couple lives: the day their due dates are judged by."""
    return localtime.today_in(localtime.couple_zone_name(couple), now)


def is_overdue(assignment: Assignment, today: date | None = None) -> bool:
    """Past its due date in the couple's own day, with work still unfinished."""
    if assignment.due_date is None or assignment.due_date >= (
        today or couple_today(assignment.couple)
    ):
        return False
    return not is_complete(assignment)


def why_no_email(partner: Partner, mail_enabled: bool) -> str | None:
    """Why this partner's link cannot be e-mailed, or None when it can."""
    if not mail_enabled:
        return _("E-mail is not set up for this practice: copy the link or show the QR code.")
    if refusal := safety.email_refusal(partner):
        return refusal
    if not partner.email:
        return _("No e-mail address is saved for %(partner)s.", partner=partner.display_name)
    return None


def _cell(who: str, response: Response | None) -> StatusCell:
    if response is None:
        return StatusCell(who, ResponseStatus.NOT_OPENED, None, None, None)
    return StatusCell(
        who, response.status, response.opened_at, response.updated_at, response.submitted_at
    )


def _status_loading():
    """Everything a status table shows, in a fixed number of queries; definitions stay unread."""
    sheets = selectinload(Assignment.worksheets)
    return (
        selectinload(Assignment.couple).selectinload(Couple.partners),
        sheets.selectinload(AssignedWorksheet.worksheet_version).load_only(
            WorksheetVersion.id, WorksheetVersion.slug, WorksheetVersion.title
        ),
        sheets.selectinload(AssignedWorksheet.responses),
        selectinload(Assignment.links).selectinload(ClientLink.partner),
    )
