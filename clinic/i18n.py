"""Languages: which one a page speaks, and the gettext catalogues behind it (Flask-Babel).

A page's language is chosen by the feature that renders it and set with :func:`use_language`
(a partner's link speaks that partner's language); otherwise the practice's default
(``DEFAULT_LANGUAGE``). Templates mark text with ``{{ _("…") }}``; Python with
:func:`flask_babel.gettext` or, at import time, :func:`flask_babel.lazy_gettext`.
"""

from pathlib import Path

from flask import Flask, current_app, g, has_request_context
from flask_babel import Babel

TRANSLATIONS_DIR = Path(__file__).parent / "translations"

babel = Babel()


def use_language(code: str | None) -> None:
    """Speak ``code`` for the rest of this request, when the practice offers it."""
    if code and code in current_app.config["LANGUAGES"]:
        g.page_language = code


def page_language() -> str:
    if has_request_context() and "page_language" in g:
        return g.page_language
    return current_app.config["DEFAULT_LANGUAGE"]


def init_app(app: Flask) -> None:
    app.config.setdefault("DEFAULT_LANGUAGE", "en")
    app.config.setdefault("LANGUAGES", ("en",))
    babel.init_app(
        app,
        locale_selector=page_language,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
