"""A couple with an assignment, and each partner's link, as a partner's phone sees it."""

import pytest

from tests import factories
from tests.client.sample import SAMPLE


@pytest.fixture
def assignment(couple):
    return factories.make_assignment_of(couple, [SAMPLE])


@pytest.fixture
def tokens(assignment) -> list[str]:
    """[first partner's token, second partner's token]."""
    return factories.client_tokens(assignment)


@pytest.fixture
def sheet_url(tokens) -> str:
    """The first partner's link to the first worksheet."""
    return f"/w/{tokens[0]}/1"
