"""FHIR Questionnaire import: another system's Questionnaire becomes a worksheet, Tandem's own
export comes back as it was, and whatever cannot be carried is a problem, never half imported."""

import copy
import json

import pytest

from clinic.worksheets.fhir import to_questionnaire
from clinic.worksheets.fhir_import import FhirImportError, import_questionnaire, read_json
from clinic.worksheets.loader import builtin_library, load_text
from tests.helpers import independent_fhir_problems, questionnaire_item
from tests.measures import ANSWER_CODES, LOINC, nine_item_questionnaire

LIBRARY = builtin_library()


def problems_of(resource) -> list[str]:
    with pytest.raises(FhirImportError) as caught:
        import_questionnaire(resource)
    return caught.value.problems


@pytest.mark.parametrize("ws", list(LIBRARY.values()), ids=lambda ws: ws.id)
def test_importing_an_export_keeps_every_text_a_partner_reads(ws):
    imported = import_questionnaire(to_questionnaire(ws)).worksheet
    assert list(imported.client_texts()) == list(ws.client_texts())
    # Not only the texts: ids, types, options, scores and conditions come back as they were.
    assert [s.model_dump() for s in imported.sections] == [s.model_dump() for s in ws.sections]
    assert (imported.title, imported.themes) == (ws.title, ws.themes)


def test_another_systems_questionnaire_keeps_its_link_ids_codes_and_scores():
    imported = import_questionnaire(nine_item_questionnaire())
    ws = imported.worksheet
    first = ws.item("44251-9")
    assert first.type == "single_choice" and first.required
    assert first.fhir.link_id == "/44251-9"
    assert [(c.system, c.code) for c in first.fhir.codes] == [(LOINC, "44251-9")]
    assert [(o.value, o.score, o.code.code) for o in first.options] == [
        (code.lower(), score, code) for score, code in enumerate(ANSWER_CODES)
    ]
    assert ws.sections[0].fhir.link_id == "/44249-1"
    assert ws.instructions == "Placeholder instructions."
    assert ws.fhir.url == "http://example.org/fhir/Questionnaire/nine-item-measure"
    assert "Therapist guide" in imported.filled_in and "Minutes it takes" in imported.filled_in

    back = to_questionnaire(ws)
    item = questionnaire_item(back, "/44251-9")
    assert item["code"] == [{"system": LOINC, "code": "44251-9"}]
    assert item["answerOption"][2]["valueCoding"] == {
        "system": LOINC,
        "code": ANSWER_CODES[2],
        "display": "Placeholder answer C",
    }
    assert questionnaire_item(back, "/44249-1")["type"] == "group"
    assert back["url"] == "http://example.org/fhir/Questionnaire/nine-item-measure"
    assert {"system": LOINC, "code": "44249-1", "display": "Placeholder panel"} in back["code"]
    assert independent_fhir_problems([back]) == [[]]


def test_top_level_questions_of_a_flat_questionnaire_make_one_section():
    resource = nine_item_questionnaire()
    group = resource["item"].pop()
    resource["item"].extend(group["item"])
    ws = import_questionnaire(resource).worksheet
    assert [(s.title, len(s.items)) for s in ws.sections] == [("Nine item measure", 9)]


def test_enable_when_becomes_show_if_and_goes_back_out_as_it_came():
    resource = nine_item_questionnaire()
    questions = resource["item"][1]["item"]
    questions[1]["enableWhen"] = [
        {
            "question": "/44251-9",
            "operator": "!=",
            "answerCoding": {"system": LOINC, "code": ANSWER_CODES[0]},
        }
    ]
    questions.append(
        {
            "linkId": "g1.q1",
            "type": "integer",
            "text": "How close did you feel?",
            "extension": [
                {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
                {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 10},
            ],
            "item": [{"linkId": "g1.q1.help", "type": "display", "text": "Zero is not at all."}],
        }
    )
    questions.append(
        {
            "linkId": "g1.q2",
            "type": "text",
            "text": "What helped?",
            "enableWhen": [{"question": "g1.q1", "operator": ">=", "answerInteger": 6}],
        }
    )
    ws = import_questionnaire(resource).worksheet
    second = ws.item("44252-9")
    assert second.show_if.model_dump(exclude_none=True) == {
        "all": [{"item": "44251-9", "not_equals": ANSWER_CODES[0].lower()}]
    }
    scale = ws.item("g1-q1")
    assert (scale.type, scale.min, scale.max, scale.help) == ("scale", 0, 10, "Zero is not at all.")
    assert ws.item("g1-q2").show_if.all[0].greater_than == 5
    back = to_questionnaire(ws)
    assert questionnaire_item(back, "/44252-9")["enableWhen"] == [
        {
            "question": "/44251-9",
            "operator": "!=",
            "answerCoding": {
                "system": LOINC,
                "code": ANSWER_CODES[0],
                "display": "Placeholder answer A",
            },
        }
    ]
    assert questionnaire_item(back, "g1.q2")["enableWhen"] == [
        {"question": "g1.q1", "operator": ">", "answerInteger": 5}
    ]
    assert independent_fhir_problems([back]) == [[]]


def test_choices_from_a_contained_value_set_with_an_expansion():
    resource = nine_item_questionnaire()
    question = resource["item"][1]["item"][0]
    options = question.pop("answerOption")
    question["answerValueSet"] = "#answers"
    resource["contained"] = [
        {
            "resourceType": "ValueSet",
            "id": "answers",
            "status": "active",
            "expansion": {
                "timestamp": "2026-01-01T00:00:00Z",
                "contains": [o["valueCoding"] for o in options],
            },
        }
    ]
    ws = import_questionnaire(resource).worksheet
    assert [o.label for o in ws.item("44251-9").options][:2] == [
        "Placeholder answer A",
        "Placeholder answer B",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda q: q.update(answerValueSet="http://loinc.org/vs/LL358-3"), "not in the file"),
        (lambda q: q.update(type="date"), "FHIR type 'date'"),
        (lambda q: q.update(type="decimal"), "FHIR type 'decimal'"),
        (
            lambda q: q.setdefault("extension", []).append({"url": "http://x.org/unknown"}),
            "extension 'http://x.org/unknown'",
        ),
        (
            lambda q: q.update(
                enableWhen=[{"question": "/nowhere", "operator": "=", "answerBoolean": True}]
            ),
            "not a question before it",
        ),
        (
            lambda q: q.update(type="group", item=[{"linkId": "x", "type": "string", "text": "X"}]),
            "do not nest",
        ),
        (lambda q: q.update(type="integer"), "minValue and maxValue"),
    ],
)
def test_what_cannot_be_carried_is_a_plain_problem_and_nothing_is_imported(change, expected):
    resource = nine_item_questionnaire()
    question = resource["item"][1]["item"][0]
    change(question)
    problems = problems_of(resource)
    assert any(expected in p for p in problems), problems
    assert all("/44251-9" in p for p in problems if "Item" in p), problems


def test_every_problem_is_listed_at_once():
    resource = nine_item_questionnaire()
    questions = resource["item"][1]["item"]
    questions[0]["type"] = "attachment"
    questions[1]["answerValueSet"] = "http://example.org/ValueSet/elsewhere"
    del questions[1]["answerOption"]
    assert len(problems_of(resource)) == 2


def test_a_value_set_without_an_expansion_is_a_problem():
    resource = nine_item_questionnaire()
    question = resource["item"][1]["item"][0]
    question["answerValueSet"] = "#answers"
    del question["answerOption"]
    resource["contained"] = [
        {"resourceType": "ValueSet", "id": "answers", "status": "active", "compose": {}}
    ]
    assert any("no expansion" in p for p in problems_of(resource))


def test_booleans_become_yes_no_choices():
    resource = nine_item_questionnaire()
    resource["item"][1]["item"][0] = {"linkId": "b", "type": "boolean", "text": "Any pain?"}
    item = import_questionnaire(resource).worksheet.item("b")
    assert [(o.value, o.label) for o in item.options] == [("yes", "Yes"), ("no", "No")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not text"),
        (b'{"resourceType": "Patient"}', "a Patient, not a FHIR Questionnaire"),
        (b"[1, 2]", "no FHIR resource"),
        (b'{"resourceType": "Questionnaire", "status": "active"}', "no title"),
    ],
)
def test_bad_files_get_a_clear_message(raw, expected):
    with pytest.raises(FhirImportError) as caught:
        import_questionnaire(read_json(raw))
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_an_imported_worksheet_saves_and_loads_as_yaml():
    imported = import_questionnaire(nine_item_questionnaire())
    again = load_text(imported.source_yaml())
    assert again == imported.worksheet
    assert again.content_hash() == imported.worksheet.content_hash()


def test_definitions_without_fhir_fields_keep_their_content_hash():
    # The fhir fields count only when set, so stored answers still name their exact text.
    ws = LIBRARY["monthly-check-in"]
    dumped = ws.model_dump(mode="json")
    assert dumped["fhir"] is None
    assert load_text(json.dumps(dumped)).content_hash() == ws.content_hash()


def test_ids_in_use_are_not_taken_again():
    taken = frozenset({"nine-item-measure"})
    assert (
        import_questionnaire(nine_item_questionnaire(), taken).worksheet.id == "nine-item-measure-2"
    )


def test_import_fhir_command_prints_the_id_or_the_problems(app, tmp_path, therapist):
    from sqlalchemy import select

    from clinic.extensions import db
    from clinic.models import CustomWorksheet

    path = tmp_path / "questionnaire.json"
    path.write_text(json.dumps(nine_item_questionnaire()), encoding="utf-8")
    out = tmp_path / "measure.yaml"
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "worksheets",
            "import-fhir",
            str(path),
            "--therapist",
            therapist.email,
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "nine-item-measure"
    assert "placeholder to complete: Therapist guide" in result.stderr
    assert load_text(out.read_text(encoding="utf-8")).id == "nine-item-measure"
    with app.app_context():
        saved = db.session.scalars(select(CustomWorksheet)).all()
    assert [c.slug for c in saved] == ["nine-item-measure"]

    broken = copy.deepcopy(nine_item_questionnaire())
    broken["item"][1]["item"][0]["type"] = "attachment"
    path.write_text(json.dumps(broken), encoding="utf-8")
    result = runner.invoke(args=["worksheets", "import-fhir", str(path)])
    assert result.exit_code == 1 and "FHIR type 'attachment'" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("ws", list(LIBRARY.values()), ids=lambda ws: ws.id)
def test_exported_answers_read_back_as_they_were_stored(ws):
    from clinic.worksheets.conditions import visible_answers
    from clinic.worksheets.response_reader import read_response
    from tests.factories import sample_answers

    stored = {
        item_id: ws.item(item_id).clean(value) for item_id, value in sample_answers(ws).items()
    }
    nodes = [ws.item(i).questionnaire_answer(v) for i, v in stored.items()]
    reading = read_response(ws, {"resourceType": "QuestionnaireResponse", "item": nodes})
    agreements = {item.id for _, item in ws.items() if item.made_together}
    expected = {
        i: ws.item(i).private_copy(v) if ws.private_only else v
        for i, v in stored.items()
        if i not in agreements
    }
    assert reading.answers == visible_answers(ws, expected) and reading.answers
    assert len(reading.problems) == len(agreements)  # confirmations are each partner's own step


def test_a_deeply_nested_response_is_a_problem_not_a_crash():
    from clinic.worksheets.response_reader import read_response

    node: dict = {"linkId": "deep", "answer": [{"valueString": "x"}]}
    for _ in range(900):
        node = {"linkId": "g", "item": [node]}
    reading = read_response(
        LIBRARY["monthly-check-in"], {"resourceType": "QuestionnaireResponse", "item": [node]}
    )
    assert reading.problems == ["The response nests its items too deeply to be read."]
    assert reading.answers == {}


def test_another_systems_response_to_an_imported_questionnaire_reads_by_its_link_ids():
    from clinic.worksheets.response_reader import read_response
    from clinic.worksheets.scoring import score_answers

    ws = import_questionnaire(nine_item_questionnaire()).worksheet
    answered = [
        {
            "linkId": f"/4425{n}-9",
            "answer": [{"valueCoding": {"system": LOINC, "code": ANSWER_CODES[n % 4]}}],
        }
        for n in range(1, 10)
    ]
    resource = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "item": [{"linkId": "/44249-1", "item": answered}],
    }
    reading = read_response(ws, resource)
    assert not reading.problems and not reading.skipped
    assert reading.answers["44251-9"] == ANSWER_CODES[1].lower()
    assert reading.answers["44254-9"] == ANSWER_CODES[0].lower()
    assert score_answers(ws, reading.answers) == []  # scores come once the therapist adds scoring
