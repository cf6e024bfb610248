"""Scored measures on the review: the acceptance case of issue 17 with a PHQ-9-shaped measure
(placeholder wording) answered twice by one partner, plus the score card and charts."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Response, SafetyAlert
from clinic.review.compare import Respondent, StoredAnswer, pair_answers
from clinic.review.scores import collect_score_trends, score_card
from clinic.review.trends import Observation, render_score_svg
from clinic.worksheets.loader import BUILTIN_DIR, load_file, load_text
from tests import factories
from tests.measures import answers_scoring, nine_item_yaml
from tests.safety.check_in import send

MEASURE = load_text(nine_item_yaml())
MARCH, APRIL = datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 4, 6, 9, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def form_of(answers: dict[str, str]) -> dict[str, str]:
    return {f"a.{item_id}": value for item_id, value in answers.items()}


def backdate(assignment, when):
    for response in db.session.scalars(
        select(Response).where(Response.assigned_worksheet_id == assignment.worksheets[0].id)
    ):
        if response.submitted_at is not None:
            response.submitted_at = response.updated_at = when
    assignment.created_at = when
    db.session.commit()


def test_a_partner_answers_twice_and_the_review_shows_scores_band_change_and_the_alert(
    client, couple, signed_in
):
    alex, sam = couple.partners
    first = factories.make_assignment_of(couple, [MEASURE])
    tokens = factories.client_tokens(first)
    send(client, tokens[0], form_of(answers_scoring(1, 1, 1, 1, 1, 1, 1, 1, 0)))  # 8: Mild
    send(client, tokens[1], form_of(answers_scoring(0, 0, 1, 0, 0, 1, 0, 0, 0)))  # 2: Minimal
    backdate(first, MARCH)
    second = factories.make_assignment_of(couple, [MEASURE])
    tokens = factories.client_tokens(second)
    send(client, tokens[0], form_of(answers_scoring(2, 2, 2, 2, 2, 2, 2, 2, 1)))  # 17
    backdate(second, APRIL)

    (alert,) = db.session.scalars(select(SafetyAlert))
    assert alert.item_ids == ["q9"] and alert.urgency == "urgent"
    assert alert.response.partner_id == alex.id

    page = signed_in.get(f"/review/assignments/{second.id}").get_data(as_text=True)
    card = page[page.index('class="score-card"') : page.index("</table>", page.index("score-card"))]
    assert "17 of 27 (Moderately severe)" in card
    assert "at or above the cutoff (10)" in card
    assert "Since last time: 8 to 17: reliable deterioration" in card
    assert "Not sent yet" in card  # Sam has not answered the second time
    assert "Answers that raised a private alert" in page
    assert f"{alex.display_name}: “Placeholder question 9”" in page
    assert "Urgent" in page

    history = signed_in.get(f"/review/couples/{couple.id}").get_data(as_text=True)
    assert "8 of 27 (Mild)" in history and "2 of 27 (Minimal)" in history
    assert "Scores over time" in history
    assert "Reliable deterioration" in history  # marked on Alex's chart
    assert f"Total: {alex.display_name}" in history and f"Total: {sam.display_name}" in history

    # The other partner's link never shows the alert or the scores.
    own = client.get(f"/w/{tokens[1]}/1").get_data(as_text=True)
    assert "alert" not in own.lower() and "Moderately severe" not in own


def observation(who, when, *scores):
    return Observation(MEASURE, who, when, answers_scoring(*scores))


def test_reliable_change_is_measured_between_complete_scores_only():
    trends = collect_score_trends(
        [
            observation("Alex", MARCH, 3, 3, 3, 3, 3, 2, 2, 2, 0),  # 21
            observation("Alex", datetime(2026, 3, 20, tzinfo=UTC), 0, 0),  # incomplete
            observation("Alex", APRIL, 1, 1, 1, 1, 1, 1, 1, 1, 1),  # 9
        ],
        ["Alex"],
    )
    (trend,) = trends
    points = trend.series[0].points
    assert [p.result.value for p in points] == [21, None, 9]
    assert points[1].change is None
    assert points[2].change.kind == "improvement" and points[2].change.before == 21


def test_the_score_chart_shades_bands_marks_the_cutoff_and_reliable_changes():
    (trend,) = collect_score_trends(
        [
            observation("Alex", MARCH, 1, 1, 1, 1, 1, 1, 1, 1, 0),
            observation("Alex", APRIL, *[2] * 9),
        ],
        ["Alex"],
    )
    svg = render_score_svg(trend, trend.series[0], "t1")
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted XML
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Minimal", "Mild", "Moderate", "Moderately severe", "Severe"} <= set(texts)
    assert "cutoff 10" in texts and "Reliable deterioration" in texts
    assert "18 of 27 (Moderately severe), a reliable deterioration" in root.find(f"{SVG}desc").text
    assert len([r for r in root.iter(f"{SVG}rect")]) == 1 + 5  # background and five bands


def test_the_joint_card_shows_a_score_only_when_its_partner_shared_every_question():
    check_in = load_file(BUILTIN_DIR / "closeness-check-in.yaml")
    answers = {"close": 7, "heard": 6, "touch": 3, "ask": 5, "pressure": 2}

    def person(name, shared):
        stored = {k: StoredAnswer(v, shareable=shared) for k, v in answers.items()}
        return Respondent(name, stored, submitted_at=MARCH)

    card = score_card(check_in, [person("Alex", True), person("Sam", False)], shared_only=True)
    assert [[c.name for c in row.cells] for row in card.rows] == [["Alex"], ["Alex"]]
    assert card.flags == []
    assert score_card(check_in, [person("Sam", False)], shared_only=True) is None


def test_a_question_an_earlier_answer_skipped_is_marked_or_left_out_of_the_review():
    check_in = load_file(BUILTIN_DIR / "closeness-check-in.yaml")

    def person(name, **answers):
        return Respondent(
            name, {k: StoredAnswer(v) for k, v in answers.items()}, submitted_at=MARCH
        )

    both_free = pair_answers(check_in, [person("Alex", ask=9), person("Sam", ask=8)])
    assert "what-helps" not in [row.item.id for row in both_free]
    rows = pair_answers(
        check_in, [person("Alex", ask=2, **{"what-helps": "x"}), person("Sam", ask=8)]
    )
    (follow_up,) = [row for row in rows if row.item.id == "what-helps"]
    assert [c.skipped for c in follow_up.cells] == [False, True]
    assert follow_up.cells[0].value == "x"
    not_started = pair_answers(check_in, [person("Alex"), person("Sam")])
    assert "what-helps" in [row.item.id for row in not_started]
