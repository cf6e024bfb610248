"""When saving fails, the partner is told to try again and keeps every word they typed."""

import pytest

from tests import factories

pytestmark = pytest.mark.browser

FIRST = "What feels good or inviting to you these days?"
SECOND = "Which limits should stay in place for now?"


def consent_link(server) -> str:
    def create():
        couple = factories.make_couple(factories.make_therapist())
        assignment = factories.make_assignment(couple, slugs=["consent-check-in"])
        return f"{server.url}/w/{factories.client_tokens(assignment)[0]}/1"

    return server.run(create)


def test_a_lost_connection_while_autosaving_keeps_the_text_and_says_so(live_server, phone, shoot):
    page = phone
    page.goto(consent_link(live_server))
    page.route("**/autosave", lambda route: route.abort("connectionreset"))
    page.get_by_label(FIRST).fill("Written on a train in a tunnel.")

    page.locator("#save-status", has_text="Not saved yet").wait_for()
    assert "Your text is still here" in page.locator("#save-status").inner_text()
    assert page.get_by_label(FIRST).input_value() == "Written on a train in a tunnel."
    shoot(page, "no-connection")

    page.unroute("**/autosave")
    page.get_by_role("button", name="Save and finish later").click()
    page.get_by_text("Saved. You can close this page").wait_for()
    page.reload()
    assert page.get_by_label(FIRST).input_value() == "Written on a train in a tunnel."


def test_a_database_outage_while_autosaving_keeps_the_text_and_says_try_again(
    postgres_live_server, phone, shoot
):
    page = phone
    page.goto(consent_link(postgres_live_server))
    page.get_by_label(FIRST).fill("Saved before the outage.")
    page.locator("#save-status", has_text="All changes saved").wait_for()

    postgres_live_server.database.stop()
    try:
        page.get_by_label(SECOND).fill("Typed while the database was down.")
        page.locator("#save-status", has_text="please try again").wait_for()
        shoot(page, "autosave-during-outage")
        assert page.get_by_label(SECOND).input_value() == "Typed while the database was down."
    finally:
        postgres_live_server.database.start()

    page.get_by_role("button", name="Save and finish later").click()
    page.get_by_text("Saved. You can close this page").wait_for()
    page.reload()
    assert page.get_by_label(FIRST).input_value() == "Saved before the outage."
    assert page.get_by_label(SECOND).input_value() == "Typed while the database was down."


def test_the_save_button_during_a_database_outage_keeps_the_text_in_the_form(
    postgres_live_server, phone, shoot
):
    page = phone
    page.goto(consent_link(postgres_live_server))
    page.route("**/autosave", lambda route: route.abort("connectionreset"))  # no autosave
    page.get_by_label(SECOND).fill("Typed while the database was down.")

    postgres_live_server.database.stop()
    try:
        page.get_by_role("button", name="Save and finish later").click()
        page.get_by_text("try again").first.wait_for()
        shoot(page, "save-button-during-outage")
        field = page.get_by_label(SECOND)
        assert field.count() == 1, "the typed text is gone from the page"
        assert field.input_value() == "Typed while the database was down."
    finally:
        postgres_live_server.database.start()

    page.unroute("**/autosave")
    page.get_by_role("button", name="Save and finish later").click()
    page.get_by_text("Saved. You can close this page").wait_for()
    page.reload()
    assert page.get_by_label(SECOND).input_value() == "Typed while the database was down."
