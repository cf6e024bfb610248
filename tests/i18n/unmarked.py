"""Find text in a template that a reader sees but no catalogue can translate.

A template's literal text is what Jinja's lexer calls *data*: everything outside ``{{ … }}``,
``{% … %}`` and ``{# … #}``. Text written through ``{{ _("…") }}`` or inside a
``{% trans %}`` block is marked; any other data with a letter in it that ends up where a reader
sees it is not. "Where a reader sees it" is decided by parsing the template as HTML with every
Jinja expression replaced by a placeholder: text nodes (outside ``<script>``/``<style>``) and
the attributes a browser or screen reader shows (``title``, ``alt``, ``placeholder``,
``aria-label``…, the ``value`` of a button). Class names, ids and URLs are not read, so
``class="primary"`` passes while ``title="Due soon"`` does not.

The product's name (:data:`NAMES`) is not text to translate. A line that must stay as it is
for another reason ends with the comment ``{# i18n: keep #}``.

    unmarked_strings(Path("clinic/templates/base.html"))  ->  [(12, "Skip to content"), …]
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

#: Stands for one Jinja expression or tag: no letter, so it never counts as text by itself.
HOLE = "\ue000"
KEEP = "i18n: keep"
#: Names that read the same in every language.
NAMES = re.compile(r"\bTandem\b")

#: Attributes whose value is shown or read out, on any element.
READ_ATTRIBUTES = frozenset(
    {
        "title",
        "alt",
        "placeholder",
        "aria-label",
        "aria-description",
        "aria-roledescription",
        "aria-valuetext",
        "label",
    }
)
#: ``<input type=…>`` whose ``value`` is the button's caption (a ``<button>``'s is never shown).
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})
#: Elements whose content is never shown as text.
HIDDEN_CONTENT = frozenset({"script", "style", "template"})

LETTER = re.compile(r"[^\W\d_]")
#: A macro that writes attributes into its caller's tag (`` aria-invalid="true" disabled``):
#: outside any tag here, but no text. Only text with a ``name="…"`` pair is read so.
ATTRIBUTE_PAIR = re.compile(r'[\w:.-]+="[^"]*"')
BOOLEAN_ATTRIBUTE = re.compile(
    r"\b(?:checked|disabled|selected|required|readonly|hidden|multiple|open|novalidate)\b"
)
_lexer_environment = Environment(autoescape=True)  # only its lexer is used


def unmarked_strings(template_path: Path) -> list[tuple[int, str]]:
    """Every piece of unmarked reader-facing text in the template, as (line, text)."""
    source = template_path.read_text(encoding="utf-8")
    skeleton, kept_lines = _skeleton(source)
    if template_path.suffix in {".html", ".htm", ".xml", ".svg"}:
        found = _HtmlText.scan(skeleton)
    else:
        found = _plain_text(skeleton)
    return [
        (line, text)
        for line, text in found
        if line not in kept_lines and _has_text(NAMES.sub("", text))
    ]


def _skeleton(source: str) -> tuple[str, set[int]]:
    """The template's data as written, each other token a HOLE (newlines kept for line numbers).

    Data inside ``{% trans %}…{% endtrans %}`` is marked, and a ``{% block …_class %}`` holds
    a class name: both become a HOLE as well. Also returns the lines that say ``i18n: keep``.
    """
    parts: list[str] = []
    kept = {number for number, text in enumerate(source.splitlines(), 1) if KEEP in text}
    skipping = None  # "endtrans" or "endblock" while inside a block whose data is not text
    tag: list[str] = []  # the names in the tag being read: ["block", "body_class"]
    at_line = 1
    for line, kind, value in _lexer_environment.lex(source):
        # Whitespace control ({%- … -%}) drops newlines from data: put them back from the lexer.
        parts.append("\n" * (line - at_line))
        at_line = line + value.count("\n")
        if kind == "data" and skipping is None:
            parts.append(value)
            continue
        if kind.endswith("_begin"):
            parts.append(HOLE)
        if kind == "block_begin":
            tag = []
        elif kind == "name":
            tag.append(value)
        elif kind == "block_end" and tag:
            if tag[0] == "trans":
                skipping = "endtrans"
            elif tag[0] == "block" and tag[-1].endswith("class"):
                skipping = "endblock"  # {% block body_class %}: an attribute's value
            elif tag[0] == skipping:
                skipping = None
        parts.append("\n" * value.count("\n"))
    return "".join(parts), kept


def _shown(text: str) -> str:
    return " ".join(text.replace(HOLE, " {…} ").split()).replace("{…} {…}", "{…}")


def _has_text(text: str) -> bool:
    return bool(LETTER.search(text))


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._hidden_depth = 0

    @classmethod
    def scan(cls, skeleton: str) -> list[tuple[int, str]]:
        parser = cls()
        parser.feed(skeleton)
        parser.close()
        return parser.found

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attributes(tag, attrs)
        if tag in HIDDEN_CONTENT:
            self._hidden_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attributes(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_CONTENT and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        first_letter = LETTER.search(data)
        if self._hidden_depth or not first_letter or _only_attributes(data):
            return
        line, _ = self.getpos()
        self.found.append((line + data.count("\n", 0, first_letter.start()), _shown(data)))

    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        is_button = tag == "input" and (attributes.get("type") or "").lower() in BUTTON_INPUTS
        line, _ = self.getpos()
        start_tag = self.get_starttag_text() or ""
        for name, value in attrs:
            if not value or not _has_text(value):
                continue
            if name in READ_ATTRIBUTES or (name == "value" and is_button):
                at = start_tag.find(name + "=")
                self.found.append((line + start_tag[: max(at, 0)].count("\n"), _shown(value)))


def _only_attributes(data: str) -> bool:
    if not ATTRIBUTE_PAIR.search(data):
        return False
    return not _has_text(BOOLEAN_ATTRIBUTE.sub("", ATTRIBUTE_PAIR.sub("", data)))


def _plain_text(skeleton: str) -> list[tuple[int, str]]:
    """A template that is not HTML (e-mail text, say): every line of data with a letter."""
    return [
        (number, _shown(text))
        for number, text in enumerate(skeleton.split("\n"), start=1)
        if _has_text(text)
    ]
