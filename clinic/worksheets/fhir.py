"""Export a worksheet as a FHIR R4 Questionnaire, so clinics can bring it into other systems.

linkIds follow the form field names without the ``a.`` prefix (``pace``, ``acts.kissing.nn``),
which lets a QuestionnaireResponse exporter map answers one to one; each item type builds both
halves (``Item.questionnaire_item`` and ``Item.questionnaire_answer``). A grid row is a group
``<item>.<row>`` whose answer question is ``<item>.<row>.answer``.
Section groups use ``s:<section id>`` and help texts ``<item id>:help``: item ids cannot
contain ``:`` so these never collide with item linkIds.
"""

from __future__ import annotations

from typing import Any

from clinic.worksheets.schema import Worksheet

CANONICAL_BASE = "urn:tandem:worksheet:"
THEME_SYSTEM = "urn:tandem:theme"


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
                "item": [item.questionnaire_item() for item in section.items],
            }
            for section in ws.sections
        ],
    }
