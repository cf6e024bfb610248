"""In Chromium: a therapist switches their pages to Spanish and works on in it."""

import pytest
from playwright.sync_api import expect

from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser


def test_a_therapist_switches_to_spanish_and_the_pages_follow(
    demo_server, desktop, shoot, assert_accessible
):
    demo_server.app.config["LANGUAGES"] = ["en", "es"]
    page = desktop
    sign_in(page, demo_server)

    page.get_by_role("link", name="Sign-in security").click()
    page.get_by_role("link", name="Language", exact=True).click()
    page.get_by_label("Language of your pages").select_option("es")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Idioma")).to_be_visible()
    expect(page.get_by_text("Tus páginas se muestran ahora en este idioma.")).to_be_visible()
    shoot(page, "language-chosen")

    page.locator("#nav-today").click()
    expect(page.get_by_role("heading", name="Hoy", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Alertas de seguridad por revisar")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    shoot(page, "today-in-spanish")
    assert_accessible(page, "the Today page in Spanish")

    page.get_by_role("link", name="Parejas", exact=True).click()
    page.locator(".cards a").first.click()
    expect(page.get_by_role("heading", name="Personas de la pareja")).to_be_visible()
    expect(page.get_by_role("link", name="Asignar hojas de trabajo")).to_be_visible()
    shoot(page, "couple-in-spanish")
    assert_accessible(page, "a couple's page in Spanish")
