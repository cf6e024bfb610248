"""The language rules mark what they say they mark, explain why, and never let text become HTML."""

import re

import pytest
from markupsafe import Markup, escape

from clinic.review.language import (
    RuleFileError,
    Span,
    default_rules,
    highlight,
    load_rules,
    render,
    review,
)

RULES = default_rules()
BRACKETED = re.compile(r"\[([^\]]*)\]")


def unbracket(example: str) -> tuple[str, list[tuple[int, int]]]:
    """The example's text without brackets, and where each bracketed phrase sits in it."""
    text, expected, offset = "", [], 0
    for match in BRACKETED.finditer(example):
        text += example[offset : match.start()]
        expected.append((len(text), len(text) + len(match.group(1))))
        text += match.group(1)
        offset = match.end()
    return text + example[offset:], expected


def marked(text: str, rule_id: str, item_type: str = "reframe") -> list[str]:
    return [text[s.start : s.end] for s in highlight(text, item_type) if s.rule_id == rule_id]


def fired(text: str, item_type: str = "reframe") -> set[str]:
    return {rule.id for rule in review(text, item_type).fired}


def example_cases(which: str) -> list:
    return [
        pytest.param(rule, example, id=f"{rule.id}: {example}")
        for rule in RULES
        for example in getattr(rule, which)
    ]


@pytest.mark.parametrize(("rule", "example"), example_cases("match_examples"))
def test_every_built_in_match_example_is_marked_exactly_as_bracketed(rule, example):
    text, expected = unbracket(example)
    if rule.kind == "absent":
        assert not expected, "absent rules flag whole answers; their examples have no brackets"
        assert rule.id in fired(text)
    else:
        assert expected, "phrase examples show the marked phrase in [brackets]"
        spans = [(s.start, s.end) for s in highlight(text, "reframe") if s.rule_id == rule.id]
        assert spans == expected


@pytest.mark.parametrize(("rule", "example"), example_cases("no_match_examples"))
def test_every_built_in_no_match_example_is_left_alone(rule, example):
    assert "[" not in example
    assert rule.id not in fired(example)


def test_the_rule_set_covers_the_five_kinds_of_language_the_therapist_asked_for():
    assert [r.id for r in RULES] == ["absolute", "blame", "demand", "name-calling", "no-feeling"]
    for rule in RULES:
        assert len(rule.explanation) > 60, f"{rule.id} needs a real explanation"
        assert len(rule.match_examples) >= 3 and len(rule.no_match_examples) >= 3


class TestAbsolutes:
    def test_marks_always_never_and_every_time_in_any_case(self):
        text = "You ALWAYS start. I Never do. Every  time."
        assert marked(text, "absolute") == ["ALWAYS", "Never", "Every  time"]

    def test_only_whole_words(self):
        assert marked("Nevertheless, alwaysness is not a word.", "absolute") == []


class TestBlame:
    def test_marks_you_make_me_and_because_of_you(self):
        text = "You made me cry, and it is because of you that we stopped."
        assert marked(text, "blame") == ["You made me", "because of you"]

    def test_curly_apostrophes_from_phones_count(self):
        assert marked("You\u2019re making me anxious.", "blame") == ["You\u2019re making me"]

    def test_not_your_fault_is_reassurance_not_blame(self):
        assert marked("It's not your fault, and it isn\u2019t your fault.", "blame") == []
        assert marked("It is your fault.", "blame") == ["your fault"]


class TestDemands:
    def test_marks_you_have_to_and_you_must(self):
        text = "You have to stop. You must ask. You need to listen."
        assert marked(text, "demand") == ["You have to", "You must", "You need to"]

    def test_questions_and_conditions_are_not_demands(self):
        assert marked("Do you need to stop? If you need to, say so.", "demand") == []


class TestNameCalling:
    def test_marks_labels_for_a_person(self):
        text = "You're so selfish. He is such a jerk. Stop it, you pervert."
        assert marked(text, "name-calling") == [
            "You're so selfish",
            "He is such a jerk",
            "you pervert",
        ]

    def test_a_feeling_about_oneself_is_not_name_calling(self):
        assert marked("I felt stupid and lazy that day.", "name-calling") == []


class TestNoFeelingNamed:
    def test_flags_a_rewrite_that_names_no_feeling_or_need(self):
        assert "no-feeling" in fired("Next time ask first.")

    def test_an_i_statement_with_a_feeling_or_need_passes(self):
        for text in ("I feel tense when we rush.", "I'd like us to pause.", "I'm scared."):
            assert "no-feeling" not in fired(text), text

    def test_applies_to_reframes_only_and_never_to_empty_text(self):
        assert "no-feeling" not in fired("Next time ask first.", "long_text")
        assert "no-feeling" not in fired("   ")

    def test_it_flags_the_answer_without_marking_a_phrase(self):
        assert [s for s in highlight("Stop that.") if s.rule_id == "no-feeling"] == []


def test_highlight_returns_spans_with_rule_ids_in_reading_order():
    spans = highlight("You never listen. You have to listen.")
    assert [(s.start, s.end, s.rule_id) for s in spans] == [(4, 9, "absolute"), (18, 29, "demand")]


def test_render_marks_spans_and_escapes_everything_else():
    text = '<b onclick="x">You always</b> & more'
    html = render(text, highlight(text), RULES)
    assert isinstance(html, Markup)
    assert html == Markup(
        "&lt;b onclick=&#34;x&#34;&gt;You "
        '<mark class="lang" data-rules="absolute" title="Absolute word">always</mark>'
        "&lt;/b&gt; &amp; more"
    )


def test_render_escapes_text_inside_a_mark():
    html = render("You always <i>", [Span(4, 14, "absolute")], RULES)
    assert "<i>" not in html and "&lt;i&gt;</mark>" in html


def test_overlapping_marks_are_merged_into_segments_that_name_every_rule():
    html = str(review("You always make me wait.").html)
    assert '<mark class="lang" data-rules="absolute blame" title="Absolute word; Blame">' in html
    assert html.endswith("</mark> wait.")


def test_unmarked_text_is_only_escaped():
    text = "I feel <calm> & safe"
    assert render(text, highlight(text), RULES) == escape(text)


@pytest.mark.parametrize(
    ("rule_yaml", "message"),
    [
        (
            "- {id: a, title: A, explanation: E, patterns: ['(unclosed'], "
            "examples: {match: [x], no_match: [y]}}",
            "rule 'a': pattern '(unclosed' is not valid",
        ),
        (
            "- {id: a, title: A, explanation: E, patterns: [x], examples: {match: [x]}}",
            "rule 'a': 'examples' needs both",
        ),
        (
            "- {id: a, title: A, explanation: E, patterns: [x], colour: red, "
            "examples: {match: [x], no_match: [y]}}",
            "unknown field 'colour'",
        ),
        (
            "- {id: A B, title: A, explanation: E, patterns: [x], "
            "examples: {match: [x], no_match: [y]}}",
            "rule #1: 'id' must be",
        ),
        (
            "- {id: a, title: A, explanation: E, kind: maybe, patterns: [x], "
            "examples: {match: [x], no_match: [y]}}",
            "'kind' must be one of phrase, absent",
        ),
        (
            "- {id: a, title: A, explanation: E, patterns: [no], "
            "examples: {match: [x], no_match: [y]}}",
            "'patterns' must be a non-empty list of text",
        ),
    ],
)
def test_a_broken_rule_file_is_refused_with_a_message_naming_the_rule(tmp_path, rule_yaml, message):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n" + rule_yaml + "\n")
    with pytest.raises(RuleFileError, match=re.escape(message)):
        load_rules(path)


def test_a_rule_defined_twice_is_refused(tmp_path):
    rule = (
        "- {id: a, title: A, explanation: E, patterns: [x], examples: {match: [x], no_match: [y]}}"
    )
    path = tmp_path / "rules.yaml"
    path.write_text(f"rules:\n{rule}\n{rule}\n")
    with pytest.raises(RuleFileError, match="rule 'a' is defined twice"):
        load_rules(path)
