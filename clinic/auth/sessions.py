"""Therapist sessions held on the server: every signed-in browser is a row, checked per request.

The signed Flask cookie carries only a random id (:data:`SESSION_ID_FIELD`); the row keeps its
SHA-256, a device summary and when the session was last used, by the server's clock. A cookie
whose id names no row is signed out, and so is a row idle for longer than IDLE_TIMEOUT_MINUTES.
The cookie holds no time of its own and does not change while signed in, so replaying an old
copy can neither revive nor stretch a session the server ended or found idle; once the row is
deleted (sign-out, a password change, two-factor turned on or off, a disabled account, "End
this session") every copy of that cookie opens nothing.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_login import session_protected
from sqlalchemy import delete, select

from clinic.auth import signals
from clinic.enums import SessionEnd
from clinic.extensions import db
from clinic.models import Therapist, TherapistSession
from clinic.storage import utcnow

SESSION_ID_FIELD = "session_id"
# last_seen is written at most this often per session: an idle timeout in minutes needs no
# finer clock, and most requests then write nothing.
TOUCH_EVERY = timedelta(seconds=60)
# Flask-Login's own keys, dropped from a cookie whose session has ended.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", SESSION_ID_FIELD)


def start(therapist: Therapist) -> TherapistSession:
    """A new session for this browser, after a complete sign-in (the cookie was just cleared)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = TherapistSession(
        therapist_id=therapist.id,
        token_hash=_hash(token),
        device=device_summary(request.user_agent.string),
        created_at=now,
        last_seen_at=now,
    )
    db.session.add(record)
    _end_idle_sessions(therapist)
    db.session.flush()  # the row has its id before the page lists it
    session[SESSION_ID_FIELD] = token
    return record


def check(therapist: Therapist) -> bool:
    """Whether this request's cookie names a live session of ``therapist``; marks it used.

    A refused cookie loses its sign-in keys, so the browser is plainly signed out.
    """
    record = _current_record()
    if record is None or record.therapist_id != therapist.id:
        forget_cookie()
        return False
    now = utcnow()
    if now - record.last_seen_at > idle_timeout():
        _end(therapist, [record.id], SessionEnd.IDLE)
        forget_cookie()
        return False
    if now - record.last_seen_at >= TOUCH_EVERY:
        record.last_seen_at = now
    return True


def end_all(therapist: Therapist, reason: SessionEnd, *, except_current: bool = False) -> int:
    """End every session of ``therapist`` (or all but this browser's); returns how many."""
    query = select(TherapistSession.id).where(TherapistSession.therapist_id == therapist.id)
    current = _current_record() if except_current else None
    if current is not None:
        query = query.where(TherapistSession.id != current.id)
    ids = list(db.session.scalars(query))
    _end(therapist, ids, reason)
    return len(ids)


def reissue(therapist: Therapist, reason: SessionEnd) -> None:
    """End every session, then give this browser a new one: after a password or two-factor
    change the person making it stays signed in, with a cookie no one else can hold."""
    end_all(therapist, reason)
    start(therapist)


def end_one(therapist: Therapist, session_id: int) -> bool | None:
    """End one of the therapist's own sessions by id: True if it was this browser's, False if
    another's, None if the therapist has no such session (someone else's id, or ended)."""
    record = db.session.get(TherapistSession, session_id)
    if record is None or record.therapist_id != therapist.id:
        return None
    was_current = record.token_hash == _current_hash()
    _end(therapist, [record.id], SessionEnd.ENDED_BY_THERAPIST)
    if was_current:
        forget_cookie()
    return was_current


@dataclass(frozen=True)
class ActiveSession:
    id: int
    device: str
    created_at: datetime
    last_seen_at: datetime
    is_current: bool


def active_sessions(therapist: Therapist) -> list[ActiveSession]:
    """The therapist's live sessions: this browser's first, then the most recently used."""
    since = utcnow() - idle_timeout()
    current_hash = _current_hash()
    rows = db.session.scalars(
        select(TherapistSession)
        .where(TherapistSession.therapist_id == therapist.id)
        .where(TherapistSession.last_seen_at >= since)
        .order_by(TherapistSession.last_seen_at.desc(), TherapistSession.id.desc())
    )
    listed = [
        ActiveSession(
            r.id, device_label(r.device), r.created_at, r.last_seen_at, r.token_hash == current_hash
        )
        for r in rows
    ]
    return sorted(listed, key=lambda s: not s.is_current)  # stable: the rest keep their order


def idle_timeout() -> timedelta:
    return timedelta(minutes=int(current_app.config["IDLE_TIMEOUT_MINUTES"]))


def forget_cookie() -> None:
    for key in _LOGIN_KEYS:
        session.pop(key, None)


def _end(therapist: Therapist, ids: list[int], reason: SessionEnd) -> None:
    if not ids:
        return
    db.session.execute(
        delete(TherapistSession).where(TherapistSession.id.in_(ids)),
        execution_options={"synchronize_session": False},
    )
    signals.sessions_ended.send(therapist, session_ids=ids, reason=reason)


def _end_idle_sessions(therapist: Therapist) -> None:
    """Rows of sessions that went idle without coming back are removed at the next sign-in."""
    since = utcnow() - idle_timeout()
    ids = list(
        db.session.scalars(
            select(TherapistSession.id).where(
                TherapistSession.therapist_id == therapist.id,
                TherapistSession.last_seen_at < since,
            )
        )
    )
    _end(therapist, ids, SessionEnd.IDLE)


def _current_record() -> TherapistSession | None:
    token_hash = _current_hash()
    if token_hash is None:
        return None
    return db.session.scalar(
        select(TherapistSession).where(TherapistSession.token_hash == token_hash)
    )


def _current_hash() -> str | None:
    token = session.get(SESSION_ID_FIELD)
    return _hash(token) if isinstance(token, str) and token else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@session_protected.connect
def _end_on_changed_device(app, **_extra) -> None:
    """Flask-Login's strong protection saw another address or browser with this cookie: it
    signs the request out; the session it named ends too, so no copy of the cookie goes on."""
    record = _current_record()
    if record is not None:
        therapist = db.session.get(Therapist, record.therapist_id)
        if therapist is not None:
            _end(therapist, [record.id], SessionEnd.DEVICE_CHANGED)
    session.pop(SESSION_ID_FIELD, None)


# The stored summary's words: one plain English form, translated when listed (device_label).
_ON, _ANY_BROWSER, _UNKNOWN = " on ", "A browser", "An unknown browser"
_BROWSERS = (
    ("Edge", re.compile(r"\bEdg(e|A|iOS)?/")),
    ("Opera", re.compile(r"\b(OPR|Opera)/")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\b(Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(HeadlessChrome|Chrome|CriOS|Chromium)/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
)
_SYSTEMS = (
    ("Android", re.compile(r"\bAndroid\b")),
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)


def device_summary(user_agent: str) -> str:
    """ "Chrome on Android": enough to recognise one's own devices, and all that is stored."""
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), None)
    if browser and system:
        return f"{browser}{_ON}{system}"
    return browser or (f"{_ANY_BROWSER}{_ON}{system}" if system else _UNKNOWN)


def device_label(summary: str) -> str:
    """A stored summary in the page's language; the names of browsers and systems stay as they
    are."""
    if summary == _UNKNOWN:
        return _("An unknown browser")
    browser, on, system = summary.partition(_ON)
    if not on:
        return browser
    if browser == _ANY_BROWSER:
        return _("A browser on %(system)s", system=system)
    return _("%(browser)s on %(system)s", browser=browser, system=system)
