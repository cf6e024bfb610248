"""Recurring check-ins on an injected clock: created on their day, e-mailed where allowed,
missed dates recorded, pause and resume, and never created twice by two workers at once."""

import threading
import time
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from clinic.assignments import recurring
from clinic.enums import ContactPreference, OccurrenceOutcome, RepeatUnit, ScheduleState
from clinic.extensions import db
from clinic.jobs import tick
from clinic.models import Assignment, CheckInOccurrence
from tests import factories

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def monthly(couple):
    """The couple's check-in, assigned on 10 March with a due date a week later, monthly."""
    with time_machine.travel(START, tick=False):
        assignment = factories.make_assignment(couple)
        assignment.due_date = date(2026, 3, 17)
        schedule = recurring.start_schedule(assignment, unit=RepeatUnit.MONTHS, interval=1)
        db.session.commit()
    return schedule


def run_tick(now: datetime) -> None:
    with time_machine.travel(now, tick=False):
        tick.run(now)
    db.session.expire_all()


def occurrences(schedule) -> list[tuple[int, date, str]]:
    rows = db.session.scalars(
        select(CheckInOccurrence)
        .where(CheckInOccurrence.schedule_id == schedule.id)
        .order_by(CheckInOccurrence.number)
    )
    return [(o.number, o.due_on, o.outcome) for o in rows]


def assignment_count(couple) -> int:
    return len(
        db.session.scalars(select(Assignment).where(Assignment.couple_id == couple.id)).all()
    )


def test_each_month_a_fresh_check_in_is_e_mailed_only_to_the_partner_who_allows_it(
    monthly, couple, inbox
):
    alex, sam = couple.partners
    sam.email = "sam@example.org"
    sam.contact_preference = ContactPreference.NO_EMAIL
    db.session.commit()

    run_tick(at(2026, 4, 9))  # the day before: nothing yet
    assert occurrences(monthly) == []
    run_tick(at(2026, 4, 10))
    run_tick(at(2026, 4, 10, 15))  # later the same day: still one

    assert occurrences(monthly) == [(1, date(2026, 4, 10), OccurrenceOutcome.CREATED)]
    occurrence = monthly.occurrences[0]
    repeat = occurrence.assignment
    assert repeat.id != monthly.assignment_id
    assert repeat.due_date == date(2026, 4, 17)
    assert [w.worksheet_version_id for w in repeat.worksheets] == [
        w.worksheet_version_id for w in monthly.assignment.worksheets
    ]
    assert {link.partner_id for link in repeat.links} == {alex.id, sam.id}
    assert occurrence.emailed_partner_ids == [alex.id]
    assert [m["To"] for m in inbox.messages] == ["alex@example.org"]
    body = inbox.messages[0].get_content()
    assert "http" in body
    assert "boundar" not in body.lower() and couple.label not in body

    run_tick(at(2026, 5, 10))
    assert [n for n, _, _ in occurrences(monthly)] == [1, 2]
    assert [m["To"] for m in inbox.messages] == ["alex@example.org", "alex@example.org"]


def test_a_date_the_worker_slept_through_is_recorded_as_missed(monthly, couple):
    run_tick(at(2026, 6, 11))  # down since before 10 April
    assert occurrences(monthly) == [
        (1, date(2026, 4, 10), OccurrenceOutcome.MISSED),
        (2, date(2026, 5, 10), OccurrenceOutcome.MISSED),
        (3, date(2026, 6, 10), OccurrenceOutcome.CREATED),
    ]
    assert assignment_count(couple) == 2


def test_a_paused_check_in_records_its_dates_and_carries_on_when_resumed(monthly, couple):
    recurring.pause(monthly)
    db.session.commit()
    run_tick(at(2026, 4, 20))
    assert occurrences(monthly) == []
    with time_machine.travel(at(2026, 4, 20), tick=False):
        recurring.resume(monthly)
        db.session.commit()
    assert occurrences(monthly) == [(1, date(2026, 4, 10), OccurrenceOutcome.PAUSED)]
    run_tick(at(2026, 5, 10))
    assert occurrences(monthly)[-1] == (2, date(2026, 5, 10), OccurrenceOutcome.CREATED)
    assert assignment_count(couple) == 2


def test_a_stopped_check_in_creates_nothing_more(monthly, couple):
    recurring.stop(monthly)
    db.session.commit()
    run_tick(at(2026, 4, 10))
    assert occurrences(monthly) == []
    assert assignment_count(couple) == 1


def test_a_count_ends_the_check_in(couple):
    with time_machine.travel(START, tick=False):
        assignment = factories.make_assignment(couple)
        schedule = recurring.start_schedule(assignment, unit=RepeatUnit.WEEKS, interval=2, count=2)
        db.session.commit()
    run_tick(at(2026, 3, 24))
    run_tick(at(2026, 4, 7))
    assert occurrences(schedule) == [(1, date(2026, 3, 24), OccurrenceOutcome.CREATED)]
    assert schedule.state == ScheduleState.STOPPED


def test_the_31st_repeats_on_the_last_day_of_shorter_months(couple):
    with time_machine.travel(at(2027, 1, 31), tick=False):
        assignment = factories.make_assignment(couple)
        schedule = recurring.start_schedule(assignment, unit=RepeatUnit.MONTHS, interval=1)
    assert [recurring.occurrence_date(schedule, n) for n in range(4)] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]


def test_the_day_is_the_couples_own(couple):
    couple.time_zone = "Australia/Sydney"
    with time_machine.travel(at(2026, 3, 10, 20), tick=False):  # already 11 March in Sydney
        assignment = factories.make_assignment(couple)
        schedule = recurring.start_schedule(assignment, unit=RepeatUnit.WEEKS, interval=1)
        db.session.commit()
    assert schedule.starts_on == date(2026, 3, 11)
    run_tick(at(2026, 3, 17, 5))  # 17 March 16:00 in Sydney: not yet
    assert occurrences(schedule) == []
    run_tick(at(2026, 3, 17, 14))  # 18 March 01:00 in Sydney: its day, but in quiet hours
    assert occurrences(schedule) == []
    run_tick(at(2026, 3, 17, 21))  # 18 March 08:00 in Sydney
    assert [n for n, _, _ in occurrences(schedule)] == [1]


def two_workers_tick(app, now: datetime) -> list[BaseException]:
    """Two threads, each a worker with its own session, run the same tick at the same moment."""
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                start.wait()
                tick.run(now)
                db.session.remove()
        except BaseException as error:  # reported to the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.expire_all()
    return errors


@pytest.mark.parametrize("rounds", [3])
def test_two_workers_ticking_at_once_create_and_send_each_check_in_once(
    app, monthly, couple, inbox, rounds
):
    db.session.commit()
    for month in range(4, 4 + rounds):
        now = at(2026, month, 10)
        with time_machine.travel(now, tick=False):  # the clock is the process's: set it once
            assert two_workers_tick(app, now) == []
    db.session.expire_all()
    assert [n for n, _, _ in occurrences(monthly)] == list(range(1, 1 + rounds))
    assert assignment_count(couple) == 1 + rounds
    assert [m["To"] for m in inbox.messages] == ["alex@example.org"] * rounds


def test_two_huey_consumers_on_one_queue_file_create_and_send_a_check_in_once(
    app, database_url, monthly, couple, inbox, tmp_path
):
    """Two apps (two worker processes' worth) share the SQLite queue file; each runs a
    consumer, and the same tick is queued twice at once."""
    from clinic.jobs.engine import jobs
    from tests.helpers import make_app

    queue_file = str(tmp_path / "shared-queue.sqlite3")
    mail_settings = {k: app.config[k] for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME")}
    mail_settings |= {k: app.config[k] for k in ("SMTP_PASSWORD", "MAIL_FROM")}
    # The real clock may be at night, and quiet hours are not what this test is about: none.
    settings = {"JOBS_SQLITE_FILE": queue_file, "QUIET_HOURS_FROM": "00:00"} | mail_settings
    settings["QUIET_HOURS_UNTIL"] = "00:00"
    apps = [make_app(database_url, **settings) for _ in "ab"]
    queues = [jobs(each) for each in apps]
    consumers = [q.huey.create_consumer(workers=1, periodic=False) for q in queues]
    db.session.commit()
    # The real clock (a Huey consumer waits on it): months after March, so every earlier date
    # is recorded as missed and the newest one is assigned, once.
    queues[0].tick()
    queues[1].tick()
    for consumer in consumers:
        consumer.start()
    deadline = time.monotonic() + 30
    while queues[0].huey.pending_count() and time.monotonic() < deadline:
        time.sleep(0.05)
    for consumer in consumers:
        consumer.stop(graceful=True)  # waits for a running tick to finish
    assert queues[0].huey.pending_count() == 0
    for each in apps:
        with each.app_context():
            db.engine.dispose()
    db.session.expire_all()
    outcomes = [outcome for _, _, outcome in occurrences(monthly)]
    assert outcomes[-1] == OccurrenceOutcome.CREATED
    assert set(outcomes[:-1]) == {OccurrenceOutcome.MISSED}
    assert assignment_count(couple) == 2
    assert [m["To"] for m in inbox.messages] == ["alex@example.org"]


def test_each_months_answers_feed_the_couples_trend(couple, client):
    """The check-ins the worker made are answered, and the review draws them as one trend."""
    alex = couple.partners[0]
    with time_machine.travel(START, tick=False):
        first = factories.make_assignment(couple, ("monthly-check-in",))
        schedule = recurring.start_schedule(first, unit=RepeatUnit.MONTHS, interval=1)
        db.session.commit()
    run_tick(at(2026, 4, 10))
    run_tick(at(2026, 5, 10))
    made = [first] + [o.assignment for o in schedule.occurrences]
    for month, (assignment, closeness) in enumerate(zip(made, (3, 5, 8), strict=True), start=3):
        sheet = assignment.worksheets[0]
        factories.answer_worksheet(sheet, alex, {"closeness": closeness}, when=at(2026, month, 12))
    with time_machine.travel(at(2026, 5, 13), tick=False):
        factories.sign_in(client, couple.therapist)
        html = client.get(f"/review/couples/{couple.id}").get_data(as_text=True)
    assert "Alex: 3 answers from 12 Mar 2026 to 12 May 2026, starting at 3 and ending at 8" in html
