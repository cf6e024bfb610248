"""axe-core finds no serious or critical problem on the pages people use; the keyboard suffices."""

import pytest

from clinic.assignments import service as assignments
from clinic.extensions import db
from clinic.models import Assignment
from clinic.worksheets.loader import builtin_library
from tests import factories
from tests.browser.steps import open_link_again, sign_in

pytestmark = pytest.mark.browser


def assign_every_builtin_worksheet(server) -> tuple[int, list[str]]:
    """A couple given every built-in worksheet; returns the assignment id and both links."""

    def create():
        therapist = factories.make_therapist()
        couple = factories.make_couple(therapist)
        assignment = factories.make_assignment(couple, slugs=sorted(builtin_library()))
        return assignment.id, [f"{server.url}/w/{t}" for t in factories.client_tokens(assignment)]

    return server.run(create)


def lock(assignment_id: int) -> None:
    assignments.set_locked(db.session.get(Assignment, assignment_id), True)


def test_therapist_pages_have_no_serious_accessibility_problems(
    demo_server, desktop, assert_accessible
):
    page = desktop
    page.goto(f"{demo_server.url}/login")
    assert_accessible(page, "the sign-in page")
    page.get_by_role("button", name="Sign in").click()
    assert_accessible(page, "the sign-in page with errors")

    sign_in(page, demo_server)
    assert_accessible(page, "the couples list")
    page.goto(f"{demo_server.url}/today")
    assert_accessible(page, "the Today page")
    page.goto(f"{demo_server.url}/settings/time-zone")
    assert_accessible(page, "the time zone setting")
    page.goto(f"{demo_server.url}/couples/")
    page.get_by_role("link", name="Add a couple").click()
    assert_accessible(page, "the new couple form")
    page.get_by_role("button", name="Save").click()
    assert_accessible(page, "the new couple form with errors")

    page.goto(f"{demo_server.url}/couples/")
    page.get_by_role("link", name="Couple A (demo)").click()
    assert_accessible(page, "a couple's page")
    page.get_by_role("link", name="Assign worksheets").click()
    assert_accessible(page, "the assignment form")
    page.get_by_role("button", name="Assign and make links").click()
    assert_accessible(page, "the assignment form with errors")
    page.locator("label.check", has_text="Consent check-in").get_by_role("checkbox").check()
    page.get_by_role("button", name="Assign and make links").click()
    assert_accessible(page, "the page showing new links")
    page.get_by_role("link", name="Done").click()
    assert_accessible(page, "an assignment's page")
    page.get_by_role("link", name="Due", exact=True).click()
    assert_accessible(page, "the dashboard of assignments due")
    page.get_by_role("link", name="Therapists").click()
    assert_accessible(page, "the therapists page")
    page.goto(f"{demo_server.url}/couples/999999")
    assert_accessible(page, "the not-found page")


def test_client_pages_have_no_serious_accessibility_problems(
    live_server, phone, new_phone, assert_accessible
):
    assignment_id, (first, _second) = assign_every_builtin_worksheet(live_server)
    page = phone
    page.goto(first)
    assert_accessible(page, "the list of worksheets")
    titles = page.locator("#sheet-list h2 a").all_inner_texts()
    assert len(titles) == len(builtin_library())
    for number, title in enumerate(titles, start=1):
        page.goto(f"{first}/{number}")
        assert_accessible(page, f"the worksheet {title!r}")
        if page.get_by_role("button", name="Send to my therapist").is_visible():
            page.get_by_role("button", name="Send to my therapist").click()
            assert_accessible(page, f"the worksheet {title!r} sent incomplete")

    # The same answer changed on another device meanwhile: both versions are shown.
    other = new_phone()
    other.goto(first)
    assert_accessible(other, "the neutral Continue page")
    open_link_again(other, first)
    other.goto(f"{first}/1")
    page.goto(f"{first}/1")
    text_field = page.locator("textarea").first
    text_field.fill("Written on the first phone.")
    page.locator("#save-status", has_text="All changes saved").wait_for()
    other.locator("textarea").first.fill("Written on the second phone.")
    other.locator("#conflicts-panel").wait_for()
    assert_accessible(other, "a worksheet showing a conflict")

    live_server.run(lock, assignment_id)
    page.goto(f"{first}/1")
    assert_accessible(page, "a worksheet locked by the therapist")
    page.goto(f"{live_server.url}/w/{'x' * 43}")
    assert_accessible(page, "the page for a link that is not active")


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus, which must be visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{selector} has the focus but shows no focus ring"
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_partner_completes_a_worksheet_with_the_keyboard_alone(live_server, desktop):
    def create():
        couple = factories.make_couple(factories.make_therapist())
        assignment = factories.make_assignment(couple, slugs=["small-wins"])
        return f"{live_server.url}/w/{factories.client_tokens(assignment)[0]}"

    page = desktop
    page.goto(live_server.run(create))
    tab_to(page, "#sheet-link-1")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Celebrating small wins").wait_for()

    tab_to(page, '[id="f.a.felt-heard"]')
    page.keyboard.type("When you put your phone away at dinner.")
    tab_to(page, '[id="f.a.ritual-ideas.walk"]')
    page.keyboard.press("Space")
    tab_to(page, '[id="f.a.celebrate"]')
    page.keyboard.type("A picnic")
    tab_to(page, "#submit-button")
    page.keyboard.press("Enter")

    page.get_by_text("Thank you. Your answers were sent").wait_for()
    page.get_by_role("link", name="Celebrating small wins").click()
    assert page.locator('[id="f.a.felt-heard"]').input_value() == (
        "When you put your phone away at dinner."
    )
    assert page.locator('[id="f.a.ritual-ideas.walk"]').is_checked()
    assert page.locator('[id="f.a.celebrate"]').input_value() == "A picnic"
