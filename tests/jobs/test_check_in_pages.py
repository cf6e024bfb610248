"""The therapist makes an assignment repeat, sees its dates, and pauses, resumes or stops it."""

import re
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from clinic.assignments import reminders
from clinic.enums import ScheduleState
from clinic.extensions import db
from clinic.jobs import tick
from clinic.models import AuditEvent, CheckInSchedule
from tests import factories


def schedules(assignment) -> list[CheckInSchedule]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(CheckInSchedule).where(CheckInSchedule.assignment_id == assignment.id)
        )
    )


def test_a_therapist_makes_a_check_in_monthly_and_a_second_send_changes_nothing(
    signed_in, couple_with_links
):
    assignment = couple_with_links.assignment
    page = signed_in.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert "Repeat this check-in" in page

    form = {"interval": "1", "unit": "months", "until": "", "count": "6"}
    response = signed_in.post(f"/assignments/{assignment.id}/repeat", data=form)
    assert response.status_code == 302
    again = signed_in.post(f"/assignments/{assignment.id}/repeat", data=form, follow_redirects=True)
    assert "This assignment already repeats." in again.get_data(as_text=True)

    [schedule] = schedules(assignment)
    assert (schedule.unit, schedule.interval, schedule.count) == ("months", 1, 6)
    page = signed_in.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert "Every month from" in page and "6 check-ins in all" in page


def test_nonsense_repeats_are_refused_with_a_message(signed_in, couple_with_links):
    assignment = couple_with_links.assignment
    for form, message in [
        ({"interval": "0", "unit": "weeks"}, "Choose 1 to 52."),
        ({"interval": "abc", "unit": "weeks"}, "Not a valid integer value"),
        ({"unit": "weeks"}, "Give a number."),
        ({"interval": "1", "unit": "weeks", "count": "1"}, "Choose 2 to 100."),
        ({"interval": "1", "unit": "weeks", "until": "2000-01-01"}, "The last date must be after"),
        ({"interval": "1", "unit": "fortnights"}, "Not a valid choice"),
    ]:
        response = signed_in.post(
            f"/assignments/{assignment.id}/repeat", data=form, follow_redirects=True
        )
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    assert schedules(assignment) == []


def test_pause_resume_and_stop(signed_in, couple_with_links):
    assignment = couple_with_links.assignment
    signed_in.post(f"/assignments/{assignment.id}/repeat", data={"interval": "2", "unit": "weeks"})
    [schedule] = schedules(assignment)
    for change, state in [
        ("pause", ScheduleState.PAUSED),
        ("resume", ScheduleState.ACTIVE),
        ("stop", ScheduleState.STOPPED),
    ]:
        response = signed_in.post(f"/check-ins/{schedule.id}", data={"change": change})
        assert response.status_code == 302
        assert schedules(assignment)[0].state == state
    response = signed_in.post(
        f"/check-ins/{schedule.id}", data={"change": "explode"}, follow_redirects=True
    )
    assert "Choose pause, resume or stop." in response.get_data(as_text=True)
    assert schedules(assignment)[0].state == ScheduleState.STOPPED


def test_another_therapists_check_in_is_not_found(client, couple_with_links):
    assignment = couple_with_links.assignment
    owner = couple_with_links.couple.therapist
    factories.sign_in(client, owner)
    client.post(f"/assignments/{assignment.id}/repeat", data={"interval": "1", "unit": "weeks"})
    [schedule] = schedules(assignment)
    client.post("/logout")
    factories.sign_in(client, factories.make_therapist())
    assert client.post(f"/check-ins/{schedule.id}", data={"change": "stop"}).status_code == 404
    assert client.post(f"/assignments/{assignment.id}/repeat").status_code == 404
    assert schedules(assignment)[0].state == ScheduleState.ACTIVE


def test_the_page_shows_which_links_were_e_mailed_and_which_to_hand_over(
    signed_in, couple_with_links, inbox
):
    assignment = couple_with_links.assignment
    signed_in.post(f"/assignments/{assignment.id}/repeat", data={"interval": "1", "unit": "weeks"})
    # Noon (UTC, this couple's zone): a check-in is not made in the quiet hours.
    later = datetime.now(UTC).replace(hour=12, microsecond=0) + timedelta(days=7)
    with time_machine.travel(later, tick=False):
        tick.run(later)
    page = signed_in.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert "Alex: e-mailed; Sam: to hand over" in page
    assert len(inbox.messages) == 1


def test_the_therapist_sets_reminders_and_sees_which_went_out(signed_in, couple_with_links, inbox):
    assignment = couple_with_links.assignment
    response = signed_in.post(
        f"/assignments/{assignment.id}/reminders",
        data={"days_before": ["0"], "max_per_partner": "2"},
        follow_redirects=True,
    )
    assert "give this assignment one first" in response.get_data(as_text=True)
    assert reminders.plan_of(assignment) is None

    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    assignment.due_date = now.date()
    db.session.commit()
    signed_in.post(
        f"/assignments/{assignment.id}/reminders",
        data={"days_before": ["2", "0"], "max_per_partner": "2"},
    )
    db.session.expire_all()
    assert reminders.plan_of(assignment).days_before == [2, 0]
    page = signed_in.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="2"', page)
    assert not re.search(r'<input checked[^>]*value="7"', page)

    with time_machine.travel(now, tick=False):
        tick.run(now)
    page = signed_in.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert "<td>Alex</td>" in page and "Sent " in page
    assert len(inbox.messages) == 1
    audited = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "system"))
    assert "reminder_sent" in list(audited)


def test_today_lists_links_to_hand_over_and_reminders_that_failed(
    app, signed_in, couple_with_links
):
    assignment = couple_with_links.assignment
    now = datetime.now(UTC)
    assignment.due_date = now.date() + timedelta(days=7)
    db.session.commit()
    signed_in.post(f"/assignments/{assignment.id}/repeat", data={"interval": "1", "unit": "weeks"})
    page = signed_in.get("/today").get_data(as_text=True)
    assert 'id="today-upcoming"' in page

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=9)  # a mail server that never answers
    later = now.replace(hour=12) + timedelta(days=7)  # out of the quiet hours
    with time_machine.travel(later, tick=False):
        tick.run(later)  # the check-in is made; nobody could be e-mailed
        repeat = db.session.scalars(select(CheckInSchedule)).one().occurrences[0].assignment
        reminders.set_plan(repeat, [0], max_per_partner=1)
        db.session.commit()
    db.session.expire_all()
    for minutes in (0, 5, 15, 35):
        moment = later.replace(hour=12) + timedelta(days=7, minutes=minutes)
        with time_machine.travel(moment, tick=False):
            tick.run(moment)
    page = signed_in.get("/today").get_data(as_text=True)
    assert 'id="today-hand-over"' in page and "Alex, Sam" in page
    assert 'id="today-failed-reminders"' in page


def test_a_link_handed_over_leaves_the_today_page(signed_in, couple_with_links, inbox):
    assignment = couple_with_links.assignment
    signed_in.post(f"/assignments/{assignment.id}/repeat", data={"interval": "1", "unit": "weeks"})
    later = datetime.now(UTC).replace(hour=12, microsecond=0) + timedelta(days=7)
    with time_machine.travel(later, tick=False):
        tick.run(later)
    db.session.expire_all()
    repeat = db.session.scalars(select(CheckInSchedule)).one().occurrences[0].assignment
    page = signed_in.get("/today").get_data(as_text=True)
    hand_over = page[page.index('id="today-hand-over"') : page.index('id="upcoming-heading"')]
    assert "Sam" in hand_over and "Alex" not in hand_over  # Alex's went out by e-mail

    sams = next(link for link in repeat.links if link.partner.display_name == "Sam")
    made = signed_in.post(f"/assignments/{repeat.id}/links/{sams.id}/reissue")
    assert made.status_code == 302
    page = signed_in.get("/today").get_data(as_text=True)
    assert 'id="today-hand-over"' not in page
    assert "No check-in link waits to be handed over." in page
