"""single_choice and multiple_choice: options the author lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Literal

from flask_babel import gettext
from pydantic import Field, model_validator

from clinic.worksheets.items.base import (
    CONDITION_OPERATORS,
    ORDINAL_VALUE,
    AnswerError,
    Condition,
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

    def condition_problem(self, condition: Condition) -> str | None:
        if condition.test in ("greater_than", "less_than"):
            return f"item {self.id!r} is a {self.type}; {condition.test} works with scale items"
        options = [o.value for o in self.options]
        wrong = [t for t in condition.targets if t not in options]
        if wrong:
            return (
                f"{wrong[0]!r} is not an option of item {self.id!r}; "
                f"use one of: {', '.join(options)}"
            )
        return None

    def meets(self, condition: Condition, value: Any) -> bool:
        """A multiple choice answer "equals" an option it includes."""
        picked = set(self._picked(value))
        if condition.test == "not_equals":
            return condition.not_equals not in picked
        return bool(picked & set(condition.targets))

    def fhir_enable_when(self, condition: Condition) -> list[dict[str, Any]]:
        labels = self.labels()
        operator = CONDITION_OPERATORS.get(condition.test, "=")
        return [
            {
                "question": self.id,
                "operator": operator,
                "answerCoding": {"code": str(t), "display": labels[str(t)]},
            }
            for t in condition.targets
        ]

    def describe(self, value: Any) -> str:
        labels = self.labels()
        return "; ".join(labels.get(v, str(v)) for v in self._picked(value))

    def fhir_question(self) -> dict[str, Any]:
        options = coding((o.value, o.label) for o in self.options)
        for option, node in zip(self.options, options, strict=True):
            if option.score is not None:
                node["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": option.score}]
        return {
            "type": "choice",
            "answerOption": options,
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
        return gettext("Same answer.") if len(set(values)) == 1 else gettext("Different answers.")

    def score_range(self) -> tuple[int, int] | None:
        scores = [o.score for o in self.options if o.score is not None]
        return (min(scores), max(scores)) if scores else None

    def score_of(self, value: Any) -> int | None:
        return next((o.score for o in self.options if o.value == value), None)

    def scoring_problem(self) -> str | None:
        unscored = [o.value for o in self.options if o.score is None]
        if unscored:
            return f"give every option of item {self.id!r} a score (missing: {', '.join(unscored)})"
        return None

    def sample_answer(self, text: str) -> str:
        return self.options[0].value


@register
class MultipleChoiceItem(_ChoiceItem):
    type: Literal["multiple_choice"]
    builder_name: ClassVar[str] = "Pick any number of choices"

    @model_validator(mode="after")
    def _no_scores(self) -> MultipleChoiceItem:
        if any(o.score is not None for o in self.options):
            raise ValueError("only single_choice options carry a score")
        return self

    def read_form(self, fields: Fields, name: str) -> list[Any]:
        return [v for v in fields.all(name) if v != ""]

    def clean(self, raw: Any) -> list[str]:
        if not isinstance(raw, list):
            raise AnswerError(gettext("This answer should be a list of choices."))
        values = [o.value for o in self.options]
        picked = {clean_choice(v, values) for v in raw}
        return [v for v in values if v in picked]  # option order, no repeats

    def compare_note(self, values: Sequence[Any]) -> str:
        labels = self.labels()
        common = [labels[v] for v in values[0] if all(v in other for other in values[1:])]
        if not common:
            return gettext("No choice in common.")
        return gettext("Chosen by everyone: %(choices)s.", choices=", ".join(common))

    def sample_answer(self, text: str) -> list[str]:
        return [self.options[0].value, self.options[1].value]
