"""short_text and long_text: one piece of free text."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from flask_babel import lazy_gettext as _l
from pydantic import Field

from clinic.i18n import N_
from clinic.worksheets.items.base import (
    FhirSource,
    Hint,
    Item,
    clean_text,
    one_answer,
    register,
)


class _TextItem(Item):
    """Both text types; each declares its own ``max_length`` default and bounds."""

    form_from_definition: ClassVar[bool] = True  # see Item

    free_text: ClassVar[bool] = True
    fhir_type: ClassVar[str]

    def clean(self, raw: Any) -> str:
        return clean_text(raw, self.max_length)  # type: ignore[attr-defined]

    def texts(self, value: str) -> list[str]:
        return [value]

    def sample_answer(self, text: str) -> str:
        return f"{text} {self.id}"

    def fhir_question(self) -> dict[str, Any]:
        return {"type": self.fhir_type, "maxLength": self.max_length}  # type: ignore[attr-defined]

    def fhir_answer(self, value: str) -> dict[str, Any]:
        return {"answer": [{"valueString": str(value)}]}

    @classmethod
    def from_questionnaire_item(cls, node: dict[str, Any], source: FhirSource) -> dict[str, Any]:
        """``maxLength`` becomes max_length when it fits this type's bounds."""
        limit = node.get("maxLength")
        if limit is None:
            return {}
        bounds = cls.model_fields["max_length"].metadata
        top = next(m.le for m in bounds if hasattr(m, "le"))
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= top:
            source.problem(node, f"its maxLength {limit!r} is not a number from 1 to {top}")
            return {}
        return {"max_length": limit}

    def from_fhir_answer(self, node: dict[str, Any]) -> Any:
        return one_answer(node, "String")


@register
class ShortTextItem(_TextItem):
    type: Literal["short_text"]
    max_length: int = Field(300, ge=1, le=1000)
    fhir_type: ClassVar[str] = "string"
    builder_name: ClassVar[str] = N_("Short answer (one line)")
    hints: ClassVar[dict[str, Hint]] = {"max_length": Hint(_l("Longest answer, in characters"))}


@register
class LongTextItem(_TextItem):
    type: Literal["long_text"]
    max_length: int = Field(5000, ge=1, le=20000)
    fhir_type: ClassVar[str] = "text"
    builder_name: ClassVar[str] = N_("Long answer (a few lines)")
    hints: ClassVar[dict[str, Hint]] = {"max_length": Hint(_l("Longest answer, in characters"))}
