"""A client's rights: the couple's full record exported (JSON, FHIR R4) or erased for good."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from sqlalchemy import func, select, text

from clinic.data_rights.closure import couple_closure
from clinic.enums import AnsweredBy
from clinic.extensions import db
from clinic.models import AuditEvent, Couple, SafetyAlert
from clinic.worksheets.fhir import to_questionnaire
from clinic.worksheets.versions import worksheet_of
from tests import factories
from tests.helpers import independent_fhir_problems

SLUGS = ("boundary-inventory", "fair-decisions", "language-reframing", "conflict-pre-agreement")
NOTE = "Therapist note about a disclosure"


@pytest.fixture
def full_couple(therapist):
    """A couple with every kind of answer from both partners, a joint sheet, links and notes."""
    couple = factories.make_couple(therapist, notes=NOTE)
    assignment = factories.make_assignment(couple, slugs=SLUGS)
    factories.client_tokens(assignment)
    for sheet in assignment.worksheets:
        worksheet = worksheet_of(sheet.worksheet_version)
        if sheet.answered_by == "couple":
            factories.answer_worksheet(sheet, None, factories.sample_answers(worksheet, "Joint"))
            continue
        for partner in couple.partners:
            answers = factories.sample_answers(worksheet, f"Private of {partner.display_name}")
            factories.answer_worksheet(sheet, partner, answers, shared={"understand"})
    factories.make_session_note(couple, "Session note about the grid", assignment=assignment)
    alex_response = next(
        r for r in assignment.worksheets[0].responses if r.partner_id == couple.partners[0].id
    )
    db.session.add(
        SafetyAlert(response_id=alex_response.id, item_ids=["understand"], urgency="soon")
    )
    db.session.commit()
    return couple


def test_the_json_export_holds_every_answer_note_and_partner(signed_in, full_couple):
    response = signed_in.get(f"/couples/{full_couple.id}/record.json")

    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert full_couple.label not in response.headers["Content-Disposition"]
    record = response.get_json()
    body = json.dumps(record)
    for marker in ("Private of Alex", "Private of Sam", "Joint", NOTE, "Session note about"):
        assert marker in body
    tables = record["tables"]
    assert {
        "couples",
        "partners",
        "assignments",
        "responses",
        "answers",
        "client_links",
        "session_notes",
        "safety_alerts",
    } <= set(tables)
    assert len(tables["answers"]) == db.session.scalar(text("SELECT count(*) FROM answers"))
    assert "token_hash" not in body
    assert {w["slug"] for w in record["worksheets"]} == set(SLUGS)


def test_the_fhir_export_is_a_valid_r4_bundle_matching_the_questionnaires(signed_in, full_couple):
    response = signed_in.get(f"/couples/{full_couple.id}/record.fhir.json")

    bundle = Bundle.model_validate(response.get_json())  # raises when not valid FHIR
    resources = [entry.resource for entry in bundle.entry]
    kinds = [r.get_resource_type() for r in resources]
    responses = [r for r in resources if r.get_resource_type() == "QuestionnaireResponse"]
    assert kinds.count("Patient") == 2 and kinds.count("Group") == 1
    assert len(responses) == 2 * 3 + 1
    carried = [r for r in resources if r.get_resource_type() == "Questionnaire"]
    questionnaires = {f"{q.url}|{q.version}": _link_ids(q.item) for q in carried}
    for sheet in db.session.get(Couple, full_couple.id).assignments[0].worksheets:
        own = Questionnaire.model_validate(to_questionnaire(worksheet_of(sheet.worksheet_version)))
        assert questionnaires[f"{own.url}|{own.version}"] == _link_ids(own.item)
    assert len(carried) == len(SLUGS)
    for qr in responses:
        answered = _link_ids(qr.item)
        assert answered, "every response carries its answers"
        assert answered <= questionnaires[qr.questionnaire], (
            answered - questionnaires[qr.questionnaire]
        )
    assert "Private of Sam" in response.get_data(as_text=True)
    assert independent_fhir_problems([response.get_json()]) == [[]]


def test_the_fhir_export_carries_each_partners_confirmation_by_their_patient_id(
    signed_in, full_couple
):
    alex, sam = full_couple.partners
    sheet = next(
        s for s in full_couple.assignments[0].worksheets if s.answered_by == AnsweredBy.COUPLE
    )
    plan = worksheet_of(sheet.worksheet_version).item("plan")
    answer = next(a for a in sheet.responses[0].answers if a.item_id == "plan")
    when = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    value = plan.confirm(answer.value, "pause", alex.id, [alex.id, sam.id], when)
    value = plan.confirm(value, "pause", sam.id, [alex.id, sam.id], when)
    answer.value = plan.withdraw(value, "pause", sam.id, when.replace(hour=19))
    db.session.commit()

    bundle = signed_in.get(f"/couples/{full_couple.id}/record.fhir.json").get_json()
    patients = {
        e["resource"]["identifier"][0]["value"]: e["resource"]["name"][0]["text"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Patient"
    }
    records = [
        {part["linkId"].rsplit(".", 1)[1]: part["answer"][0] for part in node["item"]}
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "QuestionnaireResponse"
        for node in _nodes(entry["resource"], "plan.pause.ok")
    ]
    assert [
        (patients[r["partner"]["valueString"]], r["state"]["valueString"], r["date"])
        for r in records
    ] == [
        ("Alex", "confirmed", {"valueDateTime": "2026-11-30T18:00:00+00:00"}),
        ("Sam", "withdrawn", {"valueDateTime": "2026-11-30T19:00:00+00:00"}),
    ]
    assert independent_fhir_problems([bundle]) == [[]]


def _nodes(node, link_id):
    """Every item, at any depth, whose linkId is ``link_id``."""
    if isinstance(node, dict):
        if node.get("linkId") == link_id:
            yield node
        for child in node.values():
            yield from _nodes(child, link_id)
    elif isinstance(node, list):
        for child in node:
            yield from _nodes(child, link_id)


def _link_ids(items) -> set[str]:
    found = set()
    for item in items or []:
        found.add(item.linkId)
        found |= _link_ids(item.item)
    return found


def test_a_partners_own_export_holds_nothing_of_the_other_partner(signed_in, full_couple):
    alex, sam = full_couple.partners
    as_json = signed_in.get(f"/couples/{full_couple.id}/record.json?partner={alex.id}")
    as_fhir = signed_in.get(f"/couples/{full_couple.id}/record.fhir.json?partner={alex.id}")

    for response in (as_json, as_fhir):
        body = response.get_data(as_text=True)
        assert "Private of Alex" in body and "Joint" in body
        assert "Private of Sam" not in body and sam.display_name not in body
        assert NOTE not in body and "Session note" not in body
    Bundle.model_validate(as_fhir.get_json())
    tables = as_json.get_json()["tables"]
    assert [p["id"] for p in tables["partners"]] == [alex.id]
    assert {link["partner_id"] for link in tables["client_links"]} == {alex.id}
    assert "session_notes" not in tables and "notes" not in tables["couples"][0]
    assert "safety_alerts" not in tables


def test_a_partner_of_another_couple_cannot_be_asked_for(signed_in, therapist, full_couple):
    stranger = factories.make_couple(therapist).partners[0]
    url = f"/couples/{full_couple.id}/record.json?partner={stranger.id}"
    assert signed_in.get(url).status_code == 404
    assert signed_in.get(f"/couples/{full_couple.id}/record.json?partner=x").status_code == 404


def test_exports_are_recorded_in_the_audit_log(signed_in, full_couple):
    signed_in.get(f"/couples/{full_couple.id}/record.json")
    signed_in.get(f"/couples/{full_couple.id}/record.fhir.json")

    details = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action == "couple_exported", AuditEvent.couple_id == full_couple.id
        )
    ).all()
    assert details == ["format=json", "format=fhir"]


def test_another_therapist_cannot_export_or_erase(client, full_couple):
    factories.sign_in(client, factories.make_therapist())
    assert client.get(f"/couples/{full_couple.id}/record.json").status_code == 404
    assert client.get(f"/couples/{full_couple.id}/record.fhir.json").status_code == 404
    erase = client.post(
        f"/couples/{full_couple.id}/erase",
        data={"label": full_couple.label, "password": factories.PASSWORD},
    )
    assert erase.status_code == 404
    assert db.session.get(Couple, full_couple.id) is not None


def erase(client, couple, label=None, password=factories.PASSWORD):
    return client.post(
        f"/couples/{couple.id}/erase",
        data={"label": label or couple.label, "password": password},
    )


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_erasing_needs_the_label_and_the_password(signed_in, full_couple):
    assert erase(signed_in, full_couple, label="Someone else").status_code == 400
    assert erase(signed_in, full_couple, password="not my password").status_code == 400
    assert db.session.get(Couple, full_couple.id) is not None


def test_erasing_removes_everything_of_the_couple_and_nothing_else(
    signed_in, therapist, full_couple
):
    other = factories.make_couple(therapist, notes="Other couple's note")
    factories.make_assignment(other)
    couple_id = full_couple.id
    owned_tables = {t.name for t in couple_closure(couple_id)}
    before = row_counts()
    other_rows = {t.name: len(ids) for t, ids in couple_closure(other.id).items()}

    response = erase(signed_in, full_couple)

    assert response.status_code == 302 and response.headers["Location"].endswith("/couples/")
    assert couple_closure(couple_id) == {}
    after = row_counts()
    assert owned_tables >= {
        "couples",
        "partners",
        "assignments",
        "assigned_worksheets",
        "responses",
        "answers",
        "client_links",
        "session_notes",
        "safety_alerts",
    }
    for name in owned_tables:
        assert after[name] == other_rows.get(name, 0), name
    assert after["worksheet_versions"] == before["worksheet_versions"]
    assert db.session.get(Couple, other.id).notes == "Other couple's note"


def test_erasing_leaves_one_audit_entry_without_client_text(signed_in, full_couple):
    label, couple_id = full_couple.label, full_couple.id
    erase(signed_in, full_couple)

    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "couple_erased")).one()
    assert (event.object_type, event.object_id, event.couple_id) == ("couple", couple_id, couple_id)
    stored = " ".join(str(v) for v in vars(event).values())
    assert label not in stored and "Alex" not in stored and "Private" not in stored


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_erased_text_is_not_left_in_the_sqlite_file(signed_in, full_couple):
    with db.engine.connect() as conn:
        sealed = conn.execute(text("SELECT value FROM answers")).scalars().all()
    path = Path(db.engine.url.database)

    erase(signed_in, full_couple)

    raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    assert sealed and not any(value.encode() in raw for value in sealed)
