"""A partner's optional personal code: without it, their link shows only a page asking for it.

The code is set by the therapist, or chosen by the partner when the therapist allows it. Only
its argon2 hash is stored; it never appears in an e-mail, a card, a log or an audit entry.
Wrong tries count per partner, whoever makes them; after CODE_ATTEMPTS in a row the partner's
links lock until the therapist lifts the lock-out, so a code of four digits cannot be guessed.
"""

from typing import Any, Protocol, cast

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from clinic import audit
from clinic.auth.passwords import hash_password, verify_password
from clinic.enums import CodeCheck
from clinic.extensions import db
from clinic.models import ClientLink, ClientSession, Partner
from clinic.storage import utcnow

MIN_CODE_LENGTH = 4
MAX_CODE_LENGTH = 40


def normalise(code: str) -> str:
    """Codes are compared without case or outer spaces: phones capitalise the first letter."""
    return " ".join(code.split()).casefold()


def code_problem(code: str) -> str | None:
    """Why this code cannot be used, in words for the person choosing it, or None."""
    length = len(normalise(code))
    if length < MIN_CODE_LENGTH:
        return gettext("Please use at least %(least)s digits or letters.", least=MIN_CODE_LENGTH)
    if length > MAX_CODE_LENGTH:
        return gettext("Please use at most %(most)s characters.", most=MAX_CODE_LENGTH)
    return None


def set_code(partner: Partner, code: str, *, by_partner: bool = False) -> None:
    """Store the code's hash, clear any lock-out, and end the partner's open sessions."""
    if problem := code_problem(code):
        raise ValueError(problem)
    partner.code_hash = hash_password(normalise(code))
    partner.code_failures = 0
    partner.code_locked_at = None
    if by_partner:
        _record("partner_code_chosen", partner, actor=audit.CLIENT_LINK)
        return
    _end_sessions(partner)
    _record("partner_code_set", partner)


def clear_code(partner: Partner) -> None:
    partner.code_hash = None
    partner.code_failures = 0
    partner.code_locked_at = None
    _record("partner_code_cleared", partner)


def lift_lockout(partner: Partner) -> bool:
    """Let the partner try their code again; False if they were not locked out."""
    if partner.code_locked_at is None:
        return False
    partner.code_failures = 0
    partner.code_locked_at = None
    _record("partner_code_unlocked", partner)
    return True


def allow_choice(partner: Partner, allowed: bool) -> None:
    """Whether the partner may choose their own code on their link while none is set."""
    partner.code_choice_allowed = allowed
    _record("partner_code_choice_changed", partner, detail=f"allowed={int(allowed)}")


class _Choosing(Protocol):
    """What :func:`may_choose` reads: a ``Partner``, or a link page's plain one."""

    @property
    def code_choice_allowed(self) -> bool: ...

    @property
    def code_hash(self) -> str | None: ...


def may_choose(partner: _Choosing) -> bool:
    return partner.code_choice_allowed and partner.code_hash is None


def check_code(partner: Partner, code: str) -> CodeCheck:
    """Try a code. The try is claimed with one UPDATE before the slow hash check, so tries sent
    at once wait for each other on the partner's row and none slips past the limit."""
    limit = current_app.config["CODE_ATTEMPTS"]
    claimed = cast(  # an UPDATE yields a CursorResult
        CursorResult,
        db.session.execute(
            update(Partner)
            .where(
                Partner.id == partner.id,
                Partner.code_locked_at.is_(None),
                Partner.code_failures < limit,
            )
            .values(code_failures=Partner.code_failures + 1)
            .execution_options(synchronize_session=False)
        ),
    )
    db.session.refresh(partner)
    if claimed.rowcount != 1:
        return CodeCheck.LOCKED
    if verify_password(partner.code_hash, normalise(code)):
        partner.code_failures = 0
        return CodeCheck.OPENED
    if partner.code_failures >= limit:
        partner.code_locked_at = utcnow()
        _record("partner_code_locked", partner, actor=audit.CLIENT_LINK)
        return CodeCheck.LOCKED
    return CodeCheck.WRONG


def _end_sessions(partner: Partner) -> None:
    """A new code applies at once: every open session on the partner's links ends."""
    db.session.execute(
        update(ClientSession)
        .where(
            ClientSession.ended_at.is_(None),
            ClientSession.link_id.in_(
                select(ClientLink.id).where(ClientLink.partner_id == partner.id)
            ),
        )
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _record(action: str, partner: Partner, **extra: Any) -> None:
    """An audit entry about the partner's code: who and which couple, never the code."""
    audit.record(action, "partner", partner.id, couple_id=partner.couple_id, **extra)
