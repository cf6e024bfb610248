"""Therapist accounts: the rules shared by the web UI and the CLI."""

from sqlalchemy import func, select

from clinic.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
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
        raise AccountError("Please give a valid e-mail address.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if find_therapist(email) is not None:
        raise AccountError("A therapist with this e-mail address already exists.")
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
