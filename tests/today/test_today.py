"""The Today page: what needs attention, most pressing first, each a click from acting on it."""

import re
from datetime import UTC, date, datetime, timedelta

import time_machine

from clinic.assignments import recurring
from clinic.enums import RepeatUnit
from clinic.extensions import db
from clinic.safety import service as safety
from clinic.worksheets.loader import builtin_library
from clinic.worksheets.versions import worksheet_of
from tests import factories
from tests.safety.check_in import RAISING, send

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
RAISED = {name.removeprefix("a."): value for name, value in RAISING.items()}  # by item id


def sections_in_order(page: str) -> list[str]:
    return re.findall(r'<h2 id="([a-z]+)-heading"', page)


def submit(assignment, partner, when):
    sheet = assignment.worksheets[0]
    worksheet = builtin_library()[sheet.worksheet_version.slug]
    factories.answer_worksheet(sheet, partner, factories.sample_answers(worksheet), when=when)


def busy_couple(therapist, label: str):
    """A couple with one of everything the Today page lists, but no alert."""
    couple = factories.make_couple(therapist, label=label)
    overdue = factories.make_assignment(couple, ("power-patterns",))
    overdue.due_date = date(2026, 11, 28)
    this_week = factories.make_assignment(couple, ("power-patterns",))
    this_week.due_date = date(2026, 12, 4)
    for link in this_week.links:
        link.expires_at = NOW + timedelta(days=2)  # ending soon, nothing sent yet
    later = factories.make_assignment(couple, ("power-patterns",))
    later.due_date = date(2026, 12, 20)
    sent = factories.make_assignment(couple, ("power-patterns",))
    db.session.commit()
    submit(sent, couple.partners[0], NOW - timedelta(hours=2))
    return couple, overdue, this_week, later, sent


def repeating(couple) -> None:
    """A weekly check-in begun a week ago whose second date was made today, not e-mailed:
    its links wait to be handed over, and the next date is in the coming week."""
    with time_machine.travel(NOW - timedelta(days=7), tick=False):
        first = factories.make_assignment(couple, ("power-patterns",))
        schedule = recurring.start_schedule(first, unit=RepeatUnit.WEEKS, interval=1)
        db.session.commit()
    with time_machine.travel(NOW, tick=False):
        assert recurring.create_due_occurrence(schedule.id, NOW) is not None
        db.session.commit()


def test_sign_in_leads_to_today(client, therapist):
    response = factories.sign_in(client, therapist)
    assert response.headers["Location"] == "/today"
    assert client.get("/", follow_redirects=True).request.path == "/today"


def therapist_page(client, therapist, url: str, at: datetime = NOW) -> str:
    """The page as the therapist sees it at ``at`` (signed in then, so no idle sign-out)."""
    with time_machine.travel(at, tick=False):
        factories.sign_in(client, therapist)
        return client.get(url).get_data(as_text=True)


def test_today_lists_each_kind_of_work_with_a_link_to_act_on_it(client, therapist):
    couple, overdue, this_week, later, sent = busy_couple(therapist, "Couple R")
    alert_assignment = factories.make_assignment(couple, ("safety-check-in",))
    token = factories.client_tokens(alert_assignment)[0]
    db.session.commit()
    send(client, token, RAISING)
    page = therapist_page(client, therapist, "/today")

    assert sections_in_order(page) == [
        "alerts",
        "new",
        "overdue",
        "week",
        "expiring",
        "handover",
        "upcoming",
    ]
    alerts = page[page.index('id="today-alerts"') :]
    assert f'href="/couples/{couple.id}#alert-' in alerts and "Couple R, Alex" in alerts
    new = page[page.index('id="today-new"') :]
    assert f'href="/review/assignments/{sent.id}"' in new
    assert f'href="/review/assignments/{alert_assignment.id}"' in new  # the check-in was sent too
    overdue_list = page[page.index('id="today-overdue"') : page.index('id="week-heading"')]
    assert f'href="/assignments/{overdue.id}"' in overdue_list and "due 28 Nov 2026" in overdue_list
    assert f"/assignments/{this_week.id}" not in overdue_list
    week = page[page.index('id="today-week"') : page.index('id="expiring-heading"')]
    assert f'href="/assignments/{this_week.id}"' in week
    assert f"/assignments/{later.id}" not in week
    expiring = page[page.index('id="today-expiring"') :]
    assert f'href="/assignments/{this_week.id}#links-heading"' in expiring
    assert "Alex's link works until 3 Dec 2026" in expiring


def test_a_link_is_not_listed_as_ending_once_its_partner_has_sent_everything(client, therapist):
    couple = factories.make_couple(therapist)
    assignment = factories.make_assignment(couple, ("power-patterns",))
    for link in assignment.links:
        link.expires_at = NOW + timedelta(days=1)
    db.session.commit()
    submit(assignment, couple.partners[0], NOW - timedelta(hours=1))
    page = therapist_page(client, therapist, "/today")
    expiring = page[page.index('id="today-expiring"') :]
    assert "Sam's link" in expiring and "Alex's link" not in expiring


def test_new_means_since_the_last_visit(client, therapist):
    couple = factories.make_couple(therapist)
    first = factories.make_assignment(couple, ("power-patterns",))
    submit(first, couple.partners[0], NOW - timedelta(hours=3))
    with time_machine.travel(NOW, tick=False):
        factories.sign_in(client, therapist)
        page = client.get("/today").get_data(as_text=True)
        assert f"/review/assignments/{first.id}" in page
        # A reload in the same session still shows what was new at its first visit.
        assert f"/review/assignments/{first.id}" in client.get("/today").get_data(as_text=True)
        client.post("/logout")
    second = factories.make_assignment(couple, ("power-patterns",))
    submit(second, couple.partners[1], NOW + timedelta(hours=1))
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        factories.sign_in(client, therapist)
        page = client.get("/today").get_data(as_text=True)
    new = page[page.index('id="new-heading"') : page.index('id="overdue-heading"')]
    assert f"/review/assignments/{second.id}" in new
    assert f"/review/assignments/{first.id}" not in new


def test_the_navigation_counts_alerts_and_new_work(client, signed_in, therapist):
    couple = factories.make_couple(therapist)
    assignment = factories.make_assignment(couple, ("safety-check-in",))
    token = factories.client_tokens(assignment)[0]
    db.session.commit()
    nav = re.compile(r'<a href="/today" id="nav-today">(.*?)</a>', re.S)
    assert "badge" not in nav.search(signed_in.get("/couples/").get_data(as_text=True)).group(1)
    send(client, token, RAISING)
    link = nav.search(signed_in.get("/couples/").get_data(as_text=True)).group(1)
    assert '1<span class="visually-hidden"> alert</span>' in link
    assert '1<span class="visually-hidden"> new</span>' in link


def test_today_runs_a_fixed_number_of_queries_however_large_the_practice(
    client, therapist, count_queries
):
    couple, *_work = busy_couple(therapist, "Couple 0")
    repeating(couple)
    check_in = factories.make_assignment(couple, ("safety-check-in",))
    db.session.commit()
    response = check_in.worksheets[0].responses[0]
    safety.raise_alerts(response, worksheet_of(check_in.worksheets[0].worksheet_version), RAISED)
    db.session.commit()

    def queries() -> list[str]:
        with time_machine.travel(NOW, tick=False):
            with count_queries() as statements:
                page = client.get("/today")
            assert page.status_code == 200
        return statements

    therapist_page(client, therapist, "/today")  # the session's first visit; count later ones
    small = queries()
    for number in range(1, 30):
        more, *_work = busy_couple(therapist, f"Couple {number}")
        repeating(more)
        more_check_in = factories.make_assignment(more, ("safety-check-in",))
        db.session.commit()
        sheet = more_check_in.worksheets[0]
        safety.raise_alerts(sheet.responses[0], worksheet_of(sheet.worksheet_version), RAISED)
        db.session.commit()
    large = queries()
    assert len(small) == len(large), "\n".join(["-- 1 couple:", *small, "-- 30:", *large])
    with time_machine.travel(NOW, tick=False):
        page = client.get("/today").get_data(as_text=True)
    assert page.count('href="/review/assignments/') == 30
    assert page.count('id="today-alerts"') == 1 and page.count("#alert-") == 30
    assert page.count("check-in of 1 Dec 2026") == 30 and page.count("#repeat") == 30
