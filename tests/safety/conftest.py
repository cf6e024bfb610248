"""A couple given the private check-in, and a partner sending it through their own link."""

import pytest

from tests import factories


@pytest.fixture
def assignment(couple):
    """The private check-in together with a worksheet whose answers partners may share."""
    return factories.make_assignment(couple, ("safety-check-in", "monthly-check-in"))


@pytest.fixture
def tokens(assignment) -> list[str]:
    """[first partner's token, second partner's token]."""
    return factories.client_tokens(assignment)
