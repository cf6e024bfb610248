"""Every built-in worksheet, previewed on a phone, fits the screen: nothing scrolls sideways."""

import pytest

from clinic.worksheets.loader import builtin_library
from tests import factories
from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def test_each_builtin_preview_fits_a_phone_screen(live_server, phone, shoot, assert_accessible):
    therapist = live_server.run(lambda: {"email": factories.make_therapist().email})
    sign_in(phone, live_server, therapist["email"], factories.PASSWORD)

    phone.goto(f"{live_server.url}/worksheets/")
    shoot(phone, "library")
    assert_accessible(phone, "the worksheet library")
    too_wide = {"library": phone.evaluate(OVERFLOW)}

    for ws in builtin_library().values():
        phone.goto(f"{live_server.url}/worksheets/builtin/{ws.id}/preview")
        assert phone.title() == "Worksheet"
        phone.get_by_role("heading", name=ws.title, exact=True).wait_for()
        too_wide[ws.id] = phone.evaluate(OVERFLOW)
        shoot(phone, ws.id)
        assert_accessible(phone, f"the preview of {ws.id}")

    phone.goto(f"{live_server.url}/worksheets/builtin/boundary-inventory")
    too_wide["guide page"] = phone.evaluate(OVERFLOW)
    shoot(phone, "guide-page")
    assert_accessible(phone, "a worksheet's guide page")
    assert {page: pixels for page, pixels in too_wide.items() if pixels > 0} == {}
