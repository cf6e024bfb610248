"""Long worksheets on a phone at 320, 390 and 768 px: what fits, what stays in view.

Its screenshots (client-<width>-<page>.png: overview, worksheet, scale, continue, code) go where
the README's do: docs/images/ when run with TANDEM_UPDATE_IMAGES=1, test-artifacts/browser/readme/
otherwise."""

import pytest

from clinic.safety import codes
from tests import factories
from tests.browser.fixtures import README_IMAGES as IMAGES
from tests.helpers import active_link

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 768)
NOTE = "Take your time with these. We will look at them together on Thursday."


def link_to_two_worksheets(server) -> str:
    def create():
        couple = factories.make_couple(factories.make_therapist())
        assignment = factories.make_assignment(
            couple, slugs=["boundary-inventory", "monthly-check-in"]
        )
        assignment.note = NOTE
        return f"{server.url}/w/{factories.client_tokens(assignment)[0]}"

    return server.run(create)


def open_at(browser, width: int, javascript: bool = True):
    context = browser.new_context(
        viewport={"width": width, "height": 844 if width < 700 else 1024},
        is_mobile=width < 700,
        has_touch=width < 700,
        java_script_enabled=javascript,
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def screen(page, selector: str, name: str) -> None:
    """One screen of the page, as the phone shows it, from a little above ``selector``."""
    page.locator(selector).evaluate("e => e.scrollIntoView({block: 'start'})")
    page.evaluate("window.scrollBy(0, -120)")  # clear of the sticky header, with its heading
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / name))


def no_sideways_scrolling(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def control_sizes(page) -> set:
    return set(
        page.evaluate(
            """() => [...document.querySelectorAll('input[type=radio], input[type=checkbox]')]
                 .filter(e => e.offsetParent !== null)
                 .map(e => Math.round(e.getBoundingClientRect().width) + 'x'
                           + Math.round(e.getBoundingClientRect().height))"""
        )
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_client_pages_fit_and_keep_their_controls_in_reach(
    live_server, browser, width, assert_accessible
):
    url = link_to_two_worksheets(live_server)
    context, page = open_at(browser, width)
    try:
        page.goto(url)
        no_sideways_scrolling(page)
        assert_accessible(page, f"the overview at {width} px")

        # The boundary inventory: one group of four rows open in each long grid.
        page.goto(f"{url}/1")
        no_sideways_scrolling(page)
        groups = page.locator('details[name="g.a.activities"]')
        assert groups.count() == 3
        assert [groups.nth(i).evaluate("d => d.open") for i in range(3)] == [True, False, False]
        assert page.locator(".ws-grid-row:visible").count() == 4 + 4 + 4  # three grids
        # A firm limit is offered beside No, not beside Yes.
        firm = page.locator('[id="f.a.activities.kissing.nn"]')
        assert not firm.is_visible()
        page.locator('[id="f.a.activities.kissing.no"]').check()
        firm.check()
        page.locator('[id="f.a.activities.cuddling.maybe"]').check()
        page.locator('[id="f.a.activities.cuddling.note"]').fill(
            "Only on slow mornings,\nnot at night"
        )
        page.locator("#save-status", has_text="All changes saved").wait_for(timeout=30_000)
        assert page.locator("#progress-text").inner_text() == "2 of 31 answered"
        assert "2 of 4 answered" in groups.nth(0).locator("summary").inner_text()
        # Checkboxes and radios keep one size, whatever their labels do.
        assert len(control_sizes(page)) == 1, control_sizes(page)
        # The save line stays in view while answering further down.
        page.locator('[id="f.a.activities.naked.yes"]').scroll_into_view_if_needed()
        page.mouse.wheel(0, 600)
        status = page.locator("#save-status").bounding_box()
        assert status["y"] >= 0 and status["y"] + status["height"] <= page.viewport_size["height"]
        assert_accessible(page, f"the boundary inventory at {width} px")
        screen(page, "#ws-item-activities", f"client-{width}-worksheet.png")
        # Opening the next group closes the one before.
        groups.nth(1).locator("summary").click()
        assert [groups.nth(i).evaluate("d => d.open") for i in range(3)] == [False, True, False]
        groups.nth(0).locator("summary").click()
        page.locator('[id="f.a.activities.kissing.yes"]').check()
        assert not firm.is_checked()  # a firm limit does not go with Yes

        # A scale worksheet: 0-10 on one line.
        page.goto(f"{url}/2")
        no_sideways_scrolling(page)
        tops = page.evaluate(
            """() => [...document.querySelectorAll('[name="a.closeness"]')]
                 .map(e => Math.round(e.getBoundingClientRect().top))"""
        )
        assert len(tops) == 11 and len(set(tops)) == 1, tops
        assert len(control_sizes(page)) == 1, control_sizes(page)
        assert_accessible(page, f"the monthly check-in at {width} px")
        screen(page, "#ws-item-closeness", f"client-{width}-scale.png")

        page.goto(url)  # the overview counts the rows answered
        assert "2 of 31 answered" in page.locator("#sheet-list").inner_text()
        page.screenshot(path=str(IMAGES / f"client-{width}-overview.png"), full_page=True)

        # The neutral pages in front of a used link: Continue, then the personal code.
        for gate, name in (("Continue", "continue"), ("Open", "code")):
            if name == "code":
                live_server.run(give_a_code, url)
            other, phone = open_at(browser, width)
            try:
                phone.goto(url)
                phone.get_by_role("button", name=gate).wait_for()
                no_sideways_scrolling(phone)
                assert_accessible(phone, f"the {name} page at {width} px")
                phone.screenshot(path=str(IMAGES / f"client-{width}-{name}.png"))
            finally:
                other.close()
    finally:
        context.close()


def give_a_code(url: str) -> None:
    link = active_link(url.rsplit("/", 1)[1])
    codes.set_code(link.partner, "Lantern 77")


def test_a_long_grid_is_answered_with_the_keyboard_alone(live_server, browser):
    url = link_to_two_worksheets(live_server)
    context, page = open_at(browser, 390)
    try:
        page.goto(f"{url}/1")
        page.locator('[id="f.a.activities.kissing.yes"]').focus()
        page.keyboard.press("ArrowDown")  # radios: arrows move the choice
        assert page.locator('[id="f.a.activities.kissing.maybe"]').is_checked()
        summary = page.locator('details[name="g.a.activities"] > summary').nth(1)
        for _ in range(60):
            page.keyboard.press("Tab")
            if summary.evaluate("s => s === document.activeElement"):
                break
        else:
            raise AssertionError("Tab never reached the second group")
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "f.a.activities.oral.yes"
        page.keyboard.press("Space")
        assert page.locator('[id="f.a.activities.oral.yes"]').is_checked()
    finally:
        context.close()


def test_without_javascript_nothing_says_saved_as_you_go(live_server, browser):
    url = link_to_two_worksheets(live_server)
    context, page = open_at(browser, 390, javascript=False)
    try:
        for address in (url, f"{url}/1", f"{url}/2"):
            page.goto(address)
            assert "as you go" not in page.locator("body").inner_text()
        assert "when you press" in page.locator("#save-status").inner_text()
        # The groups open and close without a script too.
        page.goto(f"{url}/1")
        page.locator('details[name="g.a.activities"] > summary').nth(1).click()
        assert page.locator('[id="f.a.activities.toys.yes"]').is_visible()
        assert not page.locator('[id="f.a.activities.kissing.yes"]').is_visible()
    finally:
        context.close()


# A browser without CSS `field-sizing` (Safari and Firefox on many phones), as chromium plays it.
WITHOUT_FIELD_SIZING = """
    const supports = CSS.supports.bind(CSS);
    CSS.supports = (...args) => !String(args[0]).includes("field-sizing") && supports(...args);
    const fixed = new CSSStyleSheet();
    fixed.replaceSync("textarea { field-sizing: fixed !important; }");
    document.adoptedStyleSheets = [fixed];
"""


@pytest.mark.parametrize("sizing", ["css", "script"])
def test_a_rows_note_shows_every_line_typed(live_server, browser, sizing):
    url = link_to_two_worksheets(live_server)
    context, page = open_at(browser, 390)
    if sizing == "script":
        context.add_init_script(WITHOUT_FIELD_SIZING)
    text = "Only on slow mornings,\nnot at night,\nand never\nwhen either of us is tired"
    try:
        page.goto(f"{url}/1")
        groups = page.locator('details[name="g.a.activities"] > summary')
        for group, row in ((0, "cuddling"), (1, "toys")):
            if group:  # opening the second group closes the first
                groups.nth(group).click()
            note = page.locator(f'[id="f.a.activities.{row}.note"]')
            with page.expect_response(lambda r: r.url.endswith("/autosave"), timeout=30_000):
                note.fill(text)
            hidden = note.evaluate("n => n.scrollHeight - n.clientHeight")
            assert hidden <= 1, f"{hidden} px of the note on {row} are out of sight"

        # Opened again later: the open group's note, and one in a group opened afterwards.
        page.reload()
        for group, row in ((0, "cuddling"), (1, "toys")):
            if group:  # opening the second group closes the first
                groups.nth(group).click()
            note = page.locator(f'[id="f.a.activities.{row}.note"]')
            assert note.input_value() == text
            assert note.evaluate("n => n.scrollHeight - n.clientHeight") <= 1, row
    finally:
        context.close()
