"""Couples: ownership checks and changes, shared by views, CLI and demo data."""

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic.extensions import db
from clinic.models import Couple, Partner, Therapist
from clinic.storage import utcnow


def own_couple_or_404(therapist: Therapist, couple_id: int) -> Couple:
    """The couple if it belongs to this therapist; 404 otherwise, so ids reveal nothing."""
    couple = db.session.scalar(
        select(Couple)
        .where(Couple.id == couple_id, Couple.therapist_id == therapist.id)
        .options(selectinload(Couple.partners))
    )
    if couple is None:
        abort(404)
    return couple


def list_couples(therapist: Therapist, archived: bool = False) -> list[Couple]:
    archived_filter = Couple.archived_at.is_not(None) if archived else Couple.archived_at.is_(None)
    return list(
        db.session.scalars(
            select(Couple)
            .where(Couple.therapist_id == therapist.id, archived_filter)
            .options(selectinload(Couple.partners))
            .order_by(Couple.label)
        )
    )


def create_couple(
    therapist: Therapist, label: str, partners: list[tuple[str, str | None]], notes: str = ""
) -> Couple:
    couple = Couple(therapist=therapist, label=label.strip(), notes=notes)
    couple.partners = [
        Partner(display_name=name, email=email, position=index)
        for index, (name, email) in enumerate(partners)
    ]
    db.session.add(couple)
    db.session.commit()
    return couple


def update_couple(
    couple: Couple, label: str, partners: list[tuple[str, str | None]], notes: str
) -> None:
    """Rename and update partners in place, keeping partner ids (their answers point at them)."""
    couple.label = label.strip()
    couple.notes = notes
    existing = list(couple.partners)
    for index, (name, email) in enumerate(partners):
        if index < len(existing):
            existing[index].display_name, existing[index].email = name, email
            existing[index].position = index
        else:
            couple.partners.append(Partner(display_name=name, email=email, position=index))
    db.session.commit()


def set_archived(couple: Couple, archived: bool) -> None:
    couple.archived_at = utcnow() if archived else None
    db.session.commit()
