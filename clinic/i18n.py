"""Languages: which one a page speaks, and the gettext catalogues behind it (Flask-Babel).

A page's language is chosen by the feature that renders it and set with :func:`use_language`
(a partner's link speaks that partner's language); otherwise the practice's default
(``DEFAULT_LANGUAGE``). Templates mark text with ``{{ _("…") }}``; Python with
:func:`flask_babel.gettext` or, at import time, :func:`flask_babel.lazy_gettext`.
"""

import functools
import re
import weakref
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app, g, has_request_context
from flask_babel import Babel, get_locale, get_translations, gettext, refresh
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

TRANSLATIONS_DIR = Path(__file__).parent / "translations"

babel = Babel()


def N_(message: str) -> str:
    """Mark text for the catalogue where it cannot be translated yet (module constants that
    also reach files in English, such as FHIR exports); it is translated where it is shown."""
    return message


def use_language(code: str | None) -> None:
    """Speak ``code`` for the rest of this request, when the practice offers it."""
    if code and code in current_app.config["LANGUAGES"]:
        g.page_language = code
        refresh()  # Flask-Babel keeps the locale it looked up first for the whole request


def page_language() -> str:
    if has_request_context() and "page_language" in g:
        return g.page_language
    return current_app.config["DEFAULT_LANGUAGE"]


def page_language_tag() -> str:
    """The page's language as HTML's ``lang`` wants it (BCP 47: ``pt-BR``, not ``pt_BR``)."""
    locale = get_locale()
    return str(locale).replace("_", "-") if locale else page_language()


def page_direction() -> str:
    """``rtl`` for a language written right to left (Arabic, Hebrew, …), else ``ltr``."""
    locale = get_locale()
    return "rtl" if locale is not None and locale.text_direction == "rtl" else "ltr"


def page_numbers_css() -> Markup:
    """A CSS ``content`` value for "Page 2 of 5" in the page's language, for a PDF's margin
    box: the numbers are WeasyPrint's counters, so the words around them come from here."""
    counters = {"%(page)s": "counter(page)", "%(pages)s": "counter(pages)"}
    parts = re.split(
        r"(%\(pages?\)s)", gettext("Page %(page)s of %(pages)s", page="%(page)s", pages="%(pages)s")
    )
    content = " ".join(counters.get(part) or _css_string(part) for part in parts if part)
    # Words are CSS strings with " \\ < > and newlines escaped.
    return Markup(content)  # noqa: S704  # nosec B704


def _css_string(text: str) -> str:
    return '"' + re.sub(r'["\\\n<>]', lambda m: f"\\{ord(m.group()):x} ", text) + '"'


def init_app(app: Flask) -> None:
    app.config.setdefault("DEFAULT_LANGUAGE", "en")
    app.config.setdefault("LANGUAGES", ("en",))
    app.add_template_global(page_language_tag)
    app.add_template_global(page_direction)
    app.add_template_global(page_numbers_css)
    babel.init_app(
        app,
        locale_selector=page_language,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    # Flask-Babel's own callables, but finding the catalogue once per language and request.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(
        _=_template_gettext,
        gettext=_template_gettext,
        page_language=page_language,
        language_name=language_name,
    )


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    """``_()`` in a template, as Jinja's newstyle gettext does it (always a format string,
    Markup where the template escapes) but in one call instead of three, and a text without
    variables comes ready from its catalogue's memo: a client page says some 18 of them."""
    if variables:
        return _as_said(_catalogue().ugettext(string), eval_ctx.autoescape) % variables
    said = _said()
    key = (string, eval_ctx.autoescape)
    done = said.get(key)
    if done is None:
        done = said[key] = _as_said(_catalogue().ugettext(string), eval_ctx.autoescape) % {}
    return done


def _as_said(message: str, autoescape: bool) -> str:
    """A catalogue's text as Jinja's newstyle gettext takes it: the template's own markup
    (translators' text is reviewed like the templates), its variables escaped by ``%``."""
    return Markup(message) if autoescape else message  # noqa: S704  # nosec B704


def _catalogue():
    """The catalogue of the locale Flask-Babel has chosen now."""
    return _kept_catalogue()[1]


def _said() -> dict[tuple[str, bool], str]:
    """Texts without variables as the catalogue of the locale chosen now says them."""
    return _kept_catalogue()[2]


def _kept_catalogue() -> tuple[Any, Any, dict[tuple[str, bool], str]]:
    """The locale Flask-Babel has chosen now, its catalogue and that catalogue's memo, kept in
    ``g`` while that very locale object stands: a page calls ``_()`` dozens of times, and
    Flask-Babel looks up the context, domain, locale and catalogue anew on each.
    ``refresh()`` (use_language) and ``force_locale`` replace the locale object, so either
    makes this look it up again."""
    here = g._get_current_object()
    kept = getattr(here, "_page_catalogue", None)
    locale = _chosen_locale(here)
    if locale is not None and kept is not None and kept[0] is locale:
        return kept
    translations = get_translations()  # chooses the locale when none is yet
    said = _memos.get(translations)
    if said is None:
        said = _memos[translations] = {}
    kept = (_chosen_locale(here), translations, said)
    here._page_catalogue = kept
    return kept


def _chosen_locale(here: Any) -> Any:
    return getattr(getattr(here, "_flask_babel", None), "babel_locale", None)


# What each catalogue says (a catalogue lives as long as its app: tests make many apps).
_memos: weakref.WeakKeyDictionary[Any, dict[tuple[str, bool], str]] = weakref.WeakKeyDictionary()


def reader_language(code: str | None) -> str:
    """A reader's own language (a partner's, say) if the practice offers it, else its default."""
    if code and code in current_app.config["LANGUAGES"]:
        return code
    return current_app.config["DEFAULT_LANGUAGE"]


def offered_languages() -> tuple[str, ...]:
    """The languages this practice offers (config LANGUAGES), its default first."""
    default = current_app.config["DEFAULT_LANGUAGE"]
    return (default, *(code for code in current_app.config["LANGUAGES"] if code != default))


def language_name(code: str, in_language: str | None = None) -> str:
    """A language's name as a reader of ``in_language`` (default: this page's) calls it,
    e.g. "Spanish" on an English page and "español" in a partner's own list of languages."""
    return _display_name(code, in_language or page_language())


@functools.lru_cache(maxsize=256)
def _display_name(code: str, in_language: str) -> str:
    """Babel's name of a language, parsed once per process: a client page names three."""
    try:
        name = Locale.parse(code).get_display_name(in_language)
    except (ValueError, UnknownLocaleError):
        return code
    return name or code
