"""agreement: clauses to confirm, each with optional fields to fill in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from clinic.worksheets.items.base import (
    MAX_VALUE,
    MIN_VALUE,
    AnswerError,
    Fields,
    Hint,
    Id,
    Item,
    Model,
    Option,
    Text,
    Value,
    answer_group,
    clean_choice,
    clean_flag,
    clean_mapping,
    clean_text,
    clean_whole_number,
    coding,
    question,
    register,
    require_unique,
    string_answer,
)

# The form field of a clause's "I agree" box; cannot double as a field id.
RESERVED_FIELD_ID = "ok"
MAX_MINUTES_FIELD = 1440  # a "minutes" field: at most a day
FIELD_MAX = 300  # each text field
LONG_AGREEMENT = 4  # clauses; a longer agreement may break across pages between clauses


class ClauseField(Model):
    id: Id
    label: Text
    kind: Literal["text", "minutes", "choice"]
    options: list[Option] | None = Field(None, min_length=2, max_length=20)

    hints: ClassVar[dict[str, Hint]] = {
        "id": Hint("Reference name", "Lowercase letters, digits, - or _."),
        "label": Hint("Blank to fill in"),
        "kind": Hint("Kind of answer", starter="text"),
        "options": Hint("Choices", "Only for the kind 'choice', which needs two or more."),
    }

    @model_validator(mode="after")
    def _check(self) -> ClauseField:
        if self.id == RESERVED_FIELD_ID:
            raise ValueError(f"field id {RESERVED_FIELD_ID!r} is reserved; pick another id")
        if (self.kind == "choice") != (self.options is not None):
            raise ValueError("a 'choice' field needs options; other kinds must not have them")
        if self.options:
            require_unique((o.value for o in self.options), "option value")
        return self

    def clean(self, raw: Any) -> str:
        if self.kind == "choice":
            return "" if raw == "" else clean_choice(raw, [o.value for o in self.options or ()])
        if self.kind == "minutes":
            if raw == "":
                return ""
            minutes = clean_whole_number(raw)
            if not 0 <= minutes <= MAX_MINUTES_FIELD:
                raise AnswerError(f"Please give minutes from 0 to {MAX_MINUTES_FIELD}.")
            return str(minutes)
        return clean_text(raw, FIELD_MAX, f"The answer to {self.label!r}")

    def fhir_question(self, link_id: str) -> dict[str, Any]:
        if self.kind == "choice":
            options = coding((o.value, o.label) for o in self.options or ())
            return question(link_id, "choice", self.label, answerOption=options)
        if self.kind == "minutes":
            return question(
                link_id,
                "integer",
                self.label,
                extension=[
                    {"url": MIN_VALUE, "valueInteger": 0},
                    {"url": MAX_VALUE, "valueInteger": MAX_MINUTES_FIELD},
                ],
            )
        return question(link_id, "string", self.label)

    def fhir_answer(self, link_id: str, raw: str) -> dict[str, Any] | None:
        if self.kind == "minutes" and str(raw).isdigit():
            return {"linkId": link_id, "answer": [{"valueInteger": int(raw)}]}
        if self.kind == "choice":
            return {"linkId": link_id, "answer": [{"valueCoding": {"code": str(raw)}}]}
        return string_answer(link_id, raw)


class Clause(Model):
    id: Id
    text: Text
    fields: list[ClauseField] = Field(default_factory=list, max_length=10)

    hints: ClassVar[dict[str, Hint]] = {
        "id": Hint("Reference name", "Lowercase letters, digits, - or _."),
        "text": Hint("Clause partners confirm", long=True),
        "fields": Hint("Blanks to fill in", "Optional."),
    }

    @model_validator(mode="after")
    def _check(self) -> Clause:
        require_unique((f.id for f in self.fields), "field id")
        return self


class ClauseAnswer(Value):
    """One clause's stored answer: ``{"fields": {field id: text}, "confirmed"}``."""

    fields: dict[str, str] = {}
    confirmed: bool = False


@register
class AgreementItem(Item):
    type: Literal["agreement"]
    clauses: list[Clause] = Field(min_length=1, max_length=20)

    builder_name: ClassVar[str] = "Agreement (clauses each partner confirms)"
    hints: ClassVar[dict[str, Hint]] = {"clauses": Hint("Clauses")}

    @model_validator(mode="after")
    def _check(self) -> AgreementItem:
        require_unique((c.id for c in self.clauses), "clause id")
        return self

    def own_texts(self) -> Iterator[str]:
        for clause in self.clauses:
            yield clause.text
            for field in clause.fields:
                yield field.label
                yield from (o.label for o in field.options or ())

    def breaks_across_pages(self) -> bool:
        return len(self.clauses) > LONG_AGREEMENT

    def answers(self, value: dict[str, Any]) -> dict[str, ClauseAnswer]:
        """The stored answer as typed clause answers, by clause id."""
        return {k: ClauseAnswer(**v) for k, v in value.items()}

    def read_form(self, fields: Fields, name: str) -> dict[str, Any]:
        return {
            c.id: {
                "fields": {f.id: fields.one(f"{name}.{c.id}.{f.id}") for f in c.fields},
                "confirmed": fields.checked(f"{name}.{c.id}.{RESERVED_FIELD_ID}"),
            }
            for c in self.clauses
        }

    def clean(self, raw: Any) -> dict[str, Any]:
        clauses = clean_mapping(raw, {c.id for c in self.clauses})
        out = {}
        for clause in self.clauses:
            if clause.id not in clauses:
                continue
            part = clean_mapping(clauses[clause.id], {"fields", "confirmed"})
            given = clean_mapping(part.get("fields", {}), {f.id for f in clause.fields})
            fields = {f.id: f.clean(given[f.id]) for f in clause.fields if f.id in given}
            answer = ClauseAnswer(
                fields={k: v for k, v in fields.items() if v != ""},
                confirmed=clean_flag(part.get("confirmed", False)),
            )
            if answer.fields or answer.confirmed:
                out[clause.id] = answer.stored()
        return out

    def is_complete(self, value: dict[str, Any]) -> bool:
        """Once every clause is confirmed with its fields filled."""
        return all(
            value.get(c.id, {}).get("confirmed")
            and all(f.id in value[c.id].get("fields", {}) for f in c.fields)
            for c in self.clauses
        )

    def describe(self, value: Any) -> str:
        answers = self.answers(value)
        lines = []
        for clause in self.clauses:
            answer = answers.get(clause.id)
            if answer is None:
                continue
            labels = {f.id: f.label for f in clause.fields}
            fields = ", ".join(f"{labels.get(k, k)}: {v}" for k, v in answer.fields.items())
            agreed = "agreed" if answer.confirmed else "not agreed yet"
            lines.append(f"{clause.text} ({agreed}){' - ' + fields if fields else ''}")
        return "\n".join(lines)

    def texts(self, value: Any) -> list[str]:
        answers = self.answers(value)
        return [
            answers[clause.id].fields.get(f.id, "") if clause.id in answers else ""
            for clause in self.clauses
            for f in clause.fields
            if f.kind == "text"
        ]

    def sample_answer(self, text: str) -> dict[str, Any]:
        fill = {"text": text, "minutes": "15"}
        return {
            clause.id: {
                "fields": {
                    f.id: f.options[0].value if f.options else fill[f.kind] for f in clause.fields
                },
                "confirmed": True,
            }
            for clause in self.clauses
        }

    def fhir_question(self) -> dict[str, Any]:
        base = self.id
        return {
            "item": [
                question(
                    f"{base}.{clause.id}",
                    "group",
                    clause.text,
                    item=[
                        *(f.fhir_question(f"{base}.{clause.id}.{f.id}") for f in clause.fields),
                        question(f"{base}.{clause.id}.{RESERVED_FIELD_ID}", "boolean", "Agreed"),
                    ],
                )
                for clause in self.clauses
            ]
        }

    def fhir_answer(self, value: Any) -> dict[str, Any]:
        answers = self.answers(value)
        return {
            "item": [
                answer_group(
                    f"{self.id}.{clause.id}", clause.text, self._fhir_clause(clause, answer)
                )
                for clause in self.clauses
                if (answer := answers.get(clause.id)) is not None
            ]
        }

    def _fhir_clause(self, clause: Clause, answer: ClauseAnswer) -> list[dict[str, Any] | None]:
        link = f"{self.id}.{clause.id}"
        out = [
            f.fhir_answer(f"{link}.{f.id}", answer.fields[f.id])
            for f in clause.fields
            if answer.fields.get(f.id) not in (None, "")
        ]
        out.append({"linkId": f"{link}.ok", "answer": [{"valueBoolean": answer.confirmed}]})
        return out
