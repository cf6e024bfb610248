"""``flask --app clinic worksheets score WORKSHEET RESPONSE.json`` prints scores and flags."""

import json

from clinic.worksheets.loader import builtin_library, load_text
from tests.measures import answers_scoring, nine_item_yaml

MEASURE = load_text(nine_item_yaml())


def response_file(tmp_path, answers, ws=MEASURE):
    """A QuestionnaireResponse shaped the way Tandem exports answers."""
    items = [ws.item(item_id).questionnaire_answer(value) for item_id, value in answers.items()]
    resource = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": items}
    path = tmp_path / "response.json"
    path.write_text(json.dumps(resource), encoding="utf-8")
    return path


def score(app, *args):
    return app.test_cli_runner().invoke(args=["worksheets", "score", *map(str, args)])


def test_scores_bands_and_flags_of_a_response_print_as_json(app, tmp_path):
    definition = tmp_path / "measure.yaml"
    definition.write_text(nine_item_yaml(), encoding="utf-8")
    result = score(
        app, definition, response_file(tmp_path, answers_scoring(2, 2, 2, 2, 2, 2, 2, 2, 1))
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (total,) = report["scores"]
    assert (total["value"], total["band"], total["meets_cutoff"]) == (17, "Moderately severe", True)
    assert report["flags"] == [{"item": "q9", "urgency": "urgent"}]


def test_a_built_in_is_named_by_its_id_and_an_incomplete_score_says_so(app, tmp_path):
    check_in = builtin_library()["closeness-check-in"]
    result = score(app, "closeness-check-in", response_file(tmp_path, {"close": 7}, check_in))
    assert result.exit_code == 0, result.output
    total = json.loads(result.stdout)["scores"][0]
    assert total["value"] is None and total["complete"] is False and total["answered"] == 1


def test_problems_are_listed_with_a_non_zero_exit(app, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"resourceType": "QuestionnaireResponse", "item": [{"linkId": "q1", '
        '"answer": [{"valueCoding": {"code": "a9"}}]}]}',
        encoding="utf-8",
    )
    definition = tmp_path / "measure.yaml"
    definition.write_text(nine_item_yaml(), encoding="utf-8")
    result = score(app, definition, bad)
    assert result.exit_code == 1 and "q1: Please pick one of the choices shown." in result.stderr
    assert score(app, "no-such-sheet", bad).exit_code == 1
    bad.write_text("not json", encoding="utf-8")
    assert "cannot read the file as JSON" in score(app, definition, bad).stderr
