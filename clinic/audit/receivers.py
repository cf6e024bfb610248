"""Audit rows for account events that auth sends, since auth sits below the audit log."""

from clinic.audit.service import record
from clinic.auth import signals
from clinic.models import Therapist


@signals.signing_out.connect
def _signing_out(therapist: Therapist) -> None:
    record("sign_out", "therapist", therapist.id)


@signals.therapist_created.connect
def _therapist_created(therapist: Therapist) -> None:
    record("therapist_created", "therapist", therapist.id)
