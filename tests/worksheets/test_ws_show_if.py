"""Conditional questions: shown after an earlier answer, never required or kept when hidden."""

import pytest
import yaml
from fhir.resources.R4B.questionnaire import Questionnaire

from clinic.worksheets.answers import missing_required, parse_form, progress
from clinic.worksheets.conditions import shown_items
from clinic.worksheets.fhir import to_questionnaire
from clinic.worksheets.loader import BUILTIN_DIR, WorksheetError, load_file, load_text
from tests.helpers import r4_item_rules_broken
from tests.measures import nine_item_measure

CHECK_IN = load_file(BUILTIN_DIR / "closeness-check-in.yaml")


def with_follow_up(show_if: dict, required: bool = True) -> dict:
    data = nine_item_measure()
    data["sections"][0]["items"].append(
        {
            "id": "more",
            "type": "short_text",
            "prompt": "Tell us more",
            "required": required,
            "show_if": show_if,
        }
    )
    return data


def loaded(data: dict):
    return load_text(yaml.safe_dump(data))


def problems(data: dict) -> list[str]:
    with pytest.raises(WorksheetError) as caught:
        loaded(data)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("show_if", "answers", "shown"),
    [
        ({"all": [{"item": "q1", "equals": "a2"}]}, {"q1": "a2"}, True),
        ({"all": [{"item": "q1", "equals": "a2"}]}, {"q1": "a1"}, False),
        ({"all": [{"item": "q1", "equals": "a2"}]}, {}, False),
        ({"all": [{"item": "q1", "not_equals": "a0"}]}, {"q1": "a1"}, True),
        ({"all": [{"item": "q1", "not_equals": "a0"}]}, {}, False),
        ({"any": [{"item": "q1", "any_of": ["a2", "a3"]}]}, {"q1": "a3"}, True),
        (
            {"all": [{"item": "q1", "equals": "a1"}, {"item": "q2", "equals": "a1"}]},
            {"q1": "a1", "q2": "a0"},
            False,
        ),
        (
            {"any": [{"item": "q1", "equals": "a1"}, {"item": "q2", "equals": "a1"}]},
            {"q1": "a1", "q2": "a0"},
            True,
        ),
    ],
)
def test_a_question_is_shown_when_its_condition_is_met(show_if, answers, shown):
    ws = loaded(with_follow_up(show_if))
    assert ("more" in shown_items(ws, answers)) is shown


def test_scale_conditions_compare_numbers():
    assert "what-helps" in shown_items(CHECK_IN, {"ask": 3})
    assert "what-helps" in shown_items(CHECK_IN, {"ask": 8, "pressure": 6})
    assert "what-helps" not in shown_items(CHECK_IN, {"ask": 4, "pressure": 5})


def test_a_hidden_question_is_not_required_and_its_answer_is_not_kept():
    ws = loaded(with_follow_up({"all": [{"item": "q1", "equals": "a3"}]}))
    form = {"a.q1": "a0", "a.more": "typed before changing my mind", "share.more": "1"}
    answers, shareable, errors = parse_form(ws, form)
    assert answers == {"q1": "a0"} and shareable == set() and errors == {}
    assert missing_required(ws, answers) == []
    assert progress(ws, answers) == (1, 9)
    answers, _, _ = parse_form(ws, {**form, "a.q1": "a3"})
    assert answers["more"] == "typed before changing my mind"
    assert missing_required(ws, {"q1": "a3"}) == ["more"]


def test_hiding_a_section_hides_what_depends_on_it():
    answers, _, _ = parse_form(CHECK_IN, {"a.ask": "9", "a.what-helps": "words"})
    assert answers == {"ask": 9}


@pytest.mark.parametrize(
    ("show_if", "expected"),
    [
        ({"all": [{"item": "q1", "equals": "a7"}]}, "'a7' is not an option of item 'q1'"),
        ({"all": [{"item": "q1", "greater_than": 1}]}, "greater_than works with scale items"),
        ({"all": [{"item": "q1", "equals": "a1", "any_of": ["a2"]}]}, "give exactly one test"),
        (
            {"all": [{"item": "q1", "equals": "a1"}], "any": [{"item": "q1", "equals": "a1"}]},
            "exactly one of all or any",
        ),
        (
            {"all": [{"item": "q1", "any_of": ["a1", "a2"]}, {"item": "q2", "equals": "a1"}]},
            "can only stand alone or in an 'any' list",
        ),
    ],
)
def test_conditions_that_could_never_work_are_refused(show_if, expected):
    assert any(expected in p for p in problems(with_follow_up(show_if)))


def test_a_condition_can_only_test_an_earlier_answer():
    data = with_follow_up({"all": [{"item": "q9", "equals": "a1"}]})
    items = data["sections"][0]["items"]
    items.insert(0, items.pop())  # the follow-up now comes before q9
    assert any("only test an item that comes earlier" in p for p in problems(data))


def test_a_condition_on_a_text_answer_is_refused():
    data = with_follow_up({"all": [{"item": "q1", "equals": "a1"}]})
    data["sections"][0]["items"].append(
        {
            "id": "later",
            "type": "short_text",
            "prompt": "P",
            "show_if": {"all": [{"item": "more", "equals": "x"}]},
        }
    )
    assert any("show_if can test single_choice" in p for p in problems(data))


def section_groups(questionnaire):
    """The sections' groups, after the instructions' display item."""
    return [item for item in questionnaire["item"] if item["type"] == "group"]


def test_conditions_export_as_enable_when():
    ws = loaded(
        with_follow_up(
            {"all": [{"item": "q1", "equals": "a1"}, {"item": "q2", "not_equals": "a0"}]}
        )
    )
    resource = to_questionnaire(ws)
    Questionnaire.model_validate(resource)
    assert not list(r4_item_rules_broken(resource["item"]))
    node = section_groups(resource)[0]["item"][-1]
    assert node["enableBehavior"] == "all"
    assert node["enableWhen"] == [
        {
            "question": "q1",
            "operator": "=",
            "answerCoding": {"code": "a1", "display": "Placeholder answer B"},
        },
        {
            "question": "q2",
            "operator": "!=",
            "answerCoding": {"code": "a0", "display": "Placeholder answer A"},
        },
    ]
    section = section_groups(to_questionnaire(CHECK_IN))[1]
    assert section["enableBehavior"] == "any"
    assert section["enableWhen"][0] == {"question": "ask", "operator": "<", "answerInteger": 4}
    Questionnaire.model_validate(to_questionnaire(CHECK_IN))


def test_the_hint_says_the_condition_in_plain_words():
    ws = loaded(with_follow_up({"any": [{"item": "q1", "any_of": ["a2", "a3"]}]}))
    assert ws.condition_text(ws.item("more").show_if) == (
        "Only if you answered “Placeholder answer C” or “D” to “Placeholder question 1”."
    )


@pytest.mark.parametrize("test", [{"greater_than": 10}, {"less_than": 0}, {"equals": 11}])
def test_a_scale_condition_no_answer_can_meet_is_refused(test):
    data = nine_item_measure()
    items = data["sections"][0]["items"]
    items.insert(
        0,
        {
            "id": "near",
            "type": "scale",
            "prompt": "P",
            "min": 0,
            "max": 10,
            "min_label": "Low",
            "max_label": "High",
        },
    )
    items[1]["show_if"] = {"all": [{"item": "near", **test}]}
    assert any("could never be met" in p for p in problems(data))
