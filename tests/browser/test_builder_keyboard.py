"""The builder without a mouse, with a screen reader, and without JavaScript."""

import pytest
from playwright.sync_api import expect

from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser


def tab_to(page, selector: str, most: int = 250) -> None:
    """Press Tab until the element ``selector`` names has focus, as a keyboard user does."""
    target = page.locator(selector)
    target.wait_for()
    for _ in range(most):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def status(page, text: str) -> None:
    """The aria-live status line says ``text`` (what a screen reader announces)."""
    expect(page.locator("#autosave-status")).to_have_text(text, timeout=30_000)


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_a_small_worksheet_built_with_the_keyboard_only(
    demo_server, browser, shoot, assert_accessible
):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    sign_in(page, demo_server)
    page.goto(f"{demo_server.url}/worksheets/builder/")
    tab_to(page, "#start-blank")
    page.keyboard.press("Enter")
    page.locator("#f-title").wait_for()
    live = page.locator("#autosave-status")
    assert live.get_attribute("aria-live") == "polite" and live.get_attribute("role") == "status"

    type_into(page, "#f-title", "Keyboard check-in")
    type_into(page, "#f-purpose", "A short look at the week.")
    tab_to(page, "#f-minutes")
    page.keyboard.press("Control+A")
    page.keyboard.type("5")
    tab_to(page, "#f-themes-check-in")
    page.keyboard.press("Space")
    type_into(page, "#f-instructions", "Answer on your own.")
    type_into(page, "#f-guide-how-to-use", "At the start of a session.")
    type_into(page, "#f-guide-look-for", "Changes since last week.")
    type_into(page, "#f-guide-when-not-to-use", "Not in a crisis.")
    type_into(page, "#f-discussion-prompts", "What stood out?")
    type_into(page, "#f-sections-0-title", "This week")
    type_into(page, "#f-sections-0-items-0-prompt", "One word for this week")
    # The live region announces the save and that nothing is left to fix.
    status(page, "Draft saved.")
    assert page.locator("#problems").is_hidden()

    # A problem appears beside its field as soon as autosave has run, no button pressed.
    tab_to(page, "#f-minutes")
    page.keyboard.press("Control+A")
    page.keyboard.type("five")
    status(page, "Draft saved. 1 problem to fix before publishing.")
    assert page.locator("#f-minutes-errors").inner_text() == "Please give a whole number."
    assert page.locator("#f-minutes").get_attribute("aria-invalid") == "true"
    assert "Minutes it takes: Please give a whole number." in page.locator("#problems").inner_text()
    shoot(page, "a-problem-beside-its-field")
    page.keyboard.press("Control+A")
    page.keyboard.type("5")
    status(page, "Draft saved.")
    expect(page.locator("#f-minutes-errors")).to_have_text("")
    assert page.locator("#f-minutes").get_attribute("aria-invalid") is None

    # Add a second question: focus lands in it, on its question (not its reference name).
    tab_to(page, "#f-sections-0-items-add")
    page.keyboard.press("Enter")
    page.wait_for_url("**#f-sections-0-items-1")
    page.locator("#f-sections-0-items-1-prompt").wait_for()
    assert focused_id(page) == "f-sections-0-items-1-prompt"
    page.keyboard.type("Anything else?")
    status(page, "Draft saved.")

    # Move it up with Space: focus stays on the moved question's move button.
    tab_to(page, "#f-sections-0-items-1-up")
    page.keyboard.press("Space")
    page.wait_for_url("**#f-sections-0-items-0-down")
    page.locator("#f-sections-0-items-0-down").wait_for()
    assert focused_id(page) == "f-sections-0-items-0-down"
    assert page.locator("#f-sections-0-items-0-prompt").input_value() == "Anything else?"
    page.keyboard.press("Enter")  # and straight back down
    page.wait_for_url("**#f-sections-0-items-1-up")
    page.locator("#f-sections-0-items-1-up").wait_for()
    assert focused_id(page) == "f-sections-0-items-1-up"

    # Remove it: focus goes to the question now in its place.
    tab_to(page, "#f-sections-0-items-1 > .b-moves > button.danger")
    page.keyboard.press("Enter")
    page.wait_for_url("**#f-sections-0-items-0")
    page.locator("#f-sections-0-items-0-prompt").wait_for()
    assert focused_id(page) == "f-sections-0-items-0-prompt"
    assert page.locator("#f-sections-0-items-1").count() == 0

    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, f"the builder at {width} px")
        shoot(page, f"builder-at-{width}")

    tab_to(page, "#publish")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Keyboard check-in").wait_for()
    shoot(page, "published")
    context.close()
    assert not errors, errors


def test_the_builder_works_without_javascript(demo_server, browser, shoot):
    # (axe needs JavaScript; the same page is checked with it in the test above)
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, demo_server)
    page.goto(f"{demo_server.url}/worksheets/builder/")
    page.get_by_role("button", name="Start from a blank worksheet").click()
    page.locator("#f-minutes").fill("ten")
    page.get_by_role("button", name="Save draft").first.click()
    # Without autosave the problems show after a button, beside their field.
    assert "Please give a whole number." in page.locator("#f-minutes-errors").inner_text()
    assert page.locator("#problems").is_visible()
    page.locator("#f-title").fill("Paper-free check-in")
    page.locator("#f-purpose").fill("A short look at the week.")
    page.locator("#f-minutes").fill("5")
    page.locator("#f-themes-check-in").check()
    page.locator("#f-instructions").fill("Answer on your own.")
    page.locator("#f-guide-how-to-use").fill("At the start of a session.")
    page.locator("#f-guide-look-for").fill("Changes since last week.")
    page.locator("#f-guide-when-not-to-use").fill("Not in a crisis.")
    page.locator("#f-discussion-prompts").fill("What stood out?")
    page.locator("#f-sections-0-title").fill("This week")
    page.locator("#f-sections-0-items-new").select_option("scale")
    page.locator("#f-sections-0-items-add").click()
    assert page.locator("#f-title").input_value() == "Paper-free check-in"  # kept
    page.get_by_role("button", name="Remove question 1").click()
    page.locator("#f-sections-0-items-0-prompt").fill("How close did you feel?")
    page.locator("#f-sections-0-items-0-min-label").fill("Far apart")
    page.locator("#f-sections-0-items-0-max-label").fill("Very close")
    page.get_by_role("button", name="Save draft").first.click()
    assert page.locator("#problems").is_hidden()
    shoot(page, "ready-without-javascript")
    page.get_by_role("button", name="Publish").first.click()
    page.get_by_role("heading", name="Paper-free check-in").wait_for()
    shoot(page, "published-without-javascript")
    context.close()


def test_an_alert_rule_offers_the_answers_of_the_question_picked(demo_server, desktop):
    page = desktop
    sign_in(page, demo_server)
    page.goto(f"{demo_server.url}/worksheets/builder/")
    page.locator("#start-worksheet").select_option("safety-check-in")
    page.get_by_role("button", name="Copy and edit").click()
    rule = page.locator("#f-alerts-0")
    assert rule.get_by_role("checkbox", name="Not safe", exact=True).count() == 1
    page.locator("#f-alerts-0-item").select_option("afraid")  # picked by its prompt
    rule.get_by_role("checkbox", name="Often", exact=False).check()  # its answers, at once
    assert rule.get_by_role("checkbox", name="Not safe", exact=True).count() == 0
    status(page, "Draft saved.")
    page.reload()
    assert page.locator("#f-alerts-0-item").input_value() == "afraid"
    assert rule.get_by_role("checkbox", name="Often", exact=False).is_checked()
