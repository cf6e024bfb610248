"""Reminders for unfinished work, set per assignment (e.g. two days before the due date and
on the day), by e-mail only, and only where it is safe.

Never to a partner whose contact preference is anything but "any" (fail closed), nor without
an address, nor once their part is sent, nor on a locked assignment, nor when they hold no
working link (the reminder asks them to use the link they were given: a token exists only as
its hash, so no link can be put in it), nor in quiet hours where the couple lives. At most
``max_per_partner`` per partner and assignment.

Each reminder is a :class:`ReminderSent` row, inserted (claimed) and committed before the
message goes out; the row is unique per (assignment, partner, day), and every attempt to send
is claimed by a compare-and-set on ``attempts``, so no two workers send the same reminder.
A failed send is tried again with backoff; after :data:`MAX_ATTEMPTS` it is marked failed.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import selectinload

from clinic import localtime
from clinic.assignments.links import link_state
from clinic.enums import ContactPreference, LinkState, ResponseStatus
from clinic.extensions import db
from clinic.models import (
    AssignedWorksheet,
    Assignment,
    Couple,
    Partner,
    ReminderPlan,
    ReminderSent,
)

MAX_ATTEMPTS = 4
FIRST_RETRY = timedelta(minutes=5)
MAX_DAYS_BEFORE = 14
QUIET_HOURS = ("QUIET_HOURS_FROM", "QUIET_HOURS_UNTIL")


@dataclass(frozen=True)
class Due:
    """One reminder that should go out now."""

    assignment_id: int
    partner_id: int
    days_before: int


def set_plan(assignment: Assignment, days_before: list[int], max_per_partner: int) -> None:
    """Remind on these days before the due date (0: on the day); an empty list: no reminders."""
    plan = db.session.get(ReminderPlan, assignment.id)
    days = sorted({d for d in days_before if 0 <= d <= MAX_DAYS_BEFORE}, reverse=True)
    if not days:
        if plan is not None:
            db.session.delete(plan)
        return
    if plan is None:
        plan = ReminderPlan(assignment_id=assignment.id)
        db.session.add(plan)
    plan.days_before = days
    plan.max_per_partner = max_per_partner
    db.session.flush()


def plan_of(assignment: Assignment) -> ReminderPlan | None:
    return db.session.get(ReminderPlan, assignment.id)


def sent_for(assignment: Assignment) -> list[ReminderSent]:
    """Every reminder claimed for this assignment, for its page: who, when, sent or failed."""
    return list(
        db.session.scalars(
            select(ReminderSent)
            .where(ReminderSent.assignment_id == assignment.id)
            .options(selectinload(ReminderSent.partner))
            .order_by(ReminderSent.claimed_at, ReminderSent.id)
        )
    )


def failed_for(therapist_id: int) -> list[ReminderSent]:
    """Reminders that could not be sent after every attempt: for the Today page."""
    return list(
        db.session.scalars(
            select(ReminderSent)
            .join(ReminderSent.assignment)
            .join(Assignment.couple)
            .where(Couple.therapist_id == therapist_id, ReminderSent.failed_at.is_not(None))
            .options(
                selectinload(ReminderSent.partner),
                selectinload(ReminderSent.assignment).selectinload(Assignment.couple),
            )
            .order_by(ReminderSent.failed_at.desc())
        )
    )


def in_quiet_hours(moment: datetime, zone_name: str) -> bool:
    config = current_app.config
    start, end = (time.fromisoformat(config[name]) for name in QUIET_HOURS)
    now = localtime.local(moment, zone_name).time()
    return start <= now or now < end if start > end else start <= now < end


def may_remind(partner: Partner, assignment: Assignment, now: datetime) -> bool:
    """Every rule but the dates and the count: safe, useful and not in quiet hours."""
    if partner.contact_preference != ContactPreference.ANY or not partner.email:
        return False
    if assignment.locked_at is not None:
        return False
    if in_quiet_hours(now, localtime.couple_zone_name(assignment.couple)):
        return False
    responses = [
        r
        for assigned in assignment.worksheets
        for r in assigned.responses
        if r.partner_id in (partner.id, None)
    ]
    if all(r.status == ResponseStatus.SUBMITTED for r in responses):
        return False
    return any(
        link.partner_id == partner.id and link_state(link, now) == LinkState.ACTIVE
        for link in assignment.links
    )


def due_now(now: datetime) -> list[Due]:
    """Reminders whose day has come (the latest planned day not past the due date)."""
    plans = db.session.scalars(
        select(ReminderPlan)
        .join(Assignment, Assignment.id == ReminderPlan.assignment_id)
        .join(Assignment.couple)
        .where(
            Couple.archived_at.is_(None),
            Assignment.locked_at.is_(None),
            Assignment.due_date.is_not(None),
        )
    ).all()
    if not plans:
        return []
    ids = [plan.assignment_id for plan in plans]
    assignments = {
        a.id: a
        for a in db.session.scalars(
            select(Assignment)
            .where(Assignment.id.in_(ids))
            .options(
                selectinload(Assignment.couple).selectinload(Couple.partners),
                selectinload(Assignment.couple).selectinload(Couple.therapist),
                selectinload(Assignment.worksheets).selectinload(AssignedWorksheet.responses),
                selectinload(Assignment.links),
            )
        )
    }
    claimed = {
        (row.assignment_id, row.partner_id, row.days_before): row
        for row in db.session.scalars(
            select(ReminderSent).where(ReminderSent.assignment_id.in_(ids))
        )
    }
    due = []
    for plan in plans:
        assignment = assignments[plan.assignment_id]
        assert assignment.due_date is not None
        today = localtime.today_in(localtime.couple_zone_name(assignment.couple), now)
        reached = [d for d in plan.days_before if assignment.due_date - timedelta(days=d) <= today]
        if not reached or today > assignment.due_date:
            continue
        day = min(reached)
        for partner in assignment.couple.partners:
            count = sum(1 for (a, p, _d) in claimed if a == assignment.id and p == partner.id)
            if (assignment.id, partner.id, day) in claimed or count >= plan.max_per_partner:
                continue
            if may_remind(partner, assignment, now):
                due.append(Due(assignment.id, partner.id, day))
    return due


def claim(reminder: Due, now: datetime) -> ReminderSent:
    """Insert the reminder's row; the caller commits before sending. A second worker's insert
    of the same reminder fails on the unique key."""
    row = ReminderSent(
        assignment_id=reminder.assignment_id,
        partner_id=reminder.partner_id,
        days_before=reminder.days_before,
        claimed_at=now,
        attempts=0,
        next_attempt_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def waiting_ids(now: datetime) -> list[int]:
    """Claimed reminders not yet sent whose next attempt is due."""
    return list(
        db.session.scalars(
            select(ReminderSent.id)
            .where(
                ReminderSent.sent_at.is_(None),
                ReminderSent.failed_at.is_(None),
                ReminderSent.next_attempt_at <= now,
            )
            .order_by(ReminderSent.id)
        )
    )


def take_attempt(row_id: int, now: datetime) -> ReminderSent | None:
    """Claim one attempt to send (compare-and-set on ``attempts``), or None when another
    worker has it, it is no longer due, or it may no longer be sent (then it is dropped)."""
    row = db.session.get(ReminderSent, row_id, populate_existing=True)
    if row is None or row.sent_at is not None or row.failed_at is not None:
        return None
    assignment, partner = row.assignment, row.partner
    if in_quiet_hours(now, localtime.couple_zone_name(assignment.couple)):
        return None  # tried again after the quiet hours, costing no attempt
    if not may_remind(partner, assignment, now):
        # Sent their part, locked, or changed their preference since: never sent now.
        db.session.execute(delete(ReminderSent).where(ReminderSent.id == row.id))
        return None
    attempts = row.attempts
    result = cast(
        CursorResult,
        db.session.execute(
            update(ReminderSent)
            .where(
                ReminderSent.id == row.id,
                ReminderSent.attempts == attempts,
                # A worker that listed the row before another took this attempt (and pushed
                # the next one into the future, or sent it) must not take it again.
                ReminderSent.sent_at.is_(None),
                ReminderSent.failed_at.is_(None),
                ReminderSent.next_attempt_at <= now,
            )
            .values(
                attempts=attempts + 1,
                next_attempt_at=now + FIRST_RETRY * 2**attempts,
            )
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        return None
    db.session.refresh(row)
    return row


def record_outcome(row: ReminderSent, now: datetime, sent: bool) -> None:
    if sent:
        row.sent_at = now
        row.next_attempt_at = None
    elif row.attempts >= MAX_ATTEMPTS:
        row.failed_at = now
        row.next_attempt_at = None
