"""Therapist accounts: the rules shared by the web UI and the CLI."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from clinic.auth import sessions, signals
from clinic.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from clinic.enums import SessionEnd
from clinic.extensions import db
from clinic.models import Therapist


class AccountError(ValueError):
    """A plain message for the person creating or changing an account."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_therapist(email: str) -> Therapist | None:
    return db.session.scalar(
        select(Therapist).where(func.lower(Therapist.email) == normalise_email(email))
    )


def create_therapist(
    email: str, password: str, *, display_name: str = "", is_admin: bool = False
) -> Therapist:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(_("Please give a valid e-mail address."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("The password must have at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
        )
    if find_therapist(email) is not None:
        raise AccountError(_("A therapist with this e-mail address already exists."))
    therapist = Therapist(
        email=email,
        display_name=display_name.strip() or email.split("@")[0],
        password_hash=hash_password(password),
        is_admin=is_admin,
    )
    db.session.add(therapist)
    db.session.flush()  # the caller audits the new id
    return therapist


def authenticate(email: str, password: str) -> Therapist | None:
    """The therapist if the credentials are right and the account is active, else None."""
    therapist = find_therapist(email)
    ok = verify_password(therapist.password_hash if therapist else None, password)
    if not ok or therapist is None or not therapist.is_active:
        return None
    return therapist


def change_password(therapist: Therapist, current: str, new: str) -> None:
    """Set a new password when the current one is right; every session of the therapist ends.

    Called from a request: the browser making the change gets a new session of its own.
    """
    if not verify_password(therapist.password_hash, current):
        raise AccountError(_("Your current password is not right."))
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("The password must have at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
        )
    therapist.password_hash = hash_password(new)
    signals.password_changed.send(therapist)
    sessions.reissue(therapist, SessionEnd.PASSWORD_CHANGED)


def disable_therapist(therapist: Therapist) -> None:
    """The account can no longer sign in, and every session it has ends now."""
    therapist.is_disabled = True
    signals.account_disabled.send(therapist)
    sessions.end_all(therapist, SessionEnd.ACCOUNT_DISABLED)
