"""The fixed words that columns, forms and worksheet files hold, one enum each.

Members are ``StrEnum``: each equals its stored word, so templates, JSON and the database see
the same plain strings as before, while code names the member instead of repeating the word.
"""

from enum import StrEnum


class ResponseStatus(StrEnum):
    """How far a partner (or the couple, on a joint worksheet) is with one worksheet."""

    NOT_OPENED = "not_opened"
    OPENED = "opened"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class AnsweredBy(StrEnum):
    """Who fills in a worksheet: each partner on their own form, or both on one shared form."""

    EACH_PARTNER = "each_partner"
    COUPLE = "couple"


class WhoAnswers(StrEnum):
    """The therapist's choice when assigning: as each worksheet is designed, or one for all."""

    DESIGN = "design"
    EACH_PARTNER = AnsweredBy.EACH_PARTNER.value
    COUPLE = AnsweredBy.COUPLE.value


class Urgency(StrEnum):
    """How soon a therapist should act on a raised alert; members run from the most pressing."""

    URGENT = "urgent"
    SOON = "soon"
    REVIEW = "review"

    @property
    def rank(self) -> int:
        """0 for the most pressing; sorting by rank puts urgent alerts first."""
        return _URGENCY_ORDER.index(self)


_URGENCY_ORDER = tuple(Urgency)


class ContactPreference(StrEnum):
    """How a partner may be reached outside sessions; no e-mail until the therapist asked."""

    NOT_ASKED = "not_asked"
    ANY = "any"
    NO_EMAIL = "no_email"
    PRINT_ONLY = "print_only"


class CodeCheck(StrEnum):
    """What one try of a partner's personal code came to (clinic.safety.codes)."""

    OPENED = "opened"
    WRONG = "wrong"
    LOCKED = "locked"


class SaveOutcome(StrEnum):
    """What one save of a partner's form came to; sent to the page's script as ``status``."""

    SAVED = "saved"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    INCOMPLETE = "incomplete"
    SUBMITTED = "submitted"
    CLOSED = "closed"


class LinkState(StrEnum):
    """Whether a client link still opens; for the therapist only, never told to a client."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class SessionEnd(StrEnum):
    """Why a therapist's session ended; the audit entry of each ended session names it."""

    SIGNED_OUT = "signed_out"
    ENDED_BY_THERAPIST = "ended_by_therapist"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a password
    TWO_FACTOR_CHANGED = "two_factor_changed"
    ACCOUNT_DISABLED = "account_disabled"
    IDLE = "idle"
    DEVICE_CHANGED = "device_changed"


class RepeatUnit(StrEnum):
    """How a recurring check-in steps from one occurrence to the next."""

    WEEKS = "weeks"
    MONTHS = "months"


class ScheduleState(StrEnum):
    """A recurring check-in runs, waits (paused: its dates pass unassigned) or has ended."""

    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"


class OccurrenceOutcome(StrEnum):
    """What became of one date of a recurring check-in; every date gets a row, none is lost."""

    CREATED = "created"
    MISSED = "missed"  # the worker was down past this date and the next one: not assigned
    PAUSED = "paused"  # the date passed while the check-in was paused


class PreparedStatus(StrEnum):
    """Where a PDF rendered in the background is: queued or rendering, ready, or failed."""

    PREPARING = "preparing"
    READY = "ready"
    FAILED = "failed"


class ClauseState(StrEnum):
    """Where one partner stands on one agreement clause (worksheets.items.agreement); the
    word is also the FHIR export's ``.ok.state`` answer."""

    OPEN = "open"
    CONFIRMED = "confirmed"
    CHANGED = "changed"  # confirmed an earlier version: asked again
    WITHDRAWN = "withdrawn"
