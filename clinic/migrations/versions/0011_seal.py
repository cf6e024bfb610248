"""Seal what tells who is in therapy: couple labels, partner names, e-mails, contact preferences.

The columns become TEXT (a sealed value is longer than the plain one), then every stored value
is sealed with the app's newest encryption key, in batches. Flask-Migrate runs migrations inside
the app (`flask --app clinic db upgrade`), so the app's cipher and keys are at hand here.

Offline (`db upgrade --sql`) no row can be read: the SQL changes the types only, and
`flask --app clinic keys rotate` seals the rows afterwards (`keys status` counts them as "not
sealed"); until then the app reads them as they are, as it does any value stored before
encryption.

On SQLite, freed pages are zeroed (secure_delete) and env.py checkpoints the WAL afterwards, so
the old plaintext does not linger in the database file.

It refuses to run, changing nothing, when the keys it is given cannot open the couple notes
sealed so far (the upgrade run without the app's keys). Downgrade opens every value again (it
needs the same keys) and restores the old types.

Revision ID: 0011_seal
Revises: 0010_jobs
"""

import sqlalchemy as sa
from alembic import op

from clinic.storage import SealError, current_cipher

revision = "0011_seal"
down_revision = "0010_jobs"
branch_labels = None
depends_on = None

# table: {column: (type before sealing, nullable)}
SEALED_COLUMNS = {
    "couples": {"label": (sa.String(length=80), False)},
    "partners": {
        "display_name": (sa.String(length=80), False),
        "email": (sa.String(length=254), True),
        "contact_preference": (sa.String(length=20), False),
    },
}
BATCH_SIZE = 500


def upgrade():
    _check_the_keys_open_what_is_sealed()
    _zero_freed_pages()
    for table, columns in SEALED_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, (plain_type, nullable) in columns.items():
                batch_op.alter_column(
                    name, existing_type=plain_type, type_=sa.Text(), existing_nullable=nullable
                )
    _rewrite_values(lambda cipher, value: value if cipher.is_sealed(value) else cipher.seal(value))


def downgrade():
    _zero_freed_pages()
    _rewrite_values(lambda cipher, value: cipher.open(value))
    for table, columns in SEALED_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, (plain_type, nullable) in columns.items():
                batch_op.alter_column(
                    name, existing_type=sa.Text(), type_=plain_type, existing_nullable=nullable
                )


def _check_the_keys_open_what_is_sealed():
    """Refuse, before changing anything, keys that cannot open the notes sealed so far.

    Run without the app's keys (say, without CLINIC_ENCRYPTION_KEYS), the app would generate a
    new key file, and names sealed with it would be lost to the running app.
    """
    if op.get_context().as_sql:
        return
    couples = sa.table("couples", sa.column("notes", sa.Text))
    sealed = op.get_bind().execute(
        sa.select(couples.c.notes).where(couples.c.notes.like("gAAAAA%")).limit(1)
    ).scalar()
    try:
        if sealed is not None:
            current_cipher().open(sealed)
    except SealError:
        raise RuntimeError(
            "These encryption keys cannot open the notes already sealed in this database. "
            "Run `flask --app clinic db upgrade` with the app's own keys "
            "(CLINIC_ENCRYPTION_KEYS or its key file); nothing was changed."
        ) from None


def _zero_freed_pages():
    if not op.get_context().as_sql and op.get_bind().dialect.name == "sqlite":
        op.get_bind().exec_driver_sql("PRAGMA secure_delete=ON")


def _rewrite_values(change):
    """Replace every stored value of the sealed columns by ``change(cipher, value)``."""
    if op.get_context().as_sql:
        return  # offline: there are no rows to read (see the module docstring)
    bind = op.get_bind()
    cipher = current_cipher()
    for table_name, columns in SEALED_COLUMNS.items():
        table = sa.table(
            table_name, sa.column("id", sa.Integer), *(sa.column(name, sa.Text) for name in columns)
        )
        last_id = 0
        while True:
            rows = bind.execute(
                sa.select(table).where(table.c.id > last_id).order_by(table.c.id).limit(BATCH_SIZE)
            ).all()
            if not rows:
                break
            changed = [
                {
                    "row_id": row.id,
                    **{
                        name: None if row._mapping[name] is None else change(cipher, row._mapping[name])
                        for name in columns
                    },
                }
                for row in rows
            ]
            bind.execute(sa.update(table).where(table.c.id == sa.bindparam("row_id")), changed)
            last_id = rows[-1].id
