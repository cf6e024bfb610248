"""Which answers raise a safety alert, from the ``alerts:`` rules of a worksheet definition.

Plain Python, no database and no Flask, so the rules of any worksheet (built-in or a
therapist's own) are evaluated the same way in the app, in tests and in scripts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from clinic.enums import Urgency
from clinic.worksheets.answers import AnswerError, clean_answer, is_answered
from clinic.worksheets.schema import AlertRule, Item, Worksheet


@dataclass(frozen=True)
class Alert:
    """One rule that an answer meets."""

    item_id: str
    urgency: Urgency
    rule: AlertRule


def raised_alerts(worksheet: Worksheet, answers: Mapping[str, Any]) -> list[Alert]:
    """The worksheet's alert rules that these stored answers meet, in rule order.

    A value that no longer fits its item (say a hand-edited export) raises nothing rather
    than failing: alerts must never stop a partner's answers from being saved.
    """
    raised = []
    for rule in worksheet.alerts:
        try:
            item = worksheet.item(rule.item)
            value = clean_answer(item, answers.get(rule.item))
        except (KeyError, AnswerError):
            continue
        if value is not None and _meets(rule, item, value):
            raised.append(Alert(rule.item, Urgency(rule.urgency), rule))
    return raised


def most_pressing(urgencies: Iterable[str]) -> Urgency:
    """The most pressing of these urgencies (URGENT before SOON before REVIEW)."""
    return min(map(Urgency, urgencies), key=lambda urgency: urgency.rank)


def _meets(rule: AlertRule, item: Item, value: Any) -> bool:
    if rule.any_of is not None:
        chosen = value if isinstance(value, list) else [value]
        return any(v in rule.any_of for v in chosen)
    if rule.at_least is not None:
        return isinstance(value, int) and value >= rule.at_least
    if rule.at_most is not None:
        return isinstance(value, int) and value <= rule.at_most
    return bool(rule.answered) and is_answered(item, value)
