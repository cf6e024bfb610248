"""scale: one whole number between two labelled ends."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, ClassVar, Literal

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from pydantic import Field, model_validator

from clinic.i18n import N_
from clinic.worksheets.items.base import (
    CONDITION_OPERATORS,
    MAX_VALUE,
    MIN_VALUE,
    AnswerError,
    Condition,
    FhirSource,
    Fields,
    Hint,
    Item,
    Model,
    Target,
    Text,
    clean_whole_number,
    coded,
    coding,
    one_answer,
    question,
    register,
    require_unique,
)


class ScalePoint(Model):
    value: int = Field(ge=0, le=10)
    label: Text

    hints: ClassVar[dict[str, Hint]] = {
        "value": Hint(_l("Number")),
        "label": Hint(_l("What this number means")),
    }


@register
class ScaleItem(Item):
    form_from_definition: ClassVar[bool] = True  # see Item
    type: Literal["scale"]
    min: int = Field(ge=0, le=10)
    max: int = Field(ge=0, le=10)
    min_label: Text
    max_label: Text
    points: list[ScalePoint] = Field(default_factory=list, max_length=11)

    builder_name: ClassVar[str] = N_("Scale (a number between two ends)")
    hints: ClassVar[dict[str, Hint]] = {
        "min": Hint(_l("Lowest number"), _l("From 0 to 10."), starter=0),
        "max": Hint(_l("Highest number"), _l("From 0 to 10, above the lowest."), starter=10),
        "min_label": Hint(_l("What the lowest number means")),
        "max_label": Hint(_l("What the highest number means")),
        "points": Hint(_l("Labels for numbers in between"), _l("Optional."), entry=_l("Label")),
    }

    @model_validator(mode="after")
    def _check(self) -> ScaleItem:
        if self.min >= self.max:
            raise ValueError(
                gettext(
                    "min (%(min)s) must be smaller than max (%(max)s)", min=self.min, max=self.max
                )
            )
        require_unique((str(p.value) for p in self.points), N_("point value"))
        outside = [p.value for p in self.points if not self.min <= p.value <= self.max]
        if outside:
            raise ValueError(
                gettext(
                    "point values %(values)s are outside %(min)s..%(max)s",
                    values=outside,
                    min=self.min,
                    max=self.max,
                )
            )
        return self

    def form_choice(self, value: Any) -> Hashable | None:
        """The number, when the answer is one of the scale's (a bool is not a number here)."""
        return value if type(value) is int and self.min <= value <= self.max else None

    def choices(self) -> list[tuple[int, str | None]]:
        """Every value from min to max with its label, if the author gave one."""
        labels = {p.value: p.label for p in self.points}
        return [(v, labels.get(v)) for v in range(self.min, self.max + 1)]

    def answer_choices(self) -> list[tuple[Target, str]]:
        ends = {self.min: self.min_label, self.max: self.max_label}
        return [
            (v, f"{v} ({label or ends[v]})" if label or v in ends else str(v))
            for v, label in self.choices()
        ]

    def own_texts(self) -> Iterator[str]:
        return iter((self.min_label, self.max_label, *(p.label for p in self.points)))

    def own_texts_in(self, tr: Callable[[str], str]) -> dict[str, Any]:
        return {
            "min_label": tr(self.min_label),
            "max_label": tr(self.max_label),
            "points": [p.model_copy(update={"label": tr(p.label)}) for p in self.points],
        }

    def as_posted(self, fields: Fields, name: str, stored: Any) -> Any:
        """The number picked, as the form compares it (a whole number), else what was sent."""
        raw = fields.one(name)
        try:
            return clean_whole_number(raw)
        except AnswerError:
            return raw

    def clean(self, raw: Any) -> int | str:
        if raw == "":
            return ""
        value = clean_whole_number(raw)
        if not self.min <= value <= self.max:
            raise AnswerError(
                gettext("Please pick a number from %(min)s to %(max)s.", min=self.min, max=self.max)
            )
        return value

    def describe(self, value: Any) -> str:
        label = dict(self.choices()).get(value)
        return f"{value} ({label})" if label else str(value)

    def compare_note(self, values: Sequence[Any]) -> str:
        spread = max(values) - min(values)
        if spread == 0:
            return gettext("Same answer.")
        return ngettext("%(num)s apart on the scale.", "%(num)s apart on the scale.", spread)

    def sample_answer(self, text: str) -> int:
        return self.min + 1

    def score_range(self) -> tuple[int, int]:
        return self.min, self.max

    def score_of(self, value: Any) -> int | None:
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def condition_problem(self, condition: Condition) -> str | None:
        if any(isinstance(t, str) for t in condition.targets):
            return gettext(
                "item %(item)s is a scale; compare it with whole numbers, not text",
                item=repr(self.id),
            )
        outside = [t for t in condition.targets if not self.min <= int(t) <= self.max]
        if condition.test in ("greater_than", "less_than"):
            # A bound may sit beyond an end of the scale, as long as some answer meets it.
            if not any(self.meets(condition, v) for v, _ in self.choices()):
                said = (
                    gettext(
                        "no answer on the scale of item %(item)s (%(min)s to %(max)s) is greater "
                        "than %(bound)s, so this condition could never be met"
                    )
                    if condition.test == "greater_than"
                    else gettext(
                        "no answer on the scale of item %(item)s (%(min)s to %(max)s) is less "
                        "than %(bound)s, so this condition could never be met"
                    )
                )
                return said % {
                    "item": repr(self.id),
                    "min": self.min,
                    "max": self.max,
                    "bound": condition.targets[0],
                }
            return None
        if outside:
            return gettext(
                "%(value)s is outside the scale of item %(item)s (%(min)s to %(max)s), so this "
                "condition could never be met",
                value=outside[0],
                item=repr(self.id),
                min=self.min,
                max=self.max,
            )
        return None

    def meets(self, condition: Condition, value: Any) -> bool:
        if not isinstance(value, int):
            return False
        if condition.greater_than is not None:
            return value > condition.greater_than
        if condition.less_than is not None:
            return value < condition.less_than
        if condition.not_equals is not None:
            return value != condition.not_equals
        return value in condition.targets

    def fhir_enable_when(self, condition: Condition) -> list[dict[str, Any]]:
        """Integers compare as numbers; a labelled scale is exported as codes, so it lists them."""
        if not self.points:
            operator = CONDITION_OPERATORS.get(condition.test, "=")
            return [
                {"question": self.link_id, "operator": operator, "answerInteger": int(t)}
                for t in condition.targets
            ]
        values = [v for v, _ in self.choices() if self.meets(condition, v)]
        if condition.test == "not_equals":
            values = [int(condition.targets[0])]
        operator = "!=" if condition.test == "not_equals" else "="
        return [
            {"question": self.link_id, "operator": operator, "answerCoding": {"code": str(v)}}
            for v in values
        ]

    def fhir_question(self) -> dict[str, Any]:
        """Integer with bounds; a choice instead when the author labelled points, to keep them.

        The end labels travel as display items inside the question, which every
        Questionnaire renderer shows, so no reader meets a bare 0 to 10.
        """
        ends = [
            question(f"{self.link_id}:min", "display", f"{self.min}: {self.min_label}"),
            question(f"{self.link_id}:max", "display", f"{self.max}: {self.max_label}"),
        ]
        if self.points:
            labels = [(str(v), f"{v} - {lbl}" if lbl else str(v)) for v, lbl in self.choices()]
            return {"type": "choice", "answerOption": coding(labels), "item": ends}
        return {
            "type": "integer",
            "extension": [
                {"url": MIN_VALUE, "valueInteger": self.min},
                {"url": MAX_VALUE, "valueInteger": self.max},
            ],
            "item": ends,
        }

    def fhir_answer(self, value: Any) -> dict[str, Any]:
        if self.points:
            display = dict(self.choices()).get(value)
            label = f"{value} - {display}" if display else str(value)
            return {"answer": [{"valueCoding": {"code": str(value), "display": label}}]}
        return {"answer": [{"valueInteger": int(value)}]}

    @classmethod
    def from_questionnaire_item(cls, node: dict[str, Any], source: FhirSource) -> dict[str, Any]:
        """An integer with minValue and maxValue from 0 to 10, or Tandem's labelled scale
        (a choice of the numbers); the end labels from the ``:min`` and ``:max`` texts."""
        ends = {}
        for child in source.children(node):
            end = str(child.get("linkId", "")).rpartition(":")[2]
            if end in ("min", "max") and child.get("type") == "display":
                ends[end] = str(child.get("text") or "").partition(": ")[2].strip()
        if node.get("type") == "choice":
            numbers = []
            points = []
            for option in source.options(node):
                number, _, label = option["label"].partition(" - ")
                if not number.isdigit():
                    source.problem(node, f"its choice {option['label']!r} is not a number")
                    return {}
                numbers.append(int(number))
                if label:
                    points.append({"value": int(number), "label": label})
            low, high = (min(numbers), max(numbers)) if numbers else (None, None)
        else:
            bounds = {e.get("url"): e.get("valueInteger") for e in node.get("extension", [])}
            low, high, points = bounds.get(MIN_VALUE), bounds.get(MAX_VALUE), []
        if not (isinstance(low, int) and isinstance(high, int) and 0 <= low < high <= 10):
            source.problem(
                node, "a whole number is a scale only with a minValue and maxValue from 0 to 10"
            )
            return {}
        out: dict[str, Any] = {
            "min": low,
            "max": high,
            "min_label": ends.get("min") or str(low),
            "max_label": ends.get("max") or str(high),
        }
        if points:
            out["points"] = points
        return out

    def from_fhir_answer(self, node: dict[str, Any]) -> Any:
        value = one_answer(node, "Integer", "Coding")
        return int(coded(value)) if isinstance(value, dict) and coded(value).isdigit() else value
