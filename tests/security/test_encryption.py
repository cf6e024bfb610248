"""Client text is sealed at rest: the raw database holds ciphertext, keys rotate in place."""

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from clinic.enums import ContactPreference
from clinic.extensions import db
from clinic.models import Answer, Couple, Partner
from clinic.storage import FernetCipher, SealError, current_cipher, read_key_file
from tests import factories
from tests.helpers import make_app

ANSWER = "We agreed I decide about money alone, which scares me"
NOTE = "Partner disclosed pressure around intimacy last session"
# What tells who is in therapy, each spelled so that it can only be found as itself.
LABEL = "Quillfeather household"
PARTNERS = [("Marisol Quintanilla", "marisol.quintanilla@example.org"), ("Tunde Okonkwo", None)]
# Each table's columns that tell who is in therapy; every stored value must be ciphertext.
IDENTITY_COLUMNS = {
    "couples": ["label"],
    "partners": ["display_name", "email", "contact_preference"],
}


def couple_with_answer(therapist):
    couple = factories.make_couple(therapist, notes=NOTE)
    assignment = factories.make_assignment(couple, slugs=("fair-decisions",))
    sheet = assignment.worksheets[0]
    item_id = next(item.id for _, item in _worksheet(sheet).items() if "text" in item.type)
    factories.answer_worksheet(sheet, couple.partners[0], {item_id: ANSWER}, submit=False)
    return couple


def _worksheet(sheet):
    from clinic.worksheets.versions import worksheet_of

    return worksheet_of(sheet.worksheet_version)


def raw_database_text(app) -> str:
    """Everything the database stores, read past the app: file bytes or a raw dump of rows."""
    db.session.commit()  # what the test stored, as the request that stored it would have
    if db.engine.dialect.name == "sqlite":
        path = Path(db.engine.url.database)
        files = [path, path.with_name(path.name + "-wal")]
        return b"".join(p.read_bytes() for p in files if p.exists()).decode("latin-1")
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.connect() as conn:
        return "\n".join(
            str(row[0])
            for name in tables
            for row in conn.execute(text(f"SELECT t::text FROM {name} t"))  # noqa: S608
        )


def test_the_raw_database_holds_no_plaintext_answer_or_note(app, therapist):
    couple_with_answer(therapist)

    raw = raw_database_text(app)

    assert therapist.email in raw  # the dump really reads the tables
    assert ANSWER not in raw and NOTE not in raw
    assert "money alone" not in raw and "intimacy" not in raw


def couple_who_asked_not_to_be_emailed(therapist) -> Couple:
    couple = factories.make_couple(therapist, label=LABEL, partners=PARTNERS)
    couple.partners[0].contact_preference = ContactPreference.NO_EMAIL
    couple.partners[1].contact_preference = ContactPreference.PRINT_ONLY
    return couple


def raw_identity_values() -> list[str | None]:
    with db.engine.connect() as conn:
        return [
            value
            for table, columns in IDENTITY_COLUMNS.items()
            for column in columns
            for value in conn.execute(text(f"SELECT {column} FROM {table}")).scalars()  # noqa: S608
        ]


def test_the_raw_database_tells_nothing_about_who_is_in_therapy(app, therapist):
    couple_who_asked_not_to_be_emailed(therapist)
    factories.make_couple(therapist, partners=[("Ari", "ari@example.org"), ("Bo", None)])

    raw = raw_database_text(app)

    assert therapist.email in raw  # the dump really reads the tables
    for plain in [LABEL, "Quillfeather", "Marisol", "Quintanilla", "Okonkwo", "ari@example.org"]:
        assert plain not in raw
    assert "marisol.quintanilla" not in raw and "example.org" not in raw.replace(
        therapist.email, ""
    )
    assert "no_email" not in raw and "print_only" not in raw
    # Words as short as "any" could turn up in any bytes: every stored value is ciphertext.
    stored = [value for value in raw_identity_values() if value is not None]
    assert len(stored) == 2 + 4 + 4 + 2  # labels, names, contact preferences, e-mails
    assert all(value.startswith("gAAAAA") for value in stored)


def test_names_labels_and_contact_preferences_read_back_through_the_app(app, therapist):
    couple_id = couple_who_asked_not_to_be_emailed(therapist).id
    db.session.commit()
    db.session.expire_all()

    couple = db.session.get(Couple, couple_id)
    assert couple.label == LABEL
    assert [(p.display_name, p.email) for p in couple.partners] == PARTNERS
    assert [p.contact_preference for p in couple.partners] == [
        ContactPreference.NO_EMAIL,
        ContactPreference.PRINT_ONLY,
    ]


@pytest.mark.parametrize("preference", list(ContactPreference))
def test_every_contact_preference_is_stored_sealed(app, couple, preference):
    """Parametrised over the enum, so a preference added later is covered without a change."""
    partner = couple.partners[0]
    partner.contact_preference = preference
    db.session.commit()
    with db.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT contact_preference FROM partners WHERE id = :id"), {"id": partner.id}
        ).scalar_one()

    assert stored.startswith("gAAAAA") and preference.value not in stored
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).contact_preference is preference


def test_sql_refuses_to_compare_or_search_a_sealed_column(app, couple):
    """A query that filters on ciphertext would silently find nothing; it fails loudly."""
    for query in [
        lambda: db.select(Couple).where(Couple.label == couple.label),
        lambda: db.select(Couple).where(Couple.label.ilike("%couple%")),
        lambda: db.select(Partner).where(Partner.contact_preference != ContactPreference.ANY),
        lambda: db.select(Partner).order_by(Partner.display_name.desc()),
    ]:
        with pytest.raises(SealError, match="is sealed"):
            query()
    assert db.session.scalar(db.select(Partner.id).where(Partner.email.is_(None))) is not None


def test_sealed_text_reads_back_through_the_app(app, therapist):
    couple_with_answer(therapist)
    db.session.expire_all()

    assert db.session.scalar(db.select(Couple.notes)) == NOTE
    assert db.session.scalar(db.select(Answer.value)) == ANSWER


def test_a_different_key_cannot_open_sealed_text(app, therapist):
    couple_with_answer(therapist)
    with db.engine.connect() as conn:
        sealed = conn.execute(text("SELECT notes FROM couples")).scalar_one()
    stranger = FernetCipher(lambda: [Fernet.generate_key().decode()])

    assert sealed.startswith("gAAAAA")
    with pytest.raises(SealError):
        stranger.open(sealed)
    assert current_cipher().open(sealed) == NOTE


def test_a_key_file_is_generated_on_first_run_for_the_owner_only(database_url, tmp_path):
    key_path = tmp_path / "keys" / "encryption_keys"
    make_app(database_url, ENCRYPTION_KEYS=None, ENCRYPTION_KEY_FILE=str(key_path))

    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    keys = read_key_file(key_path)
    assert len(keys) == 1
    Fernet(keys[0])  # a valid key


def keyfile_app(database_url, key_path):
    app = make_app(database_url, ENCRYPTION_KEYS=None, ENCRYPTION_KEY_FILE=str(key_path))
    return app


def raw_sealed_values() -> list[str]:
    with db.engine.connect() as conn:
        notes = conn.execute(text("SELECT notes FROM couples")).scalars().all()
        values = conn.execute(text("SELECT value FROM answers")).scalars().all()
    return [*notes, *values]


def raw_identity_values_of(couple_id: int) -> list[str]:
    """The stored label, and each partner's name, e-mail and contact preference."""
    with db.engine.connect() as conn:
        label = conn.execute(
            text("SELECT label FROM couples WHERE id = :id"), {"id": couple_id}
        ).scalar_one()
        partners = conn.execute(
            text(
                "SELECT display_name, email, contact_preference FROM partners"
                " WHERE couple_id = :id ORDER BY position"
            ),
            {"id": couple_id},
        ).all()
    return [label, *(value for row in partners for value in row if value is not None)]


def test_keys_rotate_re_encrypts_every_sealed_column_and_drops_the_old_key(database_url, tmp_path):
    key_path = tmp_path / "encryption_keys"
    app = keyfile_app(database_url, key_path)
    with app.app_context():
        couple_id = couple_with_answer(factories.make_therapist()).id
        old_key = read_key_file(key_path)[0]
        before = raw_sealed_values() + raw_identity_values_of(couple_id)

        result = app.test_cli_runner().invoke(args=["keys", "rotate", "--grace", "0"])

        assert result.exit_code == 0, result.output
        keys = read_key_file(key_path)
        assert len(keys) == 1 and keys[0] != old_key
        after = raw_sealed_values() + raw_identity_values_of(couple_id)
        # notes, an answer, the label, two names, one e-mail, two contact preferences
        assert len(after) == len(before) == 8
        assert not set(after) & set(before)
        old_only = FernetCipher(lambda: [old_key])
        for value in after:
            with pytest.raises(SealError):
                old_only.open(value)
        db.session.expire_all()
        assert db.session.scalar(db.select(Couple.notes)) == NOTE
        assert db.session.scalar(db.select(Answer.value)) == ANSWER
        couple = db.session.get(Couple, couple_id)
        assert couple.label.startswith("Couple ")
        assert [(p.display_name, p.email, p.contact_preference) for p in couple.partners] == [
            ("Alex", "alex@example.org", ContactPreference.NOT_ASKED),
            ("Sam", None, ContactPreference.NOT_ASKED),
        ]
        db.session.remove()
        db.engine.dispose()


def test_a_running_app_keeps_reading_and_writing_through_a_rotation(database_url, tmp_path):
    key_path = tmp_path / "encryption_keys"
    operator = keyfile_app(database_url, key_path)
    running = keyfile_app(database_url, key_path)  # another process, started before rotation
    with operator.app_context():
        couple_with_answer(factories.make_therapist())
        assert (
            operator.test_cli_runner().invoke(args=["keys", "rotate", "--grace", "0"]).exit_code
            == 0
        )
        db.session.remove()

    with running.app_context():
        couple = db.session.scalar(db.select(Couple))
        assert couple.notes == NOTE
        couple.notes = NOTE + " (later)"
        db.session.commit()
        db.session.remove()

    with operator.app_context():
        assert db.session.scalar(db.select(Couple.notes)) == NOTE + " (later)"
        db.session.remove()
        db.engine.dispose()
    with running.app_context():
        db.engine.dispose()


def test_values_stored_before_encryption_are_sealed_by_rotation(app, therapist):
    couple = factories.make_couple(therapist)
    db.session.execute(
        text("UPDATE couples SET notes = :plain, label = :label WHERE id = :id"),
        {"plain": NOTE, "label": LABEL, "id": couple.id},
    )
    db.session.execute(
        text("UPDATE partners SET display_name = 'Marisol', contact_preference = 'no_email'")
    )
    db.session.commit()
    assert raw_sealed_values() == [NOTE]

    result = app.test_cli_runner().invoke(args=["keys", "rotate"])

    assert result.exit_code == 0, result.output
    assert raw_sealed_values()[0].startswith("gAAAAA")
    assert all(value.startswith("gAAAAA") for value in raw_identity_values_of(couple.id))
    db.session.expire_all()
    couple = db.session.get(Couple, couple.id)
    assert couple.notes == NOTE and couple.label == LABEL
    assert couple.partners[0].display_name == "Marisol"
    assert couple.partners[0].contact_preference is ContactPreference.NO_EMAIL
    status = app.test_cli_runner().invoke(args=["keys", "status"])
    assert "not sealed: 0" in status.output and "older key: 0" in status.output


def test_two_apps_in_one_process_each_seal_with_their_own_keys(database_url):
    first_key, second_key = (Fernet.generate_key().decode() for _ in range(2))
    first = make_app(database_url, ENCRYPTION_KEYS=first_key)
    second = make_app(database_url, ENCRYPTION_KEYS=second_key)  # created last
    with first.app_context():
        couple_with_answer(factories.make_therapist())
        first_sealed = raw_sealed_values()
        db.session.remove()
        db.engine.dispose()
    with second.app_context():
        couple = factories.make_couple(factories.make_therapist(), notes=NOTE)
        db.session.commit()  # services only flush; the raw read below uses its own connection
        with db.engine.connect() as conn:
            second_sealed = conn.execute(
                text("SELECT notes FROM couples WHERE id = :id"), {"id": couple.id}
            ).scalar_one()
        db.session.remove()
        db.engine.dispose()

    first_only, second_only = (FernetCipher(lambda k=k: [k]) for k in (first_key, second_key))
    assert [first_only.open(value) for value in first_sealed] == [NOTE, f'"{ANSWER}"']
    assert second_only.open(second_sealed) == NOTE
    with pytest.raises(SealError):
        second_only.open(first_sealed[0])
    with pytest.raises(SealError, match="app context"):
        current_cipher()
