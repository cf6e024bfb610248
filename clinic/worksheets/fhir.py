"""Export a worksheet as a FHIR R4 Questionnaire, so clinics can bring it into other systems.

linkIds follow the form field names without the ``a.`` prefix (``pace``, ``acts.kissing.nn``),
which lets a QuestionnaireResponse exporter map answers one to one; a grid row is a group
``<item>.<row>`` whose answer question is ``<item>.<row>.answer``.
Section groups use ``s:<section id>`` and help texts ``<item id>:help``: item ids cannot
contain ``:`` so these never collide with item linkIds.
"""

from __future__ import annotations

from typing import Any

from clinic.worksheets.schema import (
    GRID_ANSWERS,
    MAX_MINUTES_FIELD,
    RESERVED_FIELD_ID,
    RESERVED_PHRASE_ID,
    AgreementItem,
    BoundaryGridItem,
    Item,
    ReframeItem,
    ScaleItem,
    Worksheet,
)

CANONICAL_BASE = "urn:tandem:worksheet:"
THEME_SYSTEM = "urn:tandem:theme"
_MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


def to_questionnaire(ws: Worksheet, base_url: str = CANONICAL_BASE) -> dict[str, Any]:
    """The worksheet as a FHIR R4 Questionnaire resource (a JSON-ready dict).

    The therapist guide is left out on purpose: a Questionnaire travels to other systems
    and may be shown to clients there.
    """
    return {
        "resourceType": "Questionnaire",
        "id": ws.id,
        "url": f"{base_url}{ws.id}",
        "identifier": [{"system": base_url.rstrip(":/"), "value": ws.id}],
        "version": str(ws.version),
        "name": "".join(part.capitalize() for part in ws.id.split("-")),
        "title": ws.title,
        "status": "active",
        "description": ws.purpose,
        "code": [{"system": THEME_SYSTEM, "code": theme} for theme in ws.themes],
        "item": [
            {
                "linkId": f"s:{section.id}",
                "type": "group",
                "text": section.title,
                "item": [_item(item) for item in section.items],
            }
            for section in ws.sections
        ],
    }


def _coding(options: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"valueCoding": {"code": value, "display": label}} for value, label in options]


def _question(link_id: str, kind: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"linkId": link_id, "type": kind, "text": text, **extra}


def _item(item: Item) -> dict[str, Any]:
    out = _question(item.id, "group", item.prompt)
    if item.required:
        out["required"] = True
    if item.type in {"short_text", "long_text"}:
        out["type"] = "string" if item.type == "short_text" else "text"
        out["maxLength"] = item.max_length
    elif item.type in {"single_choice", "multiple_choice"}:
        out["type"] = "choice"
        out["answerOption"] = _coding([(o.value, o.label) for o in item.options])
        out["repeats"] = item.type == "multiple_choice"
    elif isinstance(item, ScaleItem):
        out.update(_scale(item))
    else:
        out["item"] = _children(item)
    if item.help:
        out.setdefault("item", []).append(_question(f"{item.id}:help", "display", item.help))
    return out


def _scale(item: ScaleItem) -> dict[str, Any]:
    """Integer with bounds; a choice instead when the author labelled points, to keep them."""
    if item.points:
        labels = [(str(v), f"{v} - {label}" if label else str(v)) for v, label in item.choices()]
        return {"type": "choice", "answerOption": _coding(labels)}
    return {
        "type": "integer",
        "extension": [
            {"url": _MIN_VALUE, "valueInteger": item.min},
            {"url": _MAX_VALUE, "valueInteger": item.max},
        ],
    }


def _children(item: BoundaryGridItem | ReframeItem | AgreementItem) -> list[dict[str, Any]]:
    base = item.id
    if isinstance(item, BoundaryGridItem):
        grid = _coding(list(GRID_ANSWERS.items()))
        return [
            _question(
                f"{base}.{row.id}",
                "group",
                row.label,
                item=[
                    _question(f"{base}.{row.id}.answer", "choice", "Answer", answerOption=grid),
                    _question(f"{base}.{row.id}.nn", "boolean", "Non-negotiable"),
                    _question(f"{base}.{row.id}.note", "string", "Note"),
                ],
            )
            for row in item.rows
        ]
    if isinstance(item, ReframeItem):
        own = f"{base}.{RESERVED_PHRASE_ID}"
        children = [_question(f"{base}.{p.id}", "text", p.text) for p in item.phrases]
        if item.allow_own:
            children.append(
                _question(
                    own,
                    "group",
                    "Your own phrase",
                    item=[
                        _question(f"{own}.original", "text", "Phrase"),
                        _question(f"{own}.rewrite", "text", "Rewrite"),
                    ],
                )
            )
        return children
    return [
        _question(
            f"{base}.{clause.id}",
            "group",
            clause.text,
            item=[
                *(_field(f"{base}.{clause.id}.{f.id}", f) for f in clause.fields),
                _question(f"{base}.{clause.id}.{RESERVED_FIELD_ID}", "boolean", "Agreed"),
            ],
        )
        for clause in item.clauses
    ]


def _field(link_id: str, field: Any) -> dict[str, Any]:
    if field.kind == "choice":
        options = _coding([(o.value, o.label) for o in field.options])
        return _question(link_id, "choice", field.label, answerOption=options)
    if field.kind == "minutes":
        return _question(
            link_id,
            "integer",
            field.label,
            extension=[
                {"url": _MIN_VALUE, "valueInteger": 0},
                {"url": _MAX_VALUE, "valueInteger": MAX_MINUTES_FIELD},
            ],
        )
    return _question(link_id, "string", field.label)
