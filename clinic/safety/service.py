"""Safety alerts raised by private answers, their review, and how each partner may be reached.

Everything here keeps one rule: what a partner writes in a private worksheet, and whether it
raised an alert, reaches the therapist only. Audit entries about alerts therefore carry no
couple id, because the couple's access log goes into each partner's own data export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask import abort, current_app, flash
from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from clinic import audit
from clinic.config import DEFAULTS
from clinic.enums import ContactPreference, Urgency
from clinic.extensions import db
from clinic.models import (
    AssignedWorksheet,
    Assignment,
    Couple,
    Partner,
    Response,
    SafetyAlert,
    Therapist,
)
from clinic.safety.alerts import Alert, most_pressing, raised_alerts
from clinic.storage import utcnow
from clinic.worksheets.describe import describe
from clinic.worksheets.schema import Worksheet
from clinic.worksheets.versions import worksheet_of

# Lazy: each is read in the language of the page that shows it.
URGENCY_LABELS: dict[str, LazyString] = {  # by Urgency; a stored alert holds the plain word
    Urgency.URGENT: lazy_gettext("Urgent: contact this partner alone as soon as possible"),
    Urgency.SOON: lazy_gettext("Soon: talk with this partner alone before the next joint session"),
    Urgency.REVIEW: lazy_gettext("Review: read before the next session"),
}
CONTACT_PREFERENCES = {
    ContactPreference.NOT_ASKED: lazy_gettext("Not asked yet: no e-mail until you record a choice"),
    ContactPreference.ANY: lazy_gettext("Any way, e-mail included"),
    ContactPreference.NO_EMAIL: lazy_gettext("No e-mail: give links in person or by phone"),
    ContactPreference.PRINT_ONLY: lazy_gettext("Printed card only, handed over in a session"),
}
REVIEWED_HISTORY = 10  # reviewed alerts kept on the couple page, newest first


# --- raising alerts --------------------------------------------------------------------------


class Answered(Protocol):
    """What raising alerts reads of a response: the ORM's, or the plain one a client page
    saves (clinic.client.service.PageResponse)."""

    @property
    def id(self) -> int: ...

    @property
    def assigned_worksheet_id(self) -> int: ...


def raise_alerts(response: Answered, worksheet: Worksheet, answers: dict[str, Any]) -> None:
    """Store what these saved answers raise that no earlier alert of the response covers.

    Called by the client pages after every save. Nothing is queried for worksheets without
    alert rules. A new concern joins the response's alert that is still open (so the
    therapist reviews it once), or starts a new alert once earlier ones were reviewed.
    """
    raised = raised_alerts(worksheet, answers)
    if not raised:
        return
    earlier = list(
        db.session.scalars(select(SafetyAlert).where(SafetyAlert.response_id == response.id))
    )
    new = [alert for alert in raised if not any(_covers(e, alert) for e in earlier)]
    if not new:
        return
    open_alert = next((e for e in earlier if e.reviewed_at is None), None)
    if open_alert is None:
        open_alert = SafetyAlert(response_id=response.id, item_ids=[], raised_at=utcnow())
        db.session.add(open_alert)
    order = [item.id for _, item in worksheet.items()]
    items = set(open_alert.item_ids) | {a.item_id for a in new}
    open_alert.item_ids = sorted(items, key=order.index)
    open_alert.urgency = most_pressing(
        [a.urgency for a in new] + ([open_alert.urgency] if open_alert.urgency else [])
    )
    db.session.flush()
    audit.record(
        "safety_alert_raised",
        "safety_alert",
        open_alert.id,
        owner_id=_therapist_of(response),
        actor=audit.CLIENT_LINK,
    )


def _covers(alert: SafetyAlert, raised: Alert) -> bool:
    """An alert covers a concern about the same item that was at least as pressing."""
    return (
        raised.item_id in alert.item_ids
        and Urgency(alert.urgency).rank <= Urgency(raised.urgency).rank
    )


def _therapist_of(response: Answered) -> int | None:
    return db.session.scalar(
        select(Couple.therapist_id)
        .join(Assignment, Assignment.couple_id == Couple.id)
        .join(AssignedWorksheet, AssignedWorksheet.assignment_id == Assignment.id)
        .where(AssignedWorksheet.id == response.assigned_worksheet_id)
    )


def offer_support(worksheet: Worksheet, answers: dict[str, Any]) -> None:
    """After a partner sends answers that raise an alert, show the practice's support text."""
    if raised_alerts(worksheet, answers):
        flash(support_text(), "support")


def support_text() -> str:
    """The practice's text; the built-in placeholder in the partner's language."""
    text = current_app.config["SUPPORT_TEXT"].strip()
    return gettext(text) if text == DEFAULTS["SUPPORT_TEXT"].default.strip() else text


# --- showing and reviewing alerts ------------------------------------------------------------


@dataclass(frozen=True)
class AnswerLine:
    prompt: str
    answer: str
    raised: bool  # this answer is one of those behind the alert


@dataclass(frozen=True)
class AlertView:
    """An alert as the therapist sees it: who, which worksheet, and the answers behind it."""

    alert: SafetyAlert
    couple: Couple
    partner: Partner
    title: str
    assignment_id: int
    response_status: str
    lines: list[AnswerLine]

    @property
    def urgency_label(self) -> str:
        return str(URGENCY_LABELS.get(self.alert.urgency, self.alert.urgency))

    @property
    def raised_at(self) -> datetime:
        return self.alert.raised_at


def open_alerts(therapist: Therapist) -> list[AlertView]:
    """Every alert not yet reviewed on this therapist's couples, the most pressing first."""
    query = _alerts_query().where(
        Couple.therapist_id == therapist.id, SafetyAlert.reviewed_at.is_(None)
    )
    return _sorted(_views(db.session.scalars(query)))


def couple_alerts(couple: Couple) -> list[AlertView]:
    """The couple's open alerts (most pressing first), then the latest reviewed ones."""
    views = _views(db.session.scalars(_alerts_query().where(Couple.id == couple.id)))
    reviewed = [(v.alert.reviewed_at, v) for v in views if v.alert.reviewed_at is not None]
    reviewed.sort(key=lambda pair: pair[0], reverse=True)
    newest = [view for _, view in reviewed[:REVIEWED_HISTORY]]
    return _sorted([v for v in views if v.alert.reviewed_at is None]) + newest


def unreviewed_count(couple_id: int) -> int:
    """How many of a couple's alerts wait for review, for the banner on the couple's pages."""
    return db.session.execute(
        select(func.count(SafetyAlert.id))
        .join(Response, Response.id == SafetyAlert.response_id)
        .join(AssignedWorksheet, AssignedWorksheet.id == Response.assigned_worksheet_id)
        .join(Assignment, Assignment.id == AssignedWorksheet.assignment_id)
        .where(Assignment.couple_id == couple_id, SafetyAlert.reviewed_at.is_(None))
    ).scalar_one()  # a count always has its one row


def own_alert_or_404(therapist: Therapist, alert_id: int) -> SafetyAlert:
    alert = db.session.scalar(
        _alerts_query().where(SafetyAlert.id == alert_id, Couple.therapist_id == therapist.id)
    )
    if alert is None:
        abort(404)
    return alert


def mark_reviewed(alert: SafetyAlert, therapist: Therapist) -> bool:
    """Record who reviewed the alert and when; False if it had been reviewed already."""
    if alert.reviewed_at is not None:
        return False
    alert.reviewed_at = utcnow()
    alert.reviewed_by = therapist.id
    audit.record("safety_alert_reviewed", "safety_alert", alert.id)
    return True


def record_viewed(views: Sequence[AlertView]) -> None:
    """Audit that the answers behind these alerts were shown."""
    for view in views:
        audit.record("answers_viewed", "safety_alert", view.alert.id, detail="safety_alert")


def _alerts_query():
    response = selectinload(SafetyAlert.response)
    assigned = response.selectinload(Response.assigned_worksheet)
    return (
        select(SafetyAlert)
        .join(Response, Response.id == SafetyAlert.response_id)
        .join(AssignedWorksheet, AssignedWorksheet.id == Response.assigned_worksheet_id)
        .join(Assignment, Assignment.id == AssignedWorksheet.assignment_id)
        .join(Couple, Couple.id == Assignment.couple_id)
        .options(
            response.selectinload(Response.answers),
            response.selectinload(Response.partner),
            assigned.selectinload(AssignedWorksheet.worksheet_version),
            assigned.selectinload(AssignedWorksheet.assignment)
            .selectinload(Assignment.couple)
            .selectinload(Couple.partners),
            selectinload(SafetyAlert.reviewer),
        )
    )


def _views(alerts) -> list[AlertView]:
    views = []
    for alert in alerts:
        response = alert.response
        assigned = response.assigned_worksheet
        values = {a.item_id: a.value for a in response.answers}
        try:
            worksheet = worksheet_of(assigned.worksheet_version)
        except ValueError:
            lines = [
                AnswerLine(item_id, "(the worksheet can no longer be read)", True)
                for item_id in alert.item_ids
            ]
        else:
            lines = _answer_lines(worksheet, values, set(alert.item_ids))
        views.append(
            AlertView(
                alert=alert,
                couple=assigned.assignment.couple,
                partner=response.partner,
                title=assigned.worksheet_version.title,
                assignment_id=assigned.assignment_id,
                response_status=response.status,
                lines=lines,
            )
        )
    return views


def _answer_lines(worksheet: Worksheet, values: dict, raised: set[str]) -> list[AnswerLine]:
    """Every answered item in reading order: those behind the alert marked, the rest for context."""
    lines = []
    for _, item in worksheet.items():
        if item.id in values or item.id in raised:
            lines.append(
                AnswerLine(item.prompt, describe(item, values.get(item.id)), item.id in raised)
            )
    return lines


def _sorted(views: list[AlertView]) -> list[AlertView]:
    return sorted(views, key=lambda v: (Urgency(v.alert.urgency).rank, -v.raised_at.timestamp()))


# --- contact preferences ----------------------------------------------------------------------


def own_partner_or_404(therapist: Therapist, couple_id: int, partner_id: int) -> Partner:
    partner = db.session.scalar(
        select(Partner)
        .join(Couple, Couple.id == Partner.couple_id)
        .where(
            Partner.id == partner_id,
            Partner.couple_id == couple_id,
            Couple.therapist_id == therapist.id,
        )
    )
    if partner is None:
        abort(404)
    return partner


def set_contact_preference(partner: Partner, preference: str) -> None:
    if preference not in CONTACT_PREFERENCES:
        raise ValueError(f"unknown contact preference {preference!r}")
    partner.contact_preference = ContactPreference(preference)
    audit.record("contact_preference_changed", "partner", partner.id)


def email_refusal(partner: Partner) -> str | None:
    """Why this partner must not be e-mailed, or None when their preference allows it."""
    name = partner.display_name
    if partner.contact_preference == ContactPreference.NOT_ASKED:
        return gettext(
            "You have not recorded yet how %(name)s may be reached, so no e-mail is sent. "
            "Ask them in a session and record it under Safe contact on the couple's page, "
            "or give them the link in person, by the QR code or on a printed card.",
            name=name,
        )
    if partner.contact_preference == ContactPreference.PRINT_ONLY:
        return gettext(
            "%(name)s asked not to be contacted by e-mail: give them the printed card "
            "in a session.",
            name=name,
        )
    if partner.contact_preference != ContactPreference.ANY:  # NO_EMAIL, or unknown: fail closed
        return gettext(
            "%(name)s asked not to be contacted by e-mail. Give them the link in person, "
            "by the QR code or on a printed card.",
            name=name,
        )
    return None
