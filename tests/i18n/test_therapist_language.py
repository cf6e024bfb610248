"""A therapist chooses the language of their own pages; colleagues and partners keep theirs."""

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from clinic.extensions import db
from clinic.i18n import TRANSLATIONS_DIR, babel
from clinic.models import AuditEvent, Therapist
from tests import factories

SPANISH_PO = TRANSLATIONS_DIR / "es" / "LC_MESSAGES" / "messages.po"


@pytest.fixture
def spanish(app, tmp_path):
    """The practice offers English and Spanish, read from the committed Spanish catalogue
    (compiled here, as `make compile` does, so the test reads the .po under review)."""
    compiled = tmp_path / "translations" / "es" / "LC_MESSAGES" / "messages.mo"
    compiled.parent.mkdir(parents=True)
    with SPANISH_PO.open("rb") as source, compiled.open("wb") as target:
        write_mo(target, read_po(source))
    app.config["LANGUAGES"] = ("en", "es")
    settings = app.extensions["babel"]
    directories = settings.translation_directories
    settings.translation_directories = [str(tmp_path / "translations")]
    babel.domain_instance.cache.clear()  # translations are cached per process, by language
    yield
    settings.translation_directories = directories
    babel.domain_instance.cache.clear()


def choose_language(client, code: str):
    return client.post("/account/language", data={"language": code})


def test_a_therapist_who_chose_spanish_works_in_spanish_while_a_colleague_sees_english(
    app, spanish, therapist
):
    colleague = factories.make_therapist()
    couple = factories.make_couple(therapist, label="Pareja Olmo")
    assignment = factories.make_assignment(couple)
    mine, theirs = app.test_client(), app.test_client()
    factories.sign_in(mine, therapist)
    factories.sign_in(theirs, colleague)

    response = choose_language(mine, "es")
    assert response.status_code == 302
    settings_page = mine.get(response.location).text
    assert "Tus páginas se muestran ahora en este idioma." in settings_page

    today = mine.get("/today").text
    assert "<h1>Hoy</h1>" in today
    assert "Alertas de seguridad por revisar" in today
    assert "Safety alerts to review" not in today

    couple_page = mine.get(f"/couples/{couple.id}").text
    assert "Personas de la pareja" in couple_page
    assert "Notas privadas" in couple_page
    assert "Asignar hojas de trabajo" in couple_page

    review = mine.get(f"/review/assignments/{assignment.id}").text
    assert "Revisión: Pareja Olmo" in review
    assert "Vista de sesión" in review
    assert "Guía de esta hoja de trabajo" in review

    # The colleague, signed in at the same time, keeps the practice's English.
    colleague_today = theirs.get("/today").text
    assert "<h1>Today</h1>" in colleague_today
    assert "Safety alerts to review" in colleague_today
    assert "Alertas de seguridad" not in colleague_today
    # And the Spanish page after it is still Spanish: nothing leaks between requests.
    assert "<h1>Hoy</h1>" in mine.get("/today").text


def test_form_labels_flashes_and_errors_follow_the_therapists_language(spanish, signed_in, couple):
    choose_language(signed_in, "es")

    form = signed_in.get("/couples/new").text
    assert "Añadir una pareja" in form
    assert "Etiqueta" in form  # a WTForms label, translated when the page renders

    refused = signed_in.post(
        "/couples/new", data={"label": "Solo uno", "partners-0-display_name": "Ana"}
    )
    assert "Una pareja necesita al menos dos personas con nombre." in refused.text

    signed_in.post(f"/couples/{couple.id}/archive")
    assert "Pareja archivada." in signed_in.get(f"/couples/{couple.id}").text


def test_the_language_page_offers_the_practices_languages_named_in_themselves(
    spanish, signed_in, therapist
):
    page = signed_in.get("/account/language").text
    assert '<option selected value="en">English</option>' in page
    assert '<option value="es">Español</option>' in page
    assert therapist.language is None  # unset: the practice's default language

    choose_language(signed_in, "es")
    db.session.expire_all()
    assert db.session.get(Therapist, therapist.id).language == "es"
    recorded = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "settings_changed")
    ).all()
    assert recorded == ["language"]

    choose_language(signed_in, "en")
    assert "<h1>Today</h1>" in signed_in.get("/today").text


def test_a_language_the_practice_does_not_offer_is_refused_and_nothing_changes(
    spanish, signed_in, therapist
):
    response = choose_language(signed_in, "fr")
    assert response.status_code == 200
    assert "Not a valid choice" in response.text
    db.session.expire_all()
    assert db.session.get(Therapist, therapist.id).language is None


def test_a_stored_language_the_practice_no_longer_offers_falls_back_to_the_default(
    app, spanish, signed_in, therapist
):
    choose_language(signed_in, "es")
    app.config["LANGUAGES"] = ("en",)
    assert "<h1>Today</h1>" in signed_in.get("/today").text


def test_a_partners_link_keeps_its_own_language_whatever_the_therapist_chose(
    app, spanish, signed_in, couple_with_links
):
    choose_language(signed_in, "es")
    partner = app.test_client()
    page = partner.get(f"/w/{couple_with_links.tokens[0]}", follow_redirects=True)
    assert page.status_code == 200
    assert "Hojas de trabajo" not in page.text
    # Even in the therapist's own browser, a client page does not load the therapist.
    own_browser = signed_in.get(f"/w/{couple_with_links.tokens[1]}", follow_redirects=True)
    assert "Alertas de seguridad" not in own_browser.text


def test_every_therapist_message_has_spanish():
    """The catalogue translates every message it holds (client messages included once merged);
    a new English string without Spanish fails here."""
    with SPANISH_PO.open("rb") as source:
        catalogue = read_po(source)
    untranslated = [
        message.id
        for message in catalogue
        if message.id
        and not all(message.string if isinstance(message.string, tuple) else [message.string])
    ]
    assert untranslated == []


def test_the_spanish_catalogue_keeps_every_placeholder():
    """A translation that drops or renames ``%(name)s`` would fail at render time, or say less."""
    with SPANISH_PO.open("rb") as source:
        catalogue = read_po(source)
    problems = [(message.id, errors) for message, errors in catalogue.check() if errors]
    assert problems == []
