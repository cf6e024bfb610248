"""Answers in plain words, for showing two versions of an answer side by side."""

from typing import Any

from clinic.worksheets.items import Item

NO_ANSWER = "(no answer)"


def describe(item: Item, value: Any) -> str:
    """One readable text for a stored answer value (see docs/worksheet-format.md)."""
    if value in (None, "", [], {}):
        return NO_ANSWER
    return item.describe(value)
