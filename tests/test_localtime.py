"""Local time: days judged and times shown in the couple's or therapist's own zone.

Edges of the day and daylight-saving changes for America/Los_Angeles (UTC-8, or -7 in
summer) and Australia/Sydney (UTC+10, or +11 in its summer). The clock is moved with
time-machine, never by sleeping.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from clinic import localtime
from clinic.extensions import db
from clinic.models import ClientLink
from clinic.safety import codes
from clinic.storage import utcnow
from tests import factories

LA = "America/Los_Angeles"
SYDNEY = "Australia/Sydney"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone_name", "moment", "day"),
    [
        # Los Angeles, winter (PST, UTC-8): 23:59 on 1 Dec, then midnight of 2 Dec.
        (LA, utc(2026, 12, 2, 7, 59, 59), date(2026, 12, 1)),
        (LA, utc(2026, 12, 2, 8, 0, 0), date(2026, 12, 2)),
        # Sydney, summer (AEDT, UTC+11): 23:59 on 1 Dec, then midnight of 2 Dec.
        (SYDNEY, utc(2026, 12, 1, 12, 59, 59), date(2026, 12, 1)),
        (SYDNEY, utc(2026, 12, 1, 13, 0, 0), date(2026, 12, 2)),
        # The same moment is a different day in each.
        (LA, utc(2026, 12, 1, 20, 0), date(2026, 12, 1)),
        (SYDNEY, utc(2026, 12, 1, 20, 0), date(2026, 12, 2)),
    ],
)
def test_today_is_the_zones_own_day_at_both_edges(zone_name, moment, day):
    with time_machine.travel(moment, tick=False):
        assert localtime.today_in(zone_name) == day


@pytest.mark.parametrize(
    ("zone_name", "day", "last_moment"),
    [
        # Los Angeles leaves summer time on 1 Nov 2026: that day has 25 hours.
        (LA, date(2026, 10, 31), utc(2026, 11, 1, 6, 59, 59, 999999)),  # PDT, UTC-7
        (LA, date(2026, 11, 1), utc(2026, 11, 2, 7, 59, 59, 999999)),  # PST, UTC-8
        # Sydney starts summer time on 4 Oct 2026: that day has 23 hours.
        (SYDNEY, date(2026, 10, 3), utc(2026, 10, 3, 13, 59, 59, 999999)),  # AEST, UTC+10
        (SYDNEY, date(2026, 10, 4), utc(2026, 10, 4, 12, 59, 59, 999999)),  # AEDT, UTC+11
    ],
)
def test_the_end_of_a_day_follows_daylight_saving(zone_name, day, last_moment):
    assert localtime.end_of_day(day, zone_name) == last_moment
    assert localtime.today_in(zone_name, last_moment) == day
    assert localtime.today_in(
        zone_name, last_moment + timedelta(microseconds=1)
    ) == day + timedelta(days=1)


def test_times_read_with_the_zones_own_name_across_a_change():
    assert localtime.format_moment(utc(2026, 10, 31, 19, 30), LA) == "31 Oct 2026, 12:30 PDT"
    assert localtime.format_moment(utc(2026, 11, 2, 19, 30), LA) == "2 Nov 2026, 11:30 PST"
    assert localtime.format_moment(utc(2026, 10, 3, 2, 0), SYDNEY) == "3 Oct 2026, 12:00 AEST"
    assert localtime.format_moment(utc(2026, 10, 5, 2, 0), SYDNEY) == "5 Oct 2026, 13:00 AEDT"
    assert localtime.format_day(utc(2026, 12, 1, 20, 0), SYDNEY) == "2 Dec 2026"
    assert localtime.format_moment(utc(2026, 12, 1, 20, 0), None) == "1 Dec 2026, 20:00 UTC"


def test_an_unknown_zone_falls_back_to_utc():
    assert not localtime.is_zone("Mars/Olympus_Mons")
    assert localtime.today_in("Mars/Olympus_Mons", utc(2026, 12, 1, 23, 0)) == date(2026, 12, 1)


# --- through the pages --------------------------------------------------------------------------


def assign(client, couple, due: date, link_days: int = 14):
    return client.post(
        f"/couples/{couple.id}/assign",
        data={
            "worksheets": ["builtin:power-patterns"],
            "who_answers": "design",
            "link_days": str(link_days),
            "due_date": due.isoformat(),
        },
        follow_redirects=True,
    )


def test_a_therapist_in_los_angeles_can_set_todays_date_in_the_evening(client, therapist, couple):
    therapist.time_zone = LA
    db.session.commit()
    # 18:00 on 1 Dec in Los Angeles is already 2 Dec in UTC.
    with time_machine.travel(utc(2026, 12, 2, 2, 0), tick=False):
        factories.sign_in(client, therapist)
        refused = assign(client, couple, date(2026, 11, 30)).get_data(as_text=True)
        assert "The due date is in the past." in refused
        accepted = assign(client, couple, date(2026, 12, 1)).get_data(as_text=True)
        assert "The due date is in the past." not in accepted
        assert "Worksheets assigned." in accepted
        # The link works through 15 Dec in Los Angeles, shown in its own time.
        assert "15 Dec 2026, 23:59 PST" in accepted
    ends = {link.expires_at for link in db.session.scalars(select(ClientLink))}
    assert ends == {utc(2026, 12, 16, 7, 59, 59, 999999)}


def test_overdue_is_judged_by_the_couples_own_day(client, therapist, couple):
    therapist.time_zone = LA
    couple.time_zone = SYDNEY
    assignment = factories.make_assignment(couple)
    assignment.due_date = date(2026, 12, 1)
    db.session.commit()
    # 23:30 on 1 Dec in Sydney: due today, not overdue (in Los Angeles it is 04:30 on 1 Dec).
    with time_machine.travel(utc(2026, 12, 1, 12, 30), tick=False):
        factories.sign_in(client, therapist)
        page = client.get(f"/couples/{couple.id}").get_data(as_text=True)
        assert "Overdue" not in page
        client.post("/logout")
    # 00:30 on 2 Dec in Sydney, still 1 Dec in Los Angeles: overdue for this couple.
    with time_machine.travel(utc(2026, 12, 1, 13, 30), tick=False):
        factories.sign_in(client, therapist)
        page = client.get(f"/couples/{couple.id}").get_data(as_text=True)
        assert "Overdue" in page
        today = client.get("/today").get_data(as_text=True)
        assert 'id="today-overdue"' in today


def test_a_link_works_until_the_end_of_the_couples_last_day(client, therapist, couple):
    couple.time_zone = SYDNEY
    db.session.commit()
    with time_machine.travel(utc(2026, 10, 1, 3, 0), tick=False):  # 13:00 on 1 Oct, AEST
        assignment = factories.make_assignment(couple)
        assignment.link_days = 3
        (token, _other) = factories.client_tokens(assignment)
        db.session.commit()
    # 4 Oct, the last day, is the day summer time starts: it ends at 12:59:59 UTC.
    with time_machine.travel(utc(2026, 10, 4, 12, 59), tick=False):
        assert client.get(f"/w/{token}").status_code == 200
    with time_machine.travel(utc(2026, 10, 4, 13, 0, 1), tick=False):
        assert client.get(f"/w/{token}").status_code == 404


def test_a_partners_page_shows_the_couples_day(client, therapist, couple):
    therapist.time_zone = LA
    couple.time_zone = SYDNEY
    assignment = factories.make_assignment(couple, ("power-patterns",))
    assignment.due_date = date(2026, 12, 3)
    tokens = factories.client_tokens(assignment)
    sheet = assignment.worksheets[0]
    # Sent at 20:00 UTC on 1 Dec: the evening of 1 Dec in Los Angeles, 2 Dec in Sydney.
    factories.answer_worksheet(
        sheet,
        couple.partners[0],
        factories.sample_answers(_worksheet(sheet)),
        when=utc(2026, 12, 1, 20, 0),
    )
    with time_machine.travel(utc(2026, 12, 1, 21, 0), tick=False):
        page = client.get(f"/w/{tokens[0]}/1").get_data(as_text=True)
    assert "You sent these answers on 2 December 2026." in page


def test_no_page_says_times_are_in_utc_once_a_zone_is_chosen(signed_in, therapist, couple):
    therapist.time_zone = SYDNEY
    factories.make_assignment(couple)
    codes.set_code(couple.partners[0], "4711")
    couple.partners[0].code_locked_at = utcnow()  # the couple page says since when it is paused
    db.session.commit()
    pages = ("/assignments/", f"/couples/{couple.id}", "/audit/", "/today", "/account/sessions")
    for url in pages:
        page = signed_in.get(url).get_data(as_text=True)
        assert " UTC" not in page, url
    assert "Australia/Sydney" in signed_in.get("/assignments/").get_data(as_text=True)


def test_the_therapist_chooses_a_zone_suggested_by_the_browser(signed_in, therapist):
    page = signed_in.get("/settings/time-zone").get_data(as_text=True)
    assert "data-suggest" in page and "time-zone.js" in page
    assert 'value="America/Los_Angeles"' in page
    refused = signed_in.post("/settings/time-zone", data={"time_zone": "Mars/Olympus_Mons"})
    assert (
        refused.status_code == 200
        and db.session.get(type(therapist), therapist.id).time_zone is None
    )
    saved = signed_in.post("/settings/time-zone", data={"time_zone": SYDNEY})
    assert saved.status_code == 302
    db.session.refresh(therapist)
    assert therapist.time_zone == SYDNEY
    assert "data-suggest" not in signed_in.get("/settings/time-zone").get_data(as_text=True)


def test_a_couple_may_have_its_own_zone(signed_in, therapist, couple):
    therapist.time_zone = LA
    db.session.commit()
    page = signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert 'America/Los_Angeles <span class="muted">(yours)</span>' in page
    response = signed_in.post(f"/couples/{couple.id}/time-zone", data={"time_zone": SYDNEY})
    assert response.status_code == 302
    db.session.refresh(couple)
    assert couple.time_zone == SYDNEY
    assert (
        signed_in.post(
            f"/couples/{couple.id}/time-zone", data={"time_zone": "Nowhere/Else"}
        ).status_code
        == 200
    )
    db.session.refresh(couple)
    assert couple.time_zone == SYDNEY
    signed_in.post(f"/couples/{couple.id}/time-zone", data={"time_zone": ""})
    db.session.refresh(couple)
    assert couple.time_zone is None and localtime.couple_zone_name(couple) == LA


def _worksheet(sheet):
    from clinic.worksheets.versions import worksheet_of

    return worksheet_of(sheet.worksheet_version)


def test_an_autosave_tells_the_time_by_the_couples_clock_not_the_phones(client, therapist, couple):
    from tests.client.browser_form import open_form

    therapist.time_zone = LA
    couple.time_zone = SYDNEY
    assignment = factories.make_assignment(couple, ("power-patterns",))
    url = f"/w/{factories.client_tokens(assignment)[0]}/1"
    db.session.commit()
    # 20:00 UTC on 1 Dec: 12:00 in Los Angeles, 07:00 on 2 Dec in Sydney.
    with time_machine.travel(utc(2026, 12, 1, 20, 0), tick=False):
        body = client.post(url + "/autosave", data=open_form(client, url)).get_json()
    assert body["saved_at"] == "07:00"


def test_a_printed_card_gives_the_last_day_where_the_couple_lives(client, therapist, couple):
    from tests.helpers import pdf_text

    couple.time_zone = LA
    db.session.commit()
    # 18:00 on 1 Dec in Los Angeles (2 Dec in UTC): a 14-day link works through 15 Dec there,
    # which ends at 07:59 on 16 Dec in UTC.
    with time_machine.travel(utc(2026, 12, 2, 2, 0), tick=False):
        factories.sign_in(client, therapist)
        assignment = factories.make_assignment(couple)
        tokens = factories.client_tokens(assignment)
        db.session.commit()
        response = client.post(f"/assignments/{assignment.id}/cards", data={"token": tokens})
    assert response.status_code == 200
    text = " ".join(pdf_text(response.data).split())
    assert text.count("The link works until 15 December 2026.") == 2


def test_sent_answers_close_at_the_end_of_the_due_day_where_the_couple_lives(app, couple):
    app.config["REVISE_UNTIL"] = "due_date"
    couple.time_zone = LA
    assignment = factories.make_assignment(couple, ("power-patterns",))
    assignment.due_date = date(2026, 12, 1)
    sheet = assignment.worksheets[0]
    answers = factories.sample_answers(_worksheet(sheet))
    factories.answer_worksheet(sheet, couple.partners[0], answers, when=utc(2026, 12, 1, 18))

    def partners_page() -> str:
        token = factories.client_tokens(assignment)[0]  # a fresh link, opened for the first time
        db.session.commit()
        response = app.test_client().get(f"/w/{token}/1")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    closed = "the due date has passed"
    # 23:30 on 1 Dec in Los Angeles (2 Dec in UTC): still the due day, still open.
    with time_machine.travel(utc(2026, 12, 2, 7, 30), tick=False):
        assert closed not in partners_page()
    # 00:30 on 2 Dec there: closed.
    with time_machine.travel(utc(2026, 12, 2, 8, 30), tick=False):
        assert closed in partners_page()
