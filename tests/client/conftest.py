"""A couple with an assignment, and each partner's link, as a partner's phone sees it."""

from pathlib import Path

import pytest

from clinic.assignments import service as assignments
from clinic.worksheets.loader import load_file
from tests import factories
from tests.client.browser_form import browser_form

SAMPLE = load_file(Path(__file__).with_name("sample-worksheet.yaml"))  # 6 items, 1 required


def assign(couple, who_answers: str = "design", worksheets=(SAMPLE,)):
    assignment, _links = assignments.create_assignment(
        couple, list(worksheets), who_answers, None, "", 14
    )
    return assignment


@pytest.fixture
def assignment(couple):
    return assign(couple)


@pytest.fixture
def tokens(assignment) -> list[str]:
    """[first partner's token, second partner's token]."""
    return factories.client_tokens(assignment)


@pytest.fixture
def sheet_url(tokens) -> str:
    """The first partner's link to the first worksheet."""
    return f"/w/{tokens[0]}/1"


def open_form(client, url: str):
    """Open a worksheet page and read its form as the browser would send it back."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return browser_form(response.data)
