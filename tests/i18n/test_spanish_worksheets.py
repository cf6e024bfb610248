"""Every built-in worksheet reads in Spanish: complete, plain, and for clients of any gender."""

import re

import pytest
from babel.messages.pofile import read_po
from textstat.textstat import textstatistics

from clinic.i18n import TRANSLATIONS_DIR
from clinic.worksheets.loader import BUILTIN_DIR, load_file, worksheet_files
from clinic.worksheets.schema import Worksheet

BUILTIN_FILES = worksheet_files(BUILTIN_DIR)
# Fernández-Huerta 70-80 is "bastante fácil": about what grade 8 is in English.
MIN_EASE = 70
READABILITY = textstatistics()
READABILITY.set_lang("es")  # syllables from pyphen's Spanish dictionary, shipped with it
# Marks that write gender into a word instead of around it, and forms that speak to the
# reader as usted or vosotros (the worksheets use tú, and ustedes for the couple).
NOT_NEUTRAL = re.compile(
    r"@|\b\w+/as?\b|\b\w+xs\b|\b(todxs|todes|elle|elles|nosotres|juntos|juntas|ambos|ambas)\b"
    r"|\b(usted|vosotros|vosotras)\b",
    re.I,
)
# Kept exactly, so a translated text still renders as its English source does.
FORMAT_MARKS = ("{", "}", "%(", "**", "\n", "- ")
DENSE = (
    "La evaluación sistemática de las dinámicas interpersonales contemporáneas requiere una "
    "consideración multidimensional, exhaustiva y profundamente individualizada de los "
    "condicionantes socioculturales, psicológicos y relacionales que determinan, conjuntamente, "
    "la comunicación afectiva, la negociación de la intimidad y la gestión emocional de los "
    "desacuerdos prolongados en la convivencia."
)


def as_sentence(text: str) -> str:
    """Labels have no full stop; counted as run-on text they would make the text look harder."""
    text = text.strip()
    return text if text[-1] in ".?!" else text + "."


def reading_ease(texts: list[str]) -> float:
    return READABILITY.fernandez_huerta(" ".join(as_sentence(t) for t in texts))


def spanish(ws: Worksheet) -> dict[str, str]:
    return ws.translations.get("es", {})


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.stem)
def test_builtin_has_every_client_text_in_spanish_and_nothing_else(path):
    ws = load_file(path)
    sources = set(ws.translatable_texts())
    missing = sorted(sources - set(spanish(ws)))
    extra = sorted(set(spanish(ws)) - sources)
    assert not missing, f"{path.name}: no Spanish for {missing}"
    assert not extra, f"{path.name}: Spanish for text the worksheet no longer has: {extra}"
    assert all(text.strip() for text in spanish(ws).values())


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.stem)
def test_spanish_keeps_placeholders_markdown_and_line_breaks(path):
    changed = [
        source
        for source, text in spanish(load_file(path)).items()
        if any(source.count(mark) != text.count(mark) for mark in FORMAT_MARKS)
    ]
    assert not changed, f"{path.name}: formatting differs from the English in {changed}"


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.stem)
def test_spanish_client_text_reads_easily(path):
    texts = list(spanish(load_file(path)).values())
    hardest = sorted(texts, key=lambda t: reading_ease([t]))[:3]
    ease = reading_ease(texts)
    assert ease >= MIN_EASE, f"{path.name} reads at {ease:.0f}; hardest: {hardest}"


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.stem)
def test_spanish_speaks_to_any_gender_with_tu(path):
    found = [t for t in spanish(load_file(path)).values() if NOT_NEUTRAL.search(t)]
    assert not found, f"{path.name}: rephrase without gendered or formal forms: {found}"


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.stem)
def test_spanish_names_the_boundary_answers_as_the_grid_shows_them(path):
    """ "Pick Yes, Maybe, Not now or No" must name the choices the grid's rows show."""
    with (TRANSLATIONS_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    for answer in ("Maybe", "Not now"):
        shown = catalogue[answer].string.lower()
        english = re.compile(rf"\b{answer}\b", re.I)
        named = [
            text
            for source, text in spanish(load_file(path)).items()
            if english.search(source) and shown not in text.lower()
        ]
        assert not named, f"{path.name}: say {answer} as the grid does ({shown!r}) in {named}"


def test_a_long_dense_paragraph_fails_the_reading_check():
    assert reading_ease([DENSE]) < MIN_EASE
    plain = "Piensa en el último mes. ¿Qué salió bien? Escribe una o dos frases."
    assert reading_ease([plain]) >= MIN_EASE


def test_the_gender_check_catches_what_it_is_for():
    for text in ("¿Te sientes tranquilo/a?", "Hablen juntos.", "Bienvenid@", "¿Cómo está usted?"):
        assert NOT_NEUTRAL.search(text), text
    assert not NOT_NEUTRAL.search("¿Cómo están ustedes? Te sientes con calma.")
