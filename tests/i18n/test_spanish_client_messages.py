"""What a Spanish partner's page says when something needs their attention: messages about
an answer name it as the partner reads it, a page handed back while the database is away
keeps the partner's language, and the language buttons work while the form shows messages."""

import re

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Answer, Partner
from tests import factories
from tests.client.browser_form import browser_form, filled, open_form
from tests.helpers import sqlite_database_away

TOO_LONG = "x" * 501  # a grid row's note holds 500 characters


@pytest.fixture(autouse=True)
def spanish_offered(app):
    app.config["LANGUAGES"] = ("en", "es")


@pytest.fixture
def url(therapist) -> str:
    """Ana's link (she reads Spanish) to the built-in boundary inventory."""
    couple = factories.make_couple(
        therapist, partners=[("Ana", None), ("Ben", None)], languages=["es", None]
    )
    assignment = factories.make_assignment(couple, ["boundary-inventory"])
    return f"/w/{factories.client_tokens(assignment)[0]}/1"


def message_on(page: str, item_id: str) -> str:
    return re.search(rf'<p class="error" id="e-{item_id}">([^<]*)</p>', page).group(1)


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def ana() -> Partner:
    return next(p for p in db.session.scalars(select(Partner)) if p.display_name == "Ana")


def test_a_message_about_an_answer_names_it_in_the_partners_language(client, url):
    form = filled(open_form(client, url), {"a.activities.kissing.note": TOO_LONG})
    response = client.post(url, data=form)
    assert response.status_code == 422
    message = message_on(response.get_data(as_text=True), "activities")
    assert "«Besos»" in message and "demasiado larga" in message
    assert "Kissing" not in message

    autosaved = client.post(url + "/autosave", data=form).get_json()
    assert "«Besos»" in autosaved["errors"]["activities"]


def test_a_required_question_left_empty_is_explained_in_spanish(client, url):
    form = filled(open_form(client, url), {"action": "submit"})
    page = client.post(url, data=form).get_data(as_text=True)
    assert message_on(page, "activities") == "Esta pregunta necesita una respuesta."


def test_the_language_buttons_switch_while_the_form_shows_messages(client, url):
    typed = {"a.activities.kissing.note": TOO_LONG, "a.understand": "Despacio, por favor."}
    form = filled(open_form(client, url), typed)
    response = client.post(url, data=filled(form, {"language": "en"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html_lang(page) == "en" and '<div lang="en" id="worksheet-text">' in page
    assert "How do you feel about each of these with your partner right now?" in page
    assert "“Kissing”" in message_on(page, "activities")
    assert browser_form(page)["a.understand"] == "Despacio, por favor."
    assert ana().language is None  # the switch is kept
    # What was typed in Spanish is saved, and remembered as written in Spanish.
    assert db.session.scalar(select(Answer.value).where(Answer.item_id == "understand")) == (
        "Despacio, por favor."
    )
    assert client.get(url).get_data(as_text=True).count('aria-current="true"') == 1

    again = {"a.activities.kissing.note": TOO_LONG, "language": "es"}
    back = client.post(url, data=filled(browser_form(page), again))
    assert back.status_code == 422
    assert "«Besos»" in message_on(back.get_data(as_text=True), "activities")
    assert ana().language == "es"


def test_the_page_handed_back_while_the_database_is_away_stays_in_spanish(
    client, url, database_url
):
    form = filled(open_form(client, url), {"a.understand": "Escrito durante un corte."})
    with sqlite_database_away(database_url):
        response = client.post(url, data=form)
        autosaved = client.post(url + "/autosave", data=form).get_json()
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert html_lang(page) == "es" and '<div lang="es" id="worksheet-text">' in page
    assert "Inventario de límites" in page and "Boundary inventory" not in page
    assert "Besos" in page and "Kissing" not in page
    assert "Ahora mismo no se han podido guardar tus respuestas." in page
    assert "Enviar a mi terapeuta" in page
    assert browser_form(page)["a.understand"] == "Escrito durante un corte."
    assert autosaved["message"].startswith("Ahora mismo no se han podido guardar")


def test_when_to_answer_a_follow_up_is_said_in_spanish_without_javascript(client, therapist):
    couple = factories.make_couple(
        therapist, partners=[("Ana", None), ("Ben", None)], languages=["es", None]
    )
    assignment = factories.make_assignment(couple, ["closeness-check-in"])
    page = client.get(f"/w/{factories.client_tokens(assignment)[0]}/1").get_data(as_text=True)
    note = re.search(r'<p class="ws-show-if">([^<]*)</p>', page).group(1)
    assert note == (
        "Solo si respondiste menos de 4 a «¿Cuánta libertad sientes para pedir la cercanía o "
        "el sexo que quieres?» o respondiste más de 5 a «¿Cuántas veces aceptaste sexo o "
        "contacto que en realidad no querías?»."
    )


def test_partners_reading_in_two_languages_in_turn_each_read_their_own(app, client, therapist):
    """Texts without variables are kept per catalogue, and forms per language: a Spanish
    page after an English one (and back) borrows nothing from the other."""
    couple = factories.make_couple(
        therapist, partners=[("Ana", None), ("Ben", None)], languages=["es", None]
    )
    ana_token, ben_token = factories.client_tokens(factories.make_assignment(couple))
    ben = app.test_client()
    for _ in range(2):
        spanish = client.get(f"/w/{ana_token}/1").get_data(as_text=True)
        english = ben.get(f"/w/{ben_token}/1").get_data(as_text=True)
        assert html_lang(spanish) == "es" and html_lang(english) == "en"
        assert "Salida rápida" in spanish and "Quick exit" not in spanish
        assert "Quick exit" in english and "Salida rápida" not in english
        assert "Nota (opcional)" in spanish and "Note (optional)" not in spanish
        assert "Note (optional)" in english and "Nota (opcional)" not in english
        assert 'data-say-saving="Guardando…"' in spanish
        assert 'data-say-saving="Saving…"' in english
        assert f"/w/{ana_token}/1/autosave" in spanish and ben_token not in spanish
        assert f"/w/{ben_token}/1/autosave" in english and ana_token not in english
