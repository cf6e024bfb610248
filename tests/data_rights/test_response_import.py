"""A QuestionnaireResponse from paper or another tool, stored as one partner's answers: the
therapist uploads it, sees what would be stored and what was skipped, picks the partner and
confirms; bad input gets a clear message and stores nothing."""

import io
import json

from sqlalchemy import func, select, text

from clinic.extensions import db
from clinic.models import Answer, AuditEvent, Response, SafetyAlert
from clinic.worksheets.loader import builtin_library
from tests import factories
from tests.client.browser_form import browser_form

CHECK_IN = builtin_library()["monthly-check-in"]
SECRET = "Marmalade sunrise"  # in an answer: must never be readable in the database


def response_of(ws, answers: dict, **extra) -> dict:
    """A QuestionnaireResponse shaped like Tandem's export, plus whatever ``extra`` adds."""
    sections = []
    for section in ws.sections:
        nodes = [
            item.questionnaire_answer(item.clean(answers[item.id]))
            for item in section.items
            if item.id in answers
        ]
        if nodes:
            sections.append({"linkId": section.link_id, "item": nodes})
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": f"urn:tandem:worksheet:{ws.id}|{ws.version}",
        "authored": "2026-03-02T09:00:00Z",
        "item": sections,
        **extra,
    }


def check_in_answers() -> dict:
    answers = factories.sample_answers(CHECK_IN, SECRET)
    return {k: v for k, v in answers.items() if k != "one-word"}


def preview(client, couple, resource, worksheet: str = ""):
    body = json.dumps(resource).encode() if isinstance(resource, dict) else resource
    data = {"file": (io.BytesIO(body), "response.json"), "worksheet": worksheet}
    return client.post(f"/couples/{couple.id}/responses/import/preview", data=data)


def test_the_therapist_sees_what_would_be_stored_then_stores_it_for_one_partner(signed_in, couple):
    alex = couple.partners[0]
    resource = response_of(CHECK_IN, check_in_answers())
    resource["item"].append({"linkId": "other-tool-extra", "answer": [{"valueString": "x"}]})
    page = preview(signed_in, couple, resource)
    assert page.status_code == 200  # found by the questionnaire it names
    html = page.get_data(as_text=True)
    assert f"Answers to “{CHECK_IN.title}”" in html
    assert SECRET in html and "other-tool-extra" in html and "Answered on 2 Mar 2026" in html
    assert db.session.scalar(select(func.count(Response.id))) == 0  # a preview stores nothing

    form = browser_form(html, "response-store-form")
    form["partner"] = str(alex.id)
    stored = signed_in.post(f"/couples/{couple.id}/responses/import", data=form)
    assert stored.status_code == 302 and "/review/assignments/" in stored.headers["Location"]
    (response,) = db.session.scalars(select(Response))
    assert response.partner_id == alex.id and response.submitted_at.month == 3
    assert {a.updated_at for a in response.answers} == {response.submitted_at}  # when answered
    assert {a.item_id: a.value for a in response.answers} == {
        k: CHECK_IN.item(k).clean(v) for k, v in check_in_answers().items()
    }
    raw = db.session.execute(text("SELECT value FROM answers")).scalars().all()
    assert raw and not any(SECRET in str(value) for value in raw)  # sealed like every answer
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "response_imported")
    )
    assert event.couple_id == couple.id and "worksheet=monthly-check-in" in event.detail
    review = signed_in.get(stored.headers["Location"]).get_data(as_text=True)
    assert SECRET in review and alex.display_name in review


def test_imported_answers_raise_the_worksheets_alerts(signed_in, couple):
    safety = builtin_library()["safety-check-in"]
    resource = response_of(safety, {"safe-at-home": "unsafe"})
    page = preview(signed_in, couple, resource, "builtin:safety-check-in")
    form = browser_form(page.get_data(as_text=True), "response-store-form")
    form["partner"] = str(couple.partners[1].id)
    signed_in.post(f"/couples/{couple.id}/responses/import", data=form)
    (alert,) = db.session.scalars(select(SafetyAlert))
    assert alert.item_ids == ["safe-at-home"] and alert.urgency == "urgent"
    assert alert.response.partner_id == couple.partners[1].id


def test_answers_that_do_not_fit_are_listed_and_nothing_is_stored(signed_in, couple):
    resource = response_of(CHECK_IN, check_in_answers())
    resource["item"][0]["item"][0]["answer"] = [{"valueInteger": 99}]
    html = preview(signed_in, couple, resource, "builtin:monthly-check-in").get_data(as_text=True)
    assert "These answers cannot be stored" in html and "Please pick a number" in html
    assert 'id="response-store-form"' not in html
    # Posting the confirmation anyway stores nothing either.
    refused = signed_in.post(
        f"/couples/{couple.id}/responses/import",
        data={
            "worksheet": "builtin:monthly-check-in",
            "source": json.dumps(resource),
            "partner": str(couple.partners[0].id),
        },
    )
    assert refused.status_code == 302
    assert db.session.scalar(select(func.count(Answer.id))) == 0
    page = signed_in.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Nothing was stored." in page


def test_bad_files_get_a_clear_message(signed_in, couple):
    for body, message in [
        (b"{nope", "not valid JSON"),
        (b'{"resourceType": "Patient"}', "not a FHIR QuestionnaireResponse"),
        (b"\xff\xfe", "not text"),
    ]:
        answer = preview(signed_in, couple, body, "builtin:monthly-check-in")
        assert answer.status_code == 302
        assert message in signed_in.get(answer.headers["Location"]).get_data(as_text=True)
    unnamed = response_of(CHECK_IN, check_in_answers(), questionnaire="urn:other:thing")
    answer = preview(signed_in, couple, unnamed)
    assert "Choose the worksheet" in signed_in.get(answer.headers["Location"]).get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_the_partner_must_be_one_of_this_couples(signed_in, couple, therapist):
    other = factories.make_couple(therapist)
    source = json.dumps(response_of(CHECK_IN, check_in_answers()))
    answer = signed_in.post(
        f"/couples/{couple.id}/responses/import",
        data={
            "worksheet": "builtin:monthly-check-in",
            "source": source,
            "partner": str(other.partners[0].id),
        },
    )
    assert answer.status_code == 302
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_another_therapists_couple_is_not_found(signed_in):
    stranger = factories.make_couple(factories.make_therapist())
    source = json.dumps(response_of(CHECK_IN, check_in_answers()))
    assert signed_in.get(f"/couples/{stranger.id}/responses/import").status_code == 404
    assert preview(signed_in, stranger, source.encode()).status_code == 404
    stored = signed_in.post(
        f"/couples/{stranger.id}/responses/import",
        data={"worksheet": "builtin:monthly-check-in", "source": source, "partner": "1"},
    )
    assert stored.status_code == 404
    assert db.session.scalar(select(func.count(Response.id))) == 0
