"""Two partners saving one joint worksheet at once: each row and phrase is merged on its own."""

from pathlib import Path

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Answer, Response
from clinic.worksheets.loader import load_file
from tests import factories
from tests.client.browser_form import filled, open_form

LISTS = load_file(Path(__file__).with_name("joint-grid-worksheet.yaml"))


@pytest.fixture
def lists(couple):
    assignment = factories.make_assignment_of(couple, [LISTS])
    first, second = factories.client_tokens(assignment)
    return assignment, f"/w/{first}/1", f"/w/{second}/1"


def stored(assignment, item_id):
    db.session.expire_all()
    response = db.session.scalar(
        select(Response).where(Response.assigned_worksheet_id == assignment.worksheets[0].id)
    )
    answer = db.session.scalar(
        select(Answer).where(Answer.response_id == response.id, Answer.item_id == item_id)
    )
    return answer.value if answer else None


def test_partners_answering_different_grid_rows_at_once_both_keep_theirs(client, lists):
    assignment, alex, sam = lists
    alex_page, sam_page = open_form(client, alex), open_form(client, sam)
    assert client.post(alex, data=filled(alex_page, {"a.touch.hugs": "yes"})).status_code == 302
    assert client.post(sam, data=filled(sam_page, {"a.touch.massage": "maybe"})).status_code == 302
    rows = stored(assignment, "touch")
    assert (rows["hugs"]["answer"], rows["massage"]["answer"]) == ("yes", "maybe")


def test_partners_rewriting_different_phrases_at_once_both_keep_theirs(client, lists):
    assignment, alex, sam = lists
    alex_page, sam_page = open_form(client, alex), open_form(client, sam)
    client.post(alex, data=filled(alex_page, {"a.words.always": "I felt alone with this."}))
    client.post(sam, data=filled(sam_page, {"a.words.never": "I want to feel heard."}))
    assert stored(assignment, "words") == {
        "always": {"rewrite": "I felt alone with this."},
        "never": {"rewrite": "I want to feel heard."},
    }


def test_the_same_row_changed_by_both_is_a_clash_that_overwrites_nothing(client, lists):
    assignment, alex, sam = lists
    alex_page, sam_page = open_form(client, alex), open_form(client, sam)
    client.post(alex, data=filled(alex_page, {"a.touch.hugs": "yes"}))
    response = client.post(sam, data=filled(sam_page, {"a.touch.hugs": "no"}))
    assert response.status_code == 409
    assert "Your partner changed the same answers" in response.get_data(as_text=True)
    assert stored(assignment, "touch")["hugs"]["answer"] == "yes"
