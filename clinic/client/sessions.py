"""A partner's time on their link, kept on the server so that it can really end.

The browser's (signed) session cookie holds a random key; each link it opened has a
:class:`~clinic.models.ClientSession` row under the key's SHA-256. A session ends on Quick
exit, after CLIENT_IDLE_MINUTES without a request, or when the therapist sets a code. A link
whose session ended opens again only through the code page or the neutral Continue page, so
Back, Forward, history and bookmarks show nothing on their own.
"""

import functools
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from flask import current_app, g, session
from sqlalchemy import Select, String, Text, bindparam, func, select, type_coerce, update
from sqlalchemy.orm import aliased

from clinic.assignments import links
from clinic.enums import LinkState
from clinic.extensions import db
from clinic.models import Assignment, ClientLink, ClientSession, Couple, Partner, Therapist
from clinic.storage import utcnow

COOKIE_KEY = "client_key"
# last_seen is written at most this often: an idle time of minutes needs no write on every
# page and autosave, which are the busiest requests there are.
TOUCH_EVERY = timedelta(seconds=60)


class PageTherapist(NamedTuple):
    time_zone: str | None  # the couple's zone when it has none of its own


class PageCouple(NamedTuple):
    id: int
    time_zone: str | None
    therapist: PageTherapist


class PageAssignment(NamedTuple):
    id: int
    couple_id: int
    locked_at: datetime | None
    due_date: date | None
    couple: PageCouple


@dataclass
class PagePartner:
    """What a partner's pages read of them; the ORM ``Partner`` only where a code is checked or
    set (:func:`partner_of`). ``language`` follows the partner's switch within the request."""

    id: int
    couple_id: int
    code_hash: str | None
    code_choice_allowed: bool
    code_locked_at: datetime | None
    language: str | None


@dataclass(frozen=True)
class PageLink:
    """An active link as its pages and saves read it: plain columns of one row, no ORM
    objects, which cost the ORM more on every page than the statement itself."""

    id: int
    assignment_id: int
    partner_id: int
    expires_at: datetime
    revoked_at: datetime | None
    last_opened_at: datetime | None
    assignment: PageAssignment
    partner: PagePartner


class PageSession(NamedTuple):
    """This browser's session on the link as read (``id`` None for one begun in this request)."""

    id: int | None
    ended_at: datetime | None
    last_seen_at: datetime


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _browser_key() -> str | None:
    key = session.get(COOKIE_KEY)
    return key if isinstance(key, str) else None


def find_link(token: str) -> PageLink | None:
    """The active link of a token (None for unknown, expired and revoked alike) and, in the
    same statement, this browser's newest session on it, which every page and save asks for."""
    found = find_link_rows(token, link_statement(), {})
    return None if found is None else found[0]


def find_link_rows(
    token: str, statement: Select, params: dict[str, Any]
) -> tuple[PageLink, Sequence[Any]] | None:
    """:func:`find_link` by a statement that adds columns (and rows) to :func:`link_statement`'s,
    and the rows it read; their first :data:`LINK_COLUMNS` columns are the link's."""
    token_hash = links.shaped_token_hash(token)
    if token_hash is None:
        return None
    key = _browser_key()
    # Without a key no session matches: the key hashes are never NULL.
    params = {"token_hash": token_hash, "key_hash": _key_hash(key) if key else None} | params
    rows = db.session.connection().execute(statement, params).all()
    if not rows:
        return None
    row = rows[0]
    (link_id, assignment_id, partner_id, expires_at, revoked_at, last_opened_at) = row[:6]
    (couple_id, locked_at, due_date, couple_zone, therapist_zone) = row[6:11]
    # Read sealed, opened here once: a statement that adds rows repeats the link's columns.
    language = _SEALED.process_result_value(row[15], db.engine.dialect)
    partner = PagePartner(partner_id, row[11], row[12], row[13], row[14], language)
    couple = PageCouple(couple_id, couple_zone, PageTherapist(therapist_zone))
    assignment = PageAssignment(assignment_id, couple_id, locked_at, due_date, couple)
    link = PageLink(
        link_id, assignment_id, partner_id, expires_at, revoked_at, last_opened_at,
        assignment, partner,
    )  # fmt: skip
    if links.link_state(link) != LinkState.ACTIVE:
        return None
    session_row = row[16:LINK_COLUMNS]
    g.client_session = (link.id, None if session_row[0] is None else PageSession(*session_row))
    return link, rows


def partner_of(link: PageLink) -> Partner:
    """The link's partner as an ORM object, for checking or setting their code."""
    partner = db.session.get(Partner, link.partner_id)
    assert partner is not None  # the link's row was just read with it
    return partner


LINK_COLUMNS = 19  # the columns of link_statement(), which find_link_rows reads
_SEALED = Partner.language.type


@functools.cache
def link_statement() -> Select:
    """The link's columns with the newest session of one key hash joined (built once): the
    couple's zone, the assignment's state and the partner's code and language come in the same
    row; sealed columns nobody reads there (notes, names) are left out. The partner's language
    comes sealed, for :func:`find_link_rows` to open once."""
    other = aliased(ClientSession)
    newest = (
        select(func.max(other.id))
        .where(other.link_id == ClientLink.id, other.key_hash == bindparam("key_hash", String))
        .correlate(ClientLink)
        .scalar_subquery()
    )
    return (
        select(
            ClientLink.id,
            ClientLink.assignment_id,
            ClientLink.partner_id,
            ClientLink.expires_at,
            ClientLink.revoked_at,
            ClientLink.last_opened_at,
            Assignment.couple_id,
            Assignment.locked_at,
            Assignment.due_date,
            Couple.time_zone,
            Therapist.time_zone,
            Partner.couple_id,
            Partner.code_hash,
            Partner.code_choice_allowed,
            Partner.code_locked_at,
            type_coerce(Partner.language, Text),
            ClientSession.id,
            ClientSession.ended_at,
            ClientSession.last_seen_at,
        )
        .join(Assignment, Assignment.id == ClientLink.assignment_id)
        .join(Couple, Couple.id == Assignment.couple_id)
        .join(Therapist, Therapist.id == Couple.therapist_id)
        .join(Partner, Partner.id == ClientLink.partner_id)
        .outerjoin(ClientSession, ClientSession.id == newest)
        .where(ClientLink.token_hash == bindparam("token_hash", type_=String))
    )


def _newest(link: PageLink) -> PageSession | None:
    """This browser's newest session on the link, as :func:`find_link` read it (or
    :func:`start` began it); none for a link found any other way, which so opens nothing."""
    found = g.get("client_session")
    return found[1] if found is not None and found[0] == link.id else None


def live(link: PageLink) -> bool:
    """Whether this browser has an open session on the link; a request keeps it open."""
    current = _newest(link)
    if current is None or current.ended_at is not None:
        return False
    now = utcnow()
    idle = timedelta(minutes=current_app.config["CLIENT_IDLE_MINUTES"])
    if now - current.last_seen_at > idle:
        _write(link, current._replace(ended_at=current.last_seen_at + idle))
        return False
    if now - current.last_seen_at >= TOUCH_EVERY:
        _write(link, current._replace(last_seen_at=now))
    return True


def _write(link: PageLink, changed: PageSession) -> None:
    """Store the session's idle clock or end, and keep it for the rest of the request."""
    db.session.execute(
        update(ClientSession)
        .where(ClientSession.id == changed.id)
        .values(ended_at=changed.ended_at, last_seen_at=changed.last_seen_at)
        .execution_options(synchronize_session=False)
    )
    g.client_session = (link.id, changed)


def ended_here(link: PageLink) -> bool:
    """This browser had a session on the link that ran out of idle time or was ended by a new
    code. (Quick exit forgets the browser's key, so it never counts.) A form such a page sends
    is still saved: its text must not be lost, and saving shows nothing new."""
    current = _newest(link)
    return current is not None and current.ended_at is not None


def ever_opened(link: PageLink) -> bool:
    """Whether any browser has had a session on this link: its first opening needs no tap."""
    return (
        db.session.scalar(select(ClientSession.id).where(ClientSession.link_id == link.id).limit(1))
        is not None
    )


def start(link: PageLink) -> None:
    key = _browser_key()
    if key is None:
        key = secrets.token_urlsafe(32)
        session[COOKIE_KEY] = key
    now = utcnow()
    started = ClientSession(
        link_id=link.id, key_hash=_key_hash(key), started_at=now, last_seen_at=now
    )
    db.session.add(started)
    g.client_session = (link.id, PageSession(None, None, now))


def end_here() -> None:
    """Quick exit: end every session this browser has, and forget its key and form tokens."""
    key = _browser_key()
    if key is not None:
        db.session.execute(
            update(ClientSession)
            .where(ClientSession.key_hash == _key_hash(key), ClientSession.ended_at.is_(None))
            .values(ended_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    g.pop("client_session", None)
    session.clear()
