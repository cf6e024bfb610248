"""Answers in plain words, for showing two versions of an answer side by side."""

from typing import Any

from flask_babel import gettext

from clinic.worksheets.items import Item


def describe(item: Item, value: Any) -> str:
    """One readable text for a stored answer value (see docs/worksheet-format.md)."""
    if value in (None, "", [], {}):
        return gettext("(no answer)")  # in the reader's language, as the rest of the page
    return item.describe(value)
