"""A form sent without JavaScript comes back exactly as typed whenever it is not all stored.

Every control of every built-in worksheet is filled in, with text over the limit in every
free-text part, so that each item with any text gets a message: the page that comes back
(with messages, after an expired form token, while the database is away) must carry every
posted value back, the parts that did not fit included, and nothing over a limit is stored.
"""

import json

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from clinic.client import service
from clinic.extensions import db
from clinic.models import Answer, AssignedWorksheet, Response
from clinic.worksheets.items import type_names
from clinic.worksheets.loader import builtin_library
from tests import factories
from tests.client.browser_form import browser_form, filled, form_controls

TYPED = "typed into"  # begins every text typed here; all of it is over a limit


@pytest.fixture
def everything(couple):
    """Every built-in worksheet on one assignment, and the first partner's link token."""
    library = builtin_library()
    kinds = {item.type for worksheet in library.values() for _, item in worksheet.items()}
    assert kinds == set(type_names())  # every item type is walked
    assignment = factories.make_assignment(couple, sorted(builtin_library()))
    return assignment, factories.client_tokens(assignment)[0]


def typed_everywhere(page: str) -> tuple[dict[str, list[str]], object]:
    """A value for every answer control of the page's form (and every share box ticked):
    over-long text in each text part, the second of each set of choices, the last of each
    list. Returns (what was typed by field name, the whole form as the browser sends it)."""
    typed: dict[str, list[str]] = {}
    for control in form_controls(page):
        name = control.name
        if not name.startswith(("a.", "share.")):
            continue
        if control.kind in ("text", "textarea"):
            length = max((control.maxlength or 0) + 1, 5000)
            typed[name] = [f"{TYPED} {name} ".ljust(length, "x")]
        elif control.kind == "number":
            typed[name] = ["45"]
        elif control.kind == "date":
            typed[name] = ["2027-03-01"]
        elif control.kind == "radio":
            values = typed.setdefault(f"radio:{name}", [])
            values.append(control.value)
            typed[name] = [values[1] if len(values) > 1 else values[0]]
        elif control.kind == "checkbox":
            typed.setdefault(name, []).append(control.value)
        elif control.kind == "select":
            typed[name] = [control.choices[-1]]
    typed = {name: values for name, values in typed.items() if not name.startswith("radio:")}
    return typed, filled(browser_form(page), typed)


def lost(typed: dict[str, list[str]], page: str) -> list[str]:
    """The typed fields the page's form does not give back exactly as typed."""
    back = browser_form(page)
    return [name for name, values in typed.items() if back.getlist(name) != values]


def stored_texts(assignment) -> str:
    """Every stored answer of the assignment, as one piece of text to search."""
    values = db.session.scalars(
        select(Answer.value)
        .join(Response, Answer.response_id == Response.id)
        .join(AssignedWorksheet, Response.assigned_worksheet_id == AssignedWorksheet.id)
        .where(AssignedWorksheet.assignment_id == assignment.id)
    ).all()
    return json.dumps(values, ensure_ascii=False)


def each_sheet(client, token, assignment):
    for number in range(1, len(assignment.worksheets) + 1):
        url = f"/w/{token}/{number}"
        page = client.get(url).get_data(as_text=True)
        typed, form = typed_everywhere(page)
        yield url, typed, form


def test_a_form_with_messages_gives_back_every_part_as_typed(client, everything):
    assignment, token = everything
    losses = {}
    for url, typed, form in each_sheet(client, token, assignment):
        response = client.post(url, data=form)
        assert response.status_code == 422, url
        page = response.get_data(as_text=True)
        assert "too long" in page
        if missing := lost(typed, page):
            losses[url] = missing
    assert losses == {}
    assert TYPED not in stored_texts(assignment)


def test_an_expired_form_gives_back_every_part_as_typed(client, everything):
    assignment, token = everything
    losses = {}
    for url, typed, form in each_sheet(client, token, assignment):
        response = client.post(url, data=filled(form, {"csrf_token": "from-an-ended-session"}))
        assert response.status_code == 400, url
        if missing := lost(typed, response.get_data(as_text=True)):
            losses[url] = missing
    assert losses == {}
    assert stored_texts(assignment) == "[]"


def test_while_the_database_is_away_every_part_comes_back_as_typed(client, everything, monkeypatch):
    assignment, token = everything
    sheets = list(each_sheet(client, token, assignment))

    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, ConnectionRefusedError("the database is away"))

    monkeypatch.setattr(service, "link_worksheet_by_number", unreachable)
    losses = {}
    for url, typed, form in sheets:
        response = client.post(url, data=form)
        assert response.status_code == 503, url
        if missing := lost(typed, response.get_data(as_text=True)):
            losses[url] = missing
    assert losses == {}
    monkeypatch.undo()
    assert stored_texts(assignment) == "[]"
