"""A partner's worksheet right to left on a 390 px phone: nothing runs off the side, and axe
finds no serious problem (pseudo-Arabic catalogue from test_languages)."""

import shutil

import pytest

from clinic.i18n import TRANSLATIONS_DIR
from tests import factories
from tests.browser.fixtures import serve
from tests.helpers import make_app
from tests.i18n.test_languages import RTL_MARK, pseudo_arabic

pytestmark = pytest.mark.browser


@pytest.fixture
def rtl_server(sqlite_template, tmp_path):
    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    app = make_app(
        f"sqlite:///{path}",
        TESTING=False,
        LANGUAGES=["en", "ar"],
        DEFAULT_LANGUAGE="ar",
        BABEL_TRANSLATION_DIRECTORIES=f"{TRANSLATIONS_DIR};{pseudo_arabic(tmp_path / 'mo')}",
    )
    yield from serve(app)


def test_a_right_to_left_worksheet_fits_a_phone_and_passes_axe(
    rtl_server, phone, shoot, assert_accessible
):
    def create():
        couple = factories.make_couple(factories.make_therapist())
        assignment = factories.make_assignment(couple, slugs=["boundary-inventory"])
        return f"{rtl_server.url}/w/{factories.client_tokens(assignment)[0]}"

    link = rtl_server.run(create)
    phone.goto(link)
    assert phone.locator("html").get_attribute("dir") == "rtl"
    phone.goto(link + "/1")
    phone.locator("#worksheet-form").wait_for()
    assert phone.locator("h1").inner_text()  # the worksheet's own title, as uploaded
    assert phone.locator("#submit-button").inner_text().startswith(RTL_MARK)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= phone.viewport_size["width"], "the page scrolls sideways"
    # The quick exit sits at the start of a right-to-left line: the right side.
    brand = phone.locator(".client-brand").bounding_box()
    exit_button = phone.locator("#quick-exit").bounding_box()
    assert brand["x"] > exit_button["x"]
    shoot(phone, "rtl-worksheet")
    assert_accessible(phone, "a right-to-left worksheet")
