"""Every row that belongs to one couple, found through the foreign keys of the metadata.

Export and erasure walk the same closure, so a table another feature adds later (with a
foreign key to a couple, partner, assignment, response...) is exported and erased without
anyone remembering to add it here.

Narrowed to one partner, the closure leaves out every row tied to another partner and the
therapist's own notes: that is what one partner may be given without exposing the other.
"""

from sqlalchemy import Table, or_, select

from clinic.extensions import db

ROOT_TABLE = "couples"
PARTNERS_TABLE = "partners"
# Rows a couple points at but does not own; never exported raw nor erased.
SHARED_TABLES = {"therapists", "worksheet_versions", "custom_worksheets"}
# The therapist's notes, safety triage and prepared therapist copies, not given to one partner.
THERAPIST_ONLY_TABLES = {"session_notes", "safety_alerts", "prepared_pdfs"}
THERAPIST_ONLY_COLUMNS = {"couples": {"notes"}}


def couple_closure(couple_id: int, partner_id: int | None = None) -> dict[Table, set]:
    """Primary keys per table of the couple's own rows, parents before children.

    With ``partner_id``, only that partner's rows and the couple's shared ones (the couple,
    assignments, joint responses) are included.
    """
    owned: dict[Table, set] = {}
    for table in db.metadata.sorted_tables:  # referenced tables come before referencing ones
        pk = primary_key(table)
        if table.name == ROOT_TABLE:
            owned[table] = set(db.session.scalars(select(pk).where(pk == couple_id)))
            continue
        if table.name in SHARED_TABLES or pk is None:
            continue
        if partner_id is not None and table.name in THERAPIST_ONLY_TABLES:
            continue
        conditions = [
            fk.parent.in_(owned[fk.column.table])
            for fk in table.foreign_keys
            if owned.get(fk.column.table)
        ]
        if not conditions:
            continue
        narrowing = []
        if partner_id is not None:
            narrowing = [
                or_(fk.parent.is_(None), fk.parent.in_(owned.get(fk.column.table, set())))
                for fk in table.foreign_keys
                if fk.column.table.name == PARTNERS_TABLE
            ]
            if table.name == PARTNERS_TABLE:
                narrowing.append(pk == partner_id)
        ids: set = set()
        for condition in conditions:
            ids.update(db.session.scalars(select(pk).where(condition, *narrowing)))
        if ids:
            owned[table] = ids
    return {table: ids for table, ids in owned.items() if ids}


def primary_key(table: Table):
    """The table's primary key column; None for composite keys (not used in this schema)."""
    columns = list(table.primary_key.columns)
    return columns[0] if len(columns) == 1 else None
