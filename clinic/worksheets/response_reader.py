"""Answers read back from a FHIR R4 QuestionnaireResponse: answers collected on paper or in
another tool, for scoring them (``flask --app clinic worksheets score``) or storing them as a
partner's answers (clinic.data_rights.response_import).

An item is found by its linkId (``Item.link_id``: its id, or the linkId kept from an imported
Questionnaire); each item type reads its own answer shape (``Item.from_fhir_answer``, the
inverse of ``questionnaire_answer``) and every value still passes ``clean_answer``, so a
value that does not fit its item is a problem, never a stored answer or a score.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from clinic.worksheets.answers import AnswerError, clean_answer
from clinic.worksheets.conditions import visible_answers
from clinic.worksheets.items import Item
from clinic.worksheets.schema import Worksheet

MAX_DEPTH = 20


@dataclass
class Reading:
    """What a QuestionnaireResponse holds for one worksheet."""

    answers: dict[str, Any] = field(default_factory=dict)  # stored values by item id
    problems: list[str] = field(default_factory=list)  # answers that do not fit, in plain words
    skipped: list[str] = field(default_factory=list)  # linkIds answered that the worksheet lacks
    hidden: list[str] = field(default_factory=list)  # item ids that earlier answers hide


def read_response(ws: Worksheet, resource: Any) -> Reading:
    """Every answer of the response that fits the worksheet, and what did not."""
    reading = Reading()
    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        reading.problems.append("This is not a FHIR QuestionnaireResponse (resourceType).")
        return reading
    items = {item.link_id: item for _, item in ws.items()}
    for node, item in _answered(resource.get("item"), items, reading):
        try:
            value = clean_answer(item, item.from_fhir_answer(node))
        except AnswerError as exc:
            reading.problems.append(f"{item.link_id}: {exc}")
            continue
        if value is not None:
            reading.answers[item.id] = item.private_copy(value) if ws.private_only else value
    shown = visible_answers(ws, reading.answers)
    reading.hidden = [i for i in reading.answers if i not in shown]
    reading.answers = shown
    return reading


def answers_from_response(ws: Worksheet, resource: Any) -> tuple[dict[str, Any], list[str]]:
    """(stored answer values by item id, problems in plain words)."""
    reading = read_response(ws, resource)
    return reading.answers, reading.problems


def _answered(
    nodes: Any, items: dict[str, Item], reading: Reading, depth: int = 0
) -> Iterator[tuple[dict[str, Any], Item]]:
    """(node, item) for every node naming an item; other answered linkIds are skipped.

    Tandem's responses nest three deep at most; a deeper file is read no further than
    MAX_DEPTH, so no upload can exhaust the stack.
    """
    if depth > MAX_DEPTH:
        reading.problems.append("The response nests its items too deeply to be read.")
        return
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict):
            continue
        item = items.get(str(node.get("linkId")))
        if item is not None:
            yield node, item
            continue
        if node.get("answer"):
            reading.skipped.append(str(node.get("linkId"))[:80])
        yield from _answered(node.get("item"), items, reading, depth + 1)
