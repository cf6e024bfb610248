"""Answer values: validate and normalise them, measure progress, and read them from HTML forms.

The stored shapes are the contract in docs/worksheet-format.md; each item type cleans and
reads its own (clinic.worksheets.items). Everything that reaches the database passes
``clean_answer``, so review pages and PDFs can trust the shape; anything a partner's browser
sends is untrusted and only ever produces ``AnswerError`` messages.
"""

from __future__ import annotations

from typing import Any

from clinic.i18n import N_
from clinic.worksheets.conditions import shown_items
from clinic.worksheets.items import AnswerError, Fields, Item, unanswered
from clinic.worksheets.schema import Worksheet

# A required item left empty on sending; translated where it is shown.
NEEDS_ANSWER = N_("This question needs an answer.")

__all__ = [
    "NEEDS_ANSWER",
    "AnswerError",
    "clean_answer",
    "is_answered",
    "missing_required",
    "parse_form",
]


def clean_answer(item: Item, raw: Any) -> Any:
    """The normalised stored value for ``raw``, or None when nothing was answered.

    Raises AnswerError for a value of the wrong type, an unknown option, row, phrase, clause
    or field id, or text over its limit.
    """
    if raw is None:
        return None
    value = item.clean(raw)
    return None if unanswered(value) else value


def is_answered(item: Item, value: Any) -> bool:
    """Whether ``value`` completes the item; a malformed value counts as unanswered."""
    try:
        value = clean_answer(item, value)
    except AnswerError:
        return False
    return value is not None and item.is_complete(value)


def progress(worksheet: Worksheet, answers: dict[str, Any]) -> tuple[int, int]:
    """(answered parts, parts shown) for "18 of 40 answered": each item counts its own parts
    (``Item.answer_units``), so a grid moves on with every row; questions that earlier answers
    hide (``show_if``) do not count, and a malformed value counts as unanswered."""
    shown = shown_items(worksheet, answers)
    answered = total = 0
    for _, item in worksheet.items():
        if item.id not in shown:
            continue
        try:
            value = clean_answer(item, answers.get(item.id))
        except AnswerError:
            value = None
        done, parts = item.answer_units(value)
        answered, total = answered + done, total + parts
    return answered, total


def missing_required(worksheet: Worksheet, answers: dict[str, Any]) -> list[str]:
    """Ids of required items shown but not yet answered, in reading order; empty means
    "may submit". A question hidden by an earlier answer is never required."""
    shown = shown_items(worksheet, answers)
    return [
        item.id
        for _, item in worksheet.items()
        if item.required and item.id in shown and not is_answered(item, answers.get(item.id))
    ]


def parse_form(worksheet: Worksheet, form: Any) -> tuple[dict[str, Any], set[str], dict[str, str]]:
    """Read a submitted worksheet form: (answers, shareable item ids, errors by item id).

    Only the field names the worksheet defines are read (see "Form field names" in the doc),
    so unknown or tampered names are ignored, and so is any share box (of an answer or of a
    grid row) on a private_only worksheet. An item whose fields do not validate is left out of
    ``answers`` and explained in ``errors``; unanswered items are left out too, and so are the
    answers of questions that earlier answers hide (``show_if``): a hidden answer is never kept.
    """
    fields = Fields(form)
    answers: dict[str, Any] = {}
    shareable: set[str] = set()
    errors: dict[str, str] = {}
    for _, item in worksheet.items():
        try:
            value = clean_answer(item, item.read_form(fields, f"a.{item.id}"))
        except AnswerError as exc:
            errors[item.id] = str(exc)
        else:
            if value is not None:
                answers[item.id] = item.private_copy(value) if worksheet.private_only else value
        if fields.checked(f"share.{item.id}") and not worksheet.private_only:
            shareable.add(item.id)
    shown = shown_items(worksheet, answers)
    answers = {item_id: value for item_id, value in answers.items() if item_id in shown}
    errors = {item_id: error for item_id, error in errors.items() if item_id in shown}
    return answers, shareable & shown, errors
