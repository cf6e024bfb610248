"""Autosave on a slow connection: what is typed or picked before the page's script has run is
saved too, on a partner's worksheet and in the therapist's builder."""

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Answer
from tests import factories
from tests.browser.steps import autosaved, sign_in

pytestmark = pytest.mark.browser

TITLE = "Boundary inventory"
TYPED_EARLY = "Typed while the page was still loading"


def a_link() -> str:
    couple = factories.make_couple(factories.make_therapist())
    return factories.client_tokens(factories.make_assignment(couple))[0]


def stored_answers() -> str:
    """Every stored answer, opened, as one text to look in."""
    return repr(list(db.session.scalars(select(Answer.value))))


def test_text_typed_before_the_autosave_script_ran_is_saved(live_server, phone):
    page = phone
    page.goto(f"{live_server.url}/w/{live_server.run(a_link)}")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("heading", name=TITLE).wait_for()
    # The script is held back, as on a slow connection, while the partner starts typing.
    script = page.locator("script[src*='client.js']").get_attribute("src")
    page.route("**/client.js*", lambda route: route.abort())
    page.reload()
    page.locator("textarea").first.fill(TYPED_EARLY)
    assert TYPED_EARLY not in live_server.run(stored_answers)

    page.unroute("**/client.js*")
    page.add_script_tag(url=script)  # the script arrives; nobody types anything more

    autosaved(page)
    assert TYPED_EARLY in live_server.run(stored_answers)


def test_a_builder_choice_made_before_its_script_ran_is_saved(demo_server, desktop):
    page = desktop
    sign_in(page, demo_server)
    page.goto(f"{demo_server.url}/worksheets/builder/")
    page.locator("#start-worksheet").select_option("safety-check-in")
    page.route("**/builder.js*", lambda route: route.abort())  # held back, as on a slow line
    page.get_by_role("button", name="Copy and edit").click()
    script = page.locator("script[src*='builder.js']").get_attribute("src")
    page.locator("#f-alerts-0-item").select_option("afraid")  # the alert rule's question

    page.unroute("**/builder.js*")
    page.add_script_tag(url=script)
    rule = page.locator("#f-alerts-0")
    rule.get_by_role("checkbox", name="Often", exact=False).check()  # the new question's answers
    page.locator("#autosave-status").filter(has_text="Draft saved.").wait_for(timeout=30_000)

    page.reload()
    assert page.locator("#f-alerts-0-item").input_value() == "afraid"
    assert rule.get_by_role("checkbox", name="Often", exact=False).is_checked()
