"""The catalogues compiled before any test reads a translated page; SQLite is enough here."""

import shutil
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from clinic.i18n import TRANSLATIONS_DIR


def compile_catalogues(translations: Path) -> None:
    """What ``make compile`` does, for a test run that did not start from make."""
    for po in translations.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source)
        with mo.open("wb") as out:
            write_mo(out, catalogue)


@pytest.fixture(autouse=True, scope="session")
def compiled_catalogues():
    compile_catalogues(TRANSLATIONS_DIR)


@pytest.fixture
def database_url(request, tmp_path):
    path = tmp_path / "tandem.sqlite3"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"
