"""Reminders: a month of a couple's monthly check-in on an injected clock, two workers ticking
together every three hours; then failures, retries with backoff, and the limits."""

from datetime import UTC, date, datetime, timedelta

import time_machine
from sqlalchemy import select

from clinic import localtime
from clinic.assignments import recurring, reminders
from clinic.enums import ContactPreference, RepeatUnit
from clinic.extensions import db
from clinic.jobs import tick
from clinic.models import ReminderSent
from tests import factories
from tests.jobs.test_recurring import two_workers_tick

LA = "America/Los_Angeles"


def local_hour(moment: datetime) -> int:
    return localtime.local(moment, LA).hour


def test_a_month_of_a_monthly_check_in_with_reminders_and_two_workers(app, couple, inbox):
    alex, sam = couple.partners
    sam.email = "sam@example.org"
    sam.contact_preference = ContactPreference.NO_EMAIL
    couple.time_zone = LA
    start = datetime(2026, 3, 10, 16, tzinfo=UTC)  # 10 March, 09:00 in Los Angeles
    with time_machine.travel(start, tick=False):
        first = factories.make_assignment(couple)
        first.due_date = date(2026, 3, 17)
        reminders.set_plan(first, [2, 0], max_per_partner=2)
        schedule = recurring.start_schedule(first, unit=RepeatUnit.MONTHS, interval=1)
        db.session.commit()

    received: list[tuple[datetime, str, str]] = []  # (when, to, subject)
    now = start
    while now < datetime(2026, 4, 19, tzinfo=UTC):
        now += timedelta(hours=3)
        if now == datetime(2026, 3, 16, 19, tzinfo=UTC):  # Alex sends their part on 16 March
            sheet = first.worksheets[0]
            factories.answer_worksheet(sheet, alex, {}, when=now)
        before = len(inbox.messages)
        with time_machine.travel(now, tick=False):
            assert two_workers_tick(app, now) == []
        received += [(now, m["To"], m["Subject"]) for m in inbox.messages[before:]]

    therapist = couple.therapist.display_name
    assert [(to, subject) for _, to, subject in received] == [
        ("alex@example.org", f"A reminder from {therapist}"),  # 15 March: two days before
        ("alex@example.org", f"A link from {therapist}"),  # 10 April: the next check-in
        ("alex@example.org", f"A reminder from {therapist}"),  # 15 April
        ("alex@example.org", f"A reminder from {therapist}"),  # 17 April: on the day
    ]
    days = [localtime.local(when, LA).date() for when, _, _ in received]
    assert days == [date(2026, 3, 15), date(2026, 4, 10), date(2026, 4, 15), date(2026, 4, 17)]
    assert all(8 <= local_hour(when) < 21 for when, _, _ in received)  # never in quiet hours
    for message in inbox.messages:
        body = message.get_content()
        assert couple.label not in body and "boundar" not in body.lower()
    db.session.expire_all()
    repeat = schedule.occurrences[0].assignment
    sent = reminders.sent_for(repeat)
    assert [(r.partner_id, r.days_before, r.sent_at is not None) for r in sent] == [
        (alex.id, 2, True),
        (alex.id, 0, True),
    ]


def test_a_failing_mail_server_is_retried_with_backoff_then_shown_as_failed(app, couple):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=9)  # nothing listens there
    alex = couple.partners[0]
    now = datetime(2026, 5, 4, 12, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        assignment = factories.make_assignment(couple)
        assignment.due_date = date(2026, 5, 4)
        reminders.set_plan(assignment, [0], max_per_partner=2)
        db.session.commit()
    attempts = []
    for minutes in range(0, 120, 5):
        moment = now + timedelta(minutes=minutes)
        with time_machine.travel(moment, tick=False):
            tick.run(moment)
        db.session.expire_all()
        row = db.session.scalars(select(ReminderSent)).one()
        if not attempts or attempts[-1][1] != row.attempts:
            attempts.append((minutes, row.attempts))
    assert attempts == [(0, 1), (5, 2), (15, 3), (35, 4)]  # 5, 10, 20 minutes apart
    assert row.sent_at is None and row.failed_at is not None
    [failed] = reminders.failed_for(couple.therapist_id)
    assert failed.partner_id == alex.id


def test_no_reminder_without_a_working_link_or_after_locking(app, couple, inbox):
    now = datetime(2026, 5, 4, 12, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        assignment = factories.make_assignment(couple)
        assignment.due_date = date(2026, 5, 4)
        reminders.set_plan(assignment, [0], max_per_partner=2)
        for link in assignment.links:
            link.revoked_at = now
        db.session.commit()
        tick.run(now)
    assert inbox.messages == []
    assert db.session.scalars(select(ReminderSent)).all() == []


def test_at_most_the_set_number_per_partner(app, couple, inbox):
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        assignment = factories.make_assignment(couple)
        assignment.due_date = date(2026, 5, 4)
        reminders.set_plan(assignment, [3, 2, 1, 0], max_per_partner=2)
        db.session.commit()
    for day in range(4):
        moment = now + timedelta(days=day)
        with time_machine.travel(moment, tick=False):
            tick.run(moment)
    assert len(inbox.messages) == 2
