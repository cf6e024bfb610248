"""A therapist signed in on a phone and a computer ends the phone's session from the computer."""

import pytest

from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser


def test_ending_the_phones_session_from_the_computer_signs_the_phone_out(
    demo_server, desktop, new_phone, shoot, assert_accessible
):
    phone = new_phone()
    sign_in(phone, demo_server)
    sign_in(desktop, demo_server)
    phone.goto(f"{demo_server.url}/account/sessions")
    shoot(phone, "active-sessions-on-the-phone")

    desktop.get_by_role("link", name="Sign-in security").click()
    desktop.get_by_role("link", name="Active sessions").click()
    rows = desktop.locator("tbody tr")
    assert rows.count() == 2
    assert rows.filter(has_text="This browser").count() == 1
    assert_accessible(desktop, "the active sessions page")
    shoot(desktop, "active-sessions")

    rows.filter(has_not_text="This browser").get_by_role("button", name="End this session").click()
    desktop.get_by_text("That session has ended").wait_for()
    assert desktop.locator("tbody tr").count() == 1
    shoot(desktop, "phone-session-ended")

    phone.reload()
    phone.get_by_role("button", name="Sign in").wait_for()
    shoot(phone, "phone-signed-out")

    desktop.get_by_role("link", name="Password").click()
    assert_accessible(desktop, "the password page")
    shoot(desktop, "password-page")
