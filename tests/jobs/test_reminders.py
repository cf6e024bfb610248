"""Reminders: a month of a couple's monthly check-in on an injected clock, two workers ticking
together every three hours and the Today page along the way, in Los Angeles and in Sydney; then
failures, retries with backoff, the limits, and who may be e-mailed at all."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from clinic import localtime
from clinic.assignments import recurring, reminders
from clinic.enums import ContactPreference, RepeatUnit
from clinic.extensions import db
from clinic.jobs import tick
from clinic.models import ReminderSent
from tests import factories
from tests.jobs.test_recurring import occurrences, two_workers_tick

LA = "America/Los_Angeles"
SYDNEY = "Australia/Sydney"


def local_at(zone_name: str, *args) -> datetime:
    """A moment given as the couple's wall clock reads it, in UTC."""
    return datetime(*args, tzinfo=ZoneInfo(zone_name)).astimezone(UTC)


def section(page: str, name: str) -> str:
    """One section of the Today page, from its heading to the next section's."""
    start = page.index(f'id="{name}-heading"')
    end = page.find('aria-labelledby="', start)
    return page[start : end if end != -1 else len(page)]


def today_page(client, therapist, moment: datetime) -> str:
    with time_machine.travel(moment, tick=False):
        factories.sign_in(client, therapist)
        page = client.get("/today").get_data(as_text=True)
        client.post("/logout")
    return page


@pytest.mark.parametrize(("zone_name", "abbreviation"), [(LA, "PDT"), (SYDNEY, "AEDT")])
def test_a_month_of_a_monthly_check_in_with_reminders_two_workers_and_the_today_page(
    app, client, couple, inbox, zone_name, abbreviation
):
    """From 10 March to 18 April where the couple lives (Los Angeles enters summer time on
    8 March; Sydney leaves it on 5 April), two workers ticking together every three hours.
    The therapist has chosen no zone: the couple's own day decides what is due and overdue."""
    alex, sam = couple.partners
    sam.email = "sam@example.org"
    sam.contact_preference = ContactPreference.NO_EMAIL
    couple.time_zone = zone_name
    start = local_at(zone_name, 2026, 3, 10, 9)
    with time_machine.travel(start, tick=False):
        first = factories.make_assignment(couple)
        first.due_date = date(2026, 3, 17)
        reminders.set_plan(first, [2, 0], max_per_partner=2)
        schedule = recurring.start_schedule(first, unit=RepeatUnit.MONTHS, interval=1)
        db.session.commit()
    alex_sends = local_at(zone_name, 2026, 3, 16, 12)  # Alex sends their part on 16 March
    visits = {  # the Today page at these moments of the couple's clock
        "due tonight": local_at(zone_name, 2026, 3, 17, 23, 30),
        "overdue after midnight": local_at(zone_name, 2026, 3, 18, 0, 30),
        "link ending": local_at(zone_name, 2026, 3, 22, 12),
        "check-in coming": local_at(zone_name, 2026, 4, 4, 12),
        "check-in made": local_at(zone_name, 2026, 4, 16, 12),
    }
    pages: dict[str, str] = {}
    alex_has_sent = False

    received: list[tuple[datetime, str, str]] = []  # (when, to, subject)
    now = start
    while now < local_at(zone_name, 2026, 4, 19):
        now += timedelta(hours=3)
        for name, moment in visits.items():
            if name not in pages and moment < now:
                pages[name] = today_page(client, couple.therapist, moment)
        if now >= alex_sends and not alex_has_sent:
            factories.answer_worksheet(first.worksheets[0], alex, {}, when=now)
            alex_has_sent = True
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
    days = [localtime.local(when, zone_name).date() for when, _, _ in received]
    assert days == [date(2026, 3, 15), date(2026, 4, 10), date(2026, 4, 15), date(2026, 4, 17)]
    hours = [localtime.local(when, zone_name).hour for when, _, _ in received]
    assert all(8 <= hour < 21 for hour in hours), hours  # never in the quiet hours
    title = first.worksheets[0].worksheet_version.title
    for message in inbox.messages:
        body = message.get_content()
        assert couple.label not in body and title not in body and "boundar" not in body.lower()
    db.session.expire_all()
    assert [(n, on) for n, on, _ in occurrences(schedule)] == [(1, date(2026, 4, 10))]
    repeat = schedule.occurrences[0].assignment
    sent = reminders.sent_for(repeat)
    assert [(r.partner_id, r.days_before, r.sent_at is not None) for r in sent] == [
        (alex.id, 2, True),
        (alex.id, 0, True),
    ]

    first_link = f'href="/assignments/{first.id}"'
    page = pages["due tonight"]
    assert f'href="/review/assignments/{first.id}"' in section(page, "new")
    assert first_link in section(page, "week") and first_link not in section(page, "overdue")
    page = pages["overdue after midnight"]
    assert first_link in section(page, "overdue") and "due 17 Mar 2026" in page
    assert first_link not in section(page, "week")
    ending = section(pages["link ending"], "expiring")
    assert f"Sam's link works until 24 Mar 2026, 23:59 {abbreviation}" in ending
    assert "Alex's link" not in ending  # Alex has sent their part
    assert "No recurring check-in comes up" in section(pages["link ending"], "upcoming")
    assert "10 Apr 2026" in section(pages["check-in coming"], "upcoming")
    page = pages["check-in made"]
    hand_over = section(page, "handover")
    assert f"/assignments/{repeat.id}#links-heading" in hand_over
    assert "check-in of 10 Apr 2026" in hand_over and "Sam" in hand_over
    assert "Alex" not in hand_over  # Alex's link went out by e-mail
    assert f'href="/assignments/{repeat.id}"' in section(page, "week")
    assert first_link in section(page, "overdue")
    assert "No alert waits for review." in section(page, "alerts")


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


def test_a_worker_that_listed_a_reminder_before_another_sent_it_does_not_send_it_again(app, couple):
    """Two workers list the reminders waiting to go; the first takes the attempt and sends.
    The second, coming to the row later in its list, finds the attempt taken: nothing twice."""
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        assignment = factories.make_assignment(couple)
        assignment.due_date = date(2026, 5, 1)
        reminders.set_plan(assignment, [0], max_per_partner=2)
        [due] = reminders.due_now(now)
        reminders.claim(due, now)
        db.session.commit()
        [listed] = reminders.waiting_ids(now)  # the second worker's list, made first

        taken = reminders.take_attempt(listed, now)  # the first worker
        assert taken is not None
        db.session.commit()
        assert reminders.take_attempt(listed, now) is None  # the second worker, later
        reminders.record_outcome(taken, now, sent=True)
        db.session.commit()
        assert reminders.take_attempt(listed, now) is None


@pytest.mark.parametrize(
    ("preference", "sent"),
    [
        (ContactPreference.ANY, 2),  # a reminder on 8 May, and the next check-in's link
        (ContactPreference.NOT_ASKED, 0),
        (ContactPreference.NO_EMAIL, 0),
        (ContactPreference.PRINT_ONLY, 0),
    ],
)
def test_only_a_partner_who_allows_e_mail_is_ever_e_mailed(app, couple, inbox, preference, sent):
    alex = couple.partners[0]  # who has an address
    alex.contact_preference = preference
    start = datetime(2026, 5, 1, 12, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        first = factories.make_assignment(couple)
        first.due_date = date(2026, 5, 8)
        reminders.set_plan(first, [0], max_per_partner=2)
        schedule = recurring.start_schedule(first, unit=RepeatUnit.WEEKS, interval=1)
        db.session.commit()
    for day in range(1, 9):  # a tick at noon each day until 9 May
        moment = start + timedelta(days=day)
        with time_machine.travel(moment, tick=False):
            tick.run(moment)
    db.session.expire_all()
    assert [n for n, _, _ in occurrences(schedule)] == [1]
    assert [m["To"] for m in inbox.messages] == ["alex@example.org"] * sent
