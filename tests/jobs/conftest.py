"""Fixtures of the background-work tests."""

import pytest

from clinic.enums import ContactPreference
from tests import factories


@pytest.fixture
def couple(therapist):
    """A couple whose first partner, Alex, has told the therapist that e-mail is fine.

    A new partner starts at "not asked yet", which sends nothing; these tests are about what
    is sent to a partner who allows it (and never to one who does not).
    """
    couple = factories.make_couple(therapist)
    couple.partners[0].contact_preference = ContactPreference.ANY
    return couple
