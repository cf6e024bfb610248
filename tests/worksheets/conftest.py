"""Shared fixtures for the worksheet tests: the built-in library and a Jinja environment."""

from pathlib import Path

import jinja2
import pytest

import clinic.worksheets
from clinic import localtime
from clinic.worksheets import form_cache
from clinic.worksheets.loader import builtin_library

TEMPLATES = Path(clinic.worksheets.__file__).parent / "templates"


@pytest.fixture(scope="session")
def library():
    return builtin_library()


@pytest.fixture(scope="session")
def form_macro():
    """The form macro, in an environment WITHOUT autoescape: the template must escape itself."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - on purpose: proves the macros escape by themselves
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)  # as Flask-Babel does: text stays as written
    env.filters["local_day"] = localtime.format_day  # as the app registers it
    env.globals["form_items"] = form_cache.form_items  # as the worksheets blueprint does
    return env.get_template("worksheets/_items.html").module.render_worksheet_form
