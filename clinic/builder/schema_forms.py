"""Builder form fields derived from the worksheet definition schema, never listed by hand.

Every field of a definition model (clinic.worksheets.schema and each item type's class)
becomes a form field whose kind follows its type: text, a number, a tick box, a pick from
fixed words, a list of entries... Labels come from the models' ``hints``. A field that an
item type gains later therefore shows up in the builder without any change here.
"""

from __future__ import annotations

import enum
import functools
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel

from clinic.worksheets.items import Item, item_class
from clinic.worksheets.items.base import Hint
from clinic.worksheets.library import THEME_NAMES

# Fields the builder fills in itself: an item's type is chosen when it is added, and the
# version is counted up on publishing. Translations are carried through, never a form field.
MANAGED = {"type", "version", "translations"}
# Form kinds.
TEXT, LONG, NUMBER, FLAG, PICK, PICKS, LINES, GROUP, LIST, ITEMS = (
    "text",
    "long",
    "number",
    "flag",
    "pick",
    "picks",
    "lines",
    "group",
    "list",
    "items",
)
# Fields that name other parts of the worksheet (a hint's ``refers``), chosen from a list:
# one question or several, one answer or several of the question its sibling field names.
QUESTION, QUESTIONS, ANSWER, ANSWERS = "question", "questions", "answer", "answers"
# The schema's fixed words as the builder names them (a word not listed here, from a type
# added later, is shown from its spelling until it is given a label).
CHOICE_LABELS = {
    "each_partner": _l("Each partner on their own"),
    "couple": _l("The couple together"),
    **THEME_NAMES,
    "urgent": _l("Urgent"),
    "soon": _l("Soon"),
    "review": _l("Review"),
    "sum": _l("Sum"),
    "mean": _l("Mean"),
    "better": _l("Better"),
    "worse": _l("Worse"),
    "text": _l("Text"),
    "minutes": _l("Minutes"),
    "choice": _l("Choice"),
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    label: Any  # str, or a lazily translated one (flask_babel.lazy_gettext)
    help: Any = ""
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    model: type[BaseModel] | None = None  # the entry model of a group or a list
    min_entries: int = 0
    max_entries: int | None = None
    default: Any = None
    starter: Any = None
    optional: bool = False  # the schema allows None: left out when nothing is given
    when_set: bool = False  # the page shows it only once it holds a value

    entry: Any = ""  # what one entry of a list is called, for its legend ("Row")

    @property
    def singular(self) -> str:
        """What one entry of a list is called, in English for fresh ids: "Rows" -> "row"."""
        if self.entry:
            return source_text(self.entry).lower().replace(" ", "-")
        word = source_text(self.label).split(" ")[0].lower()
        return word[:-1] if word.endswith("s") else word

    @property
    def entry_name(self) -> Any:
        """The legend word of one entry, translated where the hint gives one."""
        return self.entry or self.singular.capitalize()


def source_text(text: Any) -> str:
    """The English text a lazily translated string was marked with (ids stay English)."""
    args = getattr(text, "_args", None)
    return str(args[0]) if isinstance(args, tuple) and args else str(text)


def humanize(name: str) -> str:
    return name.replace("_", " ").capitalize()


def hints_of(model: type[BaseModel]) -> dict[str, Hint]:
    """The hints of a model and of the classes it extends, the nearest class winning."""
    merged: dict[str, Hint] = {}
    for cls in reversed(model.__mro__):
        merged.update(getattr(cls, "__dict__", {}).get("hints", {}) or {})
    return merged


@functools.cache
def specs(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """The builder fields of one definition model, in the model's field order."""
    hints = hints_of(model)
    out = []
    for name, info in model.model_fields.items():
        if name in MANAGED:
            continue
        hint = hints.get(name, Hint(humanize(name)))
        annotation, optional = _unwrap_optional(info.annotation)
        kind, choices, entry = _classify(annotation)
        if hint.refers:
            many = kind in (PICKS, LINES)
            kind = {"question": (QUESTION, QUESTIONS), "answer": (ANSWER, ANSWERS)}[hint.refers][
                many
            ]
        bounds = {type(m).__name__: m for m in info.metadata}
        out.append(
            FieldSpec(
                name=name,
                kind=LONG if kind == TEXT and hint.long else kind,
                label=hint.label,
                help=hint.help,
                required=info.is_required(),
                choices=choices,
                model=entry,
                min_entries=getattr(bounds.get("MinLen"), "min_length", 0),
                max_entries=getattr(bounds.get("MaxLen"), "max_length", None),
                default=None if info.is_required() else info.get_default(call_default_factory=True),
                starter=hint.starter,
                optional=optional,
                when_set=hint.when_set,
                entry=hint.entry,
            )
        )
    return tuple(out)


def item_specs(type_name: str) -> tuple[FieldSpec, ...]:
    cls = item_class(type_name)
    return specs(cls) if cls is not None else ()


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _words(annotation: Any) -> tuple[tuple[str, str], ...] | None:
    """The allowed words of a Literal or an Enum, with labels; None for other types."""
    if get_origin(annotation) is Literal:
        values = [str(v) for v in get_args(annotation)]
    elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        values = [str(m.value) for m in annotation]
    else:
        return None
    return tuple((v, CHOICE_LABELS.get(v, humanize(v))) for v in values)


def _classify(annotation: Any) -> tuple[str, tuple[tuple[str, str], ...], Any]:
    annotation = _strip(annotation)
    words = _words(annotation)
    if words is not None:
        return PICK, words, None
    if get_origin(annotation) is list:
        inner = _strip(get_args(annotation)[0])
        inner_words = _words(inner)
        if inner_words is not None:
            return PICKS, inner_words, None
        if isinstance(inner, type) and issubclass(inner, Item):
            return ITEMS, (), None
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return LIST, (), inner
        return LINES, (), None
    if annotation is bool:
        return FLAG, (), None
    if annotation in (int, float):
        return NUMBER, (), None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return GROUP, (), annotation
    return TEXT, (), None
