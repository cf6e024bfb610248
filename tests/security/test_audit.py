"""The audit log: who saw or changed what, when and from where; append-only; no client text."""

import csv
import io

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from clinic import audit
from clinic.audit.service import AuditLogIsAppendOnly, csv_cell
from clinic.extensions import db
from clinic.models import AuditEvent
from tests import factories


def events(action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def test_sign_in_success_and_failure_are_recorded_without_what_was_typed(client, therapist):
    client.post("/login", data={"email": therapist.email, "password": "wrong-password-typed"})
    client.post("/login", data={"email": "nobody@example.org", "password": "x" * 12})
    factories.sign_in(client, therapist)

    failed = events("sign_in_failed")
    assert [(e.object_id, e.owner_id) for e in failed] == [
        (therapist.id, therapist.id),
        (None, None),
    ]
    (success,) = events("sign_in")
    assert success.therapist_id == therapist.id and success.actor == "therapist"
    assert success.remote_addr == "127.0.0.1"
    for event in [*failed, success]:
        stored = " ".join(str(v) for v in vars(event).values())
        assert "wrong-password" not in stored and "nobody@" not in stored


def test_couple_changes_are_recorded_with_the_couple(signed_in, therapist, couple):
    signed_in.post(
        f"/couples/{couple.id}/edit",
        data={
            "label": "Renamed",
            "partners-0-display_name": "Alex",
            "partners-1-display_name": "Sam",
            "notes": "Private note text",
        },
    )
    signed_in.post(f"/couples/{couple.id}/archive")
    signed_in.post(f"/couples/{couple.id}/archive")

    recorded = [(e.action, e.couple_id, e.owner_id) for e in events() if e.couple_id]
    assert recorded == [
        ("couple_edited", couple.id, therapist.id),
        ("couple_archived", couple.id, therapist.id),
        ("couple_restored", couple.id, therapist.id),
    ]


def test_a_therapist_sees_only_their_own_entries(client, therapist):
    colleague = factories.make_therapist()
    factories.sign_in(client, colleague)
    client.post("/logout")
    factories.sign_in(client, therapist)

    page = client.get("/audit/").get_data(as_text=True)
    everyone = client.get("/audit/?scope=all").get_data(as_text=True)

    assert therapist.email in page
    assert colleague.email not in page and colleague.email not in everyone


def test_an_admin_sees_everyone_on_request(client):
    colleague = factories.make_therapist()
    admin = factories.make_therapist(is_admin=True)
    factories.sign_in(client, colleague)
    client.post("/logout")
    factories.sign_in(client, admin)

    assert colleague.email not in client.get("/audit/").get_data(as_text=True)
    assert colleague.email in client.get("/audit/?scope=all").get_data(as_text=True)


def test_client_link_events_appear_in_the_owning_therapists_log(signed_in, therapist, couple):
    with signed_in.application.test_request_context():
        audit.record("answers_saved", "response", 41, couple_id=couple.id, actor=audit.CLIENT_LINK)

    (event,) = events("answers_saved")
    assert (event.actor, event.therapist_id, event.owner_id) == ("client link", None, therapist.id)
    assert "Answers saved" in signed_in.get("/audit/").get_data(as_text=True)


def test_csv_export_lists_entries_and_defuses_spreadsheet_formulas(signed_in, therapist):
    with signed_in.application.test_request_context():
        audit.record(
            "settings_changed", "clinic_setting", owner_id=therapist.id, detail="=HYPERLINK"
        )

    response = signed_in.get("/audit/export.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["action"] for r in rows} >= {"sign_in", "settings_changed"}
    (setting,) = [r for r in rows if r["action"] == "settings_changed"]
    assert setting["detail"] == "'=HYPERLINK"
    assert events("audit_exported")


def test_csv_export_streams_the_log_in_batches(signed_in, therapist, monkeypatch):
    """More rows than one batch: each batch is sent as it is read, and nothing is lost."""
    monkeypatch.setattr(audit.service, "CSV_BATCH", 2)
    with signed_in.application.test_request_context():
        for number in range(1, 5):
            audit.record("backup_made", "database", number, owner_id=therapist.id)

    response = signed_in.get("/audit/export.csv")

    assert response.status_code == 200 and response.is_streamed
    chunks = [chunk.decode() for chunk in response.iter_encoded()]
    # The export is recorded before the first row is read, so it lists itself: six rows.
    assert len(chunks) == 1 + 3  # the header, then three batches of two rows
    rows = [(r["action"], r["object_id"]) for r in csv.DictReader(io.StringIO("".join(chunks)))]
    newest_first = [(e.action, str(e.object_id or "")) for e in reversed(events())]
    assert rows == newest_first and rows[0] == ("audit_exported", "")
    assert len(rows) == 6


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("ok", "ok"),
        (None, ""),
        (7, "7"),
    ],
)
def test_csv_cells_never_start_a_formula(value, expected):
    assert csv_cell(value) == expected


def test_record_refuses_anything_that_looks_like_client_text(app):
    with pytest.raises(ValueError):
        audit.record("answers_viewed", "response", 1, detail="I feel scared when he shouts")
    with pytest.raises(ValueError):
        audit.record("Answers viewed!", "response", 1)
    assert events() == []


def test_the_app_cannot_change_or_delete_audit_entries(app):
    event = audit.record("backup_made", "database")
    db.session.commit()  # as the request or command that recorded it would

    event.action = "sign_in"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(delete(AuditEvent))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(update(AuditEvent).values(action="x"))
    db.session.rollback()

    assert [e.action for e in events()] == ["backup_made"]


def test_the_database_itself_refuses_changes_to_audit_entries(app):
    audit.record("backup_made", "database")
    db.session.commit()  # as the request or command that recorded it would
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with db.engine.connect() as conn, pytest.raises(DBAPIError):
            conn.execute(text(statement))
    assert [e.action for e in events()] == ["backup_made"]
