"""Couples: ownership checks and changes, shared by views, CLI and demo data."""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from flask import abort
from sqlalchemy import select
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
    """One page of a therapist's couples, sorted by label, searched by label or partner name.

    Labels and names are sealed, so the database can neither sort nor search them: this opens
    the labels (and, when searching, the partner names) of this therapist's own couples only,
    then loads the page's couples in full. A fixed number of queries whatever the number of
    couples; the cost of opening them is measured by ``bench/couple_search.py``.
    """
    conditions = [
        Couple.therapist_id == therapist.id,
        Couple.archived_at.is_not(None) if archived else Couple.archived_at.is_(None),
    ]
    labels = dict(db.session.execute(select(Couple.id, Couple.label).where(*conditions)).all())
    words = search_words(search)
    matching = list(labels)
    if words:
        texts = {couple_id: [label] for couple_id, label in labels.items()}
        partner_names = (
            select(Partner.couple_id, Partner.display_name)
            .join(Couple, Couple.id == Partner.couple_id)
            .where(*conditions)
        )
        for couple_id, name in db.session.execute(partner_names):
            texts[couple_id].append(name)
        matching = [couple_id for couple_id in matching if matches(words, texts[couple_id])]
    matching.sort(key=lambda couple_id: (normalised(labels[couple_id]), couple_id))
    total = len(matching)
    pages = max(1, -(-total // COUPLES_PER_PAGE))
    page = min(max(1, page), pages)
    shown = matching[(page - 1) * COUPLES_PER_PAGE : page * COUPLES_PER_PAGE]
    loaded = db.session.scalars(
        select(Couple)
        .where(Couple.id.in_(shown))
        .options(defer(Couple.notes), selectinload(Couple.partners))
    )
    by_id = {couple.id: couple for couple in loaded}
    return CouplePage([by_id[couple_id] for couple_id in shown], page, pages, total)


def normalised(text: str) -> str:
    """What search and sorting compare: case-folded after NFKC, so "ÉLAN" finds "élan"."""
    return unicodedata.normalize("NFKC", text).casefold()


def search_words(search: str) -> list[str]:
    return normalised(search).split()


def matches(words: list[str], texts: list[str]) -> bool:
    """Each word is part of the label or of a partner's name (in any order)."""
    opened = [normalised(text) for text in texts]
    return all(any(word in text for text in opened) for word in words)


def create_couple(
    therapist: Therapist,
    label: str,
    partners: list[tuple[str, str | None]],
    *,
    notes: str = "",
    languages: Sequence[str | None] = (),
) -> Couple:
    """``languages`` gives partners their language in order (None or left out: the default)."""
    couple = Couple(therapist=therapist, label=label.strip(), notes=notes)
    couple.partners = [
        Partner(display_name=name, email=email, position=index, language=_nth(languages, index))
        for index, (name, email) in enumerate(partners)
    ]
    db.session.add(couple)
    db.session.flush()  # the caller audits and links to the new id
    return couple


def update_couple(
    couple: Couple,
    label: str,
    partners: list[tuple[str, str | None]],
    notes: str,
    languages: Sequence[str | None] = (),
) -> None:
    """Rename and update partners in place, keeping partner ids (their answers point at them)."""
    couple.label = label.strip()
    couple.notes = notes
    existing = list(couple.partners)
    for index, (name, email) in enumerate(partners):
        language = _nth(languages, index)
        if index < len(existing):
            existing[index].display_name, existing[index].email = name, email
            existing[index].position = index
            existing[index].language = language
        else:
            couple.partners.append(
                Partner(display_name=name, email=email, position=index, language=language)
            )


def _nth(languages: Sequence[str | None], index: int) -> str | None:
    return languages[index] if index < len(languages) else None


def set_archived(couple: Couple, archived: bool) -> None:
    couple.archived_at = utcnow() if archived else None
