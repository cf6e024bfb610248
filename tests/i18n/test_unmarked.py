"""Every text a reader sees in a template goes through the catalogue (tests/i18n/unmarked.py)."""

from pathlib import Path

import pytest

from tests.i18n.unmarked import unmarked_strings

CLINIC = Path(__file__).parents[2] / "clinic"
TEMPLATES = sorted(CLINIC.rglob("templates/**/*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(CLINIC)))
def test_template_marks_every_text(template: Path) -> None:
    found = unmarked_strings(template)
    assert not found, 'Unmarked text (wrap it in {{ _("…") }}):\n' + "\n".join(
        f"  {template.relative_to(CLINIC.parent)}:{line}: {text}" for line, text in found
    )


def test_the_scan_covers_the_templates_of_every_area() -> None:
    assert len(TEMPLATES) > 50
    assert CLINIC / "templates" / "base.html" in TEMPLATES


def _scan(tmp_path: Path, source: str) -> list[tuple[int, str]]:
    template = tmp_path / "sample.html"
    template.write_text(source, encoding="utf-8")
    return unmarked_strings(template)


def test_text_nodes_and_read_attributes_are_found_with_their_line(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        '<h1>{{ _("Marked") }}</h1>\n'
        "<p>Your answers</p>\n"
        '<img src="x.png"\n     alt="A chart">\n'
        '<input type="submit" value="Send">\n'
        '<button name="go" value="save" title="Close" data-x="y">&times;</button>\n',
    )
    assert found == [(2, "Your answers"), (4, "A chart"), (5, "Send"), (6, "Close")]


def test_text_around_an_expression_or_split_by_a_tag_is_found(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        "{%- if x -%}\n\n  <p>{{ n }} items</p>\n{%- endif %}\n"
        "<p>Tick one{% if many %} each{% endif %}.</p>\n",
    )
    assert found == [(3, "{…} items"), (5, "Tick one {…} each {…} .")]


def test_marked_text_hidden_content_and_kept_lines_pass(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        '<p>{{ _("Hello %(name)s", name=name) }}</p>\n'
        "<p>{% trans %}Thank you\n  for writing{% endtrans %}</p>\n"
        "{# A comment is not shown #}<!-- nor is this -->\n"
        '<input type="hidden" name="csrf_token" value="abc">\n'
        '<script src="a.js"></script><style>p { color: red }</style>\n'
        "<p>&nbsp;· {{ count }} · 3 &ndash; 4</p>\n"
        '<span class="brand">Tandem</span>\n'
        "{% block body_class %}client{% endblock %}\n"
        "{% block title %}{{ _('Print') }} · Tandem{% endblock %}\n"
        "<span>API</span>{# i18n: keep #}\n"
        '{% macro attrs(x) %}{% if x %} aria-invalid="true" disabled{% endif %}{% endmacro %}\n',
    )
    assert found == []
