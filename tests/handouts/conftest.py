"""Fixtures for the handout tests: a sample session and a recording HTTP server."""

import pytest

from tests.handouts import sample
from tests.handouts.hostile import RecordingServer


@pytest.fixture
def http_server():
    with RecordingServer() as server:
        yield server


@pytest.fixture
def session(therapist):
    """(couple, assignment): two partners, three worksheets, some answers private."""
    return sample.make_session(therapist)
