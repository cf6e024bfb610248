"""Scores, bands, cutoffs and reliable change, as an author defines and a therapist reads them."""

import math

import pytest
import yaml
from fhir.resources.R4B.questionnaire import Questionnaire

from clinic.safety.alerts import raised_alerts
from clinic.worksheets.cli import check_paths
from clinic.worksheets.fhir import to_questionnaire
from clinic.worksheets.loader import BUILTIN_DIR, WorksheetError, load_file, load_text
from clinic.worksheets.scoring import reliable_change, score_answers
from tests.helpers import questionnaire_item, r4_item_rules_broken
from tests.measures import answers_scoring, nine_item_measure, nine_item_yaml

CHECK_IN = load_file(BUILTIN_DIR / "closeness-check-in.yaml")


def problems(data: dict) -> list[str]:
    with pytest.raises(WorksheetError) as caught:
        load_text(yaml.safe_dump(data), "t.yaml")
    return [str(p) for p in caught.value.problems]


def with_score(**changes) -> dict:
    data = nine_item_measure()
    data["scoring"]["scores"][0].update(changes)
    return data


def total(answers, ws=None):
    return score_answers(ws or load_text(nine_item_yaml()), answers)[0]


def test_a_total_sums_option_scores_and_finds_its_band_and_cutoff():
    result = total(answers_scoring(1, 1, 2, 1, 1, 2, 1, 1, 0))
    assert result.value == 10 and result.band.label == "Moderate"
    assert result.meets_cutoff is True
    assert result.text == "10 of 27 (Moderate)"
    assert result.cutoff_text == "at or above the cutoff (10)"
    assert total(answers_scoring(1, 1, 1, 1, 1, 0, 0, 0, 0)).band.label == "Mild"
    assert total(answers_scoring(1, 1, 1, 1, 0, 0, 0, 0, 0)).band.label == "Minimal"
    assert total(answers_scoring(3, 3, 3, 3, 3, 3, 3, 3, 3)).text == "27 of 27 (Severe)"


def test_an_unanswered_item_makes_the_score_incomplete_not_smaller():
    result = total(answers_scoring(3, 3, 3, 3, 3, 3, 3, 3))  # q9 unanswered
    assert result.value is None and result.band is None and result.meets_cutoff is None
    assert result.text == "Incomplete: 1 of 9 questions unanswered, so no score"


def test_prorating_fills_in_only_as_many_items_as_the_definition_allows():
    ws = load_text(yaml.safe_dump(with_score(prorate_missing=1)))
    result = total(answers_scoring(2, 2, 2, 2, 2, 2, 2, 1), ws)
    assert result.value == 17 and result.prorated  # 15 from 8 items: 15 / 8 * 9 = 16.9
    assert "estimated" in result.text
    assert total(answers_scoring(2, 2, 2, 2, 2, 2, 2), ws).value is None


def test_reverse_keyed_items_and_means_in_the_shipped_check_in():
    answers = {"close": 7, "heard": 6, "touch": 3, "ask": 2, "pressure": 8}
    results = {r.score.id: r for r in score_answers(CHECK_IN, answers)}
    assert results["total"].value == 7 + 6 + 3 + 2 + (10 - 8)
    assert results["total"].band.label == "Mixed" and results["total"].meets_cutoff is False
    assert results["intimacy"].value == 2.5 and results["intimacy"].band.label == "Low"
    boundary = score_answers(CHECK_IN, {**answers, "touch": 4, "ask": 4})[1]
    assert boundary.band.label == "Middle"  # a mean on a boundary belongs to the upper band


def test_reliable_change_follows_jacobson_and_truax():
    score = load_text(nine_item_yaml()).scoring.scores[0]
    threshold = 1.96 * 5.7 * math.sqrt(2) * math.sqrt(1 - 0.84)
    assert 6.3 < threshold < 6.4
    worse = reliable_change(score, 8, 15)
    assert worse.kind == "deterioration" and worse.index == pytest.approx(7 / 3.224, abs=0.01)
    assert reliable_change(score, 15, 8).kind == "improvement"
    assert reliable_change(score, 8, 14).kind is None
    assert reliable_change(CHECK_IN.scoring.scores[0], 10, 40).kind == "improvement"
    assert reliable_change(CHECK_IN.scoring.scores[1], 2, 9) is None  # no reliability given


def test_the_flagged_item_raises_the_urgent_private_alert():
    ws = load_text(nine_item_yaml())
    assert ws.private_only
    assert [a.item_id for a in raised_alerts(ws, answers_scoring(0, 0, 0, 0, 0, 0, 0, 0, 1))] == [
        "q9"
    ]
    assert raised_alerts(ws, answers_scoring(3, 3, 3, 3, 3, 3, 3, 3, 0)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"bands": [{"min": 0, "max": 4, "label": "A"}, {"min": 6, "max": 27, "label": "B"}]},
            "leaving a gap: it should start at 5",
        ),
        (
            {"bands": [{"min": 0, "max": 4, "label": "A"}, {"min": 4, "max": 27, "label": "B"}]},
            "leaving an overlap: it should start at 5",
        ),
        ({"bands": [{"min": 1, "max": 27, "label": "A"}]}, "it should start at 0"),
        ({"bands": [{"min": 0, "max": 20, "label": "A"}]}, "not at the top (0 to 27)"),
        ({"cutoff": 28}, "cutoff 28 is outside the score's range (0 to 27)"),
        ({"items": ["q1", "q10"]}, "no item 'q10' in this worksheet"),
        ({"reliability": None}, "give both reliability and sd"),
        ({"reverse": ["q7"], "items": ["q1"]}, "reverse item 'q7' is not one of"),
    ],
)
def test_check_explains_scoring_that_does_not_add_up(change, expected):
    assert any(expected in p for p in problems(with_score(**change)))


def test_every_option_of_a_scored_item_needs_a_score():
    data = nine_item_measure()
    del data["sections"][0]["items"][2]["options"][1]["score"]
    assert any("give every option of item 'q3' a score (missing: a1)" in p for p in problems(data))


def test_a_text_item_cannot_be_scored():
    data = nine_item_measure()
    data["sections"][0]["items"].append({"id": "words", "type": "short_text", "prompt": "P"})
    data["scoring"]["scores"][0]["items"].append("words")
    assert any("a short_text item has no scores" in p for p in problems(data))


def test_worksheets_check_runs_the_scoring_rules(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(with_score(cutoff=-1)), encoding="utf-8")
    _, found = check_paths((bad,))
    assert [p.location for p in found] == ["scoring.scores[0].cutoff"]


def test_scores_export_as_ordinal_values():
    resource = to_questionnaire(load_text(nine_item_yaml()))
    Questionnaire.model_validate(resource)
    assert not list(r4_item_rules_broken(resource["item"]))
    option = questionnaire_item(resource, "q1")["answerOption"][2]
    assert option["extension"][0]["valueDecimal"] == 2


def test_hashes_of_worksheets_without_the_new_fields_stay_what_they_were():
    """Stored answers name the content hash they answered; new optional fields left unset
    must not change it (value computed before scoring and show_if existed; the file's later
    translations are taken out again)."""
    data = yaml.safe_load((BUILTIN_DIR / "consent-check-in.yaml").read_text())
    data.pop("translations", None)
    ws = load_text(yaml.safe_dump(data))
    assert ws.content_hash() == "4f950d6c5e619aaeddf98cdca06d6f5ee91b1aaf004ab82ef540121324eea88a"
