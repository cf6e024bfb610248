"""A therapist builds a worksheet from nothing, previews it on a phone, publishes and assigns it."""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.steps import sign_in
from tests.browser.test_journey import download_pdf_text

pytestmark = pytest.mark.browser


def press(page, button) -> None:
    """Press one of the builder's buttons, which post the whole page, and wait for the page
    it leads to: a field filled before that has loaded is filled on the old page, and lost."""
    with page.expect_navigation():
        button.click()


def test_build_preview_publish_and_assign_a_three_section_worksheet(
    demo_server, desktop, phone, new_phone, shoot, assert_accessible
):
    page = desktop
    sign_in(page, demo_server)
    page.get_by_role("link", name="Worksheets", exact=True).click()
    page.get_by_role("link", name="Make a worksheet").click()
    page.get_by_role("button", name="Start from a blank worksheet").click()
    page.locator("#f-title").wait_for()
    assert_accessible(page, "the builder with a blank worksheet and its problems")
    shoot(page, "blank")

    page.locator("#f-title").fill("Our week together")
    page.locator("#f-purpose").fill("A short look back at the week.")
    page.locator("#f-minutes").fill("10")
    page.locator("#f-themes-check-in").check()
    page.locator("#f-answered-by").select_option("couple")  # an agreement is made together
    page.locator("#f-instructions").fill("Answer together. There are no wrong answers.")
    page.locator("#f-guide-how-to-use").fill("Use it at the start of a session.")
    page.locator("#f-guide-look-for").fill("Where the two answers differ.")
    page.locator("#f-guide-when-not-to-use").fill("Not in a crisis.")
    page.locator("#f-discussion-prompts").fill("What went well?\nWhat would you change?")
    page.locator("#f-sections-0-title").fill("Limits")
    page.locator("#f-sections-0-items-new").select_option("boundary_grid")
    press(page, page.locator("#f-sections-0-items-add"))
    press(page, page.get_by_role("button", name="Remove question 1").first)
    page.locator("#f-sections-0-items-0-prompt").fill("What feels right this week?")
    page.locator("#f-sections-0-items-0-rows-0-label").fill("Holding hands in public")
    press(page, page.locator("#f-sections-0-items-0-rows-add"))
    page.locator("#f-sections-0-items-0-rows-1-label").fill("A long talk at night")

    for number, (title, kind) in enumerate((("Our plan", "agreement"), ("How close", "scale")), 1):
        press(page, page.locator("#f-sections-add"))
        page.locator(f"#f-sections-{number}-title").fill(title)
        page.locator(f"#f-sections-{number}-items-new").select_option(kind)
        press(page, page.locator(f"#f-sections-{number}-items-add"))
        question = page.locator(f"#f-sections-{number}-items-0")
        press(page, question.get_by_role("button", name="Remove question 1"))
    page.locator("#f-sections-1-items-0-prompt").fill("What we agree on")
    page.locator("#f-sections-1-items-0-clauses-0-text").fill("We pause when one of us asks.")
    page.locator("#f-sections-2-items-0-prompt").fill("How close did you feel?")
    page.locator("#f-sections-2-items-0-min-label").fill("Far apart")
    page.locator("#f-sections-2-items-0-max-label").fill("Very close")
    # Typing alone saves the draft (builder.js); the page after a reload holds it all.
    saved = page.locator("#autosave-status").filter(has_text="Draft saved.")
    try:
        saved.wait_for(timeout=30_000)
    except PlaywrightTimeoutError:
        raise AssertionError(page.locator("#autosave-status").inner_text()) from None
    page.reload()
    assert page.locator("#f-sections-2-items-0-max-label").input_value() == "Very close"
    assert page.locator("#problems").is_hidden(), page.locator("#problems").inner_text()
    frame = page.frame_locator("#preview-frame")
    frame.get_by_text("Holding hands in public").wait_for()
    assert frame.get_by_text("We pause when one of us asks.").count() == 1
    box = page.locator("#preview-frame").bounding_box()
    assert box is not None and 380 <= box["width"] <= 400
    assert "Grade" in page.locator("#reading-level").inner_text()
    assert_accessible(page, "the builder with a finished worksheet")
    shoot(page, "finished-with-preview")

    preview_url = page.locator("#preview-frame").get_attribute("src")
    sign_in(phone, demo_server)
    phone.goto(f"{demo_server.url}{preview_url}")
    phone.get_by_text("10 = Very close").wait_for()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the preview scrolls sideways on a phone ({width}px)"
    shoot(phone, "preview-on-a-phone")

    page.get_by_role("button", name="Publish").first.click()
    page.get_by_role("heading", name="Our week together").wait_for()
    shoot(page, "published")

    page.goto(f"{demo_server.url}/couples/")
    page.get_by_role("link", name="Couple A (demo)").click()
    page.get_by_role("link", name="Assign worksheets").click()
    page.locator("label.check", has_text="Our week together").get_by_role("checkbox").check()
    page.get_by_role("button", name="Assign and make links").click()
    page.locator("#links-once-warning").wait_for()
    links = [
        card.locator("input.link-url").input_value() for card in page.locator(".issued-link").all()
    ]
    shoot(page, "assigned")

    # The couple answer it together, each on their own phone: the first fills it in and
    # agrees to the plan; the second agrees too and sends it.
    first = new_phone()
    first.goto(links[0])
    first.get_by_role("link", name="Our week together").click()
    row = first.locator("fieldset", has_text="Holding hands in public").last
    row.get_by_role("radio", name="Yes", exact=True).check()
    first.locator(".ws-scale").get_by_role("radio", name=re.compile(r"^8\b")).check()
    first.get_by_role("button", name="I agree to this").click()
    first.get_by_text("Your partner").first.wait_for()
    shoot(first, "partner-1-filled")
    second = new_phone()
    second.goto(links[1])
    second.get_by_role("link", name="Our week together").click()
    second.get_by_role("button", name="I agree to this").click()
    second.get_by_role("button", name="Send to my therapist").click()
    second.get_by_text("Thank you. Your answers were sent").wait_for()
    shoot(second, "partner-2-sent")

    page.get_by_role("link", name="Done").click()
    page.get_by_role("link", name="Couple A (demo)").first.click()
    page.get_by_role("link", name="Answers side by side").click()
    review = page.locator("section", has=page.get_by_role("heading", name="Our week together"))
    review.get_by_text("Holding hands in public").first.wait_for()
    assert review.get_by_text("Very close").count() >= 1
    shoot(page, "review")
    page.get_by_role("link", name="Back to the couple").click()
    page.get_by_role("link", name="Print").click()
    page.set_default_timeout(60_000)  # WeasyPrint renders while the click waits; CI may be busy
    joint = download_pdf_text(page, "joint")
    therapist_copy = download_pdf_text(page, "therapist")
    for text in (joint, therapist_copy):
        assert "Our week together" in text and "Holding hands in public" in text
    for text in (joint, therapist_copy):  # the couple's own agreement, with who confirmed it
        assert "We pause when one of us asks." in text and "confirmed on" in text

    # A second version: the assignment made with the first keeps it, and publishing says so.
    page.goto(f"{demo_server.url}/worksheets/")
    page.get_by_role("link", name="Our week together").first.click()
    page.locator("#builder-edit").click()
    page.locator("#f-title").wait_for()
    assert "1 assignment uses an earlier version and keeps it." in page.locator("main").inner_text()
    page.locator("#f-sections-2-title").fill("How close we felt")
    page.get_by_role("button", name="Publish").first.click()
    page.get_by_role("heading", name="Our week together").wait_for()
    said = page.locator(".flash").first.inner_text()
    assert "1 assignment uses an earlier version and keeps it." in said, said
    shoot(page, "published-version-2")
    # The answers already given still show with the version they were made with.
    page.goto(f"{demo_server.url}/couples/")
    page.get_by_role("link", name="Couple A (demo)").first.click()
    page.get_by_role("link", name="Answers side by side").click()
    review = page.locator("section", has=page.get_by_role("heading", name="Our week together"))
    review.get_by_text("Holding hands in public").first.wait_for()
    assert review.get_by_text("How close we felt").count() == 0
