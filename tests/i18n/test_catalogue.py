"""The committed catalogues match the code: nothing marked is missing, nothing left over,
every Spanish entry written (none fuzzy), with the same placeholders as its English."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from clinic.i18n import TRANSLATIONS_DIR

ROOT = Path(__file__).parents[2]
PYBABEL = Path(sys.executable).with_name("pybabel")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _read(path: Path):
    with path.open("rb") as source:
        return read_po(source)


def _keys(catalogue) -> set[tuple[str | None, str]]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalogue if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[tuple[str | None, str]]:
    """The messages the code marks today, extracted as `make messages` does."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        ["make", "--silent", "pot", f"POT={pot}", f"PYBABEL={PYBABEL}"],
        cwd=ROOT,
        check=True,
    )
    return _keys(_read(pot))


def test_the_committed_template_has_every_marked_message_and_no_other(extracted):
    committed = _keys(_read(TRANSLATIONS_DIR / "messages.pot"))
    assert not extracted - committed, "Run `make messages`: new text is not in messages.pot"
    assert not committed - extracted, "Run `make messages`: messages.pot lists text now gone"


@pytest.mark.parametrize("language", ["es"])
def test_a_language_translates_every_message(extracted, language):
    catalogue = _read(TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po")
    assert _keys(catalogue) == extracted, "Run `make messages`, then translate what it adds"
    untranslated = [m.id for m in catalogue if m.id and not all(_forms(m.string))]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not untranslated, f"Not translated into {language}: {untranslated[:5]}"
    assert not fuzzy, f"Fuzzy in {language} (check, then remove the flag): {fuzzy[:5]}"


@pytest.mark.parametrize("language", ["es"])
def test_a_translation_keeps_the_placeholders_of_its_english(language):
    catalogue = _read(TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po")
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        english = set(PLACEHOLDER.findall(" ".join(_forms(message.id))))
        for form in _forms(message.string):
            if set(PLACEHOLDER.findall(form)) - english or (
                english - {"num"} - set(PLACEHOLDER.findall(form))
            ):
                wrong.append((message.id, form))
    assert not wrong


def test_spanish_addresses_clients_of_any_gender_without_slashes_or_symbols():
    """Inclusive by phrasing ("te damos la bienvenida"), never "bienvenido/a", "@" or "x"."""
    catalogue = _read(TRANSLATIONS_DIR / "es" / "LC_MESSAGES" / "messages.po")
    marked = re.compile(r"\w+[oa]/[ao]s?\b|\w+/as?\b|\b\w+@s?\b|\b(?:todxs|todes|amigxs)\b")
    found = [form for m in catalogue if m.id for form in _forms(m.string) if marked.search(form)]
    assert not found


def _forms(text) -> tuple[str, ...]:
    return (text,) if isinstance(text, str) else tuple(text)
