"""The worksheet definition format (docs/worksheet-format.md) as strict pydantic models.

Worksheets are written by hand and uploaded by therapists, so every model forbids unknown
fields and coerces nothing: a typo or a YAML surprise (``no`` read as ``false``) must be an
error the author sees, never a field that silently disappears. Models are frozen because the
built-in library is shared by every request of a process.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterator
from typing import Annotated, Any, ClassVar, Literal, get_args

from babel.lists import format_list
from flask_babel import get_locale, gettext, pgettext
from flask_babel import lazy_gettext as _l
from pydantic import (
    Field,
    PlainValidator,
    SerializeAsAny,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from clinic.enums import AnsweredBy, Urgency
from clinic.i18n import N_
from clinic.worksheets.items import (
    Item,
    MultipleChoiceItem,
    ScaleItem,
    SingleChoiceItem,
    item_class,
    type_names,
)
from clinic.worksheets.items.base import (
    MAX_TEXT,
    Coding,
    Condition,
    FhirLink,
    FhirUri,
    Hint,
    Id,
    Model,
    ShowIf,
    Text,
    require_unique,
)

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
THEME_LABELS = {t: t.replace("life-changes", "life changes").capitalize() for t in THEMES}
MAX_FILE_BYTES = 256 * 1024
MAX_SECTIONS = 30
MAX_ITEMS = 200
MAX_ALERTS = 50
# How soon a therapist should act on a raised alert, the most pressing first.
URGENCIES = tuple(u.value for u in Urgency)
ALERT_CONDITIONS = ("any_of", "at_least", "at_most", "answered")

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
# Definitions are written in English; ``translations`` holds every other language.
SOURCE_LANGUAGE = "en"
# A language as config LANGUAGES and Babel name it: ISO 639, optionally a region (es, pt_BR).
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}(?:_[A-Z]{2})?")

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
        "item": Hint(_l("Question it watches"), refers="question"),
        "urgency": Hint(_l("How soon to act")),
        "any_of": Hint(_l("Choices that raise it"), _l("Choice questions."), refers="answer"),
        "at_least": Hint(_l("A number at least"), _l("Scale questions.")),
        "at_most": Hint(_l("A number at most"), _l("Scale questions.")),
        "answered": Hint(_l("Any answer at all raises it")),
    }

    @model_validator(mode="after")
    def _check(self) -> AlertRule:
        given = [name for name in ALERT_CONDITIONS if getattr(self, name) is not None]
        if len(given) != 1:
            if given:
                raise ValueError(
                    gettext(
                        "give exactly one condition: any_of, at_least, at_most or answered "
                        "(found %(found)s)",
                        found=" and ".join(given),
                    )
                )
            raise ValueError(
                gettext("give exactly one condition: any_of, at_least, at_most or answered")
            )
        if self.answered is False:
            raise ValueError(
                gettext("'answered: false' never raises an alert; use 'answered: true'")
            )
        if self.any_of:
            require_unique(self.any_of, N_("value"))
        return self


class Section(Model):
    id: Id
    title: Text
    intro: Text | None = None
    show_if: ShowIf | None = None
    fhir: FhirLink | None = None
    items: list[AnyItem] = Field(min_length=1, max_length=MAX_ITEMS)

    hints: ClassVar[dict[str, Hint]] = {
        "id": Hint(
            _l("Reference name"), _l("Lowercase letters, digits, - or _; unique in the worksheet.")
        ),
        "title": Hint(_l("Section title")),
        "intro": Hint(
            _l("Introduction"), _l("Optional: a few words before the questions."), long=True
        ),
        "show_if": Hint(_l("Show it only when"), _l("Optional: earlier answers decide.")),
        "items": Hint(_l("Questions"), entry=_l("Question")),
        "fhir": Hint(_l("FHIR link"), _l("Kept from an imported Questionnaire."), when_set=True),
    }

    @property
    def link_id(self) -> str:
        """The section group's FHIR linkId: the one kept from an import, else ``s:<id>``."""
        return self.fhir.link_id if self.fhir else f"s:{self.id}"


class QuestionnaireOrigin(Model):
    """What an imported Questionnaire said about itself that Tandem has no field for."""

    url: FhirUri | None = None
    codes: list[Coding] = Field(default_factory=list, max_length=10)

    hints: ClassVar[dict[str, Hint]] = {
        "url": Hint(_l("FHIR canonical URL"), _l("Kept from an imported Questionnaire; optional.")),
        "codes": Hint(_l("FHIR codes"), _l("Optional.")),
    }


class Band(Model):
    """A labelled stretch of a score, both ends included (see "Scoring" in the format doc)."""

    min: float
    max: float
    label: Text

    hints: ClassVar[dict[str, Hint]] = {
        "min": Hint(_l("From")),
        "max": Hint(_l("To")),
        "label": Hint(_l("What a score in this stretch means")),
    }


class Score(Model):
    """A total or subscale: how item scores combine, and how to read the result."""

    id: Id
    label: Text
    items: list[Id] = Field(min_length=1, max_length=MAX_ITEMS)
    reverse: list[Id] = Field(default_factory=list, max_length=MAX_ITEMS)
    method: Literal["sum", "mean"] = "sum"
    # How many unanswered items may be filled in with the mean of the answered ones; with
    # the default 0 any unanswered item makes the score incomplete, never a smaller number.
    prorate_missing: int = Field(0, ge=0, le=MAX_ITEMS)
    higher_is: Literal["better", "worse"]
    bands: list[Band] = Field(default_factory=list, max_length=10)
    cutoff: float | None = None
    cutoff_label: Text | None = None
    # For the reliable change index (Jacobson & Truax 1991): give both or neither.
    reliability: float | None = Field(None, gt=0, lt=1)
    sd: float | None = Field(None, gt=0)

    hints: ClassVar[dict[str, Hint]] = {
        "id": Hint(_l("Reference name"), _l("Lowercase letters, digits, - or _.")),
        "label": Hint(_l("Name of the score")),
        "items": Hint(_l("Questions it adds up"), refers="question"),
        "reverse": Hint(_l("Questions scored in reverse"), _l("Optional."), refers="question"),
        "method": Hint(_l("How answers combine")),
        "prorate_missing": Hint(_l("Unanswered questions it may fill in")),
        "higher_is": Hint(_l("A higher score is")),
        "bands": Hint(_l("Stretches of the score"), _l("Optional."), entry=_l("Band")),
        "cutoff": Hint(_l("Cutoff"), _l("Optional.")),
        "cutoff_label": Hint(_l("What the cutoff means"), _l("Optional.")),
        "reliability": Hint(
            _l("Reliability"), _l("Optional: for reliable change, with the spread.")
        ),
        "sd": Hint(_l("Spread (standard deviation)"), _l("Optional: with the reliability.")),
    }

    @model_validator(mode="after")
    def _check(self) -> Score:
        require_unique(self.items, N_("item"))
        require_unique(self.reverse, N_("reverse item"))
        stray = [i for i in self.reverse if i not in self.items]
        if stray:
            raise ValueError(
                gettext(
                    "reverse item %(item)s is not one of this score's items", item=repr(stray[0])
                )
            )
        if self.prorate_missing >= len(self.items):
            raise ValueError(
                gettext("prorate_missing must leave at least one item that is answered")
            )
        if (self.reliability is None) != (self.sd is None):
            raise ValueError(
                gettext("give both reliability and sd (for reliable change), or neither")
            )
        if self.cutoff_label is not None and self.cutoff is None:
            raise ValueError(gettext("cutoff_label needs a cutoff"))
        return self


class Scoring(Model):
    """How answers become scores. ``about`` tells the therapist what the scores are (and aren't)."""

    about: Text
    scores: list[Score] = Field(min_length=1, max_length=20)

    hints: ClassVar[dict[str, Hint]] = {
        "about": Hint(_l("What the scores are, and are not"), long=True),
        "scores": Hint(_l("Scores"), entry=_l("Score")),
    }

    @model_validator(mode="after")
    def _check(self) -> Scoring:
        require_unique((score.id for score in self.scores), N_("score id"))
        return self


class Guide(Model):
    """Therapist-only notes; never rendered for partners."""

    how_to_use: Text
    look_for: Text
    when_not_to_use: Text

    hints: ClassVar[dict[str, Hint]] = {
        "how_to_use": Hint(_l("How to use it"), long=True),
        "look_for": Hint(_l("What to look for"), long=True),
        "when_not_to_use": Hint(_l("When not to use it"), long=True),
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
    scoring: Scoring | None = None
    # Other words therapists search for (clinical names, older titles); never shown to partners.
    search_aliases: list[Text] = Field(default_factory=list, max_length=20)
    # language code -> {English text as written above: its translation}, gettext-style; the
    # keys are what ``translatable_texts`` yields ("Translations" in docs/worksheet-format.md).
    translations: dict[str, dict[str, str]] = Field(default_factory=dict)
    # Where an imported FHIR Questionnaire came from; never shown to partners.
    fhir: QuestionnaireOrigin | None = None

    hints: ClassVar[dict[str, Hint]] = {
        "id": Hint(_l("Reference name"), _l("Lowercase letters, digits and single hyphens.")),
        "title": Hint(_l("Title")),
        "purpose": Hint(_l("Purpose"), _l("One or two sentences partners read first."), long=True),
        "minutes": Hint(_l("Minutes it takes"), starter=10),
        "themes": Hint(_l("Themes")),
        "answered_by": Hint(_l("Who answers")),
        "instructions": Hint(_l("Instructions for partners"), long=True),
        "guide": Hint(_l("Therapist guide"), _l("Only you read this; partners never see it.")),
        "discussion_prompts": Hint(_l("Discussion prompts for the session"), _l("One a line.")),
        "sections": Hint(_l("Sections"), entry=_l("Section")),
        "private_only": Hint(
            _l("Private: only the therapist reads the answers"), _l("Needed for alert rules.")
        ),
        "alerts": Hint(
            _l("Alert rules"),
            _l("Answers that raise a safety alert for you."),
            entry=_l("Alert rule"),
        ),
        "scoring": Hint(_l("Scoring"), _l("Optional: how answers add up to scores.")),
        "search_aliases": Hint(
            _l("Other search words"), _l("One a line; only therapists see them.")
        ),
        "fhir": Hint(_l("FHIR origin"), _l("Kept from an imported Questionnaire."), when_set=True),
    }

    @field_validator("translations")
    @classmethod
    def _translations(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        """Codes a practice can name, and texts compared as the fields store them (stripped)."""
        for code, table in value.items():
            if code == SOURCE_LANGUAGE:
                raise ValueError(
                    gettext(
                        "%(code)s is the language worksheets are written in; translations are "
                        "for other languages",
                        code=repr(code),
                    )
                )
            if not LANGUAGE_PATTERN.fullmatch(code):
                raise ValueError(
                    gettext(
                        "%(code)s is not a language code; use one like 'es' or 'pt_BR'",
                        code=repr(code),
                    )
                )
            for source, text in table.items():
                if not text.strip():
                    raise ValueError(
                        gettext(
                            "the %(code)s translation of %(text)s is empty",
                            code=repr(code),
                            text=_short(source),
                        )
                    )
                if len(text.strip()) > MAX_TEXT:
                    raise ValueError(
                        gettext(
                            "the %(code)s translation of %(text)s is too long (%(length)s "
                            "characters, limit %(limit)s)",
                            code=repr(code),
                            text=_short(source),
                            length=len(text.strip()),
                            limit=MAX_TEXT,
                        )
                    )
        return {
            code: {source.strip(): text.strip() for source, text in table.items()}
            for code, table in value.items()
        }

    @model_validator(mode="after")
    def _check(self) -> Worksheet:
        require_unique(self.themes, N_("theme"))
        require_unique((s.id for s in self.sections), N_("section id"))
        count = sum(len(s.items) for s in self.sections)
        if count > MAX_ITEMS:
            raise ValueError(
                gettext(
                    "%(count)s items in all; the limit is %(limit)s", count=count, limit=MAX_ITEMS
                )
            )
        where: dict[str, str] = {}
        for s_index, section in enumerate(self.sections):
            for i_index, item in enumerate(section.items):
                here = f"sections[{s_index}].items[{i_index}]"
                if item.id in where:
                    raise ValueError(
                        gettext(
                            "item id %(id)s is used more than once (%(first)s and %(again)s)",
                            id=repr(item.id),
                            first=where[item.id],
                            again=here,
                        )
                    )
                where[item.id] = here
        problems = (
            self._link_problems()
            + self._privacy_problems()
            + self._alert_problems()
            + self._show_if_problems()
            + self._scoring_problems()
        )
        if problems:
            # Raised as a ValidationError so that each problem keeps its own location.
            raise ValidationError.from_exception_data("Worksheet", problems)
        return self

    def _link_problems(self) -> list[InitErrorDetails]:
        """Kept FHIR linkIds name one section or item each, as a Questionnaire needs."""
        problems = []
        taken: set[str] = set()
        for s_index, section in enumerate(self.sections):
            places = [(("sections", s_index), section.link_id)] + [
                (("sections", s_index, "items", i_index), item.link_id)
                for i_index, item in enumerate(section.items)
            ]
            for where, link in places:
                if link in taken:
                    message = gettext(
                        "the FHIR linkId %(link)s is used more than once", link=repr(link)
                    )
                    problems.append(_problem((*where, "fhir", "link_id"), message, link))
                taken.add(link)
        return problems

    def _privacy_problems(self) -> list[InitErrorDetails]:
        """Answers that may raise an alert are about the other partner: never joint."""
        problems = []
        if self.private_only and self.answered_by != AnsweredBy.EACH_PARTNER:
            problems.append(
                _problem(
                    ("answered_by",),
                    gettext(
                        "a private_only worksheet is answered by each partner alone; "
                        "use 'each_partner'"
                    ),
                    self.answered_by,
                )
            )
        together = [
            (s, i, item.id)
            for s, section in enumerate(self.sections)
            for i, item in enumerate(section.items)
            if item.made_together
        ]
        if together and self.answered_by != AnsweredBy.COUPLE:
            s, i, item_id = together[0]
            where = f"sections[{s}].items[{i}]"
            problems.append(
                _problem(
                    ("answered_by",),
                    gettext(
                        "item %(item)s (%(where)s) is an agreement, which needs every partner's "
                        "confirmation on one shared form; use 'couple'",
                        item=repr(item_id),
                        where=where,
                    ),
                    self.answered_by,
                )
            )
        if self.alerts and not self.private_only:
            problems.append(
                _problem(
                    ("private_only",),
                    gettext(
                        "a worksheet with alerts must be 'private_only: true', so that answers "
                        "which raise an alert never reach the other partner"
                    ),
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
                message = gettext("no item %(item)s in this worksheet", item=repr(rule.item))
                problems.append(_problem(("alerts", index, "item"), message, rule.item))
                continue
            problems.extend(_rule_problems(index, rule, item))
        return problems

    def _show_if_problems(self) -> list[InitErrorDetails]:
        """A condition tests an answer given earlier, with values that answer can hold."""
        problems = []
        earlier: dict[str, Item] = {}
        for s_index, section in enumerate(self.sections):
            at: tuple[str | int, ...] = ("sections", s_index, "show_if")
            problems += _condition_problems(at, section.show_if, earlier)
            for i_index, item in enumerate(section.items):
                at = ("sections", s_index, "items", i_index, "show_if")
                problems += _condition_problems(at, item.show_if, earlier)
                earlier[item.id] = item
        return problems

    def _scoring_problems(self) -> list[InitErrorDetails]:
        """Every scored item has scores, and bands and cutoff fit the score's range."""
        if self.scoring is None:
            return []
        items = {item.id: item for _, item in self.items()}
        problems = []
        for index, score in enumerate(self.scoring.scores):
            where: tuple[str | int, ...] = ("scoring", "scores", index)
            found = [items[i] for i in score.items if i in items]
            for item_id in score.items:
                item = items.get(item_id)
                message = (
                    gettext("no item %(item)s in this worksheet", item=repr(item_id))
                    if item is None
                    else item.scoring_problem()
                )
                if message:
                    problems.append(_problem((*where, "items"), message, item_id))
            if len(found) < len(score.items) or any(i.scoring_problem() for i in found):
                continue
            problems += _range_problems(where, score, score_range(score, found))
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

    def condition_text(self, show_if: ShowIf) -> str:
        """A ``show_if`` in plain words, for readers without JavaScript and for printouts.

        The words are the page's language, the questions and answers as this worksheet shows
        them (``in_language``); several conditions are listed with the language's own "and"
        or "or" (Babel's list patterns).
        """
        locale = get_locale() or "en"
        said = []
        for condition in show_if.conditions:
            item = self.item(condition.item)
            words = [item.describe(t) for t in condition.targets]
            if condition.test == "greater_than":
                text = gettext(
                    "you answered more than %(number)s to “%(question)s”",
                    number=words[0],
                    question=item.prompt,
                )
            elif condition.test == "less_than":
                text = gettext(
                    "you answered less than %(number)s to “%(question)s”",
                    number=words[0],
                    question=item.prompt,
                )
            elif condition.test == "not_equals":
                text = gettext(
                    "you answered anything but %(answer)s to “%(question)s”",
                    answer=_quoted(words[0]),
                    question=item.prompt,
                )
            else:
                text = gettext(
                    "you answered %(answers)s to “%(question)s”",
                    answers=format_list([_quoted(w) for w in words], "or", locale),
                    question=item.prompt,
                )
            said.append(text)
        joined = format_list(said, "standard" if show_if.behavior == "all" else "or", locale)
        return gettext("Only if %(conditions)s.", conditions=joined)

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

    def translatable_texts(self) -> Iterator[str]:
        """Every text partners read: the form's, and the discussion prompts the joint handout
        prints for both; the keys of ``translations``."""
        yield from self.client_texts()
        yield from self.discussion_prompts

    def missing_translations(self, code: str) -> list[str]:
        """Texts partners read without a translation into ``code``, in reading order."""
        table = self.translations.get(code, {})
        return [text for text in dict.fromkeys(self.translatable_texts()) if text not in table]

    def stale_translations(self, code: str) -> list[str]:
        """Translated texts partners no longer read (left after an English edit)."""
        texts = set(self.translatable_texts())
        return [text for text in self.translations.get(code, {}) if text not in texts]

    def complete_languages(self) -> tuple[str, ...]:
        """English, then every language whose translation leaves no client text out: the
        languages a partner may read this worksheet in (a stale extra entry does no harm)."""
        complete = sorted(code for code in self.translations if not self.missing_translations(code))
        return (SOURCE_LANGUAGE, *complete)

    def language_for(self, wanted: str) -> str:
        """``wanted`` when this worksheet can be read in it (complete), else English."""
        return wanted if wanted in self.complete_languages() else SOURCE_LANGUAGE

    def in_language(self, code: str) -> Worksheet:
        """This worksheet with every client text in ``code``, where translated; ids, option
        values and everything therapist-only stay as they are, so answers read the same."""
        table = self.translations.get(code)
        if not table:
            return self

        def tr(text: str) -> str:
            return table.get(text, text)

        return self.model_copy(
            update={
                "title": tr(self.title),
                "purpose": tr(self.purpose),
                "instructions": tr(self.instructions),
                "discussion_prompts": [tr(prompt) for prompt in self.discussion_prompts],
                "sections": [_section_in(section, tr) for section in self.sections],
            }
        )

    def content_hash(self) -> str:
        """sha256 of the validated content, so stored answers can name the exact text answered.

        Hashing the model rather than the file ignores comments, key order and defaults
        written out or left implicit; it changes when anything a reader sees changes. Fields
        added later (``private_only``, ``alerts``, ``translations``) count only when set, so
        the hashes of worksheets that do not use them stay what they were.
        """
        content = _without_unset(self.model_dump(mode="json"))
        del content["search_aliases"]  # library search words: nothing a partner reads
        for name, unset in (("private_only", False), ("alerts", []), ("translations", {})):
            if content[name] == unset:
                del content[name]
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _section_in(section: Section, tr: Callable[[str], str]) -> Section:
    return section.model_copy(
        update={
            "title": tr(section.title),
            "intro": section.intro and tr(section.intro),
            "items": [item.in_language(tr) for item in section.items],
        }
    )


def _short(text: str) -> str:
    """A text quoted in a message, cut short so that the message stays one line."""
    return repr(text) if len(text) <= 50 else repr(text[:47] + "...")


# No field of v1 has these names.
LATER_FIELDS = frozenset({"scoring", "show_if", "score", "fhir", "code"})


def _without_unset(node: Any) -> Any:
    """The dump without later fields left unset, at any depth."""
    if isinstance(node, dict):
        return {
            k: _without_unset(v) for k, v in node.items() if not (k in LATER_FIELDS and v is None)
        }
    if isinstance(node, list):
        return [_without_unset(v) for v in node]
    return node


def score_range(score: Score, items: list[Item]) -> tuple[float, float]:
    """The lowest and highest value the score can take."""
    ranges = [item.score_range() or (0, 0) for item in items]
    low, high = sum(r[0] for r in ranges), sum(r[1] for r in ranges)
    if score.method == "mean":
        return low / len(items), high / len(items)
    return low, high


def _range_problems(
    where: tuple[str | int, ...], score: Score, bounds: tuple[float, float]
) -> list[InitErrorDetails]:
    """Bands cover the whole range in order, without gaps or overlaps; the cutoff is inside."""
    low, high = bounds
    problems = []
    if score.cutoff is not None and not low <= score.cutoff <= high:
        outside = gettext(
            "cutoff %(cutoff)s is outside the score's range (%(low)s to %(high)s)",
            cutoff=_number(score.cutoff),
            low=_number(low),
            high=_number(high),
        )
        problems.append(_problem((*where, "cutoff"), outside, score.cutoff))
    bands = score.bands
    if not bands:
        return problems
    step = 1 if score.method == "sum" else 0  # a mean's boundary value belongs to the upper band
    expected = low
    for index, band in enumerate(bands):
        here = (*where, "bands", index)
        message: str | None = None
        if score.method == "sum" and not (band.min.is_integer() and band.max.is_integer()):
            message = gettext("bands of a sum use whole numbers")
        elif band.min > band.max:
            message = gettext("band %(band)s starts above where it ends", band=repr(band.label))
        elif not math.isclose(band.min, expected):
            said = (
                gettext(
                    "band %(band)s starts at %(start)s, leaving a gap: it should start at "
                    "%(expected)s"
                )
                if band.min > expected
                else gettext(
                    "band %(band)s starts at %(start)s, leaving an overlap: it should start at "
                    "%(expected)s"
                )
            )
            message = said % {
                "band": repr(band.label),
                "start": _number(band.min),
                "expected": _number(expected),
            }
        if message:
            return [*problems, _problem(here, message, band.min)]
        expected = band.max + step
    if not math.isclose(bands[-1].max, high):
        short = gettext(
            "the last band ends at %(end)s, not at the top (%(low)s to %(high)s)",
            end=_number(bands[-1].max),
            low=_number(low),
            high=_number(high),
        )
        problems.append(_problem((*where, "bands", len(bands) - 1), short, bands[-1].max))
    return problems


def _number(value: float) -> str:
    return f"{value:g}"


def _condition_problems(
    where: tuple[str | int, ...], show_if: ShowIf | None, earlier: dict[str, Item]
) -> list[InitErrorDetails]:
    if show_if is None:
        return []
    problems = []
    for index, condition in enumerate(show_if.conditions):
        here = (*where, show_if.behavior, index)
        item = earlier.get(condition.item)
        if item is None:
            late = gettext(
                "show_if can only test an item that comes earlier; %(item)s does not",
                item=repr(condition.item),
            )
            problems.append(_problem(here, late, condition.item))
            continue
        message = item.condition_problem(condition)
        if message is None and _fhir_splits(item, condition) and _has_company(show_if):
            message = gettext(
                "a test that matches several values can only stand alone or in an 'any' list "
                "(FHIR enableWhen cannot nest)"
            )
        if message:
            problems.append(_problem(here, message, condition.item))
    return problems


def _fhir_splits(item: Item, condition: Condition) -> bool:
    return len(item.fhir_enable_when(condition)) != 1


def _has_company(show_if: ShowIf) -> bool:
    return show_if.all is not None and len(show_if.all) > 1


def _problem(loc: tuple[str | int, ...], message: str, value: object) -> InitErrorDetails:
    error = PydanticCustomError("worksheet_rule", "{message}", {"message": message})
    return InitErrorDetails(type=error, loc=loc, input=value)


def _rule_problems(index: int, rule: AlertRule, item: Item) -> list[InitErrorDetails]:
    """Problems of one alert rule whose item exists: conditions the item can never meet."""
    problems = []
    if rule.any_of is not None:
        where = ("alerts", index, "any_of")
        if not isinstance(item, SingleChoiceItem | MultipleChoiceItem):
            message = gettext(
                "item %(item)s is a %(type)s; any_of works with choice items only",
                item=repr(item.id),
                type=item.type,
            )
            return [_problem(where, message, rule.any_of)]
        options = [o.value for o in item.options]
        for value in rule.any_of:
            if value not in options:
                message = gettext(
                    "%(value)s is not an option of item %(item)s; use one of: %(options)s",
                    value=repr(value),
                    item=repr(item.id),
                    options=", ".join(options),
                )
                problems.append(_problem(where, message, value))
    for name in ("at_least", "at_most"):
        number = getattr(rule, name)
        if number is None:
            continue
        where = ("alerts", index, name)
        if not isinstance(item, ScaleItem):
            message = gettext(
                "item %(item)s is a %(type)s; %(test)s works with scale items only",
                item=repr(item.id),
                type=item.type,
                test=name,
            )
            problems.append(_problem(where, message, number))
        elif not item.min <= number <= item.max:
            message = gettext(
                "%(number)s is outside the scale of item %(item)s (%(min)s to %(max)s), so this "
                "alert could never be raised",
                number=number,
                item=repr(item.id),
                min=item.min,
                max=item.max,
            )
            problems.append(_problem(where, message, number))
    return problems


def _quoted(answer: str) -> str:
    """An answer named in a sentence, in the quotation marks of the page's language."""
    return pgettext("an answer named in a sentence", "“%(answer)s”", answer=answer)
