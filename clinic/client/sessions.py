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
from datetime import timedelta

from flask import current_app, g, session
from sqlalchemy import Select, String, bindparam, func, select, update
from sqlalchemy.orm import aliased

from clinic.assignments import links
from clinic.extensions import db
from clinic.models import ClientLink, ClientSession
from clinic.storage import utcnow

COOKIE_KEY = "client_key"
# last_seen is written at most this often: an idle time of minutes needs no write on every
# page and autosave, which are the busiest requests there are.
TOUCH_EVERY = timedelta(seconds=60)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _browser_key() -> str | None:
    key = session.get(COOKIE_KEY)
    return key if isinstance(key, str) else None


def find_link(token: str) -> ClientLink | None:
    """The active link of a token (see links.find_active_link) and, in the same statement,
    this browser's newest session on it, which every page and save of the link asks for."""
    key = _browser_key()
    # Without a key no session matches: the key hashes are never NULL.
    row = links.find_active_link_row(
        token, _link_with_session(), key_hash=_key_hash(key) if key else None
    )
    if row is None:
        return None
    link, current = row[0], row[-1]
    g.client_session = (link.id, current)
    return link


@functools.cache
def _link_with_session() -> Select:
    """The link's statement with the newest session of one key hash joined (built once)."""
    other = aliased(ClientSession)
    newest = (
        select(func.max(other.id))
        .where(other.link_id == ClientLink.id, other.key_hash == bindparam("key_hash", String))
        .correlate(ClientLink)
        .scalar_subquery()
    )
    return (
        links.active_link_statement()
        .add_columns(ClientSession)
        .outerjoin(ClientSession, ClientSession.id == newest)
    )


def _newest(link: ClientLink) -> ClientSession | None:
    """This browser's newest session on the link, as :func:`find_link` read it (or
    :func:`start` began it); none for a link found any other way, which so opens nothing."""
    found = g.get("client_session")
    return found[1] if found is not None and found[0] == link.id else None


def live(link: ClientLink) -> bool:
    """Whether this browser has an open session on the link; a request keeps it open."""
    current = _newest(link)
    if current is None or current.ended_at is not None:
        return False
    now = utcnow()
    idle = timedelta(minutes=current_app.config["CLIENT_IDLE_MINUTES"])
    if now - current.last_seen_at > idle:
        current.ended_at = current.last_seen_at + idle
        return False
    if now - current.last_seen_at >= TOUCH_EVERY:
        current.last_seen_at = now
    return True


def ended_here(link: ClientLink) -> bool:
    """This browser had a session on the link that ran out of idle time or was ended by a new
    code. (Quick exit forgets the browser's key, so it never counts.) A form such a page sends
    is still saved: its text must not be lost, and saving shows nothing new."""
    current = _newest(link)
    return current is not None and current.ended_at is not None


def ever_opened(link: ClientLink) -> bool:
    """Whether any browser has had a session on this link: its first opening needs no tap."""
    return (
        db.session.scalar(select(ClientSession.id).where(ClientSession.link_id == link.id).limit(1))
        is not None
    )


def start(link: ClientLink) -> None:
    key = _browser_key()
    if key is None:
        key = secrets.token_urlsafe(32)
        session[COOKIE_KEY] = key
    now = utcnow()
    started = ClientSession(
        link_id=link.id, key_hash=_key_hash(key), started_at=now, last_seen_at=now
    )
    db.session.add(started)
    g.client_session = (link.id, started)


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
