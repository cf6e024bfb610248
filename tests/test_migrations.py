"""Migrations go up to head and back down on both engines, and agree with the models."""

import uuid
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from clinic import MIGRATIONS_DIR
from clinic.extensions import db
from clinic.storage import current_cipher
from tests.helpers import PG_SERVER_URL, make_app, postgres_server_or_skip


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server = postgres_server_or_skip()
    name = f"tandem_migrate_{uuid.uuid4().hex[:10]}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_SERVER_URL.rsplit("/", 1)[0] + "/" + name
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def test_upgrade_to_head_matches_models_and_downgrades_cleanly(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations disagree: {differences}"

        flask_migrate.downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


PLAIN_ROWS = {
    "couples": {"label": "Quillfeather household"},
    "partners": {
        "display_name": "Marisol Quintanilla",
        "email": "marisol.quintanilla@example.org",
        "contact_preference": "no_email",
    },
}


def stored(table: str, column: str) -> str:
    with db.engine.connect() as conn:
        return conn.execute(text(f"SELECT {column} FROM {table}")).scalar_one()  # noqa: S608


def insert_plain_couple_at_0005() -> None:
    """A couple as 0005 stored it: label, name, e-mail and contact preference in plaintext."""
    when = "2026-01-05 09:00:00+00:00"
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO therapists (id, email, display_name, password_hash, is_admin,"
                " is_disabled, created_at) VALUES (1, 't@example.net', 'T', 'x', false, false, :w)"
            ),
            {"w": when},
        )
        conn.execute(
            text(
                "INSERT INTO couples (id, therapist_id, label, notes, created_at, updated_at)"
                " VALUES (1, 1, :label, '', :w, :w)"
            ),
            {"w": when, **PLAIN_ROWS["couples"]},
        )
        conn.execute(
            text(
                "INSERT INTO partners (id, couple_id, position, display_name, email,"
                " contact_preference) VALUES (1, 1, 0, :display_name, :email, :contact_preference)"
            ),
            PLAIN_ROWS["partners"],
        )


def test_sealing_migration_seals_stored_names_and_downgrade_opens_them(empty_database_url):
    from clinic.enums import ContactPreference
    from clinic.models import Couple

    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="0005")
        insert_plain_couple_at_0005()

        flask_migrate.upgrade(revision="0011_seal")

        for table, values in PLAIN_ROWS.items():
            for column in values:
                assert stored(table, column).startswith("gAAAAA"), column
        if db.engine.dialect.name == "sqlite":
            path = Path(db.engine.url.database)
            files = [path, path.with_name(path.name + "-wal")]
            raw = b"".join(f.read_bytes() for f in files if f.exists())  # no old page is left
            assert all(plain.encode() not in raw for plain in PLAIN_ROWS["partners"].values())
            assert PLAIN_ROWS["couples"]["label"].encode() not in raw
        flask_migrate.upgrade()  # the models read the columns later migrations add
        couple = db.session.get(Couple, 1)
        assert couple.label == "Quillfeather household"
        partner = couple.partners[0]
        assert (partner.display_name, partner.email) == (
            "Marisol Quintanilla",
            "marisol.quintanilla@example.org",
        )
        assert partner.contact_preference is ContactPreference.NO_EMAIL
        db.session.remove()

        flask_migrate.downgrade(revision="0005")

        for table, values in PLAIN_ROWS.items():
            for column, plain in values.items():
                assert stored(table, column) == plain
        db.engine.dispose()


def test_sealing_migration_refuses_keys_that_do_not_open_the_notes_sealed_so_far(
    empty_database_url, capfd
):
    from cryptography.fernet import Fernet

    with make_app(empty_database_url).app_context():
        flask_migrate.upgrade(revision="0005")
        insert_plain_couple_at_0005()
        with db.engine.begin() as conn:  # notes sealed with the app's key, as 0005 stored them
            conn.execute(text("UPDATE couples SET notes = :n"), {"n": current_cipher().seal("")})
        db.engine.dispose()

    other_key = Fernet.generate_key().decode()
    with make_app(empty_database_url, ENCRYPTION_KEYS=other_key).app_context():
        with pytest.raises(SystemExit):  # `flask db upgrade` logs the message and exits 1
            flask_migrate.upgrade(revision="0011_seal")

        assert "cannot open the notes already sealed" in capfd.readouterr().err

        assert stored("couples", "label") == PLAIN_ROWS["couples"]["label"]
        with db.engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        # This one did not run. PostgreSQL rolls back the whole upgrade (one transaction);
        # SQLite keeps the migrations before it, each committed on its own.
        before = ScriptDirectory(MIGRATIONS_DIR).get_revision("0011_seal").down_revision
        assert version == ("0005" if db.engine.dialect.name == "postgresql" else before)
        db.engine.dispose()
