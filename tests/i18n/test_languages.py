"""A partner's pages, PDFs and dates in their language, and laid out right to left for a
language written that way (a pseudo-translation into Arabic made here, as no real one ships)."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import weasyprint
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale

from clinic import localtime
from clinic.extensions import db
from clinic.handouts import service as handouts
from clinic.handouts.pdf import HANDOUT_CSS
from clinic.i18n import TRANSLATIONS_DIR, use_language
from clinic.worksheets.loader import builtin_library
from tests import factories
from tests.helpers import make_app, pdf_text

RTL_MARK = "ع"  # an Arabic letter: each pseudo-translated text starts with it


def pseudo_arabic(folder: Path) -> Path:
    """Every message of the catalogue template "translated" into Arabic as ``ع <English>``."""
    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as source:
        template = read_po(source)
    catalogue = Catalog(locale="ar", domain="messages")
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            forms = (f"{RTL_MARK} {message.id[1]}",) * catalogue.num_plurals
            catalogue.add(message.id, forms, context=message.context)
        else:
            catalogue.add(message.id, f"{RTL_MARK} {message.id}", context=message.context)
    target = folder / "ar" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as out:
        write_mo(out, catalogue)
    return folder


@pytest.fixture
def rtl_app(sqlite_template, tmp_path):
    import shutil

    path = tmp_path / "rtl.sqlite3"
    shutil.copy(sqlite_template, path)
    translations = pseudo_arabic(tmp_path / "translations")
    app = make_app(
        f"sqlite:///{path}",
        LANGUAGES=["en", "es", "ar"],
        DEFAULT_LANGUAGE="ar",
        BABEL_TRANSLATION_DIRECTORIES=f"{TRANSLATIONS_DIR};{translations}",
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def a_link(app, due: date | None = None) -> str:
    couple = factories.make_couple(factories.make_therapist())
    assignment = factories.make_assignment(couple)
    assignment.due_date = due
    token = factories.client_tokens(assignment)[0]
    db.session.commit()
    return f"/w/{token}"


def test_a_partner_page_speaks_english_by_default(app, client):
    page = client.get(a_link(app)).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page
    assert "Your worksheets" in page and "Quick exit" in page


def test_a_partner_reads_their_link_in_spanish_with_the_due_date_as_spanish_writes_it(app, client):
    app.config["DEFAULT_LANGUAGE"] = "es"
    link = a_link(app, due=date(2026, 12, 1))
    page = client.get(link).get_data(as_text=True)
    assert '<html lang="es" dir="ltr">' in page
    assert "<title>Hoja de trabajo</title>" in page
    assert "Tus hojas de trabajo" in page and "Salida rápida" in page
    assert "Termina antes del <strong>1 de diciembre de 2026</strong>" in page
    assert "0 de 1" not in page and " respondidas" in page
    assert "Your worksheets" not in page


def test_the_spanish_worksheet_form_gives_its_buttons_and_autosave_words_in_spanish(app, client):
    app.config["DEFAULT_LANGUAGE"] = "es"
    page = client.get(a_link(app) + "/1").get_data(as_text=True)
    assert "Guardar y terminar más tarde" in page and "Enviar a mi terapeuta" in page
    assert 'data-say-saving="Guardando…"' in page
    assert 'data-say-progress="%(answered)s de %(total)s respondidas"' in page
    assert "Mi pareja puede ver esta fila" in page  # the grid's own share box
    assert ">Quizá<" in page or "> Quizá<" in page  # the grid's answers


def test_a_message_after_saving_is_in_spanish(app, client):
    app.config["DEFAULT_LANGUAGE"] = "es"
    sheet = a_link(app) + "/1"
    client.get(sheet)
    response = client.post(sheet, data={"action": "save"}, follow_redirects=True)
    assert "Guardado. Puedes cerrar esta página" in response.get_data(as_text=True)


def test_dates_and_times_follow_the_language_and_english_reads_as_before(app):
    moment = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    with app.test_request_context():
        assert localtime.format_moment(moment, "UTC") == "1 Dec 2026, 20:00 UTC"
        assert localtime.format_day(moment, "UTC", long=True) == "1 December 2026"
        use_language("es")
        assert localtime.format_moment(moment, "UTC") == "1 dic 2026, 20:00 UTC"
        assert localtime.format_day(moment, "UTC", long=True) == "1 de diciembre de 2026"


def test_a_blank_pdf_in_spanish_numbers_its_pages_in_spanish(app):
    with app.test_request_context():
        use_language("es")
        text = pdf_text(handouts.blank_worksheet_pdf(builtin_library()["boundary-inventory"]))
    assert "Página 1 de" in text and "Nombre" in text and "Límite firme" in text


def test_a_right_to_left_language_turns_the_page_around(rtl_app):
    client = rtl_app.test_client()
    page = client.get(a_link(rtl_app)).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert f"{RTL_MARK} Your worksheets" in page and f"{RTL_MARK} Quick exit" in page


def test_a_right_to_left_pdf_starts_its_lists_and_margins_on_the_right(rtl_app):
    with rtl_app.test_request_context():
        ws = builtin_library()["boundary-inventory"]
        html = handouts.render_template("handouts/pdf/blank.html", ws=ws, who=["A"], pdf_title="x")
    assert 'dir="rtl"' in html and "@top-left { content: string(doc-date); }" in html
    document = weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(HANDOUT_CSS)])
    boxes = [  # the tick boxes: the space between a box and its words is on their start side
        box
        for page in document.pages
        for box in _boxes(page._page_box)
        if box.element_tag == "span" and "box" in (box.element.get("class") or "").split()
    ]
    assert boxes, "the worksheet prints boxes to tick"
    assert all(box.margin_left > 0 and box.margin_right == 0 for box in boxes)


def _boxes(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def test_an_empty_answer_is_named_in_the_readers_language(app):
    """Two versions side by side (a clash, a comparison) name a missing answer in words."""
    from clinic.worksheets.describe import describe

    _section, item = next(builtin_library()["boundary-inventory"].items())
    assert describe(item, None) == "(no answer)"
    with force_locale("es"):
        assert describe(item, None) == "(sin respuesta)"
