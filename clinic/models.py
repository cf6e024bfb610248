"""Database models (SQLAlchemy 2, typed). Domain rules live in the feature modules."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from clinic.enums import (
    AnsweredBy,
    ContactPreference,
    OccurrenceOutcome,
    PreparedStatus,
    RepeatUnit,
    ResponseStatus,
    ScheduleState,
)
from clinic.extensions import Model
from clinic.storage import SealedJSON, SealedText, SealedWord, UTCDateTime, utcnow


class EnumWord(TypeDecorator):
    """A ``StrEnum`` stored as its plain word in a VARCHAR(20), as before enums: no migration.

    Rows read back as members; a word the enum does not know (written by hand, say) comes
    back as it is, so the code that reads it can still refuse it (contact preferences fail
    closed). Writing an unknown word is a bug and raises.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__(20)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        try:
            return None if value is None else self.enum(value)
        except ValueError:
            return value


class Therapist(UserMixin, Model):
    __tablename__ = "therapists"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Two-factor sign-in (clinic.twofactor): the TOTP secret is sealed like client text.
    totp_secret: Mapped[str | None] = mapped_column(SealedText)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None]  # the last accepted time step, so a code works once
    # An IANA zone name (clinic.localtime); None until chosen, when times show in UTC.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # When the Today page was last opened: what counts as "new since your last visit".
    today_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language of this therapist's pages (clinic.i18n); None follows DEFAULT_LANGUAGE.
    language: Mapped[str | None] = mapped_column(String(16))

    couples: Mapped[list["Couple"]] = relationship(back_populates="therapist")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.is_disabled


class TherapistSession(Model):
    """One signed-in browser of a therapist, checked on every request (clinic.auth.sessions).

    The cookie holds a random token; only its SHA-256 is stored, so a stolen database opens no
    session. Ending a session deletes its row, and the cookie that named it then opens nothing.
    ``device`` is a short summary such as "Chrome on Android", never the raw user agent.
    """

    __tablename__ = "therapist_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("therapists.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Couple(Model):
    """A couple in therapy. Its label and its partners' names, e-mails and contact preferences
    are sealed like answers: a stolen database must not tell who is in therapy. So SQL cannot
    search or sort them (clinic.couples.service does that on the opened values)."""

    __tablename__ = "couples"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"), index=True)
    label: Mapped[str] = mapped_column(SealedText)  # up to 80 characters (CoupleForm)
    notes: Mapped[str] = mapped_column(SealedText, default="")
    # The couple's own IANA zone; None follows the therapist's (clinic.localtime).
    time_zone: Mapped[str | None] = mapped_column(String(64))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    therapist: Mapped[Therapist] = relationship(back_populates="couples")
    partners: Mapped[list["Partner"]] = relationship(
        back_populates="couple",
        order_by="Partner.position",
        cascade="all, delete-orphan",
    )
    assignments: Mapped[list["Assignment"]] = relationship(
        back_populates="couple",
        order_by="Assignment.created_at.desc()",
        cascade="all, delete-orphan",
    )


class Partner(Model):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    display_name: Mapped[str] = mapped_column(SealedText)  # up to 80 characters
    email: Mapped[str | None] = mapped_column(SealedText)  # up to 254 characters
    # How this partner may safely be contacted; sealed, as "no e-mail" is itself a signal.
    contact_preference: Mapped[ContactPreference] = mapped_column(
        SealedWord(ContactPreference), default=ContactPreference.NOT_ASKED
    )
    # An optional personal code that opens this partner's links (clinic.safety.codes): argon2
    # hash only. Failed tries count up to a lock-out that only the therapist lifts.
    code_hash: Mapped[str | None] = mapped_column(String(255))
    code_choice_allowed: Mapped[bool] = mapped_column(default=False)
    code_failures: Mapped[int] = mapped_column(default=0)
    code_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language their pages, e-mails and printouts speak (a code in config LANGUAGES);
    # None: the practice's DEFAULT_LANGUAGE. Sealed: a language can tell who someone is.
    language: Mapped[str | None] = mapped_column(SealedText)

    couple: Mapped[Couple] = relationship(back_populates="partners")


class WorksheetVersion(Model):
    """The exact definition an assignment was made with, kept by content hash."""

    __tablename__ = "worksheet_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    definition: Mapped[str] = mapped_column(Text)  # canonical JSON of the validated definition
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CustomWorksheet(Model):
    """A therapist's own worksheet, visible to that therapist alone."""

    __tablename__ = "custom_worksheets"
    __table_args__ = (UniqueConstraint("therapist_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"), index=True)
    slug: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    source_yaml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WorksheetDraft(Model):
    """A worksheet being made in the builder: the definition as typed so far, maybe unfinished.

    ``content`` is JSON in the shape of a definition; it need not pass the checks until it is
    published into ``custom`` (None: publishing makes a new own worksheet).
    """

    __tablename__ = "worksheet_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"), index=True)
    custom_id: Mapped[int | None] = mapped_column(
        ForeignKey("custom_worksheets.id", ondelete="CASCADE")
    )
    content: Mapped[str] = mapped_column(Text)
    # Counted up by every save; a save made from an older page is checked against it so that
    # it never overwrites newer work (clinic.builder.service.save_posted).
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Assignment(Model):
    """One or more worksheets given to a couple with a due date and a note."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"), index=True)
    note: Mapped[str] = mapped_column(SealedText, default="")
    due_date: Mapped[date | None]
    link_days: Mapped[int] = mapped_column(default=14)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    couple: Mapped[Couple] = relationship(back_populates="assignments")
    worksheets: Mapped[list["AssignedWorksheet"]] = relationship(
        back_populates="assignment",
        order_by="AssignedWorksheet.position",
        cascade="all, delete-orphan",
    )
    links: Mapped[list["ClientLink"]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )


class AssignedWorksheet(Model):
    __tablename__ = "assigned_worksheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    worksheet_version_id: Mapped[int] = mapped_column(ForeignKey("worksheet_versions.id"))
    position: Mapped[int] = mapped_column(default=0)
    answered_by: Mapped[AnsweredBy] = mapped_column(EnumWord(AnsweredBy))

    assignment: Mapped[Assignment] = relationship(back_populates="worksheets")
    worksheet_version: Mapped[WorksheetVersion] = relationship()
    responses: Mapped[list["Response"]] = relationship(
        back_populates="assigned_worksheet", cascade="all, delete-orphan"
    )


class Response(Model):
    """One partner's (or, for joint worksheets, the couple's) answers to one worksheet."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("assigned_worksheet_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assigned_worksheet_id: Mapped[int] = mapped_column(
        ForeignKey("assigned_worksheets.id"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    status: Mapped[ResponseStatus] = mapped_column(
        EnumWord(ResponseStatus), default=ResponseStatus.NOT_OPENED
    )
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on every save so that a stale tab cannot silently overwrite newer answers.
    revision: Mapped[int] = mapped_column(default=0)
    # The language the worksheet was shown in when these answers were last written, so the
    # review can say "answered in Spanish"; None: not written yet. Sealed like Partner.language.
    language: Mapped[str | None] = mapped_column(SealedText)

    assigned_worksheet: Mapped[AssignedWorksheet] = relationship(back_populates="responses")
    partner: Mapped[Partner | None] = relationship()
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class Answer(Model):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(60))
    value: Mapped[Any] = mapped_column(SealedJSON)
    # "For my therapist only" unless the client chose to share it with their partner in session.
    shareable: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    response: Mapped[Response] = relationship(back_populates="answers")


class ClientLink(Model):
    """A partner's tokenized link to an assignment; only the token's SHA-256 is stored."""

    __tablename__ = "client_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignment: Mapped[Assignment] = relationship(back_populates="links")
    partner: Mapped[Partner] = relationship()
    sessions: Mapped[list["ClientSession"]] = relationship(
        back_populates="link", cascade="all, delete-orphan", passive_deletes=True
    )


class ClientSession(Model):
    """One browser's time on a client link, so that Quick exit and idle time end it for real.

    The browser holds a random key in its session cookie; only its SHA-256 is kept here. A link
    with an ended session opens only through the code page or a neutral "Continue" page.
    """

    __tablename__ = "client_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("client_links.id", ondelete="CASCADE"), index=True
    )
    key_hash: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    link: Mapped[ClientLink] = relationship(back_populates="sessions")


class RecoveryCode(Model):
    """A one-time code that signs a therapist in when their authenticator is lost; SHA-256 only."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClinicSetting(Model):
    """A clinic-wide setting an administrator changes in the web UI (e.g. require two-factor)."""

    __tablename__ = "clinic_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuditEvent(Model):
    """Who did what to which object, when and from where; never client text. Append-only.

    Ids are plain integers, not foreign keys: the log must outlive erased couples and must
    never block an erasure.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(20))  # "therapist" | "client link" | "system"
    therapist_id: Mapped[int | None] = mapped_column(index=True)  # the therapist who acted
    owner_id: Mapped[int | None] = mapped_column(index=True)  # the therapist whose record it is
    couple_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    remote_addr: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str] = mapped_column(String(200), default="")


class SessionNote(Model):
    """The therapist's private notes for a session, on a couple or one of its assignments.

    Never shown to clients. A note outlives a deleted assignment: it then stays on the couple.
    """

    __tablename__ = "session_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(SealedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SafetyAlert(Model):
    """Answers to a private worksheet that met its alert rules, until a therapist reviews them.

    Which items and how urgent are sealed like the answers they come from: a stolen database
    must not tell whose answers raised what.
    """

    __tablename__ = "safety_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    item_ids: Mapped[list[str]] = mapped_column(SealedJSON)
    urgency: Mapped[str] = mapped_column(SealedText)  # a clinic.enums.Urgency word, sealed
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("therapists.id"))

    response: Mapped[Response] = relationship()
    reviewer: Mapped[Therapist | None] = relationship()


class CheckInSchedule(Model):
    """An assignment that repeats: every ``interval`` weeks or months from ``starts_on``.

    Occurrence 0 is the assignment itself; occurrence n falls n steps later, in the couple's
    local days, while it is on or before ``until`` and below ``count`` (when they are set).
    """

    __tablename__ = "check_in_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), unique=True)
    unit: Mapped[RepeatUnit] = mapped_column(EnumWord(RepeatUnit))
    interval: Mapped[int] = mapped_column(default=1)
    starts_on: Mapped[date]
    until: Mapped[date | None]
    count: Mapped[int | None]
    state: Mapped[ScheduleState] = mapped_column(
        EnumWord(ScheduleState), default=ScheduleState.ACTIVE
    )
    next_number: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignment: Mapped[Assignment] = relationship()
    occurrences: Mapped[list["CheckInOccurrence"]] = relationship(
        back_populates="schedule",
        order_by="CheckInOccurrence.number",
        cascade="all, delete-orphan",
    )


class CheckInOccurrence(Model):
    """One date of a recurring check-in. Unique per number: two workers never create it twice."""

    __tablename__ = "check_in_occurrences"
    __table_args__ = (UniqueConstraint("schedule_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("check_in_schedules.id"), index=True)
    number: Mapped[int]
    due_on: Mapped[date]
    outcome: Mapped[OccurrenceOutcome] = mapped_column(EnumWord(OccurrenceOutcome))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), index=True)
    # Partners whose new link went out by e-mail; the others' links are for the therapist to
    # hand over. Ids only: no address or name.
    emailed_partner_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    schedule: Mapped[CheckInSchedule] = relationship(back_populates="occurrences")
    assignment: Mapped[Assignment | None] = relationship()


class ReminderPlan(Model):
    """Which days before an assignment's due date its unfinished partners are reminded."""

    __tablename__ = "reminder_plans"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), primary_key=True)
    # Days before the due date, e.g. [2, 0]: two days before and on the day.
    days_before: Mapped[list[int]] = mapped_column(JSON, default=list)
    max_per_partner: Mapped[int] = mapped_column(default=2)


class ReminderSent(Model):
    """One reminder to one partner, claimed (inserted) before it is sent: unique per day, so a
    retry or a second worker never sends it twice. ``sent_at`` once the mail server took it."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("assignment_id", "partner_id", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    days_before: Mapped[int]
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when every attempt failed: shown on the Today page, never tried again.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner] = relationship()
    assignment: Mapped[Assignment] = relationship()


class PreparedPdf(Model):
    """A long PDF a therapist asked for, rendered by the background worker (issue #19).

    The HTML it is made from and the PDF itself (base64) are sealed: both hold client text.
    The HTML is dropped once rendered; the row goes when it expires or its couple is erased.
    """

    __tablename__ = "prepared_pdfs"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("therapists.id", ondelete="CASCADE"), index=True
    )
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"), index=True)
    cache_key: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # the audit word, e.g. session_therapist
    status: Mapped[PreparedStatus] = mapped_column(EnumWord(PreparedStatus))
    title: Mapped[str] = mapped_column(String(80))  # the neutral PDF title
    language: Mapped[str | None] = mapped_column(String(16))
    html: Mapped[str | None] = mapped_column(SealedText)
    pdf: Mapped[str | None] = mapped_column(SealedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
