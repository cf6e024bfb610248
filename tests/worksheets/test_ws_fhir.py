"""FHIR export: every built-in becomes a Questionnaire that a FHIR library accepts."""

import json
import re

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from clinic.worksheets.fhir import THEME_SYSTEM, to_questionnaire
from clinic.worksheets.loader import builtin_library
from tests.helpers import independent_fhir_problems, questionnaire_item, r4_item_rules_broken

LIBRARY = builtin_library()


def link_ids(items):
    for item in items:
        yield item["linkId"]
        yield from link_ids(item.get("item", []))


@pytest.mark.parametrize("ws", list(LIBRARY.values()), ids=lambda ws: ws.id)
def test_export_validates_as_fhir(ws):
    resource = to_questionnaire(ws)
    parsed = Questionnaire.model_validate(resource)
    assert not list(r4_item_rules_broken(resource["item"]))
    assert re.fullmatch(r"[A-Z][A-Za-z0-9_]{0,254}", resource["name"])
    assert parsed.status == "active" and parsed.version == str(ws.version)
    ids = list(link_ids(resource["item"]))
    assert len(ids) == len(set(ids))
    exported = json.dumps(resource)
    assert not [text for text in ws.guide.model_dump().values() if json.dumps(text) in exported]


def test_types_map_to_fhir_item_types():
    resource = to_questionnaire(LIBRARY["boundary-inventory"])
    assert questionnaire_item(resource, "s:activities")["type"] == "group"
    grid = questionnaire_item(resource, "activities")
    row = grid["item"][0]
    assert (grid["type"], row["linkId"]) == ("group", "activities.kissing")
    assert [(q["linkId"], q["type"]) for q in row["item"]] == [
        ("activities.kissing.answer", "choice"),
        ("activities.kissing.nn", "boolean"),
        ("activities.kissing.note", "string"),
        ("activities.kissing.share", "boolean"),
    ]
    scale = questionnaire_item(to_questionnaire(LIBRARY["monthly-check-in"]), "closeness")
    assert (scale["type"], scale["required"]) == ("integer", True)
    assert [e["valueInteger"] for e in scale["extension"] if "valueInteger" in e] == [0, 10]
    assert {"url": "urn:tandem:item-type", "valueCode": "scale"} in scale["extension"]
    pause = questionnaire_item(to_questionnaire(LIBRARY["conflict-pre-agreement"]), "plan.pause")
    assert [q["linkId"] for q in pause["item"]] == ["plan.pause.word", "plan.pause.ok"]
    assert [q["linkId"] for q in pause["item"][1]["item"]] == [
        "plan.pause.ok.partner",
        "plan.pause.ok.state",
        "plan.pause.ok.date",
    ]


def test_an_agreement_answer_carries_each_partners_confirmation():
    from datetime import UTC, datetime

    plan = LIBRARY["conflict-pre-agreement"].item("plan")
    now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    value = plan.clean({"pause": {"fields": {"word": "Pineapple"}}})
    value = plan.confirm(value, "pause", 7, [7, 8], now)
    value = plan.withdraw(value, "pause", 7, now.replace(hour=10))
    node = plan.questionnaire_answer(plan.clean(value))
    [clause] = node["item"]
    oks = [i for i in clause["item"] if i["linkId"] == "plan.pause.ok"]
    answers = [{p["linkId"].rsplit(".", 1)[1]: p["answer"][0] for p in ok["item"]} for ok in oks]
    assert answers == [
        {
            "partner": {"valueString": "7"},
            "state": {"valueString": "withdrawn"},
            "date": {"valueDateTime": "2026-12-01T10:30:00+00:00"},
        },
        {"partner": {"valueString": "8"}, "state": {"valueString": "open"}},
    ]


def exported_texts(items):
    for item in items:
        yield item.get("text", "")
        for option in item.get("answerOption", []):
            yield option["valueCoding"]["display"]
        yield from exported_texts(item.get("item", []))


@pytest.mark.parametrize("ws", list(LIBRARY.values()), ids=lambda ws: ws.id)
def test_every_text_a_partner_reads_reaches_the_questionnaire(ws):
    resource = to_questionnaire(ws)
    exported = "\n".join(
        [resource["title"], resource["description"], *exported_texts(resource["item"])]
    )
    missing = [text for text in ws.client_texts() if text not in exported]
    assert not missing


def test_instructions_section_intros_and_scale_ends_are_display_items():
    check_in = LIBRARY["monthly-check-in"]
    resource = to_questionnaire(check_in)
    instructions = resource["item"][0]
    assert (instructions["linkId"], instructions["type"]) == (":instructions", "display")
    assert instructions["text"] == check_in.instructions
    scale = next(item for _, item in check_in.items() if item.id == "closeness")
    ends = {q["linkId"]: q for q in questionnaire_item(resource, "closeness")["item"]}
    assert ends["closeness:min"] == {
        "linkId": "closeness:min",
        "type": "display",
        "text": f"{scale.min}: {scale.min_label}",
    }
    assert ends["closeness:max"]["text"] == f"{scale.max}: {scale.max_label}"
    with_intro = next(
        (ws, section) for ws in LIBRARY.values() for section in ws.sections if section.intro
    )
    ws, section = with_intro
    intro = questionnaire_item(to_questionnaire(ws), f"s:{section.id}")["item"][0]
    assert (intro["type"], intro["text"]) == ("display", section.intro)


def test_theme_codes_carry_their_display_text():
    codes = to_questionnaire(LIBRARY["boundary-inventory"])["code"]
    assert codes and all(code["display"] and code["system"] == THEME_SYSTEM for code in codes)


def test_every_builtin_passes_an_independent_validator():
    resources = [to_questionnaire(ws) for ws in LIBRARY.values()]
    problems = independent_fhir_problems(resources)
    assert problems == [[] for _ in resources], dict(zip(LIBRARY, problems, strict=True))


def test_the_independent_validator_does_find_problems():
    broken = to_questionnaire(LIBRARY["monthly-check-in"])
    del broken["status"]
    broken["item"][1]["item"] = []  # a group without items breaks invariant que-1
    (problems,) = independent_fhir_problems([broken])
    assert any("status" in p for p in problems) and any("que-1" in p for p in problems)
