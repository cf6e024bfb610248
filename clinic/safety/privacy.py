"""Answers to a private_only worksheet are never shareable, whatever path stores them.

The client form offers no share box for such worksheets and ``parse_form`` ignores a forged
one; this listener is the last line: any Answer flushed as shareable whose response belongs
to a private_only worksheet is stored as "for my therapist only". The client's save writes
answers as plain statements, which no flush sees, so it applies the same rule itself
(clinic.client.service._write_answers).
"""

import json
from itertools import chain

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from clinic.models import Answer, AssignedWorksheet, Response, WorksheetVersion
from clinic.worksheets.versions import worksheet_of


def is_private(version: WorksheetVersion) -> bool:
    """Whether a stored worksheet is private_only; an unreadable definition counts as private."""
    try:
        return worksheet_of(version).private_only
    except ValueError:  # pydantic's ValidationError too
        try:
            return json.loads(version.definition).get("private_only") is not False
        except (ValueError, AttributeError):
            return True


def is_private_worksheet(assigned: AssignedWorksheet) -> bool:
    """Whether an assigned worksheet's answers must stay out of everything joint."""
    return is_private(assigned.worksheet_version)


@event.listens_for(Session, "before_flush")
def _keep_private_answers_private(session: Session, _context, _instances) -> None:
    answers = [
        obj
        for obj in chain(session.new, session.dirty)
        if isinstance(obj, Answer) and obj.shareable
    ]
    if not answers:
        return
    with session.no_autoflush:
        private = _private_response_ids(session, answers)
        for answer in answers:
            if _response_id(answer) in private or _pending_private(answer):
                answer.shareable = False


def _response_id(answer: Answer) -> int | None:
    if answer.response_id is not None:
        return answer.response_id
    response = answer.response
    return response.id if response is not None else None


def _private_response_ids(session: Session, answers: list[Answer]) -> set[int]:
    ids = {rid for rid in map(_response_id, answers) if rid is not None}
    if not ids:
        return set()
    rows = session.execute(
        select(Response.id, WorksheetVersion)
        .join(AssignedWorksheet, AssignedWorksheet.id == Response.assigned_worksheet_id)
        .join(WorksheetVersion, WorksheetVersion.id == AssignedWorksheet.worksheet_version_id)
        .where(Response.id.in_(ids))
    )
    return {response_id for response_id, version in rows if is_private(version)}


def _pending_private(answer: Answer) -> bool:
    """An answer whose response is not stored yet: decided from the objects in memory."""
    response = answer.response
    if response is None or response.id is not None:
        return False
    assigned = response.assigned_worksheet
    return (
        assigned is not None
        and assigned.worksheet_version is not None
        and is_private_worksheet(assigned)
    )
