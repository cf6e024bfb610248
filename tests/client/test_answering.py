"""A partner opens their link on a phone, answers, saves, comes back and sends."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Answer, Response
from clinic.storage import utcnow
from tests import factories
from tests.client.browser_form import browser_form, filled, open_form
from tests.client.sample import SAMPLE

REQUIRED = {"a.small-change": "Ask before deciding."}


def stored(response_id: int) -> dict:
    return {
        a.item_id: (a.value, a.shareable)
        for a in db.session.scalars(select(Answer).where(Answer.response_id == response_id))
    }


def own_response(assignment, partner_index: int = 0) -> Response:
    partner = assignment.couple.partners[partner_index]
    return next(r for r in assignment.worksheets[0].responses if r.partner_id == partner.id)


def test_a_link_opens_a_neutral_page_listing_the_worksheets(client, tokens):
    response = client.get(f"/w/{tokens[0]}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Worksheet</title>" in page
    assert "Sample reflection" in page and "0 of 6 answered" in page
    assert 'id="quick-exit"' in page and "quick-exit.js" in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Tandem" not in page  # nothing around the partner names the app


def test_a_worksheet_page_works_without_javascript(client, sheet_url):
    page = client.get(sheet_url).get_data(as_text=True)
    assert "<title>Worksheet</title>" in page
    assert 'method="post"' in page and 'name="action" value="save"' in page
    assert "Save and finish later" in page and "Send to my therapist" in page
    assert "0 of 6 answered" in page
    assert "<script>" not in page and " style=" not in page  # the CSP allows neither


def test_opening_a_worksheet_shows_as_opened_to_the_therapist(client, sheet_url, assignment):
    assert own_response(assignment).status == "not_opened"
    client.get(sheet_url)
    response = own_response(assignment)
    assert response.status == "opened" and response.opened_at is not None
    first_partner = assignment.couple.partners[0]
    (link,) = [
        link
        for link in assignment.links
        if link.partner_id == first_partner.id and link.revoked_at is None
    ]
    assert link.last_opened_at is not None


def test_saved_answers_come_back_when_the_link_is_opened_again(client, sheet_url, assignment):
    form = open_form(client, sheet_url)
    answer = {"a.story": "When plans were made without me.", "a.who-decides": "partner"}
    response = client.post(sheet_url, data=filled(form, {**answer, "action": "save"}))
    assert response.status_code == 302

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved. You can close this page" in page
    assert "2 of 6 answered" in page
    reopened = browser_form(page)
    assert reopened["a.story"] == "When plans were made without me."
    assert reopened["a.who-decides"] == "partner"
    assert own_response(assignment).status == "in_progress"


def test_a_worksheet_whose_response_is_missing_gets_one_on_opening(client, sheet_url, assignment):
    """A partner with no response to a worksheet (one added to the assignment later) gets one
    as the page opens, and their answers are saved into it."""
    db.session.delete(own_response(assignment))
    db.session.commit()
    form = open_form(client, sheet_url)
    saved = client.post(sheet_url + "/autosave", data=filled(form, {"a.story": "A new start."}))
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["status"] == "saved"
    db.session.expire_all()
    assert stored(own_response(assignment).id) == {"story": ("A new start.", False)}


def test_emptying_an_answer_removes_it(client, sheet_url, assignment):
    client.post(sheet_url, data=filled(open_form(client, sheet_url), {"a.feeling": "tired"}))
    client.post(sheet_url, data=filled(open_form(client, sheet_url), {"a.feeling": ""}))
    assert stored(own_response(assignment).id) == {}


def test_sharing_with_the_partner_is_off_unless_ticked(client, sheet_url, assignment):
    form = open_form(client, sheet_url)
    assert "share.story" not in form  # unticked by default
    client.post(
        sheet_url,
        data=filled(form, {"a.story": "private", "a.feeling": "shared", "share.feeling": "1"}),
    )
    answers = stored(own_response(assignment).id)
    assert answers["story"] == ("private", False)
    assert answers["feeling"] == ("shared", True)


def test_sending_twice_stores_one_submission(client, sheet_url, assignment):
    form = filled(open_form(client, sheet_url), {**REQUIRED, "action": "submit"})
    first = client.post(sheet_url, data=form)
    assert first.status_code == 302
    assert "Thank you" in client.get(first.headers["Location"]).get_data(as_text=True)
    response = own_response(assignment)
    submitted_at, revision = response.submitted_at, response.revision

    again = client.post(sheet_url, data=form)  # a double click, or a retry after a timeout
    assert again.status_code == 302
    assert "already sent" in client.get(again.headers["Location"]).get_data(as_text=True)
    db.session.refresh(response)
    assert (response.submitted_at, response.revision) == (submitted_at, revision)
    assert response.status == "submitted"
    assert stored(response.id) == {"small-change": ("Ask before deciding.", False)}


def test_required_questions_must_be_answered_before_sending(client, sheet_url, assignment):
    form = filled(open_form(client, sheet_url), {"a.feeling": "Late at night.", "action": "submit"})
    response = client.post(sheet_url, data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not sent yet" in page and "This question needs an answer." in page
    assert browser_form(page)["a.feeling"] == "Late at night."
    saved = own_response(assignment)
    assert saved.submitted_at is None
    assert stored(saved.id) == {"feeling": ("Late at night.", False)}  # kept all the same


def test_answers_can_be_revised_after_sending_until_the_therapist_locks(
    client, sheet_url, assignment
):
    form = filled(open_form(client, sheet_url), {**REQUIRED, "a.trust": "4", "action": "submit"})
    client.post(sheet_url, data=form)
    assert "Save changes" in client.get(sheet_url).get_data(as_text=True)
    form = open_form(client, sheet_url)
    assert client.post(sheet_url, data=filled(form, {"a.trust": "6"})).status_code == 302
    response = own_response(assignment)
    assert stored(response.id)["trust"] == (6, False) and response.status == "submitted"

    assignment.locked_at = utcnow()
    db.session.commit()
    page = client.get(sheet_url).get_data(as_text=True)
    assert "closed these answers" in page and "disabled" in page
    refused = client.post(sheet_url, data=filled(form, {"a.trust": "9"}))
    assert refused.status_code == 403
    assert "closed these answers" in refused.get_data(as_text=True)
    assert stored(response.id)["trust"] == (6, False)


def test_a_sent_required_answer_cannot_be_emptied(client, sheet_url, assignment):
    client.post(
        sheet_url, data=filled(open_form(client, sheet_url), {**REQUIRED, "action": "submit"})
    )
    response = client.post(
        sheet_url, data=filled(open_form(client, sheet_url), {"a.small-change": ""})
    )
    assert response.status_code == 422
    assert "already sent" in response.get_data(as_text=True)
    assert stored(own_response(assignment).id)["small-change"][0] == "Ask before deciding."


@pytest.mark.parametrize("revise_until, may_revise", [("due_date", False), ("lock", True)])
def test_a_passed_due_date_ends_revising_when_the_setting_says_so(
    app, client, sheet_url, assignment, revise_until, may_revise
):
    form = filled(open_form(client, sheet_url), {**REQUIRED, "a.trust": "4", "action": "submit"})
    client.post(sheet_url, data=form)
    form = open_form(client, sheet_url)
    app.config["REVISE_UNTIL"] = revise_until
    assignment.due_date = (utcnow() - timedelta(days=2)).date()
    db.session.commit()

    response = client.post(sheet_url, data=filled(form, {"a.trust": "7"}))
    assert response.status_code == (302 if may_revise else 403)
    expected = 7 if may_revise else 4
    assert stored(own_response(assignment).id)["trust"] == (expected, False)


def test_a_joint_worksheet_is_one_shared_form_for_both_links(client, couple):
    first, second = factories.client_tokens(
        factories.make_assignment_of(couple, [SAMPLE], who_answers="couple")
    )
    page = client.get(f"/w/{first}/1").get_data(as_text=True)
    assert "You fill this one in together" in page
    assert "My partner may see this answer" not in page
    form = browser_form(page)
    client.post(f"/w/{first}/1", data=filled(form, {"a.story": "Written together."}))
    assert browser_form(client.get(f"/w/{second}/1").data)["a.story"] == "Written together."


def test_a_worksheet_number_that_is_not_on_the_link_leads_back_to_the_list(client, tokens):
    for number in ("2", "0", "-1", "abc", "99999"):
        response = client.get(f"/w/{tokens[0]}/{number}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/w/{tokens[0]}")


def test_each_partner_sees_only_their_own_ticks_as_they_change_them(app, client, tokens):
    """Items answered with the definition's own options are kept by what they tick
    (form_cache): each page shows exactly its partner's ticks, before and after a change."""
    first, second = f"/w/{tokens[0]}/1", f"/w/{tokens[1]}/1"
    partner = app.test_client()
    unticked = {"a.who-decides": [], "a.trust": [], "a.reactions": []}
    expected = {first: unticked, second: unticked}
    steps = [
        (
            client,
            first,
            {"a.who-decides": ["me"], "a.trust": ["3"], "a.reactions": ["tense", "push"]},
        ),
        (partner, second, {"a.who-decides": ["both"], "a.trust": ["10"], "a.reactions": ["quiet"]}),
        (client, first, {"a.who-decides": ["partner"], "a.trust": ["1"], "a.reactions": []}),
    ]
    for browser, url, ticks in steps:
        browser.post(url, data=filled(open_form(browser, url), {**ticks, "action": "save"}))
        expected[url] = ticks
        for reader, page in ((client, first), (partner, second)):
            shown = browser_form(reader.get(page).data)
            assert {name: shown.getlist(name) for name in unticked} == expected[page]


def test_each_partner_sees_only_their_own_text_exactly_as_typed(app, client, tokens):
    """The form keeps one copy of its unanswered items for everybody (form_cache): what one
    partner typed must never show on the other's page, and markup stays text."""
    first, second = f"/w/{tokens[0]}/1", f"/w/{tokens[1]}/1"
    typed = {"a.story": 'We said "<b>no</b>" & meant it', "a.feeling": "Calm </textarea> now"}
    client.post(first, data=filled(open_form(client, first), {**typed, "action": "save"}))
    partner = app.test_client()
    theirs = partner.get(second).get_data(as_text=True)
    assert "meant it" not in theirs and "Calm" not in theirs
    assert browser_form(theirs)["a.story"] == ""

    own = {"a.story": "Our walk on Sunday", "a.feeling": ""}
    partner.post(second, data=filled(browser_form(theirs), {**own, "action": "save"}))
    mine = client.get(first).get_data(as_text=True)
    assert "<b>no</b>" not in mine and "&lt;b&gt;no&lt;/b&gt;" in mine
    assert {name: browser_form(mine)[name] for name in typed} == typed
    assert "Sunday" not in mine
    theirs = partner.get(second).get_data(as_text=True)
    assert {name: browser_form(theirs)[name] for name in own} == own
    assert "meant it" not in theirs
