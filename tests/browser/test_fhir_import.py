"""A therapist brings a Questionnaire from another system into the builder, and paper answers
to it into a couple's record, seeing in plain words what cannot be carried."""

import json

import pytest

from clinic.worksheets.loader import builtin_library
from tests.browser.steps import sign_in
from tests.measures import nine_item_questionnaire

pytestmark = pytest.mark.browser


def test_import_a_questionnaire_and_paper_answers(
    demo_server, desktop, shoot, assert_accessible, tmp_path
):
    page = desktop
    sign_in(page, demo_server)
    broken = nine_item_questionnaire()
    broken["item"][1]["item"][0]["type"] = "attachment"
    broken["item"][1]["item"][1]["answerValueSet"] = "http://loinc.org/vs/LL358-3"
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    (tmp_path / "measure.json").write_text(json.dumps(nine_item_questionnaire()), encoding="utf-8")

    page.goto(f"{demo_server.url}/worksheets/builder/")
    page.get_by_role("link", name="Start from a FHIR Questionnaire (.json)").click()
    page.get_by_label("FHIR R4 Questionnaire (.json)").set_input_files(tmp_path / "broken.json")
    page.get_by_role("button", name="Import and open in the builder").click()
    problems = page.locator("#import-problems")
    problems.wait_for()
    assert "attachment" in problems.inner_text() and "LL358-3" in problems.inner_text()
    assert_accessible(page, "the FHIR upload with its problems")
    shoot(page, "questionnaire-problems")

    page.get_by_label("FHIR R4 Questionnaire (.json)").set_input_files(tmp_path / "measure.json")
    page.get_by_role("button", name="Import and open in the builder").click()
    page.get_by_text("Imported as a draft").wait_for()
    assert page.locator("#f-title").input_value() == "Nine item measure"

    check_in = builtin_library()["monthly-check-in"]
    closeness = check_in.item("closeness")
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": f"urn:tandem:worksheet:monthly-check-in|{check_in.version}",
        "authored": "2026-03-02",
        "item": [
            closeness.questionnaire_answer(7),
            {"linkId": "x", "answer": [{"valueString": "?"}]},
        ],
    }
    (tmp_path / "response.json").write_text(json.dumps(response), encoding="utf-8")
    page.goto(f"{demo_server.url}/couples/")
    page.locator("main h2 a").first.click()
    page.locator("#couple-record").click()
    page.get_by_role("link", name="Import a QuestionnaireResponse").click()
    page.get_by_label("QuestionnaireResponse (.json)").set_input_files(tmp_path / "response.json")
    page.get_by_role("button", name="Show what would be stored").click()
    page.get_by_role("heading", name="What would be stored").wait_for()
    assert closeness.prompt in page.locator("main").inner_text()
    assert_accessible(page, "the preview of imported answers")
    shoot(page, "response-preview")
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Store these answers").click()
    page.get_by_text("The answers were stored.").wait_for()
    shoot(page, "response-stored")
