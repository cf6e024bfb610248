"""Scores in the session handouts: everything in the therapist copy, in the joint copy only a
score its partner shared, and never a flag."""

from datetime import UTC, datetime

from clinic.handouts import service
from clinic.worksheets.loader import load_text
from tests import factories
from tests.helpers import pdf_text
from tests.measures import answers_scoring, nine_item_yaml

MEASURE = load_text(nine_item_yaml())
CHECK_IN = {"close": 7, "heard": 6, "touch": 3, "ask": 5, "pressure": 2}  # total 29: Mixed


def render(couple, assignments, version: str) -> bytes:
    ids = [a.id for a in assignments]
    return service.session_handout_pdf(service.build_handout(couple, ids, version))


def test_the_therapist_copy_prints_scores_change_flags_and_charts(therapist):
    couple = factories.make_couple(therapist)
    alex, _sam = couple.partners
    first = factories.make_assignment_of(
        couple, [MEASURE], created_at=datetime(2026, 3, 2, tzinfo=UTC)
    )
    factories.answer_worksheet(
        first.worksheets[0],
        alex,
        answers_scoring(*[1] * 8, 0),
        when=datetime(2026, 3, 2, tzinfo=UTC),
    )
    second = factories.make_assignment_of(couple, [MEASURE])
    factories.answer_worksheet(second.worksheets[0], alex, answers_scoring(*[2] * 8, 1))
    text = pdf_text(render(couple, [first, second], "therapist"))
    assert "8 of 27 (Mild)" in text and "17 of 27 (Moderately severe)" in text
    assert "at or above the cutoff (10)" in text
    assert "Since last time: 8 to 17: reliable deterioration" in text
    assert f"Raised a private alert: {alex.display_name}: “Placeholder question 9”" in text
    assert f"Over time: Total: {alex.display_name}" in text

    joint = pdf_text(render(couple, [first, second], "joint"))
    assert "Nine item measure" not in joint and "of 27" not in joint  # private: never joint


def test_the_joint_copy_prints_a_score_only_for_the_partner_who_shared_it(therapist):
    couple = factories.make_couple(therapist)
    alex, sam = couple.partners
    assignment = factories.make_assignment(couple, ("closeness-check-in",))
    sheet = assignment.worksheets[0]
    factories.answer_worksheet(sheet, alex, CHECK_IN, shared=all)
    factories.answer_worksheet(sheet, sam, {**CHECK_IN, "close": 1}, shared={"close"})
    joint = pdf_text(render(couple, [assignment], "joint"))
    assert "29 of 50 (Mixed)" in joint  # Alex's
    assert "23 of 50" not in joint  # Sam's: not every question shared
    assert "A score is printed only for a partner who shared every question in it." in joint
    therapist_copy = pdf_text(render(couple, [assignment], "therapist"))
    assert "29 of 50 (Mixed)" in therapist_copy and "23 of 50 (Mixed)" in therapist_copy
