"""FHIR export: every built-in becomes a Questionnaire that a FHIR library accepts."""

import json
import re

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from clinic.worksheets.fhir import to_questionnaire
from clinic.worksheets.loader import builtin_library
from tests.helpers import r4_item_rules_broken

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
    section = resource["item"][0]
    assert (section["linkId"], section["type"]) == ("s:activities", "group")
    grid = section["item"][0]
    row = grid["item"][0]
    assert (grid["type"], row["linkId"]) == ("group", "activities.kissing")
    assert [(q["linkId"], q["type"]) for q in row["item"]] == [
        ("activities.kissing.answer", "choice"),
        ("activities.kissing.nn", "boolean"),
        ("activities.kissing.note", "string"),
    ]
    scale = to_questionnaire(LIBRARY["monthly-check-in"])["item"][0]["item"][0]
    assert (scale["linkId"], scale["type"], scale["required"]) == ("closeness", "integer", True)
    assert [e["valueInteger"] for e in scale["extension"]] == [0, 10]
    pause = to_questionnaire(LIBRARY["conflict-pre-agreement"])["item"][1]["item"][0]["item"][0]
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
