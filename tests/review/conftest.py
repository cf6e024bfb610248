"""Review fixtures: a couple with the sample worksheet assigned and answered by both partners."""

from datetime import UTC, datetime

import pytest

from tests import factories
from tests.review.sample import full_answers, sample_worksheet

# Alex shares these items; Sam shares SAM_SHARED. Only "word" and "grid" are shared by both.
ALEX_SHARED = {"word", "grid", "story", "words"}
SAM_SHARED = {"word", "grid", "who"}
MONDAY = datetime(2026, 3, 2, 18, 30, tzinfo=UTC)


@pytest.fixture
def assignment(couple):
    return factories.make_assignment_of(couple, [sample_worksheet()])


@pytest.fixture
def answered(assignment, couple):
    """Both partners answered every item; each marked a different set shareable."""
    sheet = assignment.worksheets[0]
    alex, sam = couple.partners
    factories.answer_worksheet(sheet, alex, full_answers("alex"), shared=ALEX_SHARED, when=MONDAY)
    sam_answers = full_answers("sam")
    sam_answers["grid"] = {
        "kiss": {"answer": "yes", "non_negotiable": False},
        "hold": {"answer": "maybe", "non_negotiable": False},
        "bath": {"answer": "no", "non_negotiable": True, "note": "sam-bath-note"},
        "film": {"answer": "no", "non_negotiable": False},
    }
    factories.answer_worksheet(sheet, sam, sam_answers, shared=SAM_SHARED, when=MONDAY)
    return assignment
