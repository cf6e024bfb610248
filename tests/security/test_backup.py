"""Backups and restores round-trip on SQLite and PostgreSQL, and are safe while the app runs."""

import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from clinic.data_rights.backup import BackupError, backup, restore
from clinic.extensions import db
from clinic.models import Answer, AuditEvent, Couple
from tests import factories
from tests.helpers import couple_labelled

NOTE = "Notes that must survive a restore"


def couple_with_answers(therapist):
    couple = factories.make_couple(therapist, label="Before the backup", notes=NOTE)
    assignment = factories.make_assignment(couple, slugs=("fair-decisions",))
    factories.answer_worksheet(
        assignment.worksheets[0], couple.partners[0], {"topic": "Who plans the weekends"}
    )
    return couple


def test_backup_and_restore_round_trip(app, therapist, tmp_path):
    couple_with_answers(therapist)
    runner = app.test_cli_runner()
    path = tmp_path / "backups" / "tandem.backup"

    made = runner.invoke(args=["backup", str(path)])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    factories.make_couple(therapist, label="After the backup")
    db.session.delete(couple_labelled("Before the backup"))
    db.session.commit()

    restored = runner.invoke(args=["restore", str(path), "--yes"])

    assert restored.exit_code == 0, restored.output
    db.session.remove()
    labels = db.session.scalars(select(Couple.label)).all()
    assert labels == ["Before the backup"]
    assert db.session.scalar(select(Couple.notes)) == NOTE
    assert db.session.scalar(select(Answer.value)) == "Who plans the weekends"
    assert db.session.scalars(select(AuditEvent.action)).all()[-1] == "backup_restored"


def test_the_backup_holds_sealed_text_only(app, therapist, tmp_path):
    couple_with_answers(therapist)
    path = backup(db.engine.url.render_as_string(hide_password=False), tmp_path / "b")

    raw = path.read_bytes()
    assert b"Who plans the weekends" not in raw and NOTE.encode() not in raw


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sqlite_backup_is_consistent_while_another_writer_is_busy(app, therapist, tmp_path):
    couple_with_answers(therapist)
    database = db.engine.url.database
    writer = sqlite3.connect(database)
    (sealed_label,) = writer.execute("SELECT label FROM couples").fetchone()
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE couples SET label = 'half-written'")
    try:
        path = backup(f"sqlite:///{database}", tmp_path / "live.backup")
    finally:
        writer.rollback()
        writer.close()

    copy = sqlite3.connect(path)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT label FROM couples").fetchall() == [(sealed_label,)]
    copy.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_restore_refuses_a_file_that_is_not_a_backup(app, therapist, tmp_path):
    couple_with_answers(therapist)
    bogus = tmp_path / "not-a-backup"
    bogus.write_bytes(b"SQLite format 3\x00 but not really" * 40)

    result = app.test_cli_runner().invoke(args=["restore", str(bogus), "--yes"])

    assert result.exit_code != 0 and "not a Tandem SQLite backup" in result.output
    assert db.session.scalar(select(Couple.label)) == "Before the backup"


def test_backups_of_unsupported_databases_are_refused(tmp_path):
    with pytest.raises(BackupError):
        backup("mysql://localhost/tandem", tmp_path / "x")
    with pytest.raises(BackupError):
        restore("sqlite:///" + str(tmp_path / "db.sqlite3"), Path(tmp_path / "missing"))
