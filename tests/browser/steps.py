"""Steps a therapist takes in the browser, shared by the browser tests."""

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from clinic.demo import DEMO_EMAIL, DEMO_PASSWORD


def sign_in(page, server, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Today", exact=True).wait_for()  # the page after sign-in
    page.goto(f"{server.url}/couples/")  # where the journeys start
    page.get_by_role("heading", name="Couples").wait_for()


def open_link_again(page, url: str) -> None:
    """A partner opens their link on a browser whose session on it ended (another device, a
    closed browser): the neutral Continue page comes first, and one tap opens the link."""
    page.goto(url)
    page.get_by_role("button", name="Continue").click()
    page.locator("#sheet-list").wait_for()


def autosaved(page) -> None:
    """Waits until the page's script says every change is stored (generous for a busy CI)."""
    status = page.locator("#save-status")
    try:
        status.filter(has_text="All changes saved").wait_for(timeout=30_000)
    except PlaywrightTimeoutError:
        raise AssertionError(f"autosave did not finish; status: {status.inner_text()!r}") from None
