"""An agreement both partners confirm, each on their own link, as the partners' phones send it."""

from pathlib import Path

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Answer, AuditEvent, Response
from clinic.storage import utcnow
from clinic.worksheets.loader import load_file
from tests import factories
from tests.client.browser_form import browser_form, filled, open_form
from tests.helpers import pdf_text

PLAN = load_file(Path(__file__).with_name("agreement-worksheet.yaml"))
WORD, LENGTH = "a.plan.pause.word", "a.plan.pause.length"


@pytest.fixture
def plan(couple):
    assignment = factories.make_assignment_of(couple, [PLAN])
    first, second = factories.client_tokens(assignment)
    return assignment, f"/w/{first}/1", f"/w/{second}/1"


def stored_plan(assignment):
    db.session.expire_all()
    response = db.session.scalar(
        select(Response).where(Response.assigned_worksheet_id == assignment.worksheets[0].id)
    )
    answer = db.session.scalar(
        select(Answer).where(Answer.response_id == response.id, Answer.item_id == "plan")
    )
    return PLAN.item("plan"), (answer.value if answer else None)


def press(client, url, form, button, value):
    return client.post(url, data=filled(form, {button: value}))


def states(assignment, clause="pause"):
    item, value = stored_plan(assignment)
    status = next(s for s in item.statuses(value) if s.clause.id == clause)
    names = {str(p.id): p.display_name for p in assignment.couple.partners}
    return {names[p.partner_id]: p.state for p in status.partners}


def test_each_partner_confirms_on_their_own_link_and_only_both_make_it_agreed(client, plan):
    assignment, alex, sam = plan
    form = filled(open_form(client, alex), {WORD: "Pineapple", LENGTH: "20"})
    response = press(client, alex, form, "agree", "plan.pause")
    assert response.status_code == 302
    assert states(assignment) == {"Alex": "confirmed", "Sam": "open"}
    item, value = stored_plan(assignment)
    assert not item.is_agreed(value)
    record = value["pause"]["by"][str(assignment.couple.partners[0].id)]
    assert record["seen"] == {"word": "Pineapple", "length": "20"}
    assert len(record["print"]) == 16

    page = client.get(sam).get_data(as_text=True)
    assert "Your partner confirmed on" in page and "Alex" not in page
    press(client, sam, open_form(client, sam), "agree", "plan.pause")
    press(client, sam, open_form(client, sam), "agree", "plan.kind")
    press(client, alex, open_form(client, alex), "agree", "plan.kind")
    item, value = stored_plan(assignment)
    assert item.is_agreed(value)
    assert "You both agreed to all of this" in client.get(alex).get_data(as_text=True)


def test_progress_counts_a_clause_once_both_partners_confirmed_it(client, plan):
    _assignment, alex, sam = plan
    overview = alex.removesuffix("/1")
    assert "0 of 3 answered" in client.get(alex).get_data(as_text=True)  # a note, two clauses
    form = filled(open_form(client, alex), {WORD: "Pineapple", LENGTH: "20"})
    press(client, alex, form, "agree", "plan.pause")
    assert "0 of 3 answered" in client.get(alex).get_data(as_text=True)  # one is not both
    press(client, sam, open_form(client, sam), "agree", "plan.pause")
    for page in (alex, sam, overview):
        assert "1 of 3 answered" in client.get(page).get_data(as_text=True), page


def test_a_change_after_confirming_asks_again_and_shows_before_and_after(client, plan):
    assignment, alex, sam = plan
    press(client, alex, filled(open_form(client, alex), {WORD: "Pineapple"}), "agree", "plan.pause")
    press(client, sam, filled(open_form(client, sam), {WORD: "Mango"}), "agree", "plan.pause")
    assert states(assignment) == {"Alex": "changed", "Sam": "confirmed"}

    page = client.get(alex).get_data(as_text=True)
    assert "This part changed after you confirmed it" in page
    assert "before <del>Pineapple</del>, now <ins>Mango</ins>" in page
    press(client, alex, open_form(client, alex), "agree", "plan.pause")
    assert states(assignment) == {"Alex": "confirmed", "Sam": "confirmed"}
    assert "This part changed" not in client.get(alex).get_data(as_text=True)


def test_the_next_visit_starts_with_a_request_to_read_a_changed_part_again(client, plan):
    _, alex, sam = plan
    press(client, alex, filled(open_form(client, alex), {WORD: "Pineapple"}), "agree", "plan.pause")
    asked = "A part you had confirmed has changed since"
    assert asked not in client.get(alex.removesuffix("/1")).get_data(as_text=True)
    client.post(sam, data=filled(open_form(client, sam), {WORD: "Mango"}))
    assert asked in client.get(alex.removesuffix("/1")).get_data(as_text=True)
    assert asked not in client.get(sam.removesuffix("/1")).get_data(as_text=True)
    press(client, alex, open_form(client, alex), "agree", "plan.pause")
    assert asked not in client.get(alex.removesuffix("/1")).get_data(as_text=True)


def test_changing_a_field_back_still_asks_again(client, plan):
    assignment, alex, sam = plan
    press(client, alex, filled(open_form(client, alex), {WORD: "Pineapple"}), "agree", "plan.pause")
    client.post(sam, data=filled(open_form(client, sam), {WORD: "Mango"}))
    client.post(sam, data=filled(open_form(client, sam), {WORD: "Pineapple"}))
    assert states(assignment)["Alex"] == "changed"


def test_nobody_confirms_words_their_page_did_not_show(client, plan):
    assignment, alex, sam = plan
    client.post(alex, data=filled(open_form(client, alex), {WORD: "Pineapple"}))
    old_page = open_form(client, sam)
    client.post(alex, data=filled(open_form(client, alex), {WORD: "Mango"}))

    response = press(client, sam, old_page, "agree", "plan.pause")
    assert response.status_code == 302
    page = client.get(sam).get_data(as_text=True)
    assert "your partner changed this part meanwhile" in page
    assert states(assignment) == {}


def test_withdrawing_needs_no_reason_works_when_closed_and_shows_when(client, plan):
    assignment, alex, sam = plan
    press(client, alex, filled(open_form(client, alex), {WORD: "Pineapple"}), "agree", "plan.pause")
    press(client, sam, open_form(client, sam), "agree", "plan.pause")
    assignment.locked_at = utcnow()
    db.session.commit()

    form = open_form(client, alex)
    assert "withdraw" not in form  # a submit button, sent only when pressed
    response = press(client, alex, form, "withdraw", "plan.pause")
    assert response.status_code == 302
    assert states(assignment) == {"Alex": "withdrawn", "Sam": "confirmed"}
    assert "Your partner withdrew on" in client.get(sam).get_data(as_text=True)
    # Closed answers take no new confirmation.
    assert 'name="agree"' not in client.get(alex).get_data(as_text=True)


def test_the_audit_log_names_who_and_which_clause_never_the_words(client, plan):
    assignment, alex, _ = plan
    press(client, alex, filled(open_form(client, alex), {WORD: "Pineapple"}), "agree", "plan.pause")
    press(client, alex, open_form(client, alex), "withdraw", "plan.pause")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("agreement_%")).order_by(AuditEvent.id)
    ).all()
    partner = assignment.couple.partners[0].id
    assert [(e.action, e.detail) for e in events] == [
        ("agreement_confirmed", f"item=plan,clause=pause,partner={partner}"),
        ("agreement_withdrawn", f"item=plan,clause=pause,partner={partner}"),
    ]
    assert all(e.couple_id == assignment.couple_id and e.occurred_at for e in events)


def test_a_button_naming_no_clause_of_this_worksheet_just_saves(client, plan):
    assignment, alex, _ = plan
    form = filled(open_form(client, alex), {WORD: "Pineapple"})
    response = press(client, alex, form, "agree", "plan.not-a-clause")
    assert response.status_code == 302
    assert states(assignment) == {}
    assert stored_plan(assignment)[1] == {"pause": {"fields": {"word": "Pineapple"}}}


def test_two_partners_changing_different_fields_at_once_both_keep_their_change(client, plan):
    assignment, alex, sam = plan
    alex_page, sam_page = open_form(client, alex), open_form(client, sam)
    assert client.post(alex, data=filled(alex_page, {WORD: "Pineapple"})).status_code == 302
    assert client.post(sam, data=filled(sam_page, {LENGTH: "15"})).status_code == 302
    assert stored_plan(assignment)[1]["pause"]["fields"] == {"word": "Pineapple", "length": "15"}


def test_autosave_merges_the_partners_fields_and_the_form_keeps_merging(client, plan):
    assignment, alex, sam = plan
    alex_page, sam_page = open_form(client, alex), open_form(client, sam)
    client.post(alex + "/autosave", data=filled(alex_page, {WORD: "Pineapple"}))
    typed = filled(sam_page, {LENGTH: "15"})
    body = client.post(sam + "/autosave", data=typed).get_json()
    assert body["status"] == "saved"
    assert "Your partner changed some answers too" in body["message"]
    typed = filled(typed, {"base.plan": body["bases"]["plan"], "revision": str(body["revision"])})
    body = client.post(sam + "/autosave", data=filled(typed, {LENGTH: "25"})).get_json()
    assert body["status"] == "saved"
    assert stored_plan(assignment)[1]["pause"]["fields"] == {"word": "Pineapple", "length": "25"}


def test_a_real_clash_names_the_partner_and_offers_both_versions_to_keep(client, plan):
    assignment, alex, sam = plan
    alex_page, sam_page = open_form(client, alex), open_form(client, sam)
    client.post(alex, data=filled(alex_page, {WORD: "Pineapple"}))
    response = client.post(sam, data=filled(sam_page, {WORD: "Mango"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Your partner changed the same answers" in page
    assert "another tab" not in page and "Save what is in the form now" not in page
    assert "Keep your partner's version" in page
    assert "Keep my version (it replaces your partner's)" in page
    assert stored_plan(assignment)[1]["pause"]["fields"] == {"word": "Pineapple"}

    theirs = _hidden(page, "theirs.plan")
    form = filled(browser_form(page), {"keep_theirs": "plan"})
    assert client.post(sam, data=form).status_code == 302
    assert stored_plan(assignment)[1]["pause"]["fields"] == {"word": "Pineapple"}

    form = filled(browser_form(page), {"keep_mine": "plan", "theirs.plan": theirs})
    assert client.post(sam, data=form).status_code == 302
    assert stored_plan(assignment)[1]["pause"]["fields"] == {"word": "Mango"}


def test_a_clash_shows_the_partners_fields_as_the_form_reads_them_not_who_confirmed(client, plan):
    _, alex, sam = plan
    sam_page = open_form(client, sam)
    typed = filled(open_form(client, alex), {WORD: "Pineapple", LENGTH: "20"})
    press(client, alex, typed, "agree", "plan.pause")
    page = client.post(sam, data=filled(sam_page, {WORD: "Mango", LENGTH: "25"}))
    assert page.status_code == 409
    theirs = _between(page.get_data(as_text=True), 'class="prewrap conflict-theirs">', "</p>")
    assert theirs == (
        "Either of us can ask for a pause. - Our pause word: Pineapple; "
        "Length of the pause: 20 minutes"
    )


def test_keeping_my_version_over_a_newer_change_is_a_clash_again(client, plan):
    assignment, alex, sam = plan
    alex_page, sam_page = open_form(client, alex), open_form(client, sam)
    client.post(alex, data=filled(alex_page, {WORD: "Pineapple"}))
    page = client.post(sam, data=filled(sam_page, {WORD: "Mango"})).get_data(as_text=True)
    client.post(alex, data=filled(open_form(client, alex), {WORD: "Kiwi"}))
    form = filled(
        browser_form(page), {"keep_mine": "plan", "theirs.plan": _hidden(page, "theirs.plan")}
    )
    assert client.post(sam, data=form).status_code == 409
    assert stored_plan(assignment)[1]["pause"]["fields"] == {"word": "Kiwi"}


def test_the_agreement_reads_and_prints_only_once_both_agreed(client, plan):
    _, alex, sam = plan
    read = alex + "/agreement/plan"
    assert client.get(read).status_code == 302
    assert client.get(read + ".pdf").status_code == 404
    press(client, alex, filled(open_form(client, alex), {WORD: "Pineapple"}), "agree", "plan.pause")
    for url, clause in ((alex, "kind"), (sam, "pause"), (sam, "kind")):
        press(client, url, open_form(client, url), "agree", f"plan.{clause}")
    page = client.get(read).get_data(as_text=True)
    assert "Our agreement" in page and "Pineapple" in page and "You confirmed on" in page
    pdf = client.get(read + ".pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert client.get(alex.replace("/1", "/1/agreement/note")).status_code == 302


def test_the_look_again_date_is_kept_and_refuses_nonsense(client, plan):
    assignment, alex, _ = plan
    client.post(alex, data=filled(open_form(client, alex), {"a.plan._again": "2027-03-01"}))
    item, value = stored_plan(assignment)
    assert str(item.look_again(value)) == "2027-03-01"
    response = client.post(alex, data=filled(open_form(client, alex), {"a.plan._again": "soon"}))
    assert response.status_code == 422
    assert "year-month-day" in response.get_data(as_text=True)
    assert str(stored_plan(assignment)[0].look_again(stored_plan(assignment)[1])) == "2027-03-01"


def _between(page: str, start: str, end: str) -> str:
    begin = page.index(start) + len(start)
    return page[begin : page.index(end, begin)]


def test_a_confirmed_clause_with_a_field_too_long_comes_back_as_typed_and_still_confirmed(
    client, plan
):
    assignment, alex, _ = plan
    press(
        client,
        alex,
        filled(open_form(client, alex), {WORD: "Pineapple", LENGTH: "20"}),
        "agree",
        "plan.pause",
    )
    typed = {WORD: "P" * 301, LENGTH: "30", "a.plan._again": "2027-03-01"}
    response = client.post(alex, data=filled(open_form(client, alex), typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "too long" in page
    back = browser_form(page)
    assert {name: back[name] for name in typed} == typed
    assert "Alex" in states(assignment) and states(assignment)["Alex"] == "confirmed"
    _, value = stored_plan(assignment)
    assert value["pause"]["fields"] == {"word": "Pineapple", "length": "20"}
    assert "_again" not in value


def _hidden(page: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_the_therapist_sees_each_partners_state_with_its_date_everywhere(client, signed_in, plan):
    assignment, alex, sam = plan
    press(client, alex, filled(open_form(client, alex), {WORD: "Pineapple"}), "agree", "plan.pause")
    press(client, sam, open_form(client, sam), "agree", "plan.pause")
    press(client, sam, open_form(client, sam), "withdraw", "plan.pause")
    client.post(sam, data=filled(open_form(client, sam), {"action": "submit"}))
    today = f"{utcnow().day} {utcnow():%b %Y}"

    review = signed_in.get(f"/review/assignments/{assignment.id}").get_data(as_text=True)
    assert f"Alex confirmed on {today}" in review and f"Sam withdrew on {today}" in review
    assert "Nobody has confirmed this part yet." in review  # the second clause
    session = signed_in.get(f"/review/assignments/{assignment.id}/session").get_data(as_text=True)
    assert f"Sam withdrew on {today}" in session
    couple_page = signed_in.get(f"/couples/{assignment.couple_id}").get_data(as_text=True)
    assert "Agreements" in couple_page and "Not agreed yet" in couple_page
    for version in ("joint", "therapist"):
        pdf = signed_in.get(
            f"/couples/{assignment.couple_id}/handouts/session.pdf",
            query_string={"version": version, "assignment": assignment.id},
        )
        text = pdf_text(pdf.data)
        assert f"Alex confirmed on {today}" in text and f"Sam withdrew on {today}" in text
    sheet = assignment.worksheets[0].id
    alone = signed_in.get(f"/assignments/{assignment.id}/worksheets/{sheet}/alone.pdf?item=plan")
    text = pdf_text(alone.data)
    assert "Our agreement" in text and "Not agreed yet" in text and "Sam withdrew on" in text


def test_on_paper_each_partners_state_stands_on_its_own_line(client, signed_in, plan):
    assignment, alex, _ = plan
    press(client, alex, filled(open_form(client, alex), {WORD: "Pineapple"}), "agree", "plan.pause")
    press(client, alex, open_form(client, alex), "withdraw", "plan.pause")
    client.post(alex, data=filled(open_form(client, alex), {"action": "submit"}))
    today = f"{utcnow().day} {utcnow():%b %Y}"
    pdf = signed_in.get(
        f"/couples/{assignment.couple_id}/handouts/session.pdf",
        query_string={"version": "joint", "assignment": assignment.id},
    )
    assert f"Alex withdrew on {today} Sam has not confirmed yet" in pdf_text(pdf.data)


def test_a_tick_stored_before_partners_confirmed_is_kept_but_does_not_count():
    item = PLAN.item("plan")
    value = item.clean({"kind": {"fields": {}, "confirmed": True}})
    assert "Alex" not in str(item.confirm(value, "pause", 1, [1, 2], utcnow()))
    assert value == {"kind": {"fields": {}, "confirmed": True}}
    assert not item.is_agreed(value)
    assert next(s for s in item.statuses(value) if s.clause.id == "kind").ticked_before


def test_partners_are_listed_in_the_order_they_were_added_whatever_their_ids():
    item = PLAN.item("plan")
    value = item.confirm(item.clean({}), "kind", 10, [9, 10], utcnow())
    [status] = [s for s in item.statuses(value) if s.clause.id == "kind"]
    listed = [(p.partner_id, p.state) for p in status.partners]
    assert listed == [("9", "open"), ("10", "confirmed")]
