"""A new item type defined entirely in the test suite works end to end, without clinic/ edits.

The toy type "toy_pair" asks for a word for how things are now and a word hoped for. It
brings its own model, form reading, cleaning, description, comparison, FHIR halves and
templates (toy_templates/toy_pair.html); the client page, save and resume, autosave, the
therapist review, both session handouts, the blank sheet and the FHIR exports all carry it.
"""

from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
from pydantic import Field

from clinic.worksheets.items import Item, register, type_names, unregister
from clinic.worksheets.items.base import clean_mapping, clean_text, question, string_answer
from clinic.worksheets.loader import WorksheetError, load_text
from tests import factories
from tests.client.browser_form import browser_form, filled
from tests.helpers import pdf_text, questionnaire_item

PARTS = (("now", "A word for now"), ("hoped", "A word hoped for"))


class ToyPairItem(Item):
    type: Literal["toy_pair"]
    max_word: int = Field(40, ge=1, le=100)

    template_folder: ClassVar[Path] = Path(__file__).with_name("toy_templates")

    def parts(self) -> tuple[tuple[str, str], ...]:
        return PARTS

    def own_texts(self):
        return iter(label for _, label in PARTS)

    def read_form(self, fields, name: str) -> dict[str, Any]:
        return {part: fields.one(f"{name}.{part}") for part, _ in PARTS}

    def clean(self, raw: Any) -> dict[str, str]:
        given = clean_mapping(raw, {part for part, _ in PARTS})
        words = {p: clean_text(given[p], self.max_word, "A word") for p, _ in PARTS if p in given}
        return {p: w for p, w in words.items() if w}

    def is_complete(self, value: dict[str, str]) -> bool:
        return all(part in value for part, _ in PARTS)

    def describe(self, value: dict[str, str]) -> str:
        return f"now {value.get('now', '-')}, hoped {value.get('hoped', '-')}"

    def texts(self, value: dict[str, str]) -> list[str]:
        return list(value.values())

    def compare_note(self, values) -> str:
        same = len({v.get("hoped") for v in values}) == 1
        return "Toy: the same hope." if same else "Toy: different hopes."

    def sample_answer(self, text: str) -> dict[str, str]:
        return {"now": f"{text} now", "hoped": f"{text} hoped"}

    def fhir_question(self) -> dict[str, Any]:
        return {"item": [question(f"{self.id}.{part}", "string", label) for part, label in PARTS]}

    def fhir_answer(self, value: dict[str, str]) -> dict[str, Any]:
        return {"item": [string_answer(f"{self.id}.{part}", value.get(part)) for part, _ in PARTS]}


TOY_WORKSHEET = """\
id: toy-words
version: 1
title: Two words
purpose: A word for now and a word hoped for.
minutes: 5
themes: [check-in]
answered_by: each_partner
instructions: Answer on your own.
guide:
  how_to_use: Read the words together.
  look_for: Hopes in common.
  when_not_to_use: When there is active coercion or violence; plan for safety first.
discussion_prompts:
  - Which word surprised you?
sections:
  - id: words
    title: Words
    items:
      - id: pair
        type: toy_pair
        prompt: Your two words
        required: true
      - id: note
        type: short_text
        prompt: Anything else?
"""


@pytest.fixture
def toy_type():
    register(ToyPairItem)
    yield ToyPairItem
    unregister("toy_pair")


@pytest.fixture
def toy(toy_type, therapist, couple):
    """The toy worksheet uploaded by the therapist and assigned to the couple."""
    custom = factories.make_custom_worksheet(therapist, TOY_WORKSHEET)
    ws = load_text(TOY_WORKSHEET)
    assignment = factories.make_assignment_of(couple, [ws])
    return custom, assignment, factories.client_tokens(assignment)


def test_an_unregistered_type_is_refused_and_a_registered_one_loads(toy_type):
    assert "toy_pair" in type_names()
    assert load_text(TOY_WORKSHEET).item("pair").type == "toy_pair"
    with pytest.raises(WorksheetError, match="max_word: must be at most 100"):
        load_text(TOY_WORKSHEET.replace("required: true", "max_word: 500"))
    unregister("toy_pair")
    with pytest.raises(WorksheetError, match="unknown item type 'toy_pair'; use one of: short"):
        load_text(TOY_WORKSHEET)
    register(ToyPairItem)


def test_the_toy_type_works_end_to_end(client, signed_in, couple, toy):
    custom, assignment, tokens = toy
    first, second = (f"/w/{token}/1" for token in tokens)

    # The client page shows the toy's own form, and autosave keeps what was typed.
    page = client.get(first).get_data(as_text=True)
    assert 'name="a.pair.now"' in page and "A word for now" in page
    form = browser_form(page)
    saved = client.post(first + "/autosave", data=filled(form, {"a.pair.now": "Tired"}))
    assert saved.get_json()["status"] == "saved"
    assert browser_form(client.get(first).get_data(as_text=True))["a.pair.now"] == "Tired"

    # Save, then resume: both words come back; a word over the toy's limit is refused.
    form = browser_form(client.get(first).get_data(as_text=True))
    too_long = client.post(first, data=filled(form, {"a.pair.hoped": "x" * 41, "action": "save"}))
    assert "A word is too long" in too_long.get_data(as_text=True)
    form = browser_form(client.get(first).get_data(as_text=True))
    answers = {"a.pair.hoped": "Rested", "share.pair": "1", "action": "save"}
    response = client.post(first, data=filled(form, answers))
    assert response.status_code == 302
    resumed = browser_form(client.get(first).get_data(as_text=True))
    assert (resumed["a.pair.now"], resumed["a.pair.hoped"]) == ("Tired", "Rested")
    assert "1 of 2 answered" in client.get(first).get_data(as_text=True)

    # Both partners send, sharing the toy answer; the toy's progress counts it as complete.
    for url, now in ((first, "Tired"), (second, "Busy")):
        form = browser_form(client.get(url).get_data(as_text=True))
        words = {"a.pair.now": now, "a.pair.hoped": "Rested", "share.pair": "1"}
        assert client.post(url, data=filled(form, {**words, "action": "submit"})).status_code == 302

    # The therapist's review shows it with the toy's review macro.
    review = signed_in.get(f"/review/assignments/{assignment.id}").get_data(as_text=True)
    assert "Toy review: now Tired, hoped Rested" in review
    assert "Toy review: now Busy, hoped Rested" in review

    # Both session handouts print it with the toy's pdf macro, and its comparison.
    base = f"/couples/{couple.id}/handouts/session.pdf?assignment={assignment.id}"
    for version in ("joint", "therapist"):
        text = pdf_text(signed_in.get(f"{base}&version={version}").data)
        assert "Toy print: now Tired, hoped Rested" in text, version
        assert "Toy print: now Busy, hoped Rested" in text, version
        assert "Toy: the same hope." in text, version

    # The blank sheet has the toy's blank macro.
    blank = signed_in.get(f"/couples/{couple.id}/handouts/blank.pdf?worksheet=custom:{custom.id}")
    assert "Toy blank A word hoped for" in pdf_text(blank.data)

    # The Questionnaire carries the toy's item, and the couple's bundle its answers.
    questionnaire = signed_in.get(f"/worksheets/own/{custom.id}/questionnaire.json").get_json()
    pair = questionnaire_item(questionnaire, "pair")
    assert [child["linkId"] for child in pair["item"]] == ["pair.now", "pair.hoped"]
    bundle = signed_in.get(f"/couples/{couple.id}/record.fhir.json").get_json()
    responses = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    answered = [
        {child["linkId"]: child["answer"][0]["valueString"] for child in node["item"]}
        for r in responses
        for section in r["item"]
        for node in section["item"]
        if node["linkId"] == "pair"
    ]
    assert sorted(a["pair.now"] for a in answered) == ["Busy", "Tired"]
    assert all(a["pair.hoped"] == "Rested" for a in answered)


def test_the_toy_type_leaves_no_trace_in_other_tests():
    assert "toy_pair" not in type_names()
