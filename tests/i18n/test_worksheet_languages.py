"""Each partner reads in their own language: the therapist sets it, the partner can switch,
answers remember the language they were written in, and printouts follow."""

import re
from pathlib import Path

import pytest
from babel.dates import format_date
from sqlalchemy import select

from clinic.extensions import db
from clinic.handouts import service as handouts
from clinic.models import Partner, Response
from clinic.worksheets.loader import load_file
from tests import factories
from tests.client.browser_form import browser_form, filled, open_form
from tests.helpers import pdf_text

TRANSLATED = load_file(Path(__file__).with_name("translated-worksheet.yaml"))
UNTRANSLATED = TRANSLATED.model_copy(update={"id": "untranslated-sample", "translations": {}})


@pytest.fixture(autouse=True)
def spanish_offered(app):
    app.config["LANGUAGES"] = ("en", "es")


@pytest.fixture
def spanish_couple(therapist):
    return factories.make_couple(
        therapist, partners=[("Ana", None), ("Ben", None)], languages=["es", None]
    )


@pytest.fixture
def links(spanish_couple):
    """[Ana's token (Spanish), Ben's token (the practice's English)]."""
    assignment = factories.make_assignment_of(spanish_couple, [TRANSLATED, UNTRANSLATED])
    return assignment, factories.client_tokens(assignment)


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def partner(name: str) -> Partner:
    return next(p for p in db.session.scalars(select(Partner)) if p.display_name == name)


# --- the therapist sets each partner's language ---------------------------------------------


def test_the_therapist_sets_each_partners_language_on_the_couple_form(signed_in):
    page = signed_in.get("/couples/new").get_data(as_text=True)
    assert '<option value="es">Spanish</option>' in page
    response = signed_in.post(
        "/couples/new",
        data={
            "label": "C1",
            "partners-0-display_name": "Ana",
            "partners-0-language": "es",
            "partners-1-display_name": "Ben",
            "partners-1-language": "",
        },
    )
    assert response.status_code == 302
    assert (partner("Ana").language, partner("Ben").language) == ("es", None)
    couple_page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert couple_page.count("reads Spanish") == 1

    edit_url = response.headers["Location"] + "/edit"
    edit_page = signed_in.get(edit_url).get_data(as_text=True)
    assert '<option selected value="es">Spanish</option>' in edit_page
    changed = {
        "label": "C1",
        "partners-0-display_name": "Ana",
        "partners-0-language": "",
        "partners-1-display_name": "Ben",
        "partners-1-language": "es",
    }
    assert signed_in.post(edit_url, data=changed).status_code == 302
    assert (partner("Ana").language, partner("Ben").language) == (None, "es")


def test_a_language_the_practice_does_not_offer_is_refused_in_plain_words(signed_in):
    response = signed_in.post(
        "/couples/new",
        data={
            "label": "C1",
            "partners-0-display_name": "Ana",
            "partners-0-language": "klingon",
            "partners-1-display_name": "Ben",
        },
    )
    assert response.status_code == 200
    assert "Please pick one of the languages listed." in response.get_data(as_text=True)
    assert db.session.scalars(select(Partner)).first() is None


def test_with_one_language_the_form_asks_nothing_about_it(app, signed_in):
    app.config["LANGUAGES"] = ("en",)
    assert "partners-0-language" not in signed_in.get("/couples/new").get_data(as_text=True)


# --- the client pages speak it ------------------------------------------------------------


def test_a_spanish_partner_reads_the_worksheet_and_the_page_in_spanish(client, links):
    _, (ana, ben) = links
    page = client.get(f"/w/{ana}/1").get_data(as_text=True)
    assert html_lang(page) == "es"
    assert '<div lang="es" id="worksheet-text">' in page
    assert "Pequeños pasos" in page and "¿Qué pequeño paso ayudaría?" in page
    assert "Cada semana" in page and "Mucha calma" in page
    assert "Small steps" not in page
    # The form sends the same names and values whatever the language.
    assert 'name="a.often" value="weekly"' in page
    assert "Pequeños pasos" in client.get(f"/w/{ana}").get_data(as_text=True)

    other = client.get(f"/w/{ben}/1").get_data(as_text=True)
    assert html_lang(other) == "en" and "Small steps" in other and "Pequeños" not in other


def test_a_worksheet_without_a_complete_translation_is_shown_in_english_with_a_note(client, links):
    _, (ana, _) = links
    page = client.get(f"/w/{ana}/2").get_data(as_text=True)
    assert html_lang(page) == "es"
    assert '<div lang="en" id="worksheet-text">' in page
    assert "Small steps" in page
    assert 'id="language-note"' in page
    assert 'id="language-switch"' not in page  # nothing to switch to
    assert 'id="language-note"' not in client.get(f"/w/{ana}/1").get_data(as_text=True)


def test_the_partner_switches_language_without_losing_what_they_typed(client, links):
    _, (ana, _) = links
    url = f"/w/{ana}/1"
    form = open_form(client, url)
    assert 'id="language-en"' in client.get(url).get_data(as_text=True)
    response = client.post(url, data=filled(form, {"a.step": "Hablar más.", "language": "en"}))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url)  # no text, no language in the address
    page = client.get(url).get_data(as_text=True)
    assert html_lang(page) == "en" and "Small steps" in page
    assert browser_form(page)["a.step"] == "Hablar más."
    assert partner("Ana").language is None

    client.post(url, data=filled(browser_form(page), {"language": "es"}))
    assert "Pequeños pasos" in client.get(url).get_data(as_text=True)
    assert partner("Ana").language == "es"


def test_a_language_the_practice_does_not_offer_changes_nothing(client, links):
    _, (ana, _) = links
    url = f"/w/{ana}/1"
    response = client.post(url, data=filled(open_form(client, url), {"language": "xx"}))
    assert response.status_code == 303
    assert partner("Ana").language == "es"


def test_two_versions_of_an_answer_are_shown_in_the_partners_language(client, links):
    _, (ana, _) = links
    url = f"/w/{ana}/1"
    first_tab, second_tab = open_form(client, url), open_form(client, url)
    client.post(url, data=filled(first_tab, {"a.often": "daily"}))
    response = client.post(url, data=filled(second_tab, {"a.often": "weekly"}))
    assert response.status_code == 409
    conflict = response.get_data(as_text=True).split('id="conflicts-panel"')[1]
    assert "¿Con qué frecuencia habláis?" in conflict and "Cada día" in conflict
    assert "How often" not in conflict and "Every day" not in conflict


def test_answers_remember_the_language_they_were_written_in(client, links, signed_in):
    assignment, (ana, ben) = links
    for token in (ana, ben):
        form = open_form(client, f"/w/{token}/1")
        answer = {"a.step": "Un paso.", "a.small": "", "action": "submit"}
        assert client.post(f"/w/{token}/1", data=filled(form, answer)).status_code == 302
    languages = {
        r.partner.display_name: r.language
        for r in db.session.scalars(select(Response))
        if r.submitted_at is not None
    }
    assert languages == {"Ana": "es", "Ben": "en"}

    page = signed_in.get(f"/review/assignments/{assignment.id}").get_data(as_text=True)
    assert page.count("answered in Spanish") == 1
    assert "answered in English" not in page  # the therapist's own language goes unsaid
    assert "Small steps" in page and "Pequeños pasos" not in page  # the review stays English
    assert "Un paso." in page


# --- printouts -------------------------------------------------------------------------------


def test_the_blank_worksheet_prints_in_the_partners_language(signed_in, therapist, spanish_couple):
    custom = factories.make_custom_worksheet(
        therapist, Path(__file__).with_name("translated-worksheet.yaml").read_text()
    )
    base = f"/couples/{spanish_couple.id}/handouts"
    page = signed_in.get(base).get_data(as_text=True)
    assert '<select id="blank-language" name="language"' in page
    spanish_couple.partners[1].language = "es"
    db.session.commit()
    page = signed_in.get(base).get_data(as_text=True)
    assert '<option value="es" selected>Spanish</option>' in page

    text = pdf_text(signed_in.get(f"{base}/blank.pdf?worksheet=custom:{custom.id}").data)
    assert "Pequeños pasos" in text and "¿Cuánta calma sientes?" in text and "Cada día" in text
    assert "Small steps" not in text
    english = signed_in.get(f"{base}/blank.pdf?worksheet=custom:{custom.id}&language=en")
    assert "Small steps" in pdf_text(english.data)


def test_the_joint_handout_prints_in_the_language_picked_with_answers_as_given(
    signed_in, spanish_couple
):
    assignment = factories.make_assignment_of(spanish_couple, [TRANSLATED])
    [sheet] = assignment.worksheets
    ana, ben = spanish_couple.partners
    factories.answer_worksheet(sheet, ana, {"step": "Hablar más.", "often": "weekly"}, shared=all)
    factories.answer_worksheet(sheet, ben, {"step": "Talk more.", "often": "daily"}, shared=all)
    base = f"/couples/{spanish_couple.id}/handouts/session.pdf"
    url = f"{base}?version=joint&assignment={assignment.id}"

    text = pdf_text(signed_in.get(url + "&language=es").data)
    assert "Pequeños pasos" in text and "¿Con qué frecuencia habláis?" in text
    assert "Cada semana" in text and "Cada día" in text
    assert "Hablar más." in text and "Talk more." in text  # each partner's words as given
    # Its dates and comparison notes speak Spanish too, not only the worksheet's text.
    month = format_date(assignment.created_at, "MMMM", locale="es")
    assert f"de {month} de" in text and "Respuestas distintas." in text
    assert "Different answers." not in text
    english = pdf_text(signed_in.get(url + "&language=en").data)
    assert "Small steps" in english and "Every week" in english and "Hablar más." in english
    therapist_url = f"{base}?version=therapist&assignment={assignment.id}&language=es"
    therapist_copy = pdf_text(signed_in.get(therapist_url).data)
    assert "Small steps" in therapist_copy and "Pequeños pasos" not in therapist_copy


def test_a_couple_of_two_languages_prints_in_the_practices_by_default(app, spanish_couple):
    with app.test_request_context():
        assert handouts.couple_language(spanish_couple) == "en"
        assert handouts.printout_language("es", spanish_couple) == "es"
        assert handouts.printout_language("xx", spanish_couple) == "en"


# --- the record ----------------------------------------------------------------------------


def test_the_fhir_record_carries_each_partners_language_and_each_answers(signed_in, links):
    from fhir.resources.R4B.bundle import Bundle

    assignment, _ = links
    response = next(r for r in db.session.scalars(select(Response)) if r.partner.language)
    response.language = "es"
    factories.answer_worksheet(assignment.worksheets[0], response.partner, {"step": "Un paso."})
    couple_id = assignment.couple_id
    record = signed_in.get(f"/couples/{couple_id}/record.fhir.json").get_json()
    Bundle.model_validate(record)  # still valid R4
    resources = [entry["resource"] for entry in record["entry"]]
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    spoken = [p.get("communication") for p in patients]
    assert spoken.count(None) == 1
    [code] = [c[0]["language"]["coding"][0]["code"] for c in spoken if c]
    assert code == "es"
    answered = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert [r.get("language") for r in answered if r.get("item")] == ["es"]
