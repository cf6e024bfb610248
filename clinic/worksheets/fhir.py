"""Export a worksheet as a FHIR R4 Questionnaire, so clinics can bring it into other systems.

linkIds follow the form field names without the ``a.`` prefix (``pace``, ``acts.kissing.nn``),
which lets a QuestionnaireResponse exporter map answers one to one; each item type builds both
halves (``Item.questionnaire_item`` and ``Item.questionnaire_answer``). A grid row is a group
``<item>.<row>`` whose answer question is ``<item>.<row>.answer``.
Section groups use ``s:<section id>``, their intros ``s:<section id>:intro``, the worksheet's
instructions ``:instructions``, help texts ``<item id>:help`` and a scale's end labels
``<item id>:min`` and ``<item id>:max``: item ids cannot contain ``:`` so these never collide
with item linkIds. Every text a partner reads on the form is in the Questionnaire.

A worksheet imported from a Questionnaire (clinic.worksheets.fhir_import) keeps that
Questionnaire's linkIds, codes and url in its ``fhir`` fields, and they are used here again,
so other systems get back the names they know. Every item names its Tandem type in the
``urn:tandem:item-type`` extension, so that importing Tandem's own export gives it back.
"""

from __future__ import annotations

from typing import Any

from clinic.worksheets.items.base import ShowIf, question
from clinic.worksheets.schema import THEME_LABELS, Section, Worksheet

CANONICAL_BASE = "urn:tandem:worksheet:"
THEME_SYSTEM = "urn:tandem:theme"


def to_questionnaire(ws: Worksheet, base_url: str = CANONICAL_BASE) -> dict[str, Any]:
    """The worksheet as a FHIR R4 Questionnaire resource (a JSON-ready dict).

    The therapist guide is left out on purpose: a Questionnaire travels to other systems
    and may be shown to clients there.
    """
    origin = ws.fhir
    return {
        "resourceType": "Questionnaire",
        "id": ws.id,
        "url": canonical_url(ws, base_url),
        "identifier": [{"system": base_url.rstrip(":/"), "value": ws.id}],
        "version": str(ws.version),
        "name": "".join(part.capitalize() for part in ws.id.split("-")),
        "title": ws.title,
        "status": "active",
        "description": ws.purpose,
        "code": [
            *(
                {"system": THEME_SYSTEM, "code": theme, "display": THEME_LABELS[theme]}
                for theme in ws.themes
            ),
            *(c.fhir() for c in (origin.codes if origin else [])),
        ],
        "item": [
            question(":instructions", "display", ws.instructions),
            *(_section_group(ws, section) for section in ws.sections),
        ],
    }


def canonical_url(ws: Worksheet, base_url: str = CANONICAL_BASE) -> str:
    """The Questionnaire's url: the one kept from an import, else Tandem's own."""
    return ws.fhir.url if ws.fhir and ws.fhir.url else f"{base_url}{ws.id}"


def _section_group(ws: Worksheet, section: Section) -> dict[str, Any]:
    link = section.link_id
    intro = [question(f"{link}:intro", "display", section.intro)] if section.intro else []
    codes = {"code": [c.fhir() for c in section.fhir.codes]} if section.fhir else {}
    return {
        "linkId": link,
        "type": "group",
        "text": section.title,
        **(codes if codes.get("code") else {}),
        **enable_when(ws, section.show_if),
        "item": [
            *intro,
            *(
                {**item.questionnaire_item(), **enable_when(ws, item.show_if)}
                for item in section.items
            ),
        ],
    }


def enable_when(ws: Worksheet, show_if: ShowIf | None) -> dict[str, Any]:
    """``show_if`` as enableWhen and enableBehavior; the schema refuses what cannot map."""
    if show_if is None:
        return {}
    entries = [
        entry
        for condition in show_if.conditions
        for entry in ws.item(condition.item).fhir_enable_when(condition)
    ]
    behavior = show_if.behavior if len(show_if.conditions) > 1 else "any"
    out: dict[str, Any] = {"enableWhen": entries}
    if len(entries) > 1:
        out["enableBehavior"] = behavior
    return out
