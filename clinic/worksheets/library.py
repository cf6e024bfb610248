"""The worksheet library one therapist sees: the built-ins plus their own worksheets.

This is the single place that merges the two, for the library pages and for assigning
worksheets and printing blank ones (:func:`catalogue`). A therapist's own worksheets are
stored as the YAML they wrote and pass exactly the checks a built-in file passes; they are
only ever looked up together with their owner, so nobody else can reach them.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from clinic.enums import AnsweredBy
from clinic.extensions import db
from clinic.models import CustomWorksheet, Therapist, WorksheetDraft
from clinic.worksheets.loader import (
    BUILTIN_DIR,
    Problem,
    WorksheetError,
    builtin_library,
    load_text,
)
from clinic.worksheets.schema import THEME_LABELS, Worksheet

# Length filter: key -> (label, shortest, longest) in minutes, bounds included.
LENGTHS = {
    "short": (lazy_gettext("Up to 10 minutes"), 0, 10),
    "medium": (lazy_gettext("11 to 20 minutes"), 11, 20),
    "long": (lazy_gettext("More than 20 minutes"), 21, 10_000),
}
WHO_ANSWERS = {
    AnsweredBy.EACH_PARTNER: lazy_gettext("Each partner on their own"),
    AnsweredBy.COUPLE: lazy_gettext("The couple together"),
}
# The themes as the library pages name them, in the page's language; search and the FHIR
# export keep the English schema.THEME_LABELS.
THEME_NAMES = {
    "power": lazy_gettext("Power"),
    "boundaries": lazy_gettext("Boundaries"),
    "consent": lazy_gettext("Consent"),
    "communication": lazy_gettext("Communication"),
    "decisions": lazy_gettext("Decisions"),
    "emotions": lazy_gettext("Emotions"),
    "conflict": lazy_gettext("Conflict"),
    "rituals": lazy_gettext("Rituals"),
    "exploration": lazy_gettext("Exploration"),
    "healing": lazy_gettext("Healing"),
    "check-in": lazy_gettext("Check-in"),
    "safety": lazy_gettext("Safety"),
    "trust": lazy_gettext("Trust"),
    "desire": lazy_gettext("Desire"),
    "life-changes": lazy_gettext("Life changes"),
}
COPY_SUFFIX = "own"
_TOP_LEVEL_ID = re.compile(r"^id:[^\n]*$", re.MULTILINE)
_TOP_LEVEL_TITLE = re.compile(r"^title:[^\n]*$", re.MULTILINE)


@dataclass(frozen=True)
class Entry:
    """One worksheet in a therapist's library.

    ``custom`` is the stored row of the therapist's own worksheet (None for a built-in).
    ``worksheet`` is None, with ``problems`` saying why, when an own worksheet no longer
    passes the checks (say after an upgrade made them stricter): it is listed to be fixed,
    never assigned.
    """

    worksheet: Worksheet | None
    custom: CustomWorksheet | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def is_builtin(self) -> bool:
        return self.custom is None

    @property
    def key(self) -> str:
        """The form key of the assignment page: ``builtin:<id>`` or ``custom:<row id>``."""
        if self.custom is None:
            return f"builtin:{self.builtin.id}"
        return f"custom:{self.custom.id}"

    @property
    def title(self) -> str:
        return self.worksheet.title if self.worksheet is not None else self.own.title

    @property
    def url_args(self) -> dict[str, str | int]:
        """The arguments naming this entry in the worksheets blueprint's URLs."""
        if self.custom is None:
            return {"slug": self.builtin.id}
        return {"custom_id": self.custom.id}

    @property
    def builtin(self) -> Worksheet:
        """The built-in worksheet this entry is; a built-in always passes the checks."""
        assert self.custom is None and self.worksheet is not None, "not a built-in"
        return self.worksheet

    @property
    def own(self) -> CustomWorksheet:
        """The stored row of the own worksheet this entry is."""
        assert self.custom is not None, "not an own worksheet"
        return self.custom


def entries(therapist: Therapist) -> list[Entry]:
    """Every worksheet this therapist may use, built-ins and their own, in title order."""
    found = [Entry(ws) for ws in builtin_library().values()]
    for custom in _own_rows(therapist):
        try:
            found.append(Entry(_parse(custom.source_yaml, custom.slug), custom))
        except WorksheetError as error:
            found.append(Entry(None, custom, tuple(error.problems)))
    return sorted(found, key=lambda entry: (entry.title.casefold(), entry.key))


def catalogue(therapist: Therapist) -> dict[str, Worksheet]:
    """The worksheets this therapist can assign, by form key (see :attr:`Entry.key`), in title
    order; own worksheets that fail the checks are left out rather than breaking the page."""
    return {entry.key: entry.worksheet for entry in entries(therapist) if entry.worksheet}


def own_entry(therapist: Therapist, custom_id: int) -> Entry | None:
    """The therapist's own worksheet with this row id; None when it is not theirs."""
    custom = db.session.scalar(
        select(CustomWorksheet).where(
            CustomWorksheet.id == custom_id, CustomWorksheet.therapist_id == therapist.id
        )
    )
    if custom is None:
        return None
    try:
        return Entry(_parse(custom.source_yaml, custom.slug), custom)
    except WorksheetError as error:
        return Entry(None, custom, tuple(error.problems))


def builtin_entry(slug: str) -> Entry | None:
    worksheet = builtin_library().get(slug)
    return Entry(worksheet) if worksheet else None


def alert_lines(worksheet: Worksheet) -> list[tuple[str, str, str]]:
    """(urgency, item prompt, which answers) for each alert rule, for the therapist's page."""
    lines = []
    for rule in worksheet.alerts:
        item = worksheet.item(rule.item)
        if rule.any_of is not None:
            labels = {option.value: option.label for option in getattr(item, "options", ())}
            answers = gettext(" or ").join(f"“{labels.get(value, value)}”" for value in rule.any_of)
        elif rule.at_least is not None:
            answers = gettext("%(num)s or more", num=rule.at_least)
        elif rule.at_most is not None:
            answers = gettext("%(num)s or less", num=rule.at_most)
        else:
            answers = gettext("any answer")
        lines.append((rule.urgency.value, item.prompt, answers))
    return lines


# --- searching --------------------------------------------------------------------------------


def search(
    found: Iterable[Entry], text: str = "", theme: str = "", length: str = ""
) -> list[Entry]:
    """Entries whose searchable text (:func:`search_text`) holds every word of ``text``,
    of a theme and a length.

    Unknown themes or lengths (a hand-edited URL) filter nothing rather than everything.
    """
    words = text.casefold().split()
    bounds = LENGTHS.get(length)
    matches = []
    for entry in found:
        ws = entry.worksheet
        if ws is None:
            if not (words or theme in THEME_LABELS or bounds):
                matches.append(entry)  # listed to be fixed while nothing narrows the list
            continue
        haystack = search_text(ws)
        if not all(word in haystack for word in words):
            continue
        if theme in THEME_LABELS and theme not in ws.themes:
            continue
        if bounds and not bounds[1] <= ws.minutes <= bounds[2]:
            continue
        matches.append(entry)
    return matches


def search_text(ws: Worksheet) -> str:
    """What the library search looks in: titles, purpose, themes, questions and aliases."""
    parts = [ws.title, ws.purpose, *(THEME_LABELS[t] for t in ws.themes), *ws.search_aliases]
    for section in ws.sections:
        parts.append(section.title)
        parts.extend(item.prompt for item in section.items)
    return "\n".join(parts).casefold()


# --- the therapist's own worksheets -----------------------------------------------------------


def decode_upload(raw: bytes, filename: str) -> str:
    """The text of an uploaded file, for :func:`save_own` (which checks its size).

    Raises WorksheetError when the bytes are not UTF-8: binary junk or another encoding.
    """
    try:
        return raw.decode("utf-8-sig")  # a byte-order mark is how some editors say "UTF-8"
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (bad byte at offset {error.start}); save the file as UTF-8"
        raise WorksheetError([Problem(filename, "", message)]) from None


def save_own(
    therapist: Therapist, source_yaml: str, source_name: str, custom: CustomWorksheet | None = None
) -> CustomWorksheet:
    """Validate ``source_yaml`` and store it as a new own worksheet, or over ``custom``.

    Raises WorksheetError, having stored nothing, when the text fails the checks, takes a
    built-in's id, or takes the id of another of this therapist's worksheets. Assignments
    keep their own copy of the definition (clinic.worksheets.versions), so overwriting
    never changes what past answers refer to.
    """
    source_yaml = source_yaml.replace("\r\n", "\n")  # browsers send textareas with CRLF
    worksheet = load_text(source_yaml, source_name)

    def clash(message: str) -> WorksheetError:
        return WorksheetError([Problem(source_name, "id", message)])

    if worksheet.id in builtin_library():
        raise clash(
            f"{worksheet.id!r} is the id of a built-in worksheet; give yours its own id, "
            f"for example '{worksheet.id}-{COPY_SUFFIX}'"
        )
    taken = _own_slugs(therapist) - ({custom.slug} if custom else set())
    if worksheet.id in taken:
        raise clash(
            f"you already have a worksheet with the id {worksheet.id!r}; "
            "change the id, or edit that worksheet instead"
        )
    if custom is None:
        custom = CustomWorksheet(therapist_id=therapist.id)
        db.session.add(custom)
    custom.slug, custom.title, custom.source_yaml = worksheet.id, worksheet.title, source_yaml
    try:
        db.session.flush()
    except IntegrityError:  # the same id saved at the same moment from another tab
        db.session.rollback()
        raise clash(f"you already have a worksheet with the id {worksheet.id!r}") from None
    return custom


def delete_own(custom: CustomWorksheet) -> None:
    """Remove an own worksheet from the library; assignments made with it keep their copy."""
    db.session.execute(delete(WorksheetDraft).where(WorksheetDraft.custom_id == custom.id))
    db.session.delete(custom)


def copy_source(therapist: Therapist, worksheet: Worksheet) -> str:
    """A built-in's YAML file with a fresh id and title, to edit into an own worksheet."""
    slug = copy_slug(therapist, worksheet.id)
    text = (BUILTIN_DIR / f"{worksheet.id}.yaml").read_text(encoding="utf-8")
    text = _TOP_LEVEL_ID.sub(f"id: {slug}", text, count=1)
    # JSON's quoted strings are YAML's double-quoted scalars, so any title stays one line.
    title = json.dumps(f"{worksheet.title} (my version)", ensure_ascii=False)
    return _TOP_LEVEL_TITLE.sub(lambda _match: f"title: {title}", text, count=1)


def copy_slug(therapist: Therapist, slug: str) -> str:
    """A fresh id for this therapist's copy of the worksheet ``slug``."""
    return fresh_slug(therapist, f"{slug.removesuffix('-' + COPY_SUFFIX)}-{COPY_SUFFIX}")


def taken_slugs(therapist: Therapist | None) -> frozenset[str]:
    """The worksheet ids a new own worksheet of this therapist may not use."""
    return frozenset(builtin_library()) | (_own_slugs(therapist) if therapist else set())


def fresh_slug(therapist: Therapist, base: str) -> str:
    """``base``, or ``base-2``, ``base-3``... whichever no worksheet of theirs uses yet."""
    taken = taken_slugs(therapist)
    base = base[:56]
    fresh, number = base, 2
    while fresh in taken:
        fresh, number = f"{base}-{number}", number + 1
    return fresh


def _own_rows(therapist: Therapist) -> list[CustomWorksheet]:
    return list(
        db.session.scalars(
            select(CustomWorksheet).where(CustomWorksheet.therapist_id == therapist.id)
        )
    )


def _own_slugs(therapist: Therapist) -> set[str]:
    return set(
        db.session.scalars(
            select(CustomWorksheet.slug).where(CustomWorksheet.therapist_id == therapist.id)
        )
    )


@functools.lru_cache(maxsize=128)
def _parse(source_yaml: str, slug: str) -> Worksheet:
    """Own worksheets are parsed on every library page; the same text parses the same way."""
    return load_text(source_yaml, f"{slug}.yaml")
