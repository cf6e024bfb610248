"""A private check-in in a real browser: one partner raises an alert on a phone, the therapist
reviews it, and nothing of it reaches the other partner, the session view or the joint handout."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.steps import sign_in
from tests.helpers import pdf_text

pytestmark = pytest.mark.browser

SECRET = "Quokka lighthouse"  # what the first partner writes: it must show up nowhere joint
SHARED = "Walnut evenings"  # a monthly check-in answer both partners share
CHECK_IN = "Private check-in"


def a_couple_with_the_check_in():
    """A therapist and a couple given the private check-in and a monthly check-in that both
    partners have already answered and shared; returns what the test needs to know."""
    therapist = factories.make_therapist()
    couple = factories.make_couple(therapist, label="Couple S")
    assignment = factories.make_assignment(couple, ("safety-check-in", "monthly-check-in"))
    tokens = factories.client_tokens(assignment)
    for partner in couple.partners:
        factories.answer_worksheet(
            assignment.worksheets[1], partner, {"closeness": 7, "small-win": SHARED}, shared=all
        )
    return {
        "email": therapist.email,
        "couple_id": couple.id,
        "assignment_id": assignment.id,
        "links": tokens,
    }


def assert_nothing_of_it(text: str, where: str) -> None:
    for word in (SECRET, CHECK_IN, "afraid", "Safety alert", "safety alert"):
        assert word not in text, f"{word!r} on {where}"


def test_a_partner_raises_an_alert_the_therapist_reviews_it_and_nothing_joint_shows_it(
    live_server, phone, new_phone, desktop, shoot, assert_accessible
):
    setup = live_server.run(a_couple_with_the_check_in)
    first, second = (f"{live_server.url}/w/{token}" for token in setup["links"])

    # Alex answers alone, on a phone: no share box anywhere on this worksheet.
    alex = phone
    alex.goto(first)
    alex.get_by_role("link", name=CHECK_IN).click()
    assert alex.title() == "Worksheet"
    alex.get_by_text("Only your therapist reads these answers").wait_for()
    assert alex.get_by_text("My partner may see this answer").count() == 0
    alex.locator("#ws-item-afraid").get_by_label("Often").check()
    alex.locator("#ws-item-controls").get_by_label("Checks my phone or messages").check()
    alex.locator("#ws-item-email-safe").get_by_label("No", exact=True).check()
    alex.get_by_label("Is there anything else you want your therapist to know?").fill(
        f"The {SECRET} is where I feel safe."
    )
    assert_accessible(alex, "the private check-in on a phone")
    shoot(alex, "check-in")
    alex.get_by_role("button", name="Send to my therapist").click()

    # The confirmation keeps the neutral title and adds the practice's support text.
    alex.get_by_text("Thank you. Your answers were sent").wait_for()
    assert alex.title() == "Worksheet"
    assert alex.locator(".flash-support").get_by_text("local emergency number").is_visible()
    shoot(alex, "sent-with-support")

    # Sam's own link shows nothing of Alex's answers.
    sam = new_phone()
    sam.goto(second)
    assert_nothing_of_it(sam.locator("main").inner_text().replace(CHECK_IN, ""), "Sam's list")
    sam.get_by_role("link", name=CHECK_IN).click()
    assert sam.locator("#progress-text").inner_text() == "0 of 9 answered"
    assert not sam.locator("#ws-item-afraid").get_by_label("Often").is_checked()
    assert SECRET not in sam.content()
    shoot(sam, "other-partner")

    # The therapist sees the alert with the answers behind it, on the dashboard ...
    therapist = desktop
    sign_in(therapist, live_server, setup["email"], factories.PASSWORD)
    therapist.get_by_role("link", name="Due").click()
    alert = therapist.locator("#alerts .safety-alert")
    assert alert.count() == 1
    assert "Alex · Private check-in" in alert.locator("h3").inner_text()
    assert "Urgent: contact this partner alone" in alert.inner_text()
    assert SECRET in alert.inner_text() and "Often" in alert.inner_text()
    assert_accessible(therapist, "the dashboard with an alert")
    shoot(therapist, "dashboard-alert")

    # ... and a banner on the couple's pages says it waits for review.
    alert.get_by_role("link", name="Couple S").click()
    banner = therapist.locator("#safety-banner")
    assert "1 safety alert not reviewed yet." in banner.inner_text()
    therapist.get_by_role("link", name="Answers side by side").click()
    therapist.wait_for_url("**/review/couples/*")
    expect(therapist.locator("#safety-banner")).to_be_visible()

    # The session view and the joint handout show what both shared, and nothing of it.
    session_url = f"{live_server.url}/review/assignments/{setup['assignment_id']}/session"
    therapist.goto(session_url)
    main = therapist.locator("main").inner_text()
    assert SHARED in main
    assert_nothing_of_it(therapist.content(), "the session view")
    shoot(therapist, "session-view")
    handout = therapist.request.get(
        f"{live_server.url}/couples/{setup['couple_id']}/handouts/session.pdf"
        f"?assignment={setup['assignment_id']}&version=joint"
    )
    assert handout.ok and handout.headers["content-type"] == "application/pdf"
    joint = pdf_text(handout.body())
    assert SHARED in joint
    assert_nothing_of_it(joint, "the joint handout")

    # The therapist reviews it: recorded with time and name, and the banner goes.
    therapist.goto(f"{live_server.url}/couples/{setup['couple_id']}")
    therapist.locator("#alerts").get_by_role("button", name="Mark as reviewed").click()
    therapist.get_by_text("Alert marked as reviewed.").wait_for()
    assert therapist.locator("#safety-banner").count() == 0
    reviewed = therapist.locator("#alerts .alert-reviewed").inner_text()
    assert reviewed.startswith("Reviewed ") and "by " in reviewed
    shoot(therapist, "reviewed")
    therapist.get_by_role("link", name="Due").click()
    assert therapist.locator("#alerts").count() == 0

    # After the review too, the other partner's link and the session view stay clean.
    sam.goto(second)
    sam.get_by_role("link", name=CHECK_IN).click()
    assert SECRET not in sam.content()
    therapist.goto(session_url)
    assert_nothing_of_it(therapist.content(), "the session view after the review")
