"""A FHIR QuestionnaireResponse stored as one partner's answers to one of the practice's
worksheets: answers collected on paper or in another tool.

Two steps, both from the same uploaded text: ``preview`` says what would be stored (which
worksheet, which answers, what was skipped and why) and stores nothing; ``store`` reads it
again and stores it all, or raises ImportRefused and stores nothing. Answers pass the same
cleaning as the client page's (clinic.worksheets.response_reader), are sealed like every
answer, may raise the worksheet's alerts, and the import is audited.

The answers arrive as a submitted response of an assignment of their own, dated when the
response was authored, so reviews, trends and scores place them where they belong; the
assignment has no links, so nobody can change them afterwards from a client page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app

from clinic import audit
from clinic.enums import AnsweredBy, ResponseStatus
from clinic.extensions import db
from clinic.models import Answer, AssignedWorksheet, Assignment, Couple, Partner, Response
from clinic.safety import service as safety
from clinic.storage import utcnow
from clinic.worksheets.answers import missing_required
from clinic.worksheets.fhir import canonical_url
from clinic.worksheets.fhir_import import FhirImportError, read_json
from clinic.worksheets.response_reader import read_response
from clinic.worksheets.schema import Worksheet
from clinic.worksheets.versions import snapshot

COUPLE = "couple"  # the partner choice of a worksheet answered together


class ImportRefused(ValueError):
    """Why nothing was stored, in plain words."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class AnswerLine:
    prompt: str
    text: str  # the answer in plain words (``Item.describe``)


@dataclass(frozen=True)
class Preview:
    worksheet: Worksheet
    lines: list[AnswerLine]
    skipped: list[str]  # linkIds answered that the worksheet does not have
    hidden: list[str]  # prompts of answers that earlier answers hide, so not kept
    unanswered: list[str]  # prompts of required questions without an answer
    problems: list[str]  # answers that do not fit: nothing can be stored
    authored: datetime | None

    @property
    def storable(self) -> bool:
        return not self.problems and bool(self.lines)


def guess_worksheet(catalogue: dict[str, Worksheet], raw: str) -> str | None:
    """The catalogue key of the worksheet the response names (its ``questionnaire``)."""
    try:
        resource = read_json(raw)
    except FhirImportError:
        return None
    named = resource.get("questionnaire") if isinstance(resource, dict) else None
    if not isinstance(named, str):
        return None
    url = named.partition("|")[0]
    return next((key for key, ws in catalogue.items() if canonical_url(ws) == url), None)


def preview(worksheet: Worksheet, raw: str) -> Preview:
    """What storing this response would store; ImportRefused when it is not one at all."""
    try:
        resource = read_json(raw)
    except FhirImportError as error:
        raise ImportRefused(error.problems) from None
    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        raise ImportRefused(["This is not a FHIR QuestionnaireResponse."])
    reading = read_response(worksheet, resource)
    items = {item.id: item for _, item in worksheet.items()}
    lines = [
        AnswerLine(items[item_id].prompt, items[item_id].describe(value))
        for item_id, value in reading.answers.items()
    ]
    if not lines and not reading.problems:
        reading.problems.append("No answer in this file fits the worksheet.")
    return Preview(
        worksheet=worksheet,
        lines=lines,
        skipped=reading.skipped,
        hidden=[items[i].prompt for i in reading.hidden],
        unanswered=[items[i].prompt for i in missing_required(worksheet, reading.answers)],
        problems=reading.problems,
        authored=_authored(resource.get("authored")),
    )


def store(couple: Couple, worksheet: Worksheet, raw: str, who: str) -> Response:
    """Store the response as ``who``'s answers (a partner id, or COUPLE); all or nothing."""
    seen = preview(worksheet, raw)
    if not seen.storable:
        raise ImportRefused(seen.problems)
    joint = worksheet.answered_by == AnsweredBy.COUPLE
    partner = _partner(couple, who, joint)
    answers = read_response(worksheet, read_json(raw)).answers
    when = seen.authored or utcnow()
    version = snapshot(worksheet)  # first: it may query, which flushes
    assignment = Assignment(
        couple=couple, link_days=current_app.config["LINK_DAYS"], created_at=when
    )
    assigned = AssignedWorksheet(
        worksheet_version=version,
        position=0,
        answered_by=AnsweredBy.COUPLE if joint else AnsweredBy.EACH_PARTNER,
    )
    response = Response(
        partner_id=partner.id if partner else None,
        status=ResponseStatus.SUBMITTED,
        opened_at=when,
        updated_at=when,
        submitted_at=when,
        answers=[
            Answer(item_id=i, value=v, shareable=False, updated_at=when) for i, v in answers.items()
        ],
    )
    assigned.responses.append(response)
    assignment.worksheets.append(assigned)
    db.session.add(assignment)
    db.session.flush()
    safety.raise_alerts(response, worksheet, answers)
    audit.record(
        "response_imported",
        "response",
        response.id,
        couple_id=couple.id,
        detail=f"format=fhir,worksheet={worksheet.id},answers={len(answers)}",
    )
    return response


def _partner(couple: Couple, who: str, joint: bool) -> Partner | None:
    if joint:
        if who != COUPLE:
            raise ImportRefused(["This worksheet is answered by the couple together."])
        return None
    partner = next((p for p in couple.partners if str(p.id) == who), None)
    if partner is None:
        raise ImportRefused(["Choose the partner whose answers these are."])
    return partner


def _authored(value: Any) -> datetime | None:
    """The response's ``authored`` time (UTC), if it gives a sensible one."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return when.astimezone(UTC) if when <= utcnow() else None
