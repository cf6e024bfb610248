"""The worksheet definition format (docs/worksheet-format.md) as strict pydantic models.

Worksheets are written by hand and uploaded by therapists, so every model forbids unknown
fields and coerces nothing: a typo or a YAML surprise (``no`` read as ``false``) must be an
error the author sees, never a field that silently disappears. Models are frozen because the
built-in library is shared by every request of a process.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import Field, PlainValidator, SerializeAsAny, StringConstraints, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from clinic.enums import AnsweredBy, Urgency
from clinic.worksheets.items import (
    Item,
    MultipleChoiceItem,
    ScaleItem,
    SingleChoiceItem,
    item_class,
    type_names,
)
from clinic.worksheets.items.base import Hint, Id, Model, Text, require_unique

Theme = Literal[
    "power",
    "boundaries",
    "consent",
    "communication",
    "decisions",
    "emotions",
    "conflict",
    "rituals",
    "exploration",
    "healing",
    "check-in",
    "safety",
    "trust",
    "desire",
    "life-changes",
]
THEMES: tuple[str, ...] = get_args(Theme)
MAX_FILE_BYTES = 256 * 1024
MAX_SECTIONS = 30
MAX_ITEMS = 200
MAX_ALERTS = 50
# How soon a therapist should act on a raised alert, the most pressing first.
URGENCIES = tuple(u.value for u in Urgency)
ALERT_CONDITIONS = ("any_of", "at_least", "at_most", "answered")

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=3, max_length=60)]


def _item(value: Any) -> Item:
    """Validate one item as the registered type its ``type`` names.

    Dispatching here rather than in a fixed union lets a type registered later be loaded;
    the errors match what pydantic's discriminated union reports, which the loader explains.
    """
    if isinstance(value, Item):
        return value
    if not isinstance(value, dict):
        raise PydanticCustomError(
            "model_attributes_type", "Input should be a valid dictionary or object"
        )
    if "type" not in value:
        raise PydanticCustomError(
            "union_tag_not_found",
            "Unable to extract tag using discriminator {discriminator}",
            {"discriminator": "'type'"},
        )
    tag = str(value["type"])
    cls = item_class(tag)
    if cls is None:
        expected = ", ".join(map(repr, type_names()))
        raise PydanticCustomError(
            "union_tag_invalid",
            "Input tag '{tag}' found using {discriminator} does not match any of the "
            "expected tags: {expected_tags}",
            {"discriminator": "'type'", "tag": tag, "expected_tags": expected},
        )
    return cls.model_validate(value)


# Serialized as the item's own class, so content hashes cover every field of every type.
AnyItem = Annotated[SerializeAsAny[Item], PlainValidator(_item)]


class AlertRule(Model):
    """Which answer to one item raises a safety alert for the therapist, and how urgent it is.

    Exactly one condition: ``any_of`` (option values of a choice item), ``at_least`` or
    ``at_most`` (a scale item's number) or ``answered: true`` (any answer at all).
    """

    item: Id
    urgency: Annotated[Urgency, Field(strict=False)]  # a YAML word, not a member
    any_of: list[Id] | None = Field(None, min_length=1, max_length=20)
    at_least: int | None = Field(None, ge=0, le=10)
    at_most: int | None = Field(None, ge=0, le=10)
    answered: bool | None = None

    hints: ClassVar[dict[str, Hint]] = {
        "item": Hint("Reference name of the question it watches"),
        "urgency": Hint("How soon to act"),
        "any_of": Hint("Choices that raise it", "Reference names, one a line (choice questions)."),
        "at_least": Hint("A number at least", "Scale questions."),
        "at_most": Hint("A number at most", "Scale questions."),
        "answered": Hint("Any answer at all raises it"),
    }

    @model_validator(mode="after")
    def _check(self) -> AlertRule:
        given = [name for name in ALERT_CONDITIONS if getattr(self, name) is not None]
        if len(given) != 1:
            found = f" (found {' and '.join(given)})" if given else ""
            raise ValueError(
                f"give exactly one condition: any_of, at_least, at_most or answered{found}"
            )
        if self.answered is False:
            raise ValueError("'answered: false' never raises an alert; use 'answered: true'")
        if self.any_of:
            require_unique(self.any_of, "value")
        return self


class Section(Model):
    id: Id
    title: Text
    intro: Text | None = None
    items: list[AnyItem] = Field(min_length=1, max_length=MAX_ITEMS)

    hints: ClassVar[dict[str, Hint]] = {
        "id": Hint("Reference name", "Lowercase letters, digits, - or _; unique in the worksheet."),
        "title": Hint("Section title"),
        "intro": Hint("Introduction", "Optional: a few words before the questions.", long=True),
        "items": Hint("Questions"),
    }


class Guide(Model):
    """Therapist-only notes; never rendered for partners."""

    how_to_use: Text
    look_for: Text
    when_not_to_use: Text

    hints: ClassVar[dict[str, Hint]] = {
        "how_to_use": Hint("How to use it", long=True),
        "look_for": Hint("What to look for", long=True),
        "when_not_to_use": Hint("When not to use it", long=True),
    }


class Worksheet(Model):
    id: Slug
    version: int = Field(ge=1, le=1_000_000)
    title: Text
    purpose: Text
    minutes: int = Field(ge=1, le=180)
    themes: list[Theme] = Field(min_length=1, max_length=len(THEMES))
    answered_by: Annotated[AnsweredBy, Field(strict=False)]  # a YAML word, not a member
    instructions: Text
    guide: Guide
    discussion_prompts: list[Text] = Field(min_length=1, max_length=10)
    sections: list[Section] = Field(min_length=1, max_length=MAX_SECTIONS)
    # Answers only the therapist ever reads: no share option, never in anything joint.
    private_only: bool = False
    alerts: list[AlertRule] = Field(default_factory=list, max_length=MAX_ALERTS)
    # Other words therapists search for (clinical names, older titles); never shown to partners.
    search_aliases: list[Text] = Field(default_factory=list, max_length=20)

    hints: ClassVar[dict[str, Hint]] = {
        "id": Hint("Reference name", "Lowercase letters, digits and single hyphens."),
        "title": Hint("Title"),
        "purpose": Hint("Purpose", "One or two sentences partners read first.", long=True),
        "minutes": Hint("Minutes it takes", starter=10),
        "themes": Hint("Themes"),
        "answered_by": Hint("Who answers"),
        "instructions": Hint("Instructions for partners", long=True),
        "guide": Hint("Therapist guide", "Only you read this; partners never see it."),
        "discussion_prompts": Hint("Discussion prompts for the session", "One a line."),
        "sections": Hint("Sections"),
        "private_only": Hint(
            "Private: only the therapist reads the answers", "Needed for alert rules."
        ),
        "alerts": Hint("Alert rules", "Answers that raise a safety alert for you."),
        "search_aliases": Hint("Other search words", "One a line; only therapists see them."),
    }

    @model_validator(mode="after")
    def _check(self) -> Worksheet:
        require_unique(self.themes, "theme")
        require_unique((s.id for s in self.sections), "section id")
        count = sum(len(s.items) for s in self.sections)
        if count > MAX_ITEMS:
            raise ValueError(f"{count} items in all; the limit is {MAX_ITEMS}")
        where: dict[str, str] = {}
        for s_index, section in enumerate(self.sections):
            for i_index, item in enumerate(section.items):
                here = f"sections[{s_index}].items[{i_index}]"
                if item.id in where:
                    raise ValueError(
                        f"item id {item.id!r} is used more than once ({where[item.id]} and {here})"
                    )
                where[item.id] = here
        problems = self._privacy_problems() + self._alert_problems()
        if problems:
            # Raised as a ValidationError so that each problem keeps its own location.
            raise ValidationError.from_exception_data("Worksheet", problems)
        return self

    def _privacy_problems(self) -> list[InitErrorDetails]:
        """Answers that may raise an alert are about the other partner: never joint."""
        problems = []
        if self.private_only and self.answered_by != AnsweredBy.EACH_PARTNER:
            problems.append(
                _problem(
                    ("answered_by",),
                    "a private_only worksheet is answered by each partner alone; "
                    "use 'each_partner'",
                    self.answered_by,
                )
            )
        if self.alerts and not self.private_only:
            problems.append(
                _problem(
                    ("private_only",),
                    "a worksheet with alerts must be 'private_only: true', so that answers "
                    "which raise an alert never reach the other partner",
                    self.private_only,
                )
            )
        return problems

    def _alert_problems(self) -> list[InitErrorDetails]:
        """Each rule must be able to fire: a known item, and values that item can hold."""
        items = {item.id: item for _, item in self.items()}
        problems = []
        for index, rule in enumerate(self.alerts):
            item = items.get(rule.item)
            if item is None:
                message = f"no item {rule.item!r} in this worksheet"
                problems.append(_problem(("alerts", index, "item"), message, rule.item))
                continue
            problems.extend(_rule_problems(index, rule, item))
        return problems

    def items(self) -> Iterator[tuple[Section, Item]]:
        """Every item in reading order, with the section it belongs to."""
        for section in self.sections:
            for item in section.items:
                yield section, item

    def item(self, item_id: str) -> Item:
        """The item with this id; KeyError if there is none (ids come from URLs and forms)."""
        for _, item in self.items():
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def client_texts(self) -> Iterator[str]:
        """Every text a partner reads on the form, in reading order (not guide or discussion).

        Readability checks and any future translation work start from this list.
        """
        yield from (self.title, self.purpose, self.instructions)
        for section in self.sections:
            yield from filter(None, (section.title, section.intro))
            for item in section.items:
                yield from filter(None, (item.prompt, item.help))
                yield from item.own_texts()

    def content_hash(self) -> str:
        """sha256 of the validated content, so stored answers can name the exact text answered.

        Hashing the model rather than the file ignores comments, key order and defaults
        written out or left implicit; it changes when anything a reader sees changes. Fields
        added later (``private_only``, ``alerts``) count only when set, so the hashes of
        worksheets that do not use them stay what they were.
        """
        content = self.model_dump(mode="json")
        del content["search_aliases"]  # library search words: nothing a partner reads
        for name, unset in (("private_only", False), ("alerts", [])):
            if content[name] == unset:
                del content[name]
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _problem(loc: tuple[str | int, ...], message: str, value: object) -> InitErrorDetails:
    error = PydanticCustomError("worksheet_rule", "{message}", {"message": message})
    return InitErrorDetails(type=error, loc=loc, input=value)


def _rule_problems(index: int, rule: AlertRule, item: Item) -> list[InitErrorDetails]:
    """Problems of one alert rule whose item exists: conditions the item can never meet."""
    problems = []
    if rule.any_of is not None:
        where = ("alerts", index, "any_of")
        if not isinstance(item, SingleChoiceItem | MultipleChoiceItem):
            message = f"item {item.id!r} is a {item.type}; any_of works with choice items only"
            return [_problem(where, message, rule.any_of)]
        options = [o.value for o in item.options]
        for value in rule.any_of:
            if value not in options:
                message = (
                    f"{value!r} is not an option of item {item.id!r}; "
                    f"use one of: {', '.join(options)}"
                )
                problems.append(_problem(where, message, value))
    for name in ("at_least", "at_most"):
        number = getattr(rule, name)
        if number is None:
            continue
        where = ("alerts", index, name)
        if not isinstance(item, ScaleItem):
            message = f"item {item.id!r} is a {item.type}; {name} works with scale items only"
            problems.append(_problem(where, message, number))
        elif not item.min <= number <= item.max:
            message = (
                f"{number} is outside the scale of item {item.id!r} ({item.min} to {item.max}), "
                "so this alert could never be raised"
            )
            problems.append(_problem(where, message, number))
    return problems
