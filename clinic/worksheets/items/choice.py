"""single_choice and multiple_choice: options the author lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from clinic.worksheets.items.base import (
    AnswerError,
    Fields,
    Hint,
    Item,
    Option,
    clean_choice,
    coding,
    register,
    require_unique,
)


class _ChoiceItem(Item):
    options: list[Option] = Field(min_length=2, max_length=20)

    hints: ClassVar[dict[str, Hint]] = {"options": Hint("Choices")}

    @model_validator(mode="after")
    def _check(self) -> _ChoiceItem:
        require_unique((o.value for o in self.options), "option value")
        return self

    def own_texts(self) -> Iterator[str]:
        return (o.label for o in self.options)

    def labels(self) -> dict[str, str]:
        return {o.value: o.label for o in self.options}

    def _picked(self, value: Any) -> list[str]:
        return value if isinstance(value, list) else [value]

    def describe(self, value: Any) -> str:
        labels = self.labels()
        return "; ".join(labels.get(v, str(v)) for v in self._picked(value))

    def fhir_question(self) -> dict[str, Any]:
        return {
            "type": "choice",
            "answerOption": coding((o.value, o.label) for o in self.options),
            "repeats": isinstance(self, MultipleChoiceItem),
        }

    def fhir_answer(self, value: Any) -> dict[str, Any]:
        labels = self.labels()
        return {
            "answer": [
                {"valueCoding": {"code": v, "display": labels.get(v, v)}}
                for v in self._picked(value)
            ]
        }


@register
class SingleChoiceItem(_ChoiceItem):
    type: Literal["single_choice"]
    builder_name: ClassVar[str] = "Pick one choice"

    def clean(self, raw: Any) -> str:
        return "" if raw == "" else clean_choice(raw, [o.value for o in self.options])

    def compare_note(self, values: Sequence[Any]) -> str:
        return "Same answer." if len(set(values)) == 1 else "Different answers."

    def sample_answer(self, text: str) -> str:
        return self.options[0].value


@register
class MultipleChoiceItem(_ChoiceItem):
    type: Literal["multiple_choice"]
    builder_name: ClassVar[str] = "Pick any number of choices"

    def read_form(self, fields: Fields, name: str) -> list[Any]:
        return [v for v in fields.all(name) if v != ""]

    def clean(self, raw: Any) -> list[str]:
        if not isinstance(raw, list):
            raise AnswerError("This answer should be a list of choices.")
        values = [o.value for o in self.options]
        picked = {clean_choice(v, values) for v in raw}
        return [v for v in values if v in picked]  # option order, no repeats

    def compare_note(self, values: Sequence[Any]) -> str:
        labels = self.labels()
        common = [labels[v] for v in values[0] if all(v in other for other in values[1:])]
        return f"Chosen by everyone: {', '.join(common)}." if common else "No choice in common."

    def sample_answer(self, text: str) -> list[str]:
        return [self.options[0].value, self.options[1].value]
