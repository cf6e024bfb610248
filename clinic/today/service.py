"""What the Today page lists, in a fixed number of queries however large the practice.

Alerts come from clinic.safety, open work from clinic.assignments (already loaded with
everything its status tables need); the rest is worked out from those rows in Python.
Days are judged in each couple's own time zone (clinic.localtime).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from clinic.assignments import service as assignments
from clinic.enums import AnsweredBy, ResponseStatus
from clinic.extensions import db
from clinic.models import (
    AssignedWorksheet,
    Assignment,
    ClientLink,
    Couple,
    Response,
    SafetyAlert,
    Therapist,
)
from clinic.safety import service as safety
from clinic.storage import utcnow

EXPIRING_DAYS = 3  # a link ending within this many days, with work unfinished, is listed
FIRST_VISIT_DAYS = 7  # before any visit, "new" means submitted within this many days
MAX_SUBMISSIONS = 50  # the newest first; the rest are on the couples' pages
SINCE_KEY = "today_since"  # the session remembers the visit before this one


@dataclass(frozen=True)
class Submission:
    response: Response
    assignment: Assignment
    title: str


@dataclass(frozen=True)
class ExpiringLink:
    link: ClientLink
    assignment: Assignment


@dataclass(frozen=True)
class Today:
    alerts: list[safety.AlertView]
    submissions: list[Submission]
    overdue: list[Assignment]
    due_this_week: list[Assignment]
    expiring: list[ExpiringLink]
    since: datetime


def today(therapist: Therapist, since: datetime, now: datetime | None = None) -> Today:
    now = now or utcnow()
    open_work = assignments.due_assignments(therapist)
    unfinished = [a for a in open_work if not assignments.is_complete(a)]
    overdue, this_week = [], []
    for assignment in unfinished:
        if assignment.due_date is None:
            continue
        day = assignments.couple_today(assignment.couple, now)
        if assignment.due_date < day:
            overdue.append(assignment)
        elif assignment.due_date <= day + timedelta(days=6):
            this_week.append(assignment)
    return Today(
        alerts=safety.open_alerts(therapist),
        submissions=new_submissions(therapist, since),
        overdue=overdue,
        due_this_week=this_week,
        expiring=_expiring(unfinished, now),
        since=since,
    )


def new_submissions(therapist: Therapist, since: datetime) -> list[Submission]:
    """Worksheets sent since ``since`` on active couples, the newest first."""
    rows = db.session.scalars(
        _submitted_since(therapist, since)
        .options(
            contains_eager(Response.assigned_worksheet)
            .contains_eager(AssignedWorksheet.assignment)
            .contains_eager(Assignment.couple),
            contains_eager(Response.assigned_worksheet).contains_eager(
                AssignedWorksheet.worksheet_version
            ),
            joinedload(Response.partner),
        )
        .order_by(Response.submitted_at.desc(), Response.id.desc())
        .limit(MAX_SUBMISSIONS)
    )
    return [
        Submission(r, r.assigned_worksheet.assignment, r.assigned_worksheet.worksheet_version.title)
        for r in rows
    ]


def nav_counts(therapist: Therapist, since: datetime) -> tuple[int, int]:
    """(alerts waiting, worksheets sent since the last visit) for the navigation, in one query."""
    alerts = (
        select(func.count(SafetyAlert.id))
        .join(Response, Response.id == SafetyAlert.response_id)
        .join(AssignedWorksheet, AssignedWorksheet.id == Response.assigned_worksheet_id)
        .join(Assignment, Assignment.id == AssignedWorksheet.assignment_id)
        .join(Couple, Couple.id == Assignment.couple_id)
        .where(Couple.therapist_id == therapist.id, SafetyAlert.reviewed_at.is_(None))
    )
    sent = _submitted_since(therapist, since).with_only_columns(func.count(Response.id))
    row = db.session.execute(select(alerts.scalar_subquery(), sent.scalar_subquery())).one()
    return row[0], row[1]


def visit_since(therapist: Therapist, remembered: float | None, now: datetime) -> datetime:
    """Since when work counts as new: the visit before this session's first Today visit."""
    if remembered is not None:
        return datetime.fromtimestamp(remembered, tz=now.tzinfo)
    return therapist.today_seen_at or now - timedelta(days=FIRST_VISIT_DAYS)


def _submitted_since(therapist: Therapist, since: datetime):
    return (
        select(Response)
        .join(Response.assigned_worksheet)
        .join(AssignedWorksheet.worksheet_version)
        .join(AssignedWorksheet.assignment)
        .join(Assignment.couple)
        .where(
            Couple.therapist_id == therapist.id,
            Couple.archived_at.is_(None),
            Response.status == ResponseStatus.SUBMITTED,
            Response.submitted_at > since,
        )
    )


def _expiring(unfinished: list[Assignment], now: datetime) -> list[ExpiringLink]:
    """Active links ending soon whose partner still has something to send."""
    soon = now + timedelta(days=EXPIRING_DAYS)
    found = []
    for assignment in unfinished:
        for link in assignment.links:
            ending = link.revoked_at is None and now < link.expires_at <= soon
            if ending and _partner_unfinished(assignment, link.partner_id):
                found.append(ExpiringLink(link, assignment))
    return sorted(found, key=lambda e: e.link.expires_at)


def _partner_unfinished(assignment: Assignment, partner_id: int) -> bool:
    for assigned in assignment.worksheets:
        mine = None if assigned.answered_by == AnsweredBy.COUPLE else partner_id
        for response in assigned.responses:
            if response.partner_id == mine and response.status != ResponseStatus.SUBMITTED:
                return True
    return False
