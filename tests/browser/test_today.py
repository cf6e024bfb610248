"""The Today page, the time zone the browser suggests, and new links shown once, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from clinic.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.browser.fixtures import DESKTOP

pytestmark = pytest.mark.browser


@pytest.fixture
def sydney(browser):
    """A desktop browser whose clock is in Sydney."""
    context = browser.new_context(viewport=DESKTOP, timezone_id="Australia/Sydney")
    context.set_default_timeout(10_000)
    errors: list = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(error))
    yield page
    context.close()
    assert errors == []


def test_today_then_a_suggested_zone_then_links_shown_once(demo_server, sydney, shoot):
    page = sydney
    page.goto(f"{demo_server.url}/login")
    page.get_by_label("E-mail").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Today", exact=True).wait_for()
    assert page.url.endswith("/today")
    expect(page.locator("#choose-zone")).to_be_visible()
    shoot(page, "today")

    page.get_by_role("link", name="choose your time zone").click()
    expect(page.get_by_label("Your time zone")).to_have_value("Australia/Sydney")
    expect(page.locator("#zone-suggested")).to_be_visible()
    shoot(page, "zone-suggested")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-info")).to_contain_text("Australia/Sydney")

    page.goto(f"{demo_server.url}/assignments/")
    expect(page.locator("main")).to_contain_text("Australia/Sydney")
    expect(page.locator("main")).not_to_contain_text(" UTC")
    page.locator("a[href^='/assignments/']:has-text('Assigned')").first.click()
    page.locator("#reissue-all").click()
    expect(page.locator("#reissue-warning")).to_contain_text("will stop working at once")
    shoot(page, "confirm-new-links")
    page.locator("#confirm-reissue-all").click()
    expect(page.locator("#links-once-warning")).to_be_visible()
    assert re.search(r"/assignments/\d+/links/new$", page.url)
    shoot(page, "links-once")

    page.reload()
    expect(page.locator(".flash-info")).to_contain_text("shown only once")
    assert page.locator(".issued-link").count() == 0
    shoot(page, "after-reload")


def count_assignments() -> int:
    from sqlalchemy import func, select

    from clinic.extensions import db
    from clinic.models import Assignment

    return db.session.scalar(select(func.count(Assignment.id)))


def test_a_double_click_assigns_once(demo_server, desktop, shoot):
    from tests.browser.steps import sign_in

    sign_in(desktop, demo_server)
    desktop.get_by_role("link", name="Couple A (demo)").click()
    desktop.locator("#assign-button").click()
    desktop.locator("input[name=worksheets]").first.check()
    before = demo_server.run(count_assignments)
    held = []  # the first POST waits, as on a slow connection, while the second click comes
    desktop.route(re.compile(r".*/assign$"), lambda route: held.append(route))
    desktop.evaluate(
        """() => new Promise(done => {
            const button = document.getElementById("assign-submit");
            button.click();
            setTimeout(() => { button.click(); setTimeout(done, 300); }, 150);
        })"""
    )
    posts = [route for route in held if route.request.method == "POST"]
    for route in held:
        route.continue_()
    assert len(posts) == 1
    expect(desktop.locator("#links-once-warning")).to_be_visible()
    shoot(desktop, "assigned-once")
    assert demo_server.run(count_assignments) == before + 1


def a_week_passes_and_the_worker_ticks() -> None:
    """The check-in began a week ago; the worker's tick makes its second date now, out of the
    quiet hours (the demo practice sends no e-mail: both links wait to be handed over)."""
    from datetime import timedelta

    from flask import current_app
    from sqlalchemy import select

    from clinic.extensions import db
    from clinic.jobs import tick
    from clinic.models import CheckInSchedule
    from clinic.storage import utcnow

    current_app.config.update(QUIET_HOURS_FROM="00:00", QUIET_HOURS_UNTIL="00:00")
    schedule = db.session.scalars(select(CheckInSchedule)).one()
    schedule.starts_on -= timedelta(days=7)
    db.session.commit()
    tick.run(utcnow())


def test_a_weekly_check_in_and_its_links_to_hand_over_on_today(demo_server, desktop, shoot):
    from tests.browser.steps import sign_in

    sign_in(desktop, demo_server)
    desktop.goto(f"{demo_server.url}/assignments/")
    desktop.locator("a[href^='/assignments/']:has-text('Assigned')").first.click()
    desktop.get_by_label("Repeat every").fill("1")
    desktop.get_by_label("weeks").check()
    desktop.locator("#repeat-button").click()
    expect(desktop.locator(".flash-info")).to_contain_text("the next one is on")
    desktop.get_by_label("on the due day").check()
    desktop.locator("#reminders-button").click()
    expect(desktop.locator(".flash-info")).to_contain_text("Reminders saved.")

    demo_server.run(a_week_passes_and_the_worker_ticks)
    desktop.reload()
    expect(desktop.locator("#occurrences-table")).to_contain_text("to hand over")
    shoot(desktop, "check-in-page", start_at=desktop.locator("#repeat"))
    desktop.locator("#nav-today").click()
    hand_over = desktop.locator("#today-hand-over")
    expect(hand_over).to_contain_text("Couple A (demo)")
    expect(desktop.locator("#today-upcoming")).to_contain_text("Couple A (demo)")
    shoot(desktop, "today-with-check-ins")
    hand_over.get_by_role("link").first.click()
    expect(desktop.locator("#links-heading")).to_be_visible()
