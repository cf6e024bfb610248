"""Re-encrypting every sealed column under the newest key, in batches, while the app runs."""

from collections import Counter
from collections.abc import Iterator
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult

from clinic.data_rights.closure import primary_key
from clinic.extensions import db
from clinic.storage import FernetCipher, SealedJSON, SealedText

BATCH_SIZE = 500


def sealed_columns() -> Iterator[tuple[sa.TableClause, sa.ColumnClause, list[sa.ColumnClause]]]:
    """Each table with sealed columns: (raw table view, its primary key, the sealed columns).

    The raw view reads the stored text as it is, without the sealing type.
    """
    for table in db.metadata.sorted_tables:
        sealed = [c for c in table.columns if isinstance(c.type, SealedText | SealedJSON)]
        pk = primary_key(table)
        if not sealed or pk is None:
            continue
        raw = sa.table(
            table.name, sa.column(pk.name, pk.type), *(sa.column(c.name, sa.Text) for c in sealed)
        )
        yield raw, raw.c[pk.name], [raw.c[c.name] for c in sealed]


def _batches(raw: sa.TableClause, pk: sa.ColumnClause, columns: list, batch_size: int):
    last = None
    while True:
        query = sa.select(pk, *columns).order_by(pk).limit(batch_size)
        if last is not None:
            query = query.where(pk > last)
        rows = db.session.execute(query).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def rotate_all(cipher: FernetCipher, batch_size: int = BATCH_SIZE) -> int:
    """Seal every value under the cipher's newest key; returns how many values changed.

    Each batch is its own short transaction, and each value is only replaced if it is still
    the one read, so a client saving at the same moment never loses their newer text.
    """
    changed = 0
    for raw, pk, columns in sealed_columns():
        for rows in _batches(raw, pk, columns, batch_size):
            for row in rows:
                for index, column in enumerate(columns, start=1):
                    old = row[index]
                    if old is None or cipher.is_current(old):
                        continue
                    update = (
                        sa.update(raw)
                        .where(pk == row[0], column == old)
                        .values({column.name: cipher.rotate(old)})
                    )
                    result = cast(
                        CursorResult, db.session.execute(update)
                    )  # UPDATE gives a CursorResult
                    changed += result.rowcount
            db.session.commit()  # one short transaction per batch, so the app keeps running
    return changed


def seal_status(cipher: FernetCipher) -> Counter:
    """How many stored values are sealed under the newest key, an older key, or not at all."""
    counts: Counter = Counter()
    for raw, pk, columns in sealed_columns():
        for rows in _batches(raw, pk, columns, BATCH_SIZE):
            for row in rows:
                for value in row[1:]:
                    if value is None:
                        continue
                    if cipher.is_current(value):
                        counts["newest key"] += 1
                    elif cipher.is_sealed(value):
                        counts["older key"] += 1
                    else:
                        counts["not sealed"] += 1
    db.session.rollback()
    return counts
