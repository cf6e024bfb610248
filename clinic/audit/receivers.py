"""Audit rows for account events that auth sends, since auth sits below the audit log."""

from clinic.audit.service import SYSTEM, record
from clinic.auth import signals
from clinic.enums import SessionEnd
from clinic.models import Therapist

# Ends the server notices by itself, while it is still finding out who is signed in.
_ENDED_BY_THE_SERVER = {SessionEnd.IDLE, SessionEnd.DEVICE_CHANGED}


@signals.signing_out.connect
def _signing_out(therapist: Therapist) -> None:
    record("sign_out", "therapist", therapist.id)


@signals.therapist_created.connect
def _therapist_created(therapist: Therapist) -> None:
    record("therapist_created", "therapist", therapist.id)


@signals.password_changed.connect
def _password_changed(therapist: Therapist) -> None:
    record("password_changed", "therapist", therapist.id, owner_id=therapist.id)


@signals.account_disabled.connect
def _account_disabled(therapist: Therapist) -> None:
    record("therapist_disabled", "therapist", therapist.id, owner_id=therapist.id)


@signals.language_changed.connect
def _language_changed(therapist: Therapist) -> None:
    record("settings_changed", "therapist", therapist.id, detail="language")


@signals.sessions_ended.connect
def _sessions_ended(therapist: Therapist, *, session_ids: list[int], reason: SessionEnd) -> None:
    actor = SYSTEM if reason in _ENDED_BY_THE_SERVER else None
    for session_id in session_ids:
        record(
            "session_ended",
            "therapist_session",
            session_id,
            owner_id=therapist.id,
            actor=actor,
            detail=f"reason={reason}",
        )
