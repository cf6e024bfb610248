"""Answers read back from a FHIR R4 QuestionnaireResponse, for scoring answers collected
elsewhere (``flask --app clinic worksheets score``).

Only questions answered with one plain value per answer are read (choices, scales, text):
the linkId is the item id, as ``to_questionnaire`` exports it. Every answer still passes
``clean_answer``, so a value that does not fit its item is a problem, never a score.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clinic.worksheets.answers import AnswerError, clean_answer
from clinic.worksheets.items import MultipleChoiceItem
from clinic.worksheets.schema import Worksheet

VALUE_KEYS = ("valueCoding", "valueInteger", "valueString", "valueDecimal")


def answers_from_response(ws: Worksheet, resource: Any) -> tuple[dict[str, Any], list[str]]:
    """(stored answer values by item id, problems in plain words)."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        return {}, ["the file is not a FHIR QuestionnaireResponse (resourceType)"]
    items = {item.id: item for _, item in ws.items()}
    answers: dict[str, Any] = {}
    problems: list[str] = []
    for link_id, given in _answered(resource.get("item")):
        item = items.get(link_id)
        if item is None:
            continue  # sections, help texts and other systems' extras
        values = [_plain(answer) for answer in given]
        if any(v is None for v in values):
            problems.append(f"{link_id}: an answer of a kind this command cannot read")
            continue
        raw = values if isinstance(item, MultipleChoiceItem) else values[0]
        try:
            value = clean_answer(item, raw)
        except AnswerError as exc:
            problems.append(f"{link_id}: {exc}")
            continue
        if value is not None:
            answers[link_id] = value
    return answers, problems


def _answered(nodes: Any) -> Iterator[tuple[str, list[Any]]]:
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict):
            continue
        given = node.get("answer")
        if isinstance(given, list) and given and isinstance(node.get("linkId"), str):
            yield node["linkId"], given
        yield from _answered(node.get("item"))


def _plain(answer: Any) -> Any:
    """The one value of a FHIR answer as the form would send it, or None."""
    if not isinstance(answer, dict):
        return None
    for key in VALUE_KEYS:
        if key in answer:
            value = answer[key]
            if key == "valueCoding":
                value = value.get("code") if isinstance(value, dict) else None
            if key == "valueDecimal" and isinstance(value, float) and value.is_integer():
                value = int(value)
            return value if isinstance(value, str | int) and not isinstance(value, bool) else None
    return None
