"""Recording and reading audit events.

Other features call :func:`record` wherever client data is seen, printed, exported or changed.
An event names an object by type and id and never holds client text: ``detail`` accepts
machine words only (no spaces), so prose cannot slip in by accident.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from flask import has_request_context, request
from flask_babel import lazy_gettext
from flask_login import current_user
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from clinic.extensions import db
from clinic.models import AuditEvent, Couple, Therapist

THERAPIST = "therapist"
CLIENT_LINK = "client link"
SYSTEM = "system"
ACTORS = (THERAPIST, CLIENT_LINK, SYSTEM)

PAGE_SIZE = 100

_NAME = re.compile(r"[a-z][a-z0-9_.]{0,39}")
_DETAIL = re.compile(r"[A-Za-z0-9_.,:=/+-]{0,200}")

ACTION_LABELS = {
    "check_in_started": lazy_gettext("Recurring check-in started"),
    "check_in_pause": lazy_gettext("Recurring check-in paused"),
    "check_in_resume": lazy_gettext("Recurring check-in resumed"),
    "check_in_stop": lazy_gettext("Recurring check-in stopped"),
    "check_in_created": lazy_gettext("Recurring check-in assigned"),
    "reminders_set": lazy_gettext("Reminders set"),
    "reminder_sent": lazy_gettext("Reminder sent"),
    "sign_in": lazy_gettext("Signed in"),
    "sign_in_failed": lazy_gettext("Sign-in failed"),
    "sign_out": lazy_gettext("Signed out"),
    "two_factor_enabled": lazy_gettext("Two-factor sign-in turned on"),
    "two_factor_disabled": lazy_gettext("Two-factor sign-in turned off"),
    "two_factor_reset": lazy_gettext("Two-factor sign-in reset"),
    "recovery_codes_renewed": lazy_gettext("New recovery codes made"),
    "recovery_code_used": lazy_gettext("Recovery code used"),
    "settings_changed": lazy_gettext("Settings changed"),
    "therapist_created": lazy_gettext("Therapist added"),
    "therapist_disabled": lazy_gettext("Therapist account disabled"),
    "password_changed": lazy_gettext("Password changed"),
    "session_ended": lazy_gettext("Session ended"),
    "link_guessing_alert": lazy_gettext("Many unknown links tried"),
    "couple_created": lazy_gettext("Couple added"),
    "couple_edited": lazy_gettext("Couple edited"),
    "couple_archived": lazy_gettext("Couple archived"),
    "couple_restored": lazy_gettext("Couple restored"),
    "couple_exported": lazy_gettext("Couple's record exported"),
    "couple_erased": lazy_gettext("Couple erased"),
    "answers_viewed": lazy_gettext("Answers viewed"),
    "answers_saved": lazy_gettext("Answers saved"),
    "answers_submitted": lazy_gettext("Answers submitted"),
    "agreement_confirmed": lazy_gettext("Agreement confirmed"),
    "agreement_withdrawn": lazy_gettext("Agreement confirmation withdrawn"),
    "handout_downloaded": lazy_gettext("Handout downloaded"),
    "link_created": lazy_gettext("Link created"),
    "link_revoked": lazy_gettext("Link revoked"),
    "link_reissued": lazy_gettext("Link reissued"),
    "link_opened": lazy_gettext("Link opened"),
    "safety_alert_raised": lazy_gettext("Safety alert raised"),
    "safety_alert_reviewed": lazy_gettext("Safety alert reviewed"),
    "contact_preference_changed": lazy_gettext("Contact preference changed"),
    "partner_code_set": lazy_gettext("Personal code set"),
    "partner_code_chosen": lazy_gettext("Personal code chosen by the partner"),
    "partner_code_cleared": lazy_gettext("Personal code removed"),
    "partner_code_locked": lazy_gettext("Link paused after wrong codes"),
    "partner_code_unlocked": lazy_gettext("Paused link opened again"),
    "partner_code_choice_changed": lazy_gettext("Partner's own code allowed or not"),
    "audit_exported": lazy_gettext("Audit log exported"),
    "keys_rotated": lazy_gettext("Encryption keys rotated"),
    "backup_made": lazy_gettext("Backup made"),
    "backup_restored": lazy_gettext("Backup restored"),
}


class AuditLogIsAppendOnly(RuntimeError):
    """Raised on any attempt by the app to change or delete an audit event."""


def record(
    action: str,
    object_type: str,
    object_id: int | None = None,
    *,
    couple_id: int | None = None,
    owner_id: int | None = None,
    actor: str | None = None,
    detail: str = "",
) -> AuditEvent:
    """Add one event to the current transaction: it is stored when the request commits.

    Events about refusals (a failed sign-in, a wrong second-factor code) are recorded by views
    that answer with a normal page rather than by raising, so their request commits and the
    event is kept (see clinic.transaction). Commands commit their events themselves.

    The actor is the signed-in therapist unless ``actor`` says ``CLIENT_LINK`` or ``SYSTEM``.
    ``owner_id`` (whose log the entry appears in) defaults to the acting therapist, else to the
    therapist of ``couple_id``. For object_type "couple", ``couple_id`` defaults to the id.
    """
    if not _NAME.fullmatch(action) or not _NAME.fullmatch(object_type):
        raise ValueError("audit action and object type are lower-case machine names")
    if not _DETAIL.fullmatch(detail):
        raise ValueError("audit detail holds machine words only, never client text")
    # Only an entry that may be the therapist's asks who is signed in: the session checks
    # record their ends while Flask-Login is still finding that out.
    therapist_id = _signed_in_therapist_id() if actor in (None, THERAPIST) else None
    actor = actor or (THERAPIST if therapist_id is not None else SYSTEM)
    if actor not in ACTORS:
        raise ValueError(f"unknown audit actor {actor!r}")
    if actor != THERAPIST:
        therapist_id = None
    if couple_id is None and object_type == "couple":
        couple_id = object_id
    if owner_id is None:
        owner_id = therapist_id
    if owner_id is None and couple_id is not None:
        owner_id = db.session.scalar(select(Couple.therapist_id).where(Couple.id == couple_id))
    audit_event = AuditEvent(
        actor=actor,
        therapist_id=therapist_id,
        owner_id=owner_id,
        couple_id=couple_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        remote_addr=request.remote_addr if has_request_context() else None,
        detail=detail,
    )
    db.session.add(audit_event)
    return audit_event


def _signed_in_therapist_id() -> int | None:
    if not has_request_context():
        return None
    return current_user.id if current_user.is_authenticated else None


@dataclass(frozen=True)
class Reader:
    """Who is reading the log, and whether an administrator asked for everyone's entries."""

    therapist_id: int
    everyone: bool

    @classmethod
    def of(cls, therapist: Therapist, everyone: bool = False) -> "Reader":
        return cls(therapist.id, everyone and therapist.is_admin)


def visible_to(reader: Reader):
    """Select the events a reader may see: their own, or all of them for an admin."""
    query = select(AuditEvent)
    if not reader.everyone:
        query = query.where(
            or_(
                AuditEvent.therapist_id == reader.therapist_id,
                AuditEvent.owner_id == reader.therapist_id,
            )
        )
    return query.order_by(AuditEvent.id.desc())


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    names: dict[int, str]
    next_before: int | None


def page(reader: Reader, before: int | None = None) -> Page:
    """One page of events, newest first, with the names of the therapists in it (2 queries)."""
    query = visible_to(reader)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    events = list(db.session.scalars(query.limit(PAGE_SIZE + 1)))
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    return Page(
        events=events,
        names=_therapist_names(events),
        next_before=events[-1].id if more else None,
    )


def _therapist_names(events: list[AuditEvent]) -> dict[int, str]:
    ids = {e.therapist_id for e in events if e.therapist_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Therapist.id, Therapist.email).where(Therapist.id.in_(ids))
    ).all()
    return {row.id: row.email for row in rows}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action.replace("_", " ").capitalize()))


CSV_COLUMNS = [
    "occurred_at",
    "actor",
    "therapist_id",
    "therapist_email",
    "owner_id",
    "couple_id",
    "action",
    "object_type",
    "object_id",
    "remote_addr",
    "detail",
]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_BATCH = 1000  # rows read from the database per chunk of the CSV export


def csv_cell(value) -> str:
    """A cell a spreadsheet shows as text: formulas (= + - @) are defused with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_rows(reader: Reader) -> Iterator[str]:
    """The visible log as CSV text: the header, then one chunk per batch of rows.

    One query, read ``CSV_BATCH`` rows at a time (a server-side cursor on PostgreSQL), so a
    long log never sits in memory whole.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    query = (
        visible_to(reader)
        .add_columns(Therapist.email)
        .outerjoin(Therapist, Therapist.id == AuditEvent.therapist_id)
        .execution_options(yield_per=CSV_BATCH)
    )
    for rows in db.session.execute(query).partitions():
        for e, email in rows:
            writer.writerow(
                csv_cell(v)
                for v in (
                    e.occurred_at.isoformat(),
                    e.actor,
                    e.therapist_id,
                    email or "",
                    e.owner_id,
                    e.couple_id,
                    e.action,
                    e.object_type,
                    e.object_id,
                    e.remote_addr,
                    e.detail,
                )
            )
        yield flush()


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AuditLogIsAppendOnly("Audit events cannot be changed.")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    """Bulk UPDATE/DELETE statements bypass the mapper events above; stop them here."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) == AuditEvent.__tablename__:
        raise AuditLogIsAppendOnly("Audit events cannot be changed or deleted.")
