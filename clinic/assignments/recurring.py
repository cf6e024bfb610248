"""Recurring check-ins: an assignment repeated every N weeks or months, by the couple's day.

Each date gets one :class:`CheckInOccurrence` row, unique per (schedule, number): the row is
the claim, so a retried tick or a second worker cannot create the same check-in twice. A date
is never silently lost: if the worker was down past it and past the next one too, the older
one is recorded as missed and only the newest is assigned; dates that pass while paused are
recorded as paused.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from clinic import localtime
from clinic.assignments import links, reminders
from clinic.assignments.service import couple_today
from clinic.enums import AnsweredBy, OccurrenceOutcome, RepeatUnit, ScheduleState
from clinic.extensions import db
from clinic.models import (
    AssignedWorksheet,
    Assignment,
    CheckInOccurrence,
    CheckInSchedule,
    Couple,
    Response,
)

MAX_INTERVAL = 52


class ScheduleError(ValueError):
    """The repeat the therapist asked for does not make sense; the text can be shown as it is."""


@dataclass
class CreatedOccurrence:
    """A new check-in and its fresh links (raw tokens: only in memory, for delivery)."""

    occurrence: CheckInOccurrence
    issued: list[links.IssuedLink] = field(default_factory=list)


def occurrence_date(schedule: CheckInSchedule, number: int) -> date:
    """The local day of occurrence ``number`` (0 is the original assignment)."""
    if schedule.unit == RepeatUnit.WEEKS:
        return schedule.starts_on + timedelta(weeks=schedule.interval * number)
    months = schedule.starts_on.month - 1 + schedule.interval * number
    year, month = schedule.starts_on.year + months // 12, months % 12 + 1
    # The 31st repeats on the last day of shorter months.
    day = min(schedule.starts_on.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def has_occurrence(schedule: CheckInSchedule, number: int) -> bool:
    """Whether the schedule reaches this number at all (before its count and its end date)."""
    if schedule.count is not None and number >= schedule.count:
        return False
    return schedule.until is None or occurrence_date(schedule, number) <= schedule.until


def start_schedule(
    assignment: Assignment,
    *,
    unit: RepeatUnit,
    interval: int,
    until: date | None = None,
    count: int | None = None,
) -> CheckInSchedule:
    """Make an assignment repeat from the couple's today; it is occurrence 0."""
    if not 1 <= interval <= MAX_INTERVAL:
        raise ScheduleError(_("Repeat every 1 to %(max)s weeks or months.", max=MAX_INTERVAL))
    if count is not None and count < 2:
        raise ScheduleError(_("A check-in that repeats happens at least twice."))
    starts_on = couple_today(assignment.couple)
    if until is not None and until <= starts_on:
        raise ScheduleError(_("The last date must be after today."))
    schedule = CheckInSchedule(
        assignment=assignment,
        unit=unit,
        interval=interval,
        starts_on=starts_on,
        until=until,
        count=count,
        state=ScheduleState.ACTIVE,
        next_number=1,
    )
    db.session.add(schedule)
    db.session.flush()
    return schedule


def schedule_of(assignment: Assignment) -> CheckInSchedule | None:
    """The schedule an assignment started, or the one it is an occurrence of."""
    return db.session.scalar(
        select(CheckInSchedule)
        .outerjoin(CheckInSchedule.occurrences)
        .where(
            (CheckInSchedule.assignment_id == assignment.id)
            | (CheckInOccurrence.assignment_id == assignment.id)
        )
        .options(selectinload(CheckInSchedule.occurrences))
        .limit(1)
    )


def pause(schedule: CheckInSchedule) -> None:
    if schedule.state == ScheduleState.ACTIVE:
        schedule.state = ScheduleState.PAUSED


def resume(schedule: CheckInSchedule) -> None:
    """Carry on from the next date to come; dates that passed while paused are recorded."""
    if schedule.state != ScheduleState.PAUSED:
        return
    today = couple_today(schedule.assignment.couple)
    number = schedule.next_number
    while has_occurrence(schedule, number) and occurrence_date(schedule, number) < today:
        _record(schedule, number, OccurrenceOutcome.PAUSED)
        number += 1
    schedule.next_number = number
    schedule.state = ScheduleState.ACTIVE
    db.session.flush()


def stop(schedule: CheckInSchedule) -> None:
    schedule.state = ScheduleState.STOPPED


def active_schedule_ids() -> list[int]:
    return list(
        db.session.scalars(
            select(CheckInSchedule.id)
            .join(CheckInSchedule.assignment)
            .join(Assignment.couple)
            .where(CheckInSchedule.state == ScheduleState.ACTIVE, Couple.archived_at.is_(None))
            .order_by(CheckInSchedule.id)
        )
    )


def create_due_occurrence(schedule_id: int, now: datetime) -> CreatedOccurrence | None:
    """Create the schedule's due check-in, if one is due today or earlier where the couple is.

    Only flushes; the caller commits. A concurrent worker that claimed the same number makes
    the flush fail (unique row), and the caller rolls back.
    """
    schedule = db.session.scalar(
        select(CheckInSchedule)
        .where(CheckInSchedule.id == schedule_id)
        .options(
            joinedload(CheckInSchedule.assignment).options(
                joinedload(Assignment.couple), selectinload(Assignment.worksheets)
            )
        )
    )
    if schedule is None or schedule.state != ScheduleState.ACTIVE:
        return None
    zone_name = localtime.couple_zone_name(schedule.assignment.couple)
    if reminders.in_quiet_hours(now, zone_name):
        return None  # its links would be e-mailed at night: made when the quiet hours end
    today = couple_today(schedule.assignment.couple, now)
    due = []
    number = schedule.next_number
    while has_occurrence(schedule, number) and occurrence_date(schedule, number) <= today:
        due.append(number)
        number += 1
    if not has_occurrence(schedule, number) and not due:
        schedule.state = ScheduleState.STOPPED  # its last date is behind it
        return None
    if not due:
        return None
    for missed in due[:-1]:
        _record(schedule, missed, OccurrenceOutcome.MISSED)
    occurrence = _record(schedule, due[-1], OccurrenceOutcome.CREATED)
    occurrence.assignment = _repeat(schedule, occurrence.due_on)
    schedule.next_number = due[-1] + 1
    issued = [
        links.issue_link(occurrence.assignment, partner)
        for partner in schedule.assignment.couple.partners
    ]
    db.session.flush()
    if plan := reminders.plan_of(schedule.assignment):
        reminders.set_plan(occurrence.assignment, list(plan.days_before), plan.max_per_partner)
    return CreatedOccurrence(occurrence, issued)


def _record(schedule: CheckInSchedule, number: int, outcome: OccurrenceOutcome):
    occurrence = CheckInOccurrence(
        schedule=schedule,
        number=number,
        due_on=occurrence_date(schedule, number),
        outcome=outcome,
        emailed_partner_ids=[],
    )
    db.session.add(occurrence)
    return occurrence


def _repeat(schedule: CheckInSchedule, on: date) -> Assignment:
    """A new assignment like the original: same worksheet versions, note and link lifetime;
    its due date as far after its own date as the original's was after the start."""
    original = schedule.assignment
    due_date = (
        on + (original.due_date - schedule.starts_on) if original.due_date is not None else None
    )
    repeat = Assignment(
        couple=original.couple, note=original.note, due_date=due_date, link_days=original.link_days
    )
    for assigned in original.worksheets:
        copy = AssignedWorksheet(
            worksheet_version_id=assigned.worksheet_version_id,
            position=assigned.position,
            answered_by=assigned.answered_by,
        )
        if assigned.answered_by == AnsweredBy.COUPLE:
            copy.responses.append(Response(partner=None))
        repeat.worksheets.append(copy)
    db.session.add(repeat)
    return repeat


@dataclass(frozen=True)
class HandOver:
    """A new check-in with links that were not e-mailed: the therapist gives them in person."""

    occurrence: CheckInOccurrence
    partners: list[str]


def _waits(occurrence: CheckInOccurrence, repeat: Assignment, partner_id: int) -> bool:
    """Whether a partner's check-in link still waits to be handed over: not e-mailed, and the
    therapist has neither made them a new one (a second link) nor stopped it."""
    if partner_id in occurrence.emailed_partner_ids:
        return False
    mine = [link for link in repeat.links if link.partner_id == partner_id]
    return len(mine) == 1 and mine[0].revoked_at is None


@dataclass(frozen=True)
class Upcoming:
    schedule: CheckInSchedule
    on: date


@dataclass(frozen=True)
class CheckInsToday:
    hand_over: list[HandOver]
    upcoming: list[Upcoming]


UPCOMING_DAYS = 7


def for_today(therapist_id: int, now: datetime) -> CheckInsToday:
    """Check-ins whose links wait to be handed over, and those coming in the next week.

    A fixed number of queries however many check-ins: schedules with their couples, dates and
    the check-ins' links, loaded at once.
    """
    schedules = db.session.scalars(
        select(CheckInSchedule)
        .join(CheckInSchedule.assignment)
        .join(Assignment.couple)
        .where(Couple.therapist_id == therapist_id, Couple.archived_at.is_(None))
        .options(
            joinedload(CheckInSchedule.assignment)
            .joinedload(Assignment.couple)
            .options(selectinload(Couple.partners), joinedload(Couple.therapist)),
            selectinload(CheckInSchedule.occurrences)
            .joinedload(CheckInOccurrence.assignment)
            .selectinload(Assignment.links),
        )
        .order_by(CheckInSchedule.id)
    ).unique()
    hand_over, upcoming = [], []
    for schedule in schedules:
        couple = schedule.assignment.couple
        today = couple_today(couple, now)
        for occurrence in schedule.occurrences:
            repeat = occurrence.assignment
            if repeat is None or repeat.locked_at is not None:
                continue
            if occurrence.due_on + timedelta(days=repeat.link_days) < today:
                continue  # its links have ended: nothing left to hand over
            names = [p.display_name for p in couple.partners if _waits(occurrence, repeat, p.id)]
            if names:
                hand_over.append(HandOver(occurrence, names))
        number = schedule.next_number
        if schedule.state == ScheduleState.ACTIVE and has_occurrence(schedule, number):
            on = occurrence_date(schedule, number)
            if on <= today + timedelta(days=UPCOMING_DAYS):
                upcoming.append(Upcoming(schedule, on))
    return CheckInsToday(hand_over, sorted(upcoming, key=lambda u: u.on))
