"""A therapist's worksheet tools in each language: the library's preview in any language a
worksheet is complete in, the checker's problems and the builder's words in the therapist's
own, while ``worksheets check`` keeps printing English for files and CI logs."""

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask_babel import force_locale
from flask_babel.speaklater import LazyString

from clinic.builder import schema_forms
from clinic.builder import service as builder
from clinic.worksheets.cli import worksheets_cli
from clinic.worksheets.items import item_class, type_names
from clinic.worksheets.schema import Worksheet
from tests import factories

PREVIEW = "/worksheets/builtin/boundary-inventory/preview"
MISSING_PROMPT = Path(__file__).parents[1] / "worksheets" / "broken" / "missing-field.yaml"


@pytest.fixture(autouse=True)
def spanish_offered(app):
    app.config["LANGUAGES"] = ("en", "es")


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def in_spanish(client):
    assert client.post("/account/language", data={"language": "es"}).status_code == 302


# --- the library's preview ------------------------------------------------------------------


def test_the_preview_offers_each_complete_language_and_shows_the_page_in_it(signed_in):
    page = signed_in.get(PREVIEW).get_data(as_text=True)
    assert html_lang(page) == "en" and "Boundary inventory" in page
    assert f'href="{PREVIEW}?language=es"' in page
    assert 'id="language-en" aria-current="true"' in page

    spanish = signed_in.get(PREVIEW + "?language=es").get_data(as_text=True)
    assert html_lang(spanish) == "es" and '<div lang="es" id="worksheet-text">' in spanish
    assert "Inventario de límites" in spanish and "Besos" in spanish
    assert "Kissing" not in spanish and "Enviar a mi terapeuta" in spanish
    assert f'action="{PREVIEW}?language=es"' in spanish  # trying the buttons keeps it

    tried = signed_in.post(
        PREVIEW + "?language=es", data={"a.activities.kissing.note": "x" * 501}
    ).get_data(as_text=True)
    assert "«Besos»" in tried and "“Kissing”" not in tried


def test_the_preview_offers_no_language_a_worksheet_is_not_complete_in(app, signed_in, therapist):
    app.config["LANGUAGES"] = ("en", "es", "fr")
    source = (Path(__file__).with_name("translated-worksheet.yaml")).read_text()
    custom = factories.make_custom_worksheet(therapist, source)
    url = f"/worksheets/own/{custom.id}/preview"
    page = signed_in.get(url).get_data(as_text=True)
    assert 'id="language-es"' in page and 'id="language-fr"' not in page
    asked = signed_in.get(url + "?language=fr").get_data(as_text=True)
    assert html_lang(asked) == "en" and "Small steps" in asked


def test_the_preview_follows_a_spanish_therapist_until_they_pick_another(signed_in):
    in_spanish(signed_in)
    assert "Inventario de límites" in signed_in.get(PREVIEW).get_data(as_text=True)
    english = signed_in.get(PREVIEW + "?language=en").get_data(as_text=True)
    assert html_lang(english) == "en" and "Boundary inventory" in english


# --- the checker's problems -----------------------------------------------------------------


def test_an_upload_with_problems_is_explained_in_the_therapists_language(signed_in):
    in_spanish(signed_in)
    response = signed_in.post(
        "/worksheets/new",
        data={"file": (io.BytesIO(MISSING_PROMPT.read_bytes()), "mine.yaml")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "falta un campo obligatorio" in page
    assert "required field is missing" not in page


def test_the_builder_says_a_files_problems_and_places_in_spanish(app):
    with app.test_request_context(), force_locale("es"):
        text = MISSING_PROMPT.read_text().replace("type: short_text}", "type: slider}")
        _data, problems = builder.from_upload(text, "upload")
        assert any(p.startswith("Sección 1, pregunta 1") for p in problems), problems
        assert any("Tipo de pregunta desconocido 'slider'" in p for p in problems), problems
        _data, slipped = builder.from_upload("id: a\ntitle: [unclosed\n", "upload")
        assert slipped[0].startswith("Línea "), slipped
        assert "YAML mal escrito" in slipped[0]


def test_worksheets_check_prints_english_whatever_the_practices_language(app):
    app.config["DEFAULT_LANGUAGE"] = "es"
    result = CliRunner().invoke(worksheets_cli, ["check", str(MISSING_PROMPT)])
    assert result.exit_code == 1
    assert "sections[0].items[0].prompt: required field is missing" in result.output


# --- the builder's words --------------------------------------------------------------------


def test_the_builder_names_question_types_in_spanish(signed_in):
    in_spanish(signed_in)
    started = signed_in.post("/worksheets/builder/new", data={"start": "blank"})
    page = signed_in.get(started.headers["Location"]).get_data(as_text=True)
    assert "Respuesta corta (una línea)" in page
    assert "Short answer (one line)" not in page


def every_model():
    """The definition models the builder makes forms of: the worksheet's and each type's."""
    seen, waiting = [], [Worksheet, *(item_class(name) for name in type_names())]
    while waiting:
        model = waiting.pop()
        if model in seen:
            continue
        seen.append(model)
        waiting.extend(spec.model for spec in schema_forms.specs(model) if spec.model)
    return seen


def test_every_word_the_builder_shows_is_marked_for_translation():
    unmarked = []
    for model in every_model():
        for spec in schema_forms.specs(model):
            words = [spec.label, spec.help, spec.entry, *(label for _, label in spec.choices)]
            where = f"{model.__name__}.{spec.name}"
            unmarked += [(where, w) for w in words if w and not isinstance(w, LazyString)]
    assert not unmarked, unmarked
    unnamed = [name for name in type_names() if not item_class(name).builder_name]
    assert not unnamed
