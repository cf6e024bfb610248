"""Quick exit leaves no trail on a partner's phone, with JavaScript on and off: Back, Forward and
opening the link again from the history show no worksheet title, no note and no answer.

The phone's chromium keeps its back-forward cache on (Playwright turns it off by default), so a
page that Back brings back from memory rather than from the server would be seen here too."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests import factories
from tests.browser.fixtures import PHONE
from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser

NOTE = "Take your time with the canal questions."
ANSWER = "Heron footbridge at dusk"  # what the partner types: found nowhere else
TITLE = "Boundary inventory"
NEUTRAL = "<!doctype html><title>Encyclopedia</title><h1>Welcome to the encyclopedia</h1>"


class _NeutralSite(BaseHTTPRequestHandler):
    def do_GET(self):  # the name http.server calls
        body = NEUTRAL.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def exit_site(live_server):
    """A neutral site on another local port, where Quick exit goes (no network here)."""
    server = HTTPServer(("127.0.0.1", 0), _NeutralSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/"
    live_server.app.config["QUICK_EXIT_URL"] = url
    yield url
    server.shutdown()
    thread.join(timeout=10)


def a_link_with_a_note():
    couple = factories.make_couple(factories.make_therapist())
    assignment = factories.make_assignment(couple)
    assignment.note = NOTE
    return factories.client_tokens(assignment)[0]


@pytest.fixture
def phone_with(browser_with_back_forward_cache, request):
    """A phone-sized context with JavaScript on or off, and the back-forward cache on."""
    contexts = []

    def open_phone(javascript: bool):
        context = browser_with_back_forward_cache.new_context(
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


def history_place(page) -> tuple[int, int]:
    """(this entry's index, number of entries) in the tab's history, as the browser keeps it."""
    history = page.context.new_cdp_session(page).send("Page.getNavigationHistory")
    return history["currentIndex"], len(history["entries"])


def back(page) -> None:
    """Back, as the phone's button: a page restored from the back-forward cache fires no load
    event, so wait until the page shown is whole, wherever it came from."""
    page.go_back(wait_until="commit")
    page.wait_for_function("document.readyState === 'complete'")


def forward(page) -> None:
    page.go_forward(wait_until="commit")
    page.wait_for_function("document.readyState === 'complete'")


def assert_shows_nothing(page, where: str) -> None:
    text = page.content()
    for private in (TITLE, NOTE, ANSWER, "Your worksheets"):
        assert private not in text, f"{private!r} shown {where}"


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_after_quick_exit_back_forward_and_history_show_nothing(
    live_server, exit_site, phone_with, shoot, javascript
):
    token = live_server.run(a_link_with_a_note)
    link = f"{live_server.url}/w/{token}"
    page = phone_with(javascript)
    page.goto("about:blank")

    # The partner opens their link, reads the note, and answers a question.
    page.goto(link)
    assert page.title() == "Worksheet"
    page.get_by_text(NOTE).wait_for()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("heading", name=TITLE).wait_for()
    page.wait_for_load_state()  # client.js listens for typing only once it has run
    field = page.locator("textarea").first
    field.fill(ANSWER)
    if javascript:
        page.locator("#save-status").filter(has_text="All changes saved").wait_for(timeout=30_000)
        assert page.evaluate("history.length") == 2, "moving within the link added history"
    else:
        page.get_by_role("button", name="Save and finish later").click()
        page.get_by_text("Saved.").first.wait_for()
    shoot(page, "answering")
    sheet_url = page.url

    page.get_by_role("button", name="Quick exit").click()
    page.wait_for_url(exit_site)
    page.get_by_role("heading", name="Welcome to the encyclopedia").wait_for()
    page.evaluate("window.stillInMemory = true")  # gone unless the cache keeps this page

    # Back: with JavaScript the link was one history entry, replaced by the exit, so Back
    # leaves it entirely; without, each earlier page asks the server again and gets nothing.
    back(page)
    shoot(page, "back")
    if javascript:
        assert "/w/" not in page.url
    else:
        assert page.url == link  # the sheet's entry now redirects to the neutral first page
        assert page.get_by_role("button", name="Continue").is_visible()
    assert_shows_nothing(page, "after Back")
    while history_place(page)[0] > 0:
        back(page)
        assert_shows_nothing(page, "further back")

    # Forward through every entry, back to the neutral site, which the cache kept in memory.
    while history_place(page)[0] < history_place(page)[1] - 1:
        forward(page)
        assert_shows_nothing(page, f"after Forward to {page.url.removeprefix(live_server.url)[:6]}")
    shoot(page, "forward")
    assert page.url == exit_site
    assert page.evaluate("window.stillInMemory"), "the back-forward cache is not on"

    # Opening the link, or the worksheet's address, from the history shows only Continue.
    for url in (link, sheet_url):
        page.goto(url)
        assert page.title() == "Worksheet"
        assert_shows_nothing(page, f"on reopening {url.removeprefix(live_server.url)[:6]}...")
        assert page.get_by_role("button", name="Continue").is_visible()
    shoot(page, "reopened")

    # Tapping Continue shows the answers again: nothing was lost.
    page.get_by_role("button", name="Continue").click()
    page.get_by_text(NOTE).wait_for()
    page.get_by_role("link", name=TITLE).click()
    assert page.locator("textarea").first.input_value() == ANSWER


def a_couple_with_a_link():
    therapist = factories.make_therapist()
    couple = factories.make_couple(therapist, label="Couple N")
    assignment = factories.make_assignment(couple)
    assignment.note = NOTE
    token = factories.client_tokens(assignment)[0]
    return {"email": therapist.email, "couple_id": couple.id, "token": token}


def test_the_therapist_sets_a_code_and_the_link_asks_for_it_even_after_quick_exit(
    live_server, exit_site, desktop, phone_with, shoot, assert_accessible
):
    setup = live_server.run(a_couple_with_a_link)
    link = f"{live_server.url}/w/{setup['token']}"

    therapist = desktop
    sign_in(therapist, live_server, setup["email"], factories.PASSWORD)
    therapist.goto(f"{live_server.url}/couples/{setup['couple_id']}")
    codes = therapist.locator("#codes")
    codes.get_by_label("A code for Alex").fill("Lantern 77")
    codes.get_by_role("button", name="Set the code").first.click()
    therapist.get_by_text("Personal code set for Alex.").wait_for()
    assert "Lantern" not in therapist.content()
    assert_accessible(therapist, "the couple page with personal codes")
    shoot(therapist, "codes-section", start_at=therapist.locator("#codes"))

    page = phone_with(True)
    page.goto(link)
    assert page.title() == "Worksheet"
    assert_shows_nothing(page, "before the code")
    assert_accessible(page, "the code page")
    page.get_by_label("Your personal code").fill("lantern 76")
    page.get_by_role("button", name="Open").click()
    page.get_by_text("That code is not right").wait_for()
    assert_shows_nothing(page, "after a wrong code")
    assert_accessible(page, "the code page after a wrong code")
    shoot(page, "wrong-code")
    page.get_by_label("Your personal code").fill("lantern 77")
    page.get_by_role("button", name="Open").click()
    page.get_by_text(NOTE).wait_for()

    page.get_by_role("button", name="Quick exit").click()
    page.wait_for_url(exit_site)
    while history_place(page)[0] > 0:
        back(page)  # every entry the link left
        assert_shows_nothing(page, f"after Back to {page.url.removeprefix(live_server.url)[:5]}")
    page.goto(link)
    page.get_by_label("Your personal code").wait_for()
    assert_shows_nothing(page, "after Quick exit")
    shoot(page, "code-page")
