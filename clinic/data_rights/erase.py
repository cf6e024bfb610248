"""Erasing a couple completely, leaving one audit entry that holds no client text."""

from typing import cast

from sqlalchemy import delete
from sqlalchemy.engine import CursorResult

from clinic import audit
from clinic.data_rights.closure import couple_closure, primary_key
from clinic.extensions import db
from clinic.models import Couple


def erase_couple(couple: Couple) -> int:
    """Delete every row the couple owns (answers, responses, links, notes, assignments,
    partners and whatever later features hang off them); returns how many rows went.

    On SQLite, ``secure_delete`` overwrites the freed pages and the WAL is checkpointed, so the
    sealed text does not linger in the database file either.
    """
    couple_id = couple.id
    owner_id = couple.therapist_id
    closure = couple_closure(couple_id)
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA secure_delete=ON")
    erased = 0
    for table in reversed(db.metadata.sorted_tables):  # children before parents
        ids = closure.get(table)
        if ids:
            result = db.session.execute(delete(table).where(primary_key(table).in_(ids)))
            erased += cast(CursorResult, result).rowcount  # a DELETE yields a cursor result
    db.session.expunge(couple)
    audit.record(
        "couple_erased",
        "couple",
        couple_id,
        owner_id=owner_id,
        detail=f"rows={erased}",
    )
    db.session.commit()  # before the request ends: the checkpoint clears only committed pages
    if sqlite:
        with db.engine.connect() as checkpoint:
            checkpoint.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return erased
