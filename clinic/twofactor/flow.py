"""The sign-in steps after the password: ask for a code when needed, then start the session."""

from flask import redirect, session, url_for
from flask_login import login_user

from clinic import audit
from clinic.auth import service as accounts
from clinic.auth import sessions, signals
from clinic.models import Therapist
from clinic.storage import utcnow
from clinic.twofactor import service

PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 300


@signals.password_accepted.connect
def password_accepted(therapist: Therapist):
    """After a right password: sign in, or remember who is half-way and ask for the code."""
    if not service.is_enabled(therapist):
        return complete_sign_in(therapist)
    session.clear()  # no session fixation
    session[PENDING_KEY] = {"id": therapist.id, "at": utcnow().timestamp()}
    return redirect(url_for("twofactor.code"))


@signals.password_refused.connect
def password_refused(email: str) -> None:
    """Record a failed sign-in; the typed e-mail is not stored (it may hold a password)."""
    known = accounts.find_therapist(email)
    therapist_id = known.id if known is not None else None
    audit.record(
        "sign_in_failed", "therapist", therapist_id, owner_id=therapist_id, detail="password"
    )


def pending_therapist_id() -> int | None:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if utcnow().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    return pending.get("id")


def complete_sign_in(therapist: Therapist, second_factor: str = ""):
    session.clear()  # no session fixation
    login_user(therapist)
    sessions.start(therapist)
    audit.record(
        "sign_in",
        "therapist",
        therapist.id,
        detail=f"second_factor={second_factor}" if second_factor else "",
    )
    return redirect(url_for("today.index"))
