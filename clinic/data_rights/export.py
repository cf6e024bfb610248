"""A couple's full record: JSON for people and archives, FHIR R4 for other clinical systems."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from clinic.data_rights.closure import THERAPIST_ONLY_COLUMNS, couple_closure, primary_key
from clinic.extensions import db
from clinic.models import (
    AssignedWorksheet,
    Assignment,
    AuditEvent,
    Couple,
    Response,
    WorksheetVersion,
)
from clinic.storage import utcnow
from clinic.worksheets.fhir import canonical_url, to_questionnaire
from clinic.worksheets.schema import Worksheet
from clinic.worksheets.versions import worksheet_of

FORMAT = "tandem-couple-record"
# Secrets and hashes are not the client's data and help no one outside this server.
LEFT_OUT_COLUMNS = {"token_hash", "password_hash", "totp_secret", "code_hash", "key_hash"}
SHAREABLE_EXTENSION = "urn:tandem:shareable"
BCP47 = "urn:ietf:bcp:47"  # the code system of FHIR languages
_UUID_NAMESPACE = uuid.UUID("6f1c3a52-0d7e-4c1b-9a55-3e2f8f4d2a10")


def couple_record(couple: Couple, partner_id: int | None = None) -> dict[str, Any]:
    """Every row the couple owns, table by table, with sealed text opened, plus who accessed it.

    With ``partner_id``: only what that partner may be given (see ``couple_closure``).
    """
    tables: dict[str, list[dict[str, Any]]] = {}
    referenced_versions: set[int] = set()
    for table, ids in couple_closure(couple.id, partner_id).items():
        pk = primary_key(table)
        left_out = LEFT_OUT_COLUMNS | (
            THERAPIST_ONLY_COLUMNS.get(table.name, set()) if partner_id is not None else set()
        )
        rows = db.session.execute(select(table).where(pk.in_(ids)).order_by(pk)).mappings()
        tables[table.name] = [
            {key: _plain(value) for key, value in row.items() if key not in left_out}
            for row in rows
        ]
        if table.name == AssignedWorksheet.__tablename__:
            referenced_versions.update(r["worksheet_version_id"] for r in tables[table.name])
    return {
        "format": FORMAT,
        "version": 1,
        "exported_at": utcnow().isoformat(),
        "couple_id": couple.id,
        "partner_id": partner_id,
        "tables": tables,
        "worksheets": _worksheet_versions(referenced_versions),
        "access_log": _access_log(couple.id),
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _worksheet_versions(ids: set[int]) -> list[dict[str, Any]]:
    versions = db.session.scalars(
        select(WorksheetVersion).where(WorksheetVersion.id.in_(ids)).order_by(WorksheetVersion.id)
    )
    return [
        {
            "id": v.id,
            "slug": v.slug,
            "version": v.version,
            "title": v.title,
            "content_hash": v.content_hash,
        }
        for v in versions
    ]


def _access_log(couple_id: int) -> list[dict[str, Any]]:
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.couple_id == couple_id).order_by(AuditEvent.id)
    )
    return [
        {
            "occurred_at": e.occurred_at.isoformat(),
            "actor": e.actor,
            "therapist_id": e.therapist_id,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
        }
        for e in events
    ]


def fhir_bundle(couple: Couple, partner_id: int | None = None) -> dict[str, Any]:
    """A FHIR R4 collection Bundle: the couple as a Group, partners as Patients, one
    QuestionnaireResponse per worksheet response, and the Questionnaire each one answers
    (its linkIds are the responses'), so the record can be read where Tandem is not.

    With ``partner_id``: that partner and the couple's joint responses only.
    """
    partners = [p for p in couple.partners if partner_id is None or p.id == partner_id]
    query = (
        select(Response)
        .join(Response.assigned_worksheet)
        .join(AssignedWorksheet.assignment)
        .where(Assignment.couple_id == couple.id)
        .options(
            selectinload(Response.answers),
            selectinload(Response.assigned_worksheet).selectinload(
                AssignedWorksheet.worksheet_version
            ),
        )
        .order_by(Response.id)
    )
    if partner_id is not None:
        query = query.where(or_(Response.partner_id.is_(None), Response.partner_id == partner_id))
    responses = db.session.scalars(query).all()
    group_ref = _ref("couple", couple.id)
    entries = [
        _entry(
            group_ref,
            {
                "resourceType": "Group",
                "type": "person",
                "actual": True,
                "name": couple.label,
                "member": [{"entity": {"reference": _ref("partner", p.id)}} for p in partners],
            },
        )
    ]
    for partner in partners:
        patient: dict[str, Any] = {
            "resourceType": "Patient",
            # The id agreement answers name a partner by (their ".ok.partner" answers).
            "identifier": [{"system": "urn:tandem:partner", "value": str(partner.id)}],
            "name": [{"text": partner.display_name}],
        }
        if partner.email:
            patient["telecom"] = [{"system": "email", "value": partner.email}]
        if partner.language:
            language = {"coding": [{"system": BCP47, "code": _bcp47(partner.language)}]}
            patient["communication"] = [{"language": language, "preferred": True}]
        entries.append(_entry(_ref("partner", partner.id), patient))
    for response in responses:
        entries.append(
            _entry(_ref("response", response.id), _questionnaire_response(response, group_ref))
        )
    # The Questionnaires the record's answers answer: an unopened worksheet adds none.
    versions = {r.assigned_worksheet.worksheet_version for r in responses if r.answers}
    for version in sorted(versions, key=lambda v: v.id):
        entries.append(
            _entry(_ref("worksheet", version.id), to_questionnaire(worksheet_of(version)))
        )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": utcnow().isoformat(),
        "entry": entries,
    }


def _ref(kind: str, object_id: int) -> str:
    return f"urn:uuid:{uuid.uuid5(_UUID_NAMESPACE, f'{kind}:{object_id}')}"


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": full_url, "resource": resource}


def _bcp47(code: str) -> str:
    """A Babel code (``pt_BR``) as FHIR writes languages (``pt-BR``)."""
    return code.replace("_", "-")


def _questionnaire_response(response: Response, group_ref: str) -> dict[str, Any]:
    version = response.assigned_worksheet.worksheet_version
    worksheet = worksheet_of(version)
    out: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": "urn:tandem:response", "value": str(response.id)},
        "questionnaire": f"{canonical_url(worksheet)}|{version.version}",
        "status": "completed" if response.submitted_at else "in-progress",
        "subject": {"reference": group_ref},
    }
    if response.language:  # the language the answers were written in
        out["language"] = _bcp47(response.language)
    if response.partner_id is not None:
        out["author"] = {"reference": _ref("partner", response.partner_id)}
        out["source"] = {"reference": _ref("partner", response.partner_id)}
    authored = response.submitted_at or response.updated_at
    if authored is not None:
        out["authored"] = authored.isoformat()
    items = _response_items(worksheet, {a.item_id: a for a in response.answers})
    if items:
        out["item"] = items
    return out


def _response_items(worksheet: Worksheet, answers: dict) -> list[dict[str, Any]]:
    sections = []
    for section in worksheet.sections:
        children = []
        for item in section.items:
            answer = answers.get(item.id)
            if answer is None or answer.value is None:
                continue
            node = item.questionnaire_answer(answer.value)
            if node is None:
                continue
            node["extension"] = [{"url": SHAREABLE_EXTENSION, "valueBoolean": answer.shareable}]
            children.append(node)
        if children:
            sections.append({"linkId": section.link_id, "text": section.title, "item": children})
    return sections
