"""Answers to the private check-in reach the therapist only: never the other partner, never
anything joint, never a file or a message meant for the couple."""

import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from clinic.client import service as client_service
from clinic.extensions import db
from clinic.models import Answer, AssignedWorksheet
from tests import factories
from tests.client.browser_form import browser_form
from tests.helpers import active_link, pdf_text
from tests.safety.check_in import RAISING, SECRET, alerts, send, stored_answers

CHECK_IN, MONTHLY = 1, 2  # worksheet numbers on each partner's link
SHARED_TEXT = "Walnut evenings"  # a monthly check-in answer both partners share
# What only the check-in can put on a page: its title, its prompts and the alert.
CHECK_IN_WORDS = ("Private check-in", "afraid", "pushed into sex", "Safety alert", SECRET)


def forged(answers: dict) -> dict:
    """The answers with every share box ticked, as a tampered form would send them."""
    ticks = {f"share.{name.removeprefix('a.')}": "1" for name in answers}
    return answers | ticks


@pytest.fixture
def both_answered(client, tokens):
    """Each partner sends the check-in (with forged share ticks) and shares the monthly one."""
    for token in tokens:
        assert send(client, token, forged(RAISING)).status_code == 302
        monthly = {"a.closeness": "6", "a.heard": "7", "a.fairness": "5", "a.safety": "8"}
        monthly |= {"a.small-win": SHARED_TEXT}
        assert send(client, token, forged(monthly), number=MONTHLY).status_code == 302


class TestTheClientForm:
    def test_offers_no_share_box_and_says_only_the_therapist_reads_it(self, client, tokens):
        page = client.get(f"/w/{tokens[0]}/{CHECK_IN}").get_data(as_text=True)
        assert "share." not in page and "My partner may see" not in page
        assert "Only your therapist reads these answers" in page
        assert "<title>Worksheet</title>" in page
        other = client.get(f"/w/{tokens[0]}/{MONTHLY}").get_data(as_text=True)
        assert "My partner may see this answer in session" in other

    def test_a_forged_share_tick_is_stored_as_therapist_only(self, client, tokens):
        assert send(client, tokens[0], forged(RAISING)).status_code == 302
        saved = stored_answers()
        assert {"afraid", "controls", "email-safe", "anything-else"} <= set(saved)
        assert not any(shareable for _value, shareable in saved.values())

    def test_a_forged_share_tick_by_autosave_is_stored_as_therapist_only(self, client, tokens):
        url = f"/w/{tokens[0]}/{CHECK_IN}"
        form = browser_form(client.get(url).data)
        form.update(forged({"a.afraid": "often"}))
        response = client.post(f"{url}/autosave", data=form)
        assert response.status_code == 200, response.get_json()
        assert stored_answers() == {"afraid": ("often", False)}


def test_any_other_path_that_marks_a_private_answer_shareable_is_overruled(assignment):
    check_in, monthly = assignment.worksheets
    alex = assignment.couple.partners[0]
    factories.answer_worksheet(check_in, alex, {"afraid": "often"}, shared=all)
    factories.answer_worksheet(monthly, alex, {"closeness": 5}, shared=all)
    answer = db.session.scalar(select(Answer).where(Answer.item_id == "afraid"))
    assert answer.shareable is False
    answer.shareable = True  # a later change, say by a script
    db.session.commit()
    db.session.refresh(answer)
    assert answer.shareable is False
    shared = db.session.scalar(select(Answer).where(Answer.item_id == "closeness"))
    assert shared.shareable is True  # the guard touches private worksheets only


def test_a_save_that_asks_to_share_a_private_answer_stores_it_for_the_therapist_only(app, tokens):
    """The client's save writes answers as plain statements, which no flush rule sees: the
    save itself keeps the private worksheet's answers private, whatever it is handed."""
    link = active_link(tokens[0])
    sheet = client_service.link_worksheet_by_number(link, str(CHECK_IN))
    posted = client_service.Posted(
        answers={"afraid": "often"},
        shareable={"afraid"},  # as no form can send it: the form readers drop such ticks
        errors={},
        listed=["afraid"],
        bases={},
        revision=sheet.response.revision,
        form=MultiDict(),
    )
    with app.test_request_context():
        client_service.save(link, sheet, posted)
    assert stored_answers() == {"afraid": ("often", False)}


def test_asking_for_it_to_be_answered_together_still_gives_each_partner_their_own(couple):
    assignment = factories.make_assignment(
        couple, ("safety-check-in", "monthly-check-in"), who_answers="couple"
    )
    check_in, monthly = db.session.scalars(
        select(AssignedWorksheet).order_by(AssignedWorksheet.position)
    )
    assert (check_in.answered_by, monthly.answered_by) == ("each_partner", "couple")
    owners = {r.partner_id for r in check_in.responses}
    assert owners == {p.id for p in assignment.couple.partners}


def test_the_other_partners_link_shows_nothing_of_it(client, tokens):
    send(client, tokens[0], RAISING)
    for url in (f"/w/{tokens[1]}", f"/w/{tokens[1]}/{CHECK_IN}", f"/w/{tokens[1]}/{MONTHLY}"):
        page = client.get(url).get_data(as_text=True)
        assert SECRET not in page and "Safety alert" not in page, url
    form = browser_form(client.get(f"/w/{tokens[1]}/{CHECK_IN}").data)
    answers = {k: v for k, v in form.items(multi=True) if k.startswith("a.") and v}
    assert answers == {}  # nothing of the first partner's answers is filled in
    overview = client.get(f"/w/{tokens[1]}").get_data(as_text=True)
    assert "0 of 9 answered" in overview


def test_the_session_view_never_shows_it(signed_in, assignment, both_answered):
    page = signed_in.get(f"/review/assignments/{assignment.id}/session").get_data(as_text=True)
    assert SHARED_TEXT in page  # what both shared is there
    for word in (*CHECK_IN_WORDS, "not reviewed yet"):
        assert word not in page, word
    review = signed_in.get(f"/review/assignments/{assignment.id}").get_data(as_text=True)
    assert SECRET in review  # the therapist's own review shows everything


def test_the_joint_handout_never_prints_it(signed_in, couple, assignment, both_answered):
    url = f"/couples/{couple.id}/handouts/session.pdf?assignment={assignment.id}&version="
    joint = pdf_text(signed_in.get(url + "joint").data)
    assert SHARED_TEXT in joint
    for word in CHECK_IN_WORDS:
        assert word not in joint, word
    therapist_copy = pdf_text(signed_in.get(url + "therapist").data)
    assert SECRET in therapist_copy and "Private check-in" in therapist_copy


def test_a_joint_handout_of_the_check_in_alone_prints_nothing(signed_in, couple, client):
    assignment = factories.make_assignment(couple, ("safety-check-in",))
    alex = couple.partners[0]
    factories.answer_worksheet(assignment.worksheets[0], alex, {"anything-else": SECRET})
    url = f"/couples/{couple.id}/handouts/session.pdf?assignment={assignment.id}&version=joint"
    response = signed_in.get(url)
    assert response.status_code == 302  # nothing to print, and the page says so
    assert SECRET not in signed_in.get(response.headers["Location"]).get_data(as_text=True)


def test_the_other_partners_export_holds_none_of_it(signed_in, couple, client, tokens):
    send(client, tokens[0], RAISING)
    (alert,) = alerts()
    signed_in.get("/assignments/")  # the therapist looks at the alert ...
    signed_in.post(f"/alerts/{alert.id}/reviewed")  # ... and reviews it: both are audited
    sam = couple.partners[1]
    for kind in ("record.json", "record.fhir.json"):
        export = signed_in.get(f"/couples/{couple.id}/{kind}?partner={sam.id}")
        text = export.get_data(as_text=True)
        assert export.status_code == 200
        for word in (SECRET, "safety_alert", "afraid", "email-safe", "Often"):
            assert word not in text, (kind, word)
    own = signed_in.get(f"/couples/{couple.id}/record.json?partner={couple.partners[0].id}")
    assert SECRET in own.get_data(as_text=True)  # the partner's own export is theirs to have


def test_emails_carry_nothing_of_it(signed_in, couple, client, tokens, inbox):
    send(client, tokens[0], RAISING)
    signed_in.post(
        f"/couples/{couple.id}/partners/{couple.partners[0].id}/contact", data={"preference": "any"}
    )
    page = signed_in.post(
        f"/couples/{couple.id}/assign",
        data={
            "worksheets": ["builtin:safety-check-in"],
            "who_answers": "design",
            "link_days": "14",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assignment_id = re.search(r"/assignments/(\d+)/links/email", page).group(1)
    response = signed_in.post(
        f"/assignments/{assignment_id}/links/email",
        data={
            "token": re.findall(r'name="token" value="([A-Za-z0-9_-]{43})"', page),
            "send": re.findall(r'name="send" value="(\d+)"', page)[0],
        },
        follow_redirects=True,
    )
    assert "Link e-mailed to Alex." in response.get_data(as_text=True)
    (message,) = inbox.messages
    everything = message.as_string()
    for word in (*CHECK_IN_WORDS, "check-in", "safety", "alert", "Often"):
        assert word.lower() not in everything.lower(), word


def test_messages_and_the_audit_log_name_no_answer(signed_in, client, tokens):
    sent = send(client, tokens[0], RAISING)
    shown = client.get(sent.headers["Location"]).get_data(as_text=True)
    flashes = " ".join(re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', shown, re.DOTALL))
    assert "Thank you" in flashes
    (alert,) = alerts()
    signed_in.get("/assignments/")
    signed_in.post(f"/alerts/{alert.id}/reviewed")
    log = signed_in.get("/audit/export.csv").get_data(as_text=True)
    assert "safety_alert_reviewed" in log
    for text in (flashes, log):
        for word in (SECRET, "Often", "afraid", "email-safe", "money"):
            assert word not in text, word
