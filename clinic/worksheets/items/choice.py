"""single_choice and multiple_choice: options the author lists."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, ClassVar, Literal

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from pydantic import Field, model_validator

from clinic.i18n import N_
from clinic.worksheets.items.base import (
    CONDITION_OPERATORS,
    ORDINAL_VALUE,
    AnswerError,
    Condition,
    FhirSource,
    Fields,
    Hint,
    Item,
    Option,
    Target,
    answers_of,
    clean_choice,
    coded,
    register,
    require_unique,
)


class _ChoiceItem(Item):
    form_from_definition: ClassVar[bool] = True  # see Item
    options: list[Option] = Field(min_length=2, max_length=20)

    hints: ClassVar[dict[str, Hint]] = {"options": Hint(_l("Choices"), entry=_l("Choice"))}

    @model_validator(mode="after")
    def _check(self) -> _ChoiceItem:
        require_unique((o.value for o in self.options), N_("option value"))
        return self

    def own_texts(self) -> Iterator[str]:
        return (o.label for o in self.options)

    def own_texts_in(self, tr: Callable[[str], str]) -> dict[str, Any]:
        return {"options": [o.in_language(tr) for o in self.options]}

    def answer_choices(self) -> list[tuple[Target, str]]:
        return [(o.value, o.label) for o in self.options]

    def labels(self) -> dict[str, str]:
        return {o.value: o.label for o in self.options}

    def _picked(self, value: Any) -> list[str]:
        return value if isinstance(value, list) else [value]

    def condition_problem(self, condition: Condition) -> str | None:
        if condition.test in ("greater_than", "less_than"):
            return gettext(
                "item %(item)s is a %(type)s; %(test)s works with scale items",
                item=repr(self.id),
                type=self.type,
                test=condition.test,
            )
        options = [o.value for o in self.options]
        wrong = [t for t in condition.targets if t not in options]
        if wrong:
            return gettext(
                "%(value)s is not an option of item %(item)s; use one of: %(options)s",
                value=repr(wrong[0]),
                item=repr(self.id),
                options=", ".join(options),
            )
        return None

    def meets(self, condition: Condition, value: Any) -> bool:
        """A multiple choice answer "equals" an option it includes."""
        picked = set(self._picked(value))
        if condition.test == "not_equals":
            return condition.not_equals not in picked
        return bool(picked & set(condition.targets))

    def fhir_enable_when(self, condition: Condition) -> list[dict[str, Any]]:
        options = {o.value: o for o in self.options}
        operator = CONDITION_OPERATORS.get(condition.test, "=")
        return [
            {
                "question": self.link_id,
                "operator": operator,
                "answerCoding": options[str(t)].fhir_coding(),
            }
            for t in condition.targets
        ]

    def describe(self, value: Any) -> str:
        labels = self.labels()
        return "; ".join(labels.get(v, str(v)) for v in self._picked(value))

    def fhir_question(self) -> dict[str, Any]:
        options: list[dict[str, Any]] = []
        for option in self.options:
            node: dict[str, Any] = {"valueCoding": option.fhir_coding()}
            if option.score is not None:
                node["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": option.score}]
            options.append(node)
        return {
            "type": "choice",
            "answerOption": options,
            "repeats": isinstance(self, MultipleChoiceItem),
        }

    def fhir_answer(self, value: Any) -> dict[str, Any]:
        options = {o.value: o for o in self.options}
        return {
            "answer": [
                {"valueCoding": options[v].fhir_coding()}
                if v in options
                else {"valueCoding": {"code": v}}
                for v in self._picked(value)
            ]
        }

    @classmethod
    def from_questionnaire_item(cls, node: dict[str, Any], source: FhirSource) -> dict[str, Any]:
        return {"options": source.options(node)}

    def _values_of(self, node: dict[str, Any]) -> list[str]:
        """The option values a QuestionnaireResponse item picked, by kept code or value."""
        by_code = {(o.code.code if o.code else o.value): o.value for o in self.options}
        picked = []
        for answer in answers_of(node):
            if "valueBoolean" in answer and isinstance(answer["valueBoolean"], bool):
                code = "yes" if answer["valueBoolean"] else "no"  # an imported boolean
            elif isinstance(answer.get("valueString"), str | int):
                labels = {o.label: o.value for o in self.options}
                code = labels.get(answer["valueString"], str(answer["valueString"]))
            elif isinstance(answer.get("valueInteger"), int):
                code = str(answer["valueInteger"])
            else:
                code = coded(answer.get("valueCoding"))
            picked.append(by_code.get(code, code))  # an unknown code fails ``clean``
        return picked


@register
class SingleChoiceItem(_ChoiceItem):
    type: Literal["single_choice"]
    builder_name: ClassVar[str] = N_("Pick one choice")

    def clean(self, raw: Any) -> str:
        return "" if raw == "" else clean_choice(raw, [o.value for o in self.options])

    def form_choice(self, value: Any) -> Hashable | None:
        """The option's value, when the answer is one of them."""
        return value if isinstance(value, str) and value in self.labels() else None

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
            return gettext(
                "give every option of item %(item)s a score (missing: %(missing)s)",
                item=repr(self.id),
                missing=", ".join(unscored),
            )
        return None

    def sample_answer(self, text: str) -> str:
        return self.options[0].value

    def from_fhir_answer(self, node: dict[str, Any]) -> Any:
        picked = self._values_of(node)
        if len(picked) > 1:
            raise AnswerError("This question takes one choice only.")
        return picked[0] if picked else ""


@register
class MultipleChoiceItem(_ChoiceItem):
    type: Literal["multiple_choice"]
    builder_name: ClassVar[str] = N_("Pick any number of choices")

    @model_validator(mode="after")
    def _no_scores(self) -> MultipleChoiceItem:
        if any(o.score is not None for o in self.options):
            raise ValueError(gettext("only single_choice options carry a score"))
        return self

    def read_form(self, fields: Fields, name: str) -> list[Any]:
        return [v for v in fields.all(name) if v != ""]

    def form_choice(self, value: Any) -> Hashable | None:
        """The options ticked, in the definition's order, when the answer is options only."""
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None
        picked = set(value)
        ticked = tuple(o.value for o in self.options if o.value in picked)
        return ticked if len(ticked) == len(picked) else None

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

    def from_fhir_answer(self, node: dict[str, Any]) -> Any:
        return self._values_of(node)
