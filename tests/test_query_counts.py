"""The busiest requests there are run few SQL statements: a partner's page and their autosave.

Counted over a real request on both engines with a listener on the engine (``count_queries``),
with the partner's session on the link already open, as it is while they answer. Opening a
link for the first time, or once a minute when the session's idle clock is written, adds a
write; everything else a page shows comes from these statements.
"""

import pytest

from tests import factories
from tests.client.browser_form import filled, open_form

# The link with this browser's session and the worksheet with its answers (one statement), and
# "opened" (once a minute).
PAGE_STATEMENTS = 2
AUTOSAVE_STATEMENTS = (
    3  # the link with the session and the worksheet, the revision claim, the answer
)


def listed(statements: list[str]) -> str:
    return "\n".join(f"{n}. {' '.join(s.split())[:160]}" for n, s in enumerate(statements, 1))


@pytest.fixture
def partner_page(client, couple):
    """The first partner's link to a boundary grid, opened once (their session is live)."""
    assignment = factories.make_assignment(couple, ("boundary-inventory", "consent-check-in"))
    url = f"/w/{factories.client_tokens(assignment)[0]}/1"
    assert client.get(url).status_code == 200
    return url


def test_a_partner_reopening_a_worksheet_costs_two_statements(client, partner_page, count_queries):
    with count_queries() as statements:
        response = client.get(partner_page)
    assert response.status_code == 200
    assert len(statements) <= PAGE_STATEMENTS, listed(statements)


def test_the_second_worksheet_of_a_link_costs_the_same(client, partner_page, count_queries):
    second = partner_page.removesuffix("/1") + "/2"
    client.get(second)
    with count_queries() as statements:
        response = client.get(second)
    assert response.status_code == 200
    assert "What feels good or inviting to you these days?" in response.get_data(as_text=True)
    assert len(statements) <= PAGE_STATEMENTS, listed(statements)


def test_an_autosave_costs_three_statements(client, partner_page, count_queries):
    form = open_form(client, partner_page)
    for draft in ("First thoughts", "Second thoughts"):
        with count_queries() as statements:
            response = client.post(
                partner_page + "/autosave",
                data=filled(form, {"items": "activities", "a.activities.kissing.note": draft}),
            )
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == "saved"
        assert len(statements) <= AUTOSAVE_STATEMENTS, listed(statements)
        form = filled(
            form,
            {"revision": str(response.get_json()["revision"])}
            | {f"base.{i}": b for i, b in response.get_json()["bases"].items()},
        )
    page = client.get(partner_page).get_data(as_text=True)
    assert "Second thoughts" in page
