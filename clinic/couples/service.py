"""Couples: ownership checks and changes, shared by views, CLI and demo data."""

from dataclasses import dataclass

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import defer, selectinload

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


COUPLES_PER_PAGE = 50


@dataclass(frozen=True)
class CouplePage:
    couples: list[Couple]
    page: int
    pages: int
    total: int


def list_couples(
    therapist: Therapist, archived: bool = False, page: int = 1, search: str = ""
) -> CouplePage:
    """One page of a therapist's couples: two queries whatever the number of couples."""
    conditions = [
        Couple.therapist_id == therapist.id,
        Couple.archived_at.is_not(None) if archived else Couple.archived_at.is_(None),
    ]
    if search.strip():
        conditions.append(Couple.label.ilike(f"%{search.strip()}%"))
    total = db.session.scalar(select(func.count(Couple.id)).where(*conditions)) or 0
    pages = max(1, -(-total // COUPLES_PER_PAGE))
    page = min(max(1, page), pages)
    couples = db.session.scalars(
        select(Couple)
        .where(*conditions)
        .options(defer(Couple.notes), selectinload(Couple.partners))
        .order_by(Couple.label, Couple.id)
        .limit(COUPLES_PER_PAGE)
        .offset((page - 1) * COUPLES_PER_PAGE)
    )
    return CouplePage(list(couples), page, pages, total)


def create_couple(
    therapist: Therapist, label: str, partners: list[tuple[str, str | None]], *, notes: str = ""
) -> Couple:
    couple = Couple(therapist=therapist, label=label.strip(), notes=notes)
    couple.partners = [
        Partner(display_name=name, email=email, position=index)
        for index, (name, email) in enumerate(partners)
    ]
    db.session.add(couple)
    db.session.flush()  # the caller audits and links to the new id
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


def set_archived(couple: Couple, archived: bool) -> None:
    couple.archived_at = utcnow() if archived else None
