"""reframe: rewrite hurtful phrases, and optionally one phrase of one's own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Literal

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from pydantic import Field, model_validator

from clinic.i18n import N_
from clinic.worksheets.items.base import (
    AnswerError,
    FhirSource,
    Fields,
    Hint,
    Id,
    Item,
    Model,
    Text,
    Value,
    answer_group,
    clean_mapping,
    clean_text,
    one_answer,
    question,
    register,
    require_unique,
    string_answer,
    tail,
)

# The part id of a partner's own phrase; cannot double as a phrase id.
RESERVED_PHRASE_ID = "own"
REWRITE_MAX = 1000  # each reframe text
LONG_REFRAME = 5  # phrases; a longer reframe may break across pages between phrases


class Phrase(Model):
    id: Id
    text: Text

    hints: ClassVar[dict[str, Hint]] = {
        "id": Hint(_l("Reference name"), _l("Lowercase letters, digits, - or _.")),
        "text": Hint(_l("Phrase to say another way"), long=True),
    }


class ReframePart(Value):
    """One phrase's stored answer: ``{"rewrite"}``, or ``{"original"?, "rewrite"?}`` for own."""

    original: str | None = None
    rewrite: str | None = None


@register
class ReframeItem(Item):
    form_from_definition: ClassVar[bool] = True  # see Item
    type: Literal["reframe"]
    phrases: list[Phrase] = Field(default_factory=list, max_length=20)
    allow_own: bool = False

    builder_name: ClassVar[str] = N_("Reframe (say phrases another way)")
    hints: ClassVar[dict[str, Hint]] = {
        "phrases": Hint(_l("Phrases"), entry=_l("Phrase")),
        "allow_own": Hint(_l("Partners may add a phrase of their own")),
    }

    @model_validator(mode="after")
    def _check(self) -> ReframeItem:
        require_unique((p.id for p in self.phrases), N_("phrase id"))
        if any(p.id == RESERVED_PHRASE_ID for p in self.phrases):
            raise ValueError(
                gettext(
                    "phrase id %(id)s is reserved; pick another id", id=repr(RESERVED_PHRASE_ID)
                )
            )
        if not self.phrases and not self.allow_own:
            raise ValueError(gettext("a reframe needs phrases, or allow_own: true, or both"))
        return self

    def own_texts(self) -> Iterator[str]:
        return (p.text for p in self.phrases)

    def own_texts_in(self, tr: Callable[[str], str]) -> dict[str, Any]:
        return {"phrases": [p.model_copy(update={"text": tr(p.text)}) for p in self.phrases]}

    def breaks_across_pages(self) -> bool:
        return len(self.phrases) > LONG_REFRAME

    def parts(self, value: dict[str, Any]) -> dict[str, ReframePart]:
        """The stored answer as typed parts, by phrase id (``own`` for the partner's own)."""
        return {k: ReframePart(**v) for k, v in value.items()}

    def read_form(self, fields: Fields, name: str) -> dict[str, Any]:
        value: dict[str, Any] = {
            p.id: {"rewrite": fields.one(f"{name}.{p.id}")} for p in self.phrases
        }
        if self.allow_own:
            own = f"{name}.{RESERVED_PHRASE_ID}"
            value[RESERVED_PHRASE_ID] = {
                "original": fields.one(f"{own}.original"),
                "rewrite": fields.one(f"{own}.rewrite"),
            }
        return value

    def clean(self, raw: Any) -> dict[str, Any]:
        own = {RESERVED_PHRASE_ID} if self.allow_own else set()
        given = clean_mapping(raw, {p.id for p in self.phrases} | own)
        out = {}
        for part_id in [p.id for p in self.phrases] + [RESERVED_PHRASE_ID]:
            if part_id not in given:
                continue
            keys = {"rewrite", "original"} if part_id == RESERVED_PHRASE_ID else {"rewrite"}
            texts = clean_mapping(given[part_id], keys)
            part = ReframePart(
                **{
                    k: clean_text(texts[k], REWRITE_MAX, "A rewrite") or None
                    for k in sorted(keys)
                    if k in texts
                }
            )
            if part != ReframePart():
                out[part_id] = part.stored()
        return out

    def is_complete(self, value: dict[str, Any]) -> bool:
        """Once any phrase has a rewrite."""
        return any("rewrite" in part for part in value.values())

    def describe(self, value: Any) -> str:
        parts = self.parts(value)
        lines = [
            f'Instead of "{p.text}": {parts[p.id].rewrite}'
            for p in self.phrases
            if p.id in parts and parts[p.id].rewrite
        ]
        own = parts.get(RESERVED_PHRASE_ID)
        if own:
            lines.append(f'My own: "{own.original or ""}" -> {own.rewrite or ""}')
        return "\n".join(lines)

    def texts(self, value: Any) -> list[str]:
        return [t for p in self.parts(value).values() for t in (p.original or "", p.rewrite or "")]

    def merge_parts(self, value: Any) -> dict[str, Any]:
        """Each phrase's rewrite (and the partners' own phrase) is a part, merged one by one."""
        value = value or {}
        return {part_id: value.get(part_id) for part_id in self._part_ids()}

    def from_merge_parts(self, parts: dict[str, Any]) -> Any:
        value = {part_id: parts[part_id] for part_id in self._part_ids() if parts.get(part_id)}
        return value or None

    def _part_ids(self) -> list[str]:
        return [p.id for p in self.phrases] + ([RESERVED_PHRASE_ID] if self.allow_own else [])

    def sample_answer(self, text: str) -> dict[str, Any]:
        value = {p.id: {"rewrite": f"{text} rewrite"} for p in self.phrases}
        if self.allow_own:
            value[RESERVED_PHRASE_ID] = {
                "original": f"{text} own",
                "rewrite": f"{text} own rewrite",
            }
        return value

    def fhir_question(self) -> dict[str, Any]:
        own = f"{self.id}.{RESERVED_PHRASE_ID}"
        children = [question(f"{self.id}.{p.id}", "text", p.text) for p in self.phrases]
        if self.allow_own:
            children.append(
                question(
                    own,
                    "group",
                    "Your own phrase",
                    item=[
                        question(f"{own}.original", "text", "Phrase"),
                        question(f"{own}.rewrite", "text", "Rewrite"),
                    ],
                )
            )
        return {"item": children}

    def fhir_answer(self, value: Any) -> dict[str, Any]:
        parts = self.parts(value)
        own = parts.get(RESERVED_PHRASE_ID) or ReframePart()
        link = f"{self.id}.{RESERVED_PHRASE_ID}"
        return {
            "item": [
                string_answer(f"{self.id}.{p.id}", (parts.get(p.id) or ReframePart()).rewrite)
                for p in self.phrases
            ]
            + [
                answer_group(
                    link,
                    "Your own phrase",
                    [
                        string_answer(f"{link}.original", own.original),
                        string_answer(f"{link}.rewrite", own.rewrite),
                    ],
                )
            ]
        }

    @classmethod
    def from_questionnaire_item(cls, node: dict[str, Any], source: FhirSource) -> dict[str, Any]:
        """Phrases from the text questions ``<item>.<phrase>``; a group ``<item>.own`` allows
        a phrase of one's own."""
        link = str(node.get("linkId", ""))
        phrases, allow_own = [], False
        for child in source.children(node):
            part = tail(child, link)
            if part == RESERVED_PHRASE_ID:
                allow_own = True
            else:
                phrases.append({"id": part, "text": str(child.get("text") or "")})
        return {"phrases": phrases, "allow_own": allow_own}

    def from_fhir_answer(self, node: dict[str, Any]) -> Any:
        parts = {f"{self.link_id}.{p.id}": p.id for p in self.phrases}
        own = f"{self.link_id}.{RESERVED_PHRASE_ID}"
        out: dict[str, Any] = {}
        for child in node.get("item") or []:
            link = child.get("linkId") if isinstance(child, dict) else None
            if link in parts:
                out[parts[link]] = {"rewrite": one_answer(child, "String")}
            elif link == own and self.allow_own:
                out[RESERVED_PHRASE_ID] = {
                    str(c.get("linkId", "")).rpartition(".")[2]: one_answer(c, "String")
                    for c in child.get("item") or []
                }
            else:
                raise AnswerError("This answer has a phrase the question does not know.")
        return out
