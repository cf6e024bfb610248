"""What every item type has and does, and the registry that lists the types.

A type is one class: its fields are the definition schema (docs/worksheet-format.md), its
methods read its part of a posted form, clean an answer, describe, compare and export it,
and its templates (``items/<type>.html`` in ``template_folder``) render it on every surface.
``register`` is the only place that makes a type known; the loader, the form reader and the
templates all find types through it, so a type defined elsewhere (a test, a plug-in) works
without editing this package.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Protocol, Self, get_args

from flask_babel import gettext, lazy_gettext
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

ID_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
MAX_TEXT = 4000

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, min_length=1, max_length=60)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
# FHIR's own spellings: a linkId is any string without outer spaces, a code has no tabs or
# double spaces, a system is a URI.
LinkId = Annotated[str, StringConstraints(pattern=r"^\S(?:.*\S)?$", min_length=1, max_length=255)]
FhirCode = Annotated[str, StringConstraints(pattern=r"^\S+(?: \S+)*$", max_length=255)]
FhirUri = Annotated[str, StringConstraints(pattern=r"^\S+$", max_length=255)]

BUILTIN_TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "items"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
# Names an exported item's Tandem type, so that importing Tandem's own export gives it back.
ITEM_TYPE_EXTENSION = "urn:tandem:item-type"

# Unprintable characters and lone surrogates: invisible to readers, fatal to UTF-8 storage.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_INTEGER = re.compile(r"-?[0-9]{1,6}")


@dataclass(frozen=True)
class Hint:
    """How the worksheet builder shows one field: its label, a line of help, a text box size.

    Kept beside the field it describes, so a type's builder form lives in the type's home;
    a field without a hint still appears, labelled from its name.
    """

    label: Any  # text marked for translation (flask_babel.lazy_gettext)
    help: Any = ""
    long: bool = False  # several lines (a textarea) rather than one
    starter: Any = None  # what a new, blank entry starts with
    when_set: bool = False  # shown only once it holds a value (kept from an import)
    # The field names another part of the worksheet, so the builder offers a list to pick
    # from: "question" (an item's id) or "answer" (an answer of the question its sibling
    # "question" field names).
    refers: str = ""
    entry: Any = ""  # what one entry of a list is called ("Row"); by default from the label


class Model(BaseModel):
    """Strict, closed and frozen: see clinic.worksheets.schema for why."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    # Builder labels by field name (clinic.builder derives its forms from the fields).
    hints: ClassVar[dict[str, Hint]] = {}


class Value(BaseModel):
    """A typed part of a stored answer; ``stored()`` gives back the exact stored JSON shape."""

    model_config = ConfigDict(frozen=True)

    def stored(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


def require_unique(values: Iterable[str], what: str) -> None:
    """``what`` names the values ("row id"), marked with ``N_`` and translated here."""
    dupes = sorted(v for v, n in Counter(values).items() if n > 1)
    if dupes:
        raise ValueError(
            gettext(
                "%(what)s %(values)s is used more than once",
                what=gettext(what),
                values=", ".join(map(repr, dupes)),
            )
        )


class Coding(Model):
    """A code from an imported FHIR Questionnaire (LOINC, SNOMED...), kept for export."""

    system: FhirUri | None = None
    code: FhirCode
    display: Text | None = None

    hints: ClassVar[dict[str, Hint]] = {
        "system": Hint(_l("Code system"), _l("A URI, e.g. http://loinc.org.")),
        "code": Hint(_l("Code")),
        "display": Hint(_l("What the code means")),
    }

    def fhir(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class FhirLink(Model):
    """The linkId and codes a question or section had in an imported Questionnaire.

    Tandem's ids are lowercase words; a linkId like ``/44249-1`` is kept here instead, so
    an export (and a QuestionnaireResponse) gives other systems the names they know.
    """

    link_id: LinkId
    codes: list[Coding] = Field(default_factory=list, max_length=10)

    hints: ClassVar[dict[str, Hint]] = {
        "link_id": Hint(
            _l("FHIR linkId"), _l("From the imported Questionnaire; used again on export.")
        ),
        "codes": Hint(_l("FHIR codes"), _l("Optional.")),
    }


class Option(Model):
    value: Id
    label: Text
    # Points this option earns in the worksheet's ``scoring`` (single_choice only).
    score: int | None = Field(None, ge=-100, le=100)
    # The answerOption's code when it came from an imported Questionnaire.
    code: Coding | None = None

    def in_language(self, tr: Callable[[str], str]) -> Option:
        return self.model_copy(update={"label": tr(self.label)})

    hints: ClassVar[dict[str, Hint]] = {
        "value": Hint(
            _l("Reference name"), _l("Lowercase letters and digits; stored with answers.")
        ),
        "label": Hint(_l("Choice shown to partners")),
        "score": Hint(_l("Score"), _l("Points this choice earns when the worksheet is scored.")),
        "code": Hint(_l("FHIR code"), _l("Kept from an imported Questionnaire."), when_set=True),
    }

    def fhir_coding(self) -> dict[str, Any]:
        """The option as a valueCoding: its kept code, else its reference name."""
        if self.code is None:
            return {"code": self.value, "display": self.label}
        return {**self.code.fhir(), "display": self.label}


class AnswerError(ValueError):
    """An answer value that does not fit its item; the message can be shown to a partner."""


# --- cleaning helpers shared by the types ---------------------------------------------------


def unanswered(value: Any) -> bool:
    """Whether a cleaned value means "not answered": None, "", [] or {}. Never a falsy
    answer such as 0, the lowest number of a scale, which is an answer like any other."""
    return value is None or value in ("", [], {})


def clean_text(raw: Any, limit: int, what: str | None = None) -> str:
    """``what`` names the answer in messages ("The note on 'Kissing'"); default: this answer."""
    if not isinstance(raw, str):
        raise AnswerError(gettext("%(what)s should be text.", what=what or gettext("This answer")))
    value = _INVISIBLE.sub("", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(value) > limit:
        raise AnswerError(
            gettext(
                "%(what)s is too long: %(length)s characters (the limit is %(limit)s).",
                what=what or gettext("This answer"),
                length=len(value),
                limit=limit,
            )
        )
    return value


def clean_mapping(raw: Any, allowed: set[str] | None = None) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise AnswerError(gettext("This answer has the wrong shape."))
    unknown = [
        k for k in raw if not isinstance(k, str) or (allowed is not None and k not in allowed)
    ]
    if unknown:
        raise AnswerError(
            gettext("This answer has an unknown part: %(part)s.", part=repr(str(unknown[0])[:40]))
        )
    return raw


def clean_choice(raw: Any, options: list[str]) -> str:
    if not isinstance(raw, str) or raw not in options:
        raise AnswerError(gettext("Please pick one of the choices shown."))
    return raw


def clean_flag(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise AnswerError(gettext("A tick box answer should be true or false."))
    return raw


def clean_whole_number(raw: Any) -> int:
    if isinstance(raw, str) and _INTEGER.fullmatch(raw.strip()):
        return int(raw.strip())
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    raise AnswerError(gettext("Please pick a number."))


class Fields:
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


# --- FHIR helpers shared by the types -------------------------------------------------------


class FhirSource(Protocol):
    """What an item type's ``from_questionnaire_item`` may ask of the Questionnaire it reads
    (clinic.worksheets.fhir_import holds the one implementation)."""

    def problem(self, node: dict[str, Any], message: str) -> None: ...

    def options(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        """The item's choices as Option fields (value, label, score, code)."""
        ...

    def children(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        """The item's child items that the importer has not read itself (help texts)."""
        ...


def answers_of(node: dict[str, Any]) -> list[dict[str, Any]]:
    """A QuestionnaireResponse item's answers (a list of dicts, or empty)."""
    answers = node.get("answer")
    return [a for a in answers if isinstance(a, dict)] if isinstance(answers, list) else []


def one_answer(node: dict[str, Any], *kinds: str) -> Any:
    """The single ``value<Kind>`` of an answered item; AnswerError for any other shape."""
    answers = answers_of(node)
    if len(answers) != 1:
        raise AnswerError("This question takes exactly one answer.")
    for kind in kinds:
        if f"value{kind}" in answers[0]:
            return answers[0][f"value{kind}"]
    raise AnswerError("This answer has the wrong kind of value.")


def tail(node: dict[str, Any], parent_link: str) -> str:
    """A child's linkId after its parent's (``activities.kissing`` -> ``kissing``)."""
    link = str(node.get("linkId", ""))
    return link.removeprefix(parent_link + ".")


def coded(value: Any) -> str:
    """The code of a valueCoding; AnswerError when it has none."""
    if isinstance(value, dict) and isinstance(value.get("code"), str):
        return value["code"]
    raise AnswerError("This answer should be a coded choice.")


def coding(options: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"valueCoding": {"code": value, "display": label}} for value, label in options]


def question(link_id: str, kind: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"linkId": link_id, "type": kind, "text": text, **extra}


def string_answer(link_id: str, value: Any) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    return {"linkId": link_id, "answer": [{"valueString": str(value)}]}


def answer_group(link_id: str, text: str, children: list) -> dict[str, Any] | None:
    children = [c for c in children if c is not None]
    return {"linkId": link_id, "text": text, "item": children} if children else None


# --- conditional questions (show_if) -------------------------------------------------------

CONDITION_TESTS = ("equals", "not_equals", "any_of", "greater_than", "less_than")
CONDITION_OPERATORS = {"equals": "=", "not_equals": "!=", "greater_than": ">", "less_than": "<"}
Target = str | int


class Condition(Model):
    """One test on an earlier answer; an unanswered (or hidden) earlier item meets none."""

    item: Id
    equals: Target | None = None
    not_equals: Target | None = None
    any_of: list[Target] | None = Field(None, min_length=1, max_length=20)
    greater_than: int | None = None
    less_than: int | None = None

    hints: ClassVar[dict[str, Hint]] = {
        "item": Hint(_l("Question it depends on"), refers="question"),
        "equals": Hint(_l("Answer is"), refers="answer"),
        "not_equals": Hint(_l("Answer is anything but"), refers="answer"),
        "any_of": Hint(_l("Answer is one of"), refers="answer"),
        "greater_than": Hint(_l("Number more than"), _l("Scale questions.")),
        "less_than": Hint(_l("Number less than"), _l("Scale questions.")),
    }

    @model_validator(mode="after")
    def _check(self) -> Condition:
        given = [name for name in CONDITION_TESTS if getattr(self, name) is not None]
        if len(given) != 1:
            if given:
                raise ValueError(
                    gettext(
                        "give exactly one test: equals, not_equals, any_of, greater_than or "
                        "less_than (found %(found)s)",
                        found=" and ".join(given),
                    )
                )
            raise ValueError(
                gettext(
                    "give exactly one test: equals, not_equals, any_of, greater_than or less_than"
                )
            )
        return self

    @property
    def test(self) -> str:
        return next(name for name in CONDITION_TESTS if getattr(self, name) is not None)

    @property
    def targets(self) -> list[Target]:
        """The values this test names: one, or the list of ``any_of``."""
        value = getattr(self, self.test)
        return list(value) if isinstance(value, list) else [value]


class ShowIf(Model):
    """When a question or section is shown: ``all`` of its conditions met, or ``any`` of them."""

    all: list[Condition] | None = Field(None, min_length=1, max_length=10)
    any: list[Condition] | None = Field(None, min_length=1, max_length=10)

    hints: ClassVar[dict[str, Hint]] = {
        "all": Hint(_l("Conditions that must all hold"), entry=_l("Condition")),
        "any": Hint(_l("Conditions of which one is enough"), entry=_l("Condition")),
    }

    @model_validator(mode="after")
    def _check(self) -> ShowIf:
        if (self.all is None) == (self.any is None):
            raise ValueError(gettext("give exactly one of all or any, each a list of conditions"))
        return self

    @property
    def conditions(self) -> list[Condition]:
        return self.all or self.any or []

    @property
    def behavior(self) -> str:
        return "all" if self.all is not None else "any"


# --- the item type --------------------------------------------------------------------------


class Item(Model):
    """One question of a worksheet. Subclasses add ``type: Literal[...]`` and their fields.

    Answer methods get the *cleaned* stored value (never None): ``clean`` is the only one
    that sees what a browser or a file sent.
    """

    id: Id
    prompt: Text
    help: Text | None = None
    required: bool = False
    show_if: ShowIf | None = None
    fhir: FhirLink | None = None
    if TYPE_CHECKING:  # each subclass declares ``type: Literal["<its name>"]``
        type: str

    # The folder holding this type's ``<type>.html`` with macros form, review, pdf and blank.
    template_folder: ClassVar[Path] = BUILTIN_TEMPLATES
    # Whether an answer is one piece of free text a partner can copy back into the form.
    free_text: ClassVar[bool] = False
    # Whether the form's HTML of an item without an answer follows from the definition and
    # the languages alone (no request, link or partner in it), so that one copy serves every
    # partner (clinic/worksheets/form_cache.py); a type must say so itself.
    form_from_definition: ClassVar[bool] = False
    # The answer's share box; a type whose parts are shared one by one says "all of it".
    share_label: ClassVar[str] = lazy_gettext("My partner may see this answer in session")
    # Whether the item prints on a page of its own (an ``alone`` macro): "Our agreement".
    prints_alone: ClassVar[bool] = False
    # Whether every partner answers the item together (an agreement each one confirms), so
    # that its worksheet must be answered by the couple on one shared form.
    made_together: ClassVar[bool] = False
    # What the builder calls this type in its "Add a question" list (marked with N_, and
    # translated where the builder shows it).
    builder_name: ClassVar[str] = ""
    hints: ClassVar[dict[str, Hint]] = {
        "id": Hint(
            _l("Reference name"), _l("Lowercase letters, digits, - or _; unique in the worksheet.")
        ),
        "prompt": Hint(_l("Question"), _l("What partners read first."), long=True),
        "help": Hint(_l("Help text"), _l("Optional: a line under the question."), long=True),
        "required": Hint(_l("Partners must answer this before sending")),
        "show_if": Hint(_l("Show it only when"), _l("Optional: earlier answers decide.")),
        "fhir": Hint(_l("FHIR link"), _l("Kept from an imported Questionnaire."), when_set=True),
    }

    @classmethod
    def type_name(cls) -> str:
        """The ``type`` value authors write, from the class's ``type: Literal[...]`` field."""
        return get_args(cls.model_fields["type"].annotation)[0]

    # definition

    def own_texts(self) -> Iterator[str]:
        """Texts of this item a partner reads beyond prompt and help (options, rows...)."""
        return iter(())

    def in_language(self, tr: Callable[[str], str]) -> Self:
        """This item with every text a partner reads put through ``tr`` (a translation);
        ids and stored values stay, so answers compare across partners and languages."""
        return self.model_copy(
            update={
                "prompt": tr(self.prompt),
                "help": self.help and tr(self.help),
                **self.own_texts_in(tr),
            }
        )

    def own_texts_in(self, tr: Callable[[str], str]) -> dict[str, Any]:
        """The counterpart of ``own_texts``: the fields holding them, with ``tr`` applied."""
        return {}

    def breaks_across_pages(self) -> bool:
        """Whether the printed item is tall enough to break between its parts."""
        return False

    # answers

    def form_choice(self, value: Any) -> Hashable | None:
        """The answer as the options it ticks, when the form shows nothing else of it: the
        form's HTML then follows from the definition and this, and is kept like an empty
        item's (worksheets/form_cache.py). None, the default, renders the item every time."""
        return None

    def read_form(self, fields: Fields, name: str) -> Any:
        """The raw value of this item's fields (named ``name`` and ``name.<part>``)."""
        return fields.one(name)

    def as_posted(self, fields: Fields, name: str, stored: Any) -> Any:
        """What was sent for this item, every part as typed (invalid or over-long ones too),
        shaped as the form shows an answer: a page that stores none of it hands it all back,
        so nothing typed is lost. ``stored`` (None: none) gives what the form shows but
        never sends."""
        return self.read_form(fields, name)

    def clean(self, raw: Any) -> Any:
        """The stored value for a raw one (not None); "", [] or {} mean "not answered"."""
        raise NotImplementedError

    def editable(self, value: Any) -> Any:
        """The part of an answer the form edits; saves merge and compare this part only."""
        return value

    def after_edit(self, stored: Any, edited: Any, now: datetime) -> Any:
        """The answer to store when the form sends ``edited`` over ``stored`` (None: none).

        A type that keeps more than the form edits (agreements keep who confirmed) carries
        that part over here.
        """
        return edited

    def merge_parts(self, value: Any) -> dict[str, Any]:
        """An edited answer split into parts that two people can change independently, so
        that saves merge part by part; one part (the whole answer) unless a type has more."""
        return {"": value}

    def from_merge_parts(self, parts: dict[str, Any]) -> Any:
        """The edited answer ``parts`` was split from (None parts are left out)."""
        return parts.get("")

    def is_complete(self, value: Any) -> bool:
        """Whether a cleaned answer completes the item (progress and required items)."""
        return True

    def answer_units(self, value: Any) -> tuple[int, int]:
        """(parts answered, parts in all) for progress, from a cleaned answer or None.

        Most items are one part; a type with many parts (grid rows, agreement clauses)
        counts each, so progress moves with every row rather than once the item is done.
        """
        return int(value is not None and self.is_complete(value)), 1

    # sharing with the partner

    def shared_part(self, value: Any, shareable: bool) -> Any:
        """What of a stored answer its respondent chose to share (None: nothing). A type
        whose parts can be shared one by one (grid rows) keeps the shared parts."""
        return value if shareable else None

    def common_part(self, values: Sequence[Any]) -> list[Any] | None:
        """Respondents' shared answers (none missing) cut to the parts every one of them gave,
        so a session never shows who left a part out; None when no part is left."""
        return list(values)

    def private_copy(self, value: Any) -> Any:
        """The answer with any part-by-part share choice taken out (private worksheets)."""
        return value

    def describe(self, value: Any) -> str:
        """The answer in plain words, e.g. for two versions side by side."""
        return str(value)

    def texts(self, value: Any) -> Iterable[str]:
        """Every piece of free text in the answer, for the language review."""
        return ()

    def compare_note(self, values: Sequence[Any]) -> str | None:
        """A plain line on how two or more answers (none missing) compare, if it helps."""
        return None

    def comparison(self, values: Sequence[Any]) -> Any:
        """A part-by-part comparison of respondents' answers (None: not answered) that the
        review pages print as a table; None for types compared as a whole."""
        return None

    def sample_answer(self, text: str) -> Any:
        """A filled-in answer whose text parts contain ``text`` (tests and demos)."""
        raise NotImplementedError

    # scoring (the worksheet's ``scoring:`` rules)

    def score_range(self) -> tuple[int, int] | None:
        """The lowest and highest score one answer earns; None when this item has no scores."""
        return None

    def score_of(self, value: Any) -> int | None:
        """The score a cleaned answer earns; None when it earns none."""
        return None

    def scoring_problem(self) -> str | None:
        """Why this item cannot be part of a score, or None when it can."""
        if self.score_range() is None:
            return gettext(
                "a %(type)s item has no scores; scores work with scale and scored choices",
                type=self.type,
            )
        return None

    # conditions (``show_if`` of later items and sections that test this item's answer)

    def answer_choices(self) -> list[tuple[Target, str]]:
        """The answers a condition or an alert rule can name, with their labels (builder)."""
        return []

    def condition_problem(self, condition: Condition) -> str | None:
        """Why a condition on this item's answer could never be tested, or None if it can."""
        return gettext(
            "item %(item)s is a %(type)s; show_if can test single_choice, multiple_choice and "
            "scale answers",
            item=repr(self.id),
            type=self.type,
        )

    def meets(self, condition: Condition, value: Any) -> bool:
        """Whether a cleaned answer (never None) meets the condition."""
        return False

    def fhir_enable_when(self, condition: Condition) -> list[dict[str, Any]]:
        """The condition as FHIR enableWhen entries (more than one: any of them)."""
        raise NotImplementedError

    # FHIR

    def fhir_question(self) -> dict[str, Any]:
        """The type's keys of its Questionnaire item: type, answerOption, child items..."""
        raise NotImplementedError

    def fhir_answer(self, value: Any) -> dict[str, Any]:
        """The type's keys of its QuestionnaireResponse item: ``answer`` or child ``item``."""
        raise NotImplementedError

    @property
    def link_id(self) -> str:
        """The item's FHIR linkId: the one kept from an import, else its id."""
        return self.fhir.link_id if self.fhir else self.id

    def questionnaire_item(self) -> dict[str, Any]:
        out = question(self.link_id, "group", self.prompt)
        if self.fhir and self.fhir.codes:
            out["code"] = [c.fhir() for c in self.fhir.codes]
        if self.required:
            out["required"] = True
        out.update(self.fhir_question())
        out["extension"] = [
            *out.get("extension", []),
            {"url": ITEM_TYPE_EXTENSION, "valueCode": self.type},
        ]
        if self.help:
            out.setdefault("item", []).append(
                question(f"{self.link_id}:help", "display", self.help)
            )
        return out

    @classmethod
    def from_questionnaire_item(cls, node: dict[str, Any], source: FhirSource) -> dict[str, Any]:
        """This type's own fields read back from a Questionnaire item (the inverse of
        ``fhir_question``); what cannot be read goes to ``source.problem``."""
        source.problem(node, f"cannot be read back as a {cls.type_name()} question")
        return {}

    def from_fhir_answer(self, node: dict[str, Any]) -> Any:
        """A raw answer (for ``clean``) from a QuestionnaireResponse item shaped like
        ``questionnaire_answer``'s; AnswerError when the shape does not fit."""
        raise AnswerError("Answers to this kind of question cannot be imported.")

    def questionnaire_answer(self, value: Any) -> dict[str, Any] | None:
        """One answered item shaped like its Questionnaire item; None when nothing fits."""
        node: dict[str, Any] = {
            "linkId": self.link_id,
            "text": self.prompt,
            **self.fhir_answer(value),
        }
        if "item" in node:
            node["item"] = [child for child in node["item"] if child is not None]
            if not node["item"]:
                return None
        return node


# --- the registry ---------------------------------------------------------------------------

_TYPES: dict[str, type[Item]] = {}


def register(cls: type[Item]) -> type[Item]:
    """Make an item type known to the loader, forms and templates; usable as a decorator."""
    name = cls.type_name()
    if name in _TYPES and _TYPES[name] is not cls:
        raise ValueError(f"item type {name!r} is already registered")
    _TYPES[name] = cls
    return cls


def unregister(name: str) -> None:
    """Forget a type again (tests that register their own)."""
    _TYPES.pop(name, None)


def item_class(name: str) -> type[Item] | None:
    return _TYPES.get(name)


def type_names() -> tuple[str, ...]:
    """Every registered type, in registration order."""
    return tuple(_TYPES)
