"""Which questions a respondent is shown, from the ``show_if`` of items and sections.

One rule everywhere (client page, saving, progress, review, PDFs, scores): a question is
shown when its section's and its own conditions are met by the answers *shown* before it,
so hiding a question also hides what depends on it. A hidden question is not required and
its answer is not kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clinic.worksheets.items import AnswerError, Item, unanswered
from clinic.worksheets.items.base import Condition, ShowIf
from clinic.worksheets.schema import Worksheet


def visible_answers(worksheet: Worksheet, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers of shown questions only."""
    shown = shown_items(worksheet, answers)
    return {item_id: value for item_id, value in answers.items() if item_id in shown}


def shown_items(worksheet: Worksheet, answers: Mapping[str, Any]) -> set[str]:
    """Ids of the items shown to a respondent who gave these answers."""
    items = {item.id: item for _, item in worksheet.items()}
    kept: dict[str, Any] = {}
    shown: set[str] = set()
    for section in worksheet.sections:
        if not is_met(section.show_if, items, kept):
            continue
        for item in section.items:
            if is_met(item.show_if, items, kept):
                shown.add(item.id)
                if answers.get(item.id) is not None:
                    kept[item.id] = answers[item.id]
    return shown


def is_met(show_if: ShowIf | None, items: Mapping[str, Item], kept: Mapping[str, Any]) -> bool:
    if show_if is None:
        return True
    results = (_meets(items.get(c.item), c, kept.get(c.item)) for c in show_if.conditions)
    return all(results) if show_if.behavior == "all" else any(results)


def _meets(item: Item | None, condition: Condition, value: Any) -> bool:
    if item is None or value is None:
        return False
    try:
        value = item.clean(value)
    except AnswerError:
        return False
    return not unanswered(value) and item.meets(condition, value)
