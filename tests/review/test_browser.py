"""With the demo data, the review page shows the comparison, language marks and trends.

The browser fixtures come from tests/browser/fixtures.py, a plugin of tests/conftest.py.
"""

import pytest

from clinic.demo import DEMO_EMAIL, DEMO_PASSWORD

pytestmark = pytest.mark.browser


def open_review(page, server):
    """Sign in as the demo therapist and open Couple A's review from the couple page."""
    page.goto(f"{server.url}/login")
    page.get_by_label("E-mail").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Couples", exact=True).click()  # from the Today page
    page.get_by_role("link", name="Couple A (demo)").click()
    page.get_by_role("link", name="Answers side by side").click()
    page.get_by_role("heading", name="Review: Couple A (demo)").wait_for()


def open_inventory(page):
    """From the couple review, the assignment with the boundary inventory."""
    overview = page.locator(".review-overview li", has_text="Boundary inventory")
    overview.get_by_role("link").click()
    page.get_by_role("heading", name="Boundary inventory").wait_for()


def test_the_demo_review_shows_comparison_marks_and_trends(
    demo_server, desktop, shoot, assert_accessible
):
    page = desktop
    open_review(page, demo_server)
    summary = page.locator(".review-overview li", has_text="Boundary inventory")
    assert "7 shared, 14 to explore, 5 limits to respect, 2 shared limits" in summary.inner_text()
    chart = page.locator("svg.trend-chart").first
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 120
    assert chart.locator("polyline").count() == 2
    shoot(page, "couple-review")
    assert_accessible(page, "the couple review")

    open_inventory(page)
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Sharing sexy photos or texts"))
    assert row.locator(".badge").inner_text() == "A limit to respect"
    assert "No (firm limit)" in row.inner_text()
    mark = page.locator("mark.lang", has_text="always").first
    assert mark.is_visible() and mark.get_attribute("title") == "Absolute word"
    page.get_by_text("Marked for discussion: Absolute word").first.click()
    assert page.get_by_text("turn one moment into a rule about a person").first.is_visible()
    shoot(page, "assignment-review")
    assert_accessible(page, "the assignment review")


def test_the_session_view_leaves_private_answers_out(
    demo_server, desktop, shoot, assert_accessible
):
    page = desktop
    open_review(page, demo_server)
    open_inventory(page)
    page.get_by_role("link", name="Session view").click()
    page.get_by_role("heading", name="What you both chose to share").wait_for()

    text = page.locator("main").inner_text()
    assert "A limit to respect" in text and "I feel lonely when I am the one who starts" in text
    assert "You never tell me what you want" not in text  # Sam kept this one private
    assert "Couple A" not in page.content() and page.locator("mark").count() == 0
    shoot(page, "session-view")
    assert_accessible(page, "the session view")
