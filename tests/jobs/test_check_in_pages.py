"""The therapist makes an assignment repeat, sees its dates, and pauses, resumes or stops it."""

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from clinic.enums import ScheduleState
from clinic.extensions import db
from clinic.jobs import tick
from clinic.models import CheckInSchedule
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
    assert "Every 1 months" in page and "6 check-ins in all" in page


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
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    with time_machine.travel(later, tick=False):
        tick.run(later)
    page = signed_in.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert "Alex: e-mailed; Sam: to hand over" in page
    assert len(inbox.messages) == 1
