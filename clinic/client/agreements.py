"""A partner's own steps on an agreement: confirming a clause as it reads, or withdrawing.

What an agreement is and how its answer records confirmations is the item type's
(clinic.worksheets.items.agreement); this module applies a step from a partner's link, and
records it in the audit log by item, clause and partner, never with clause text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from clinic.audit import service as audit
from clinic.client import service
from clinic.enums import ClauseState, SaveOutcome
from clinic.extensions import db
from clinic.i18n import N_
from clinic.models import Partner
from clinic.storage import utcnow
from clinic.worksheets.items.agreement import AgreementItem

AGREE, WITHDRAW = "agree", "withdraw"
CHANGED_MEANWHILE = N_(
    "Not confirmed yet: your partner changed this part meanwhile. Please read it again, "
    "then confirm it if you still agree."
)


@dataclass(frozen=True)
class Step:
    kind: str  # AGREE or WITHDRAW
    item: AgreementItem
    clause_id: str

    @property
    def anchor(self) -> str:
        return f"clause-{self.item.id}-{self.clause_id}"


def agreement_item(sheet: service.LinkWorksheet, item_id: str) -> AgreementItem | None:
    item = next((i for _, i in sheet.worksheet.items() if i.id == item_id), None)
    return item if isinstance(item, AgreementItem) else None


def asked_again(sheet: service.LinkWorksheet, answers: dict[str, Any], partner_id: int) -> bool:
    """Whether a part this partner confirmed has changed since: their list of worksheets
    then asks them to read it again, so the change is seen on their next visit."""
    return any(
        (mine := status.of(partner_id)) is not None and mine.state == ClauseState.CHANGED
        for _, item in sheet.worksheet.items()
        if isinstance(item, AgreementItem)
        for status in item.statuses(answers.get(item.id))
    )


def step_of(sheet: service.LinkWorksheet, form: Any) -> Step | None:
    """The step a pressed button asks for, if it names a clause of an agreement here."""
    for kind in (AGREE, WITHDRAW):
        item_id, _, clause_id = str(form.get(kind, "")).partition(".")
        item = agreement_item(sheet, item_id) if item_id else None
        if item is not None and item.clause(clause_id) is not None:
            return Step(kind, item, clause_id)
    return None


def apply(
    link: service.Link, sheet: service.LinkWorksheet, step: Step, posted: service.Posted
) -> tuple[bool, str]:
    """Take the step after the form was saved: (done, what to tell the partner)."""
    item, clause_id, now = step.item, step.clause_id, utcnow()
    if step.kind == WITHDRAW:
        outcome = service.change_answer(
            link,
            sheet,
            item.id,
            lambda value: item.withdraw(value, clause_id, link.partner_id, now),
            while_closed=True,
        )
        done = outcome.status in (SaveOutcome.SAVED, SaveOutcome.UNCHANGED)
        if outcome.status == SaveOutcome.SAVED:
            _audit("agreement_withdrawn", link, sheet, step)
        message = gettext(
            "Your confirmation is withdrawn. Your partner and your therapist see that."
        )
        return done, message if done else outcome.errors.get("", "")
    seen = (posted.answers.get(item.id) or {}).get(clause_id, {}).get("fields", {})
    partners = list(
        db.session.scalars(
            select(Partner.id)
            .where(Partner.couple_id == link.assignment.couple_id)
            .order_by(Partner.position)
        )
    )

    def confirm(value: Any) -> Any:
        stored = item.answers(value or {}).get(clause_id)
        if (stored.fields if stored else {}) != seen:
            raise _ChangedMeanwhile
        return item.confirm(value, clause_id, link.partner_id, partners, now)

    try:
        outcome = service.change_answer(link, sheet, item.id, confirm)
    except _ChangedMeanwhile:
        return False, gettext(CHANGED_MEANWHILE)
    if outcome.status != SaveOutcome.SAVED:
        return False, outcome.errors.get("", gettext("You had already confirmed this part."))
    _audit("agreement_confirmed", link, sheet, step)
    agreed = item.is_agreed(outcome.state[item.id].value)
    return True, (
        gettext("Thank you: you both agree to all of this now.")
        if agreed
        else gettext(
            "Thank you: your confirmation is saved. Your partner confirms on their own link."
        )
    )


class _ChangedMeanwhile(Exception):
    """The clause's stored values differ from what the partner's page showed."""


def _audit(action: str, link: service.Link, sheet: service.LinkWorksheet, step: Step) -> None:
    audit.record(
        action,
        "response",
        sheet.response.id,
        couple_id=link.assignment.couple_id,
        actor=audit.CLIENT_LINK,
        detail=f"item={step.item.id},clause={step.clause_id},partner={link.partner_id}",
    )
