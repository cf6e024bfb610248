"""scale: one whole number between two labelled ends."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from clinic.worksheets.items.base import (
    MAX_VALUE,
    MIN_VALUE,
    AnswerError,
    Hint,
    Item,
    Model,
    Text,
    clean_whole_number,
    coding,
    register,
    require_unique,
)


class ScalePoint(Model):
    value: int = Field(ge=0, le=10)
    label: Text

    hints: ClassVar[dict[str, Hint]] = {
        "value": Hint("Number"),
        "label": Hint("What this number means"),
    }


@register
class ScaleItem(Item):
    type: Literal["scale"]
    min: int = Field(ge=0, le=10)
    max: int = Field(ge=0, le=10)
    min_label: Text
    max_label: Text
    points: list[ScalePoint] = Field(default_factory=list, max_length=11)

    builder_name: ClassVar[str] = "Scale (a number between two ends)"
    hints: ClassVar[dict[str, Hint]] = {
        "min": Hint("Lowest number", "From 0 to 10.", starter=0),
        "max": Hint("Highest number", "From 0 to 10, above the lowest.", starter=10),
        "min_label": Hint("What the lowest number means"),
        "max_label": Hint("What the highest number means"),
        "points": Hint("Labels for numbers in between", "Optional."),
    }

    @model_validator(mode="after")
    def _check(self) -> ScaleItem:
        if self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be smaller than max ({self.max})")
        require_unique((str(p.value) for p in self.points), "point value")
        outside = [p.value for p in self.points if not self.min <= p.value <= self.max]
        if outside:
            raise ValueError(f"point values {outside} are outside {self.min}..{self.max}")
        return self

    def choices(self) -> list[tuple[int, str | None]]:
        """Every value from min to max with its label, if the author gave one."""
        labels = {p.value: p.label for p in self.points}
        return [(v, labels.get(v)) for v in range(self.min, self.max + 1)]

    def own_texts(self) -> Iterator[str]:
        return iter((self.min_label, self.max_label, *(p.label for p in self.points)))

    def clean(self, raw: Any) -> int | str:
        if raw == "":
            return ""
        value = clean_whole_number(raw)
        if not self.min <= value <= self.max:
            raise AnswerError(f"Please pick a number from {self.min} to {self.max}.")
        return value

    def describe(self, value: Any) -> str:
        label = dict(self.choices()).get(value)
        return f"{value} ({label})" if label else str(value)

    def compare_note(self, values: Sequence[Any]) -> str:
        spread = max(values) - min(values)
        return "Same answer." if spread == 0 else f"{spread} apart on the scale."

    def sample_answer(self, text: str) -> int:
        return self.min + 1

    def fhir_question(self) -> dict[str, Any]:
        """Integer with bounds; a choice instead when the author labelled points, to keep them."""
        if self.points:
            labels = [(str(v), f"{v} - {lbl}" if lbl else str(v)) for v, lbl in self.choices()]
            return {"type": "choice", "answerOption": coding(labels)}
        return {
            "type": "integer",
            "extension": [
                {"url": MIN_VALUE, "valueInteger": self.min},
                {"url": MAX_VALUE, "valueInteger": self.max},
            ],
        }

    def fhir_answer(self, value: Any) -> dict[str, Any]:
        if self.points:
            return {"answer": [{"valueCoding": {"code": str(value)}}]}
        return {"answer": [{"valueInteger": int(value)}]}
