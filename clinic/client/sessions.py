"""A partner's time on their link, kept on the server so that it can really end.

The browser's (signed) session cookie holds a random key; each link it opened has a
:class:`~clinic.models.ClientSession` row under the key's SHA-256. A session ends on Quick
exit, after CLIENT_IDLE_MINUTES without a request, or when the therapist sets a code. A link
whose session ended opens again only through the code page or the neutral Continue page, so
Back, Forward, history and bookmarks show nothing on their own.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, session
from sqlalchemy import Integer, String, bindparam, select, update

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


def _newest(link: ClientLink, key: str) -> ClientSession | None:
    return db.session.scalar(_NEWEST, {"link": link.id, "key_hash": _key_hash(key)})


# Built once, with bound parameters: it runs on every page and save of a link.
_NEWEST = (
    select(ClientSession)
    .where(
        ClientSession.link_id == bindparam("link", type_=Integer),
        ClientSession.key_hash == bindparam("key_hash", type_=String),
    )
    .order_by(ClientSession.id.desc())
    .limit(1)
)


def live(link: ClientLink) -> bool:
    """Whether this browser has an open session on the link; a request keeps it open."""
    key = _browser_key()
    current = _newest(link, key) if key else None
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
    key = _browser_key()
    current = _newest(link, key) if key else None
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
    db.session.add(
        ClientSession(link_id=link.id, key_hash=_key_hash(key), started_at=now, last_seen_at=now)
    )


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
    session.clear()
