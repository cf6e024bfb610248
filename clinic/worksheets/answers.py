"""Answer values: validate and normalise them, measure progress, and read them from HTML forms.

The stored shapes are the contract in docs/worksheet-format.md. Everything that reaches the
database passes ``clean_answer``, so review pages and PDFs can trust the shape; anything a
partner's browser sends is untrusted and only ever produces ``AnswerError`` messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from clinic.worksheets.schema import (
    GRID_ANSWERS,
    MAX_MINUTES_FIELD,
    RESERVED_FIELD_ID,
    RESERVED_PHRASE_ID,
    AgreementItem,
    BoundaryGridItem,
    Item,
    ReframeItem,
    ScaleItem,
    Worksheet,
)

NOTE_MAX = 500  # a boundary row's note
REWRITE_MAX = 1000  # each reframe text
FIELD_MAX = 300  # each agreement field
NEEDS_ANSWER = "This question needs an answer."  # a required item left empty on sending
# Unprintable characters and lone surrogates: invisible to readers, fatal to UTF-8 storage.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_INTEGER = re.compile(r"-?[0-9]{1,6}")


class AnswerError(ValueError):
    """An answer value that does not fit its item; the message can be shown to a partner."""


def clean_answer(item: Item, raw: Any) -> Any:
    """The normalised stored value for ``raw``, or None when nothing was answered.

    Raises AnswerError for a value of the wrong type, an unknown option, row, phrase, clause
    or field id, or text over its limit.
    """
    if raw is None:
        return None
    value = _CLEANERS[item.type](item, raw)
    return None if value in ("", [], {}) else value


def is_answered(item: Item, value: Any) -> bool:
    """Whether ``value`` completes the item; a malformed value counts as unanswered.

    Grids count once every row has an answer, agreements once every clause is confirmed
    with its fields filled, reframes once any phrase has a rewrite.
    """
    try:
        value = clean_answer(item, value)
    except AnswerError:
        return False
    if value is None:
        return False
    if isinstance(item, BoundaryGridItem):
        return all("answer" in value.get(row.id, {}) for row in item.rows)
    if isinstance(item, AgreementItem):
        return all(
            value.get(c.id, {}).get("confirmed")
            and all(f.id in value[c.id].get("fields", {}) for f in c.fields)
            for c in item.clauses
        )
    if isinstance(item, ReframeItem):
        return any("rewrite" in part for part in value.values())
    return True


def progress(worksheet: Worksheet, answers: dict[str, Any]) -> tuple[int, int]:
    """(answered items, all items) for a progress bar."""
    flags = [is_answered(item, answers.get(item.id)) for _, item in worksheet.items()]
    return sum(flags), len(flags)


def missing_required(worksheet: Worksheet, answers: dict[str, Any]) -> list[str]:
    """Ids of required items not yet answered, in reading order; empty means "may submit"."""
    return [
        item.id
        for _, item in worksheet.items()
        if item.required and not is_answered(item, answers.get(item.id))
    ]


def parse_form(worksheet: Worksheet, form: Any) -> tuple[dict[str, Any], set[str], dict[str, str]]:
    """Read a submitted worksheet form: (answers, shareable item ids, errors by item id).

    Only the field names the worksheet defines are read (see "Form field names" in the doc),
    so unknown or tampered names are ignored, and so is a share box on a private_only
    worksheet. An item whose fields do not validate is left out of ``answers`` and explained
    in ``errors``; unanswered items are left out too.
    """
    fields = _Fields(form)
    answers: dict[str, Any] = {}
    shareable: set[str] = set()
    errors: dict[str, str] = {}
    for _, item in worksheet.items():
        try:
            value = clean_answer(item, _READERS[item.type](item, fields, f"a.{item.id}"))
        except AnswerError as exc:
            errors[item.id] = str(exc)
        else:
            if value is not None:
                answers[item.id] = value
        if fields.checked(f"share.{item.id}") and not worksheet.private_only:
            shareable.add(item.id)
    return answers, shareable, errors


# --- cleaning stored values ----------------------------------------------------------------


def _text(raw: Any, limit: int, what: str = "This answer") -> str:
    if not isinstance(raw, str):
        raise AnswerError(f"{what} should be text.")
    value = _INVISIBLE.sub("", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(value) > limit:
        raise AnswerError(f"{what} is too long: {len(value)} characters (the limit is {limit}).")
    return value


def _mapping(raw: Any, allowed: set[str] | None = None) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise AnswerError("This answer has the wrong shape.")
    unknown = [
        k for k in raw if not isinstance(k, str) or (allowed is not None and k not in allowed)
    ]
    if unknown:
        raise AnswerError(f"This answer has an unknown part: {str(unknown[0])[:40]!r}.")
    return raw


def _choice(raw: Any, options: list[str]) -> str:
    if not isinstance(raw, str) or raw not in options:
        raise AnswerError("Please pick one of the choices shown.")
    return raw


def _flag(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise AnswerError("A tick box answer should be true or false.")
    return raw


def _clean_text(item: Any, raw: Any) -> str:
    return _text(raw, item.max_length)


def _clean_single(item: Any, raw: Any) -> str:
    return "" if raw == "" else _choice(raw, [o.value for o in item.options])


def _clean_multiple(item: Any, raw: Any) -> list[str]:
    if not isinstance(raw, list):
        raise AnswerError("This answer should be a list of choices.")
    values = [o.value for o in item.options]
    picked = {_choice(v, values) for v in raw}
    return [v for v in values if v in picked]  # option order, no repeats


def _whole_number(raw: Any) -> int:
    if isinstance(raw, str) and _INTEGER.fullmatch(raw.strip()):
        return int(raw.strip())
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    raise AnswerError("Please pick a number.")


def _clean_scale(item: ScaleItem, raw: Any) -> int | str:
    if raw == "":
        return ""
    value = _whole_number(raw)
    if not item.min <= value <= item.max:
        raise AnswerError(f"Please pick a number from {item.min} to {item.max}.")
    return value


def _clean_grid(item: BoundaryGridItem, raw: Any) -> dict[str, Any]:
    rows = _mapping(raw, {r.id for r in item.rows})
    out = {}
    for row in item.rows:
        if row.id not in rows:
            continue
        part = _mapping(rows[row.id], {"answer", "non_negotiable", "note"})
        entry: dict[str, Any] = {}
        if part.get("answer") not in (None, ""):
            entry["answer"] = _choice(part["answer"], list(GRID_ANSWERS))
        entry["non_negotiable"] = _flag(part.get("non_negotiable", False))
        note = _text(part.get("note", ""), NOTE_MAX, f"The note on {row.label!r}")
        if note:
            entry["note"] = note
        if entry != {"non_negotiable": False}:
            out[row.id] = entry
    return out


def _clean_reframe(item: ReframeItem, raw: Any) -> dict[str, Any]:
    allowed = {p.id for p in item.phrases} | ({RESERVED_PHRASE_ID} if item.allow_own else set())
    parts = _mapping(raw, allowed)
    out = {}
    for part_id in [p.id for p in item.phrases] + [RESERVED_PHRASE_ID]:
        if part_id not in parts:
            continue
        keys = {"rewrite", "original"} if part_id == RESERVED_PHRASE_ID else {"rewrite"}
        given = _mapping(parts[part_id], keys)
        texts = {k: _text(given[k], REWRITE_MAX, "A rewrite") for k in sorted(keys) if k in given}
        texts = {k: v for k, v in texts.items() if v}
        if texts:
            out[part_id] = texts
    return out


def _clean_field(field: Any, raw: Any) -> str:
    if field.kind == "choice":
        return "" if raw == "" else _choice(raw, [o.value for o in field.options])
    if field.kind == "minutes":
        if raw == "":
            return ""
        minutes = _whole_number(raw)
        if not 0 <= minutes <= MAX_MINUTES_FIELD:
            raise AnswerError(f"Please give minutes from 0 to {MAX_MINUTES_FIELD}.")
        return str(minutes)
    return _text(raw, FIELD_MAX, f"The answer to {field.label!r}")


def _clean_agreement(item: AgreementItem, raw: Any) -> dict[str, Any]:
    clauses = _mapping(raw, {c.id for c in item.clauses})
    out = {}
    for clause in item.clauses:
        if clause.id not in clauses:
            continue
        part = _mapping(clauses[clause.id], {"fields", "confirmed"})
        given = _mapping(part.get("fields", {}), {f.id for f in clause.fields})
        fields = {f.id: _clean_field(f, given[f.id]) for f in clause.fields if f.id in given}
        fields = {k: v for k, v in fields.items() if v != ""}
        confirmed = _flag(part.get("confirmed", False))
        if fields or confirmed:
            out[clause.id] = {"fields": fields, "confirmed": confirmed}
    return out


_CLEANERS: dict[str, Callable[[Any, Any], Any]] = {
    "short_text": _clean_text,
    "long_text": _clean_text,
    "single_choice": _clean_single,
    "multiple_choice": _clean_multiple,
    "scale": _clean_scale,
    "boundary_grid": _clean_grid,
    "reframe": _clean_reframe,
    "agreement": _clean_agreement,
}


# --- reading HTML forms --------------------------------------------------------------------


class _Fields:
    """Uniform access to a MultiDict (``getlist``) or a plain dict of values or lists."""

    def __init__(self, form: Any):
        self._form = form

    def all(self, name: str) -> list[Any]:
        getlist = getattr(self._form, "getlist", None)
        if callable(getlist):
            return list(getlist(name))
        value = self._form.get(name) if isinstance(self._form, dict) else None
        return [] if value is None else value if isinstance(value, list) else [value]

    def one(self, name: str) -> Any:
        values = self.all(name)
        return values[0] if values else ""

    def checked(self, name: str) -> bool:
        return any(v not in ("", None) for v in self.all(name))


def _read_one(item: Any, fields: _Fields, name: str) -> Any:
    return fields.one(name)


def _read_many(item: Any, fields: _Fields, name: str) -> list[Any]:
    return [v for v in fields.all(name) if v != ""]


def _read_grid(item: BoundaryGridItem, fields: _Fields, name: str) -> dict[str, Any]:
    return {
        row.id: {
            "answer": fields.one(f"{name}.{row.id}"),
            "non_negotiable": fields.checked(f"{name}.{row.id}.nn"),
            "note": fields.one(f"{name}.{row.id}.note"),
        }
        for row in item.rows
    }


def _read_reframe(item: ReframeItem, fields: _Fields, name: str) -> dict[str, Any]:
    value: dict[str, Any] = {p.id: {"rewrite": fields.one(f"{name}.{p.id}")} for p in item.phrases}
    if item.allow_own:
        own = f"{name}.{RESERVED_PHRASE_ID}"
        value[RESERVED_PHRASE_ID] = {
            "original": fields.one(f"{own}.original"),
            "rewrite": fields.one(f"{own}.rewrite"),
        }
    return value


def _read_agreement(item: AgreementItem, fields: _Fields, name: str) -> dict[str, Any]:
    return {
        c.id: {
            "fields": {f.id: fields.one(f"{name}.{c.id}.{f.id}") for f in c.fields},
            "confirmed": fields.checked(f"{name}.{c.id}.{RESERVED_FIELD_ID}"),
        }
        for c in item.clauses
    }


_READERS: dict[str, Callable[[Any, _Fields, str], Any]] = {
    "short_text": _read_one,
    "long_text": _read_one,
    "single_choice": _read_one,
    "multiple_choice": _read_many,
    "scale": _read_one,
    "boundary_grid": _read_grid,
    "reframe": _read_reframe,
    "agreement": _read_agreement,
}
