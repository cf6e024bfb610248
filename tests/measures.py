"""A PHQ-9-shaped measure built inside the test suite: the published structure and scoring
facts (nine items scored 0-3, total 0-27, bands from 5, 10, 15 and 20), placeholder wording."""

from __future__ import annotations

from typing import Any

import yaml

OPTIONS = ["Placeholder answer A", "Placeholder answer B", "Placeholder answer C", "D"]
BANDS = [
    (0, 4, "Minimal"),
    (5, 9, "Mild"),
    (10, 14, "Moderate"),
    (15, 19, "Moderately severe"),
    (20, 27, "Severe"),
]


def nine_item_measure(**changes: Any) -> dict[str, Any]:
    """The definition as a dict; ``changes`` replace top-level keys."""
    items = [
        {
            "id": f"q{n}",
            "type": "single_choice",
            "prompt": f"Placeholder question {n}",
            "options": [
                {"value": f"a{score}", "label": label, "score": score}
                for score, label in enumerate(OPTIONS)
            ],
        }
        for n in range(1, 10)
    ]
    data: dict[str, Any] = {
        "id": "nine-item-measure",
        "version": 1,
        "title": "Nine item measure",
        "purpose": "Placeholder purpose.",
        "minutes": 5,
        "themes": ["check-in"],
        "answered_by": "each_partner",
        "private_only": True,
        "instructions": "Placeholder instructions.",
        "guide": {"how_to_use": "Test.", "look_for": "Test.", "when_not_to_use": "Test."},
        "discussion_prompts": ["Placeholder prompt"],
        "sections": [{"id": "main", "title": "Placeholder section", "items": items}],
        "alerts": [{"item": "q9", "any_of": ["a1", "a2", "a3"], "urgency": "urgent"}],
        "scoring": {
            "about": "Placeholder measure for tests.",
            "scores": [
                {
                    "id": "total",
                    "label": "Total",
                    "items": [f"q{n}" for n in range(1, 10)],
                    "higher_is": "worse",
                    "bands": [{"min": lo, "max": hi, "label": name} for lo, hi, name in BANDS],
                    "cutoff": 10,
                    "reliability": 0.84,
                    "sd": 5.7,
                }
            ],
        },
    }
    data.update(changes)
    return data


def nine_item_yaml(**changes: Any) -> str:
    return yaml.safe_dump(nine_item_measure(**changes), sort_keys=False)


def answers_scoring(*scores: int) -> dict[str, str]:
    """Answers to q1.. with these item scores."""
    return {f"q{n}": f"a{score}" for n, score in enumerate(scores, start=1)}


LOINC = "http://loinc.org"
ANSWER_CODES = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]  # the published answer list


def nine_item_questionnaire() -> dict[str, Any]:
    """The same measure as another system would send it: a FHIR R4 Questionnaire with
    LOINC-style linkIds and codes, answers scored with the ordinalValue extension and no
    Tandem extension at all (placeholder wording; no bands, which FHIR R4 cannot carry)."""
    ordinal = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
    return {
        "resourceType": "Questionnaire",
        "id": "nine-item-measure",
        "url": "http://example.org/fhir/Questionnaire/nine-item-measure",
        "name": "NineItemMeasure",
        "title": "Nine item measure",
        "status": "active",
        "description": "Placeholder purpose.",
        "code": [{"system": LOINC, "code": "44249-1", "display": "Placeholder panel"}],
        "item": [
            {"linkId": "intro", "type": "display", "text": "Placeholder instructions."},
            {
                "linkId": "/44249-1",
                "type": "group",
                "text": "Placeholder section",
                "item": [
                    {
                        "linkId": f"/4425{n}-9",
                        "code": [{"system": LOINC, "code": f"4425{n}-9"}],
                        "type": "choice",
                        "required": True,
                        "text": f"Placeholder question {n}",
                        "answerOption": [
                            {
                                "valueCoding": {"system": LOINC, "code": code, "display": label},
                                "extension": [{"url": ordinal, "valueDecimal": score}],
                            }
                            for score, (code, label) in enumerate(
                                zip(ANSWER_CODES, OPTIONS, strict=True)
                            )
                        ],
                    }
                    for n in range(1, 10)
                ],
            },
        ],
    }
