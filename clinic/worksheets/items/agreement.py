"""agreement: clauses every partner confirms on their own link, each with fields to fill in.

A clause's stored answer holds its fields and, under ``by``, one record per partner of the
couple, by partner id (never a name, so a partner's own export names nobody else): when they
confirmed, a fingerprint of the wording and field values they saw, and
those values (to show what changed), or when they withdrew. An agreement counts as agreed
only when every partner's record confirms the clause's current fingerprint. A change to a
clause's fields marks the confirmations of that clause as changed (``after_edit``), so the
partner is asked again and shown the old and the new values side by side.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Literal

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from pydantic import Field, PrivateAttr, ValidationError, model_validator

from clinic import localtime
from clinic.enums import ClauseState
from clinic.i18n import N_
from clinic.worksheets.items.base import (
    MAX_VALUE,
    MIN_VALUE,
    AnswerError,
    FhirSource,
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
    tail,
)

# The form field of a clause's former "I agree" box; cannot double as a field id.
RESERVED_FIELD_ID = "ok"
AGAIN = "_again"  # the answer's "look at it again" date; no clause id starts with "_"
PRINT_LENGTH = 16
MAX_MINUTES_FIELD = 1440  # a "minutes" field: at most a day
FIELD_MAX = 300  # each text field
LONG_AGREEMENT = 4  # clauses; a longer agreement may break across pages between clauses


class ClauseField(Model):
    id: Id
    label: Text
    kind: Literal["text", "minutes", "choice"]
    options: list[Option] | None = Field(None, min_length=2, max_length=20)

    hints: ClassVar[dict[str, Hint]] = {
        "id": Hint(_l("Reference name"), _l("Lowercase letters, digits, - or _.")),
        "label": Hint(_l("Blank to fill in")),
        "kind": Hint(_l("Kind of answer"), starter="text"),
        "options": Hint(_l("Choices"), _l("Only for the kind 'choice', which needs two or more.")),
    }

    def in_language(self, tr: Callable[[str], str]) -> ClauseField:
        options = self.options and [o.in_language(tr) for o in self.options]
        return self.model_copy(update={"label": tr(self.label), "options": options})

    @model_validator(mode="after")
    def _check(self) -> ClauseField:
        if self.id == RESERVED_FIELD_ID:
            raise ValueError(
                gettext("field id %(id)s is reserved; pick another id", id=repr(RESERVED_FIELD_ID))
            )
        if (self.kind == "choice") != (self.options is not None):
            raise ValueError(
                gettext("a 'choice' field needs options; other kinds must not have them")
            )
        if self.options:
            require_unique((o.value for o in self.options), N_("option value"))
        return self

    def clean(self, raw: Any) -> str:
        if self.kind == "choice":
            return "" if raw == "" else clean_choice(raw, [o.value for o in self.options or ()])
        if self.kind == "minutes":
            if raw == "":
                return ""
            minutes = clean_whole_number(raw)
            if not 0 <= minutes <= MAX_MINUTES_FIELD:
                raise AnswerError(
                    gettext("Please give minutes from 0 to %(most)s.", most=MAX_MINUTES_FIELD)
                )
            return str(minutes)
        return clean_text(raw, FIELD_MAX, gettext("The answer to “%(label)s”", label=self.label))

    def shown(self, raw: str) -> str:
        """A stored value as the form shows it: an option's label, or minutes in words."""
        if self.kind == "choice":
            return next((o.label for o in self.options or () if o.value == raw), raw)
        if self.kind == "minutes" and raw.isdecimal():
            return ngettext("%(num)s minute", "%(num)s minutes", int(raw))
        return raw

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
        "id": Hint(_l("Reference name"), _l("Lowercase letters, digits, - or _.")),
        "text": Hint(_l("Clause partners confirm"), long=True),
        "fields": Hint(_l("Blanks to fill in"), _l("Optional."), entry=_l("Blank")),
    }
    # The English wording of a translated clause: partners reading it in different
    # languages confirm the same clause, so its fingerprint is the source's.
    _source_text: str | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _check(self) -> Clause:
        require_unique((f.id for f in self.fields), N_("field id"))
        return self

    def in_language(self, tr: Callable[[str], str]) -> Clause:
        clause = self.model_copy(
            update={"text": tr(self.text), "fields": [f.in_language(tr) for f in self.fields]}
        )
        clause._source_text = self._source_text or self.text
        return clause

    def fingerprint(self, fields: dict[str, str]) -> str:
        """A short hash of the (English) wording and the field values a partner confirms."""
        wording = self._source_text or self.text
        canonical = json.dumps([wording, fields], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:PRINT_LENGTH]


class Confirmation(Value):
    """One partner's record on one clause; dates are ISO 8601 in UTC."""

    at: datetime | None = None  # when they confirmed (the latest time)
    print: str | None = Field(None, pattern=r"^[0-9a-f]{16}$")  # what they confirmed
    seen: dict[str, str] | None = None  # the field values they confirmed
    changed: datetime | None = None  # the clause changed after they confirmed
    withdrawn: datetime | None = None

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class ClauseAnswer(Value):
    """One clause's stored answer: its fields and every partner's record, by partner id.

    ``confirmed`` is the one tick of answers stored before partners confirmed each on their
    own; it is kept as stored but no longer counts.
    """

    fields: dict[str, str] = {}
    by: dict[str, Confirmation] = {}
    confirmed: bool = False

    def stored(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fields": dict(self.fields)}
        if self.by:
            out["by"] = {pid: record.stored() for pid, record in self.by.items()}
        if self.confirmed:
            out["confirmed"] = True
        return out


@dataclass(frozen=True)
class PartnerState:
    """Where one partner stands on one clause, for every page that shows it."""

    partner_id: str
    state: ClauseState
    on: datetime | None  # when it became so
    before: dict[str, str] | None = None  # ClauseState.CHANGED: the values they had confirmed

    @property
    def on_day(self) -> str:
        """The day it became so, where the page's reader is (clinic.localtime)."""
        return localtime.format_day(self.on)


@dataclass(frozen=True)
class ClauseStatus:
    clause: Clause
    fields: dict[str, str]
    partners: tuple[PartnerState, ...]
    ticked_before: bool = False  # one tick for the couple, from before partners confirmed

    @property
    def agreed(self) -> bool:
        return bool(self.partners) and all(p.state == ClauseState.CONFIRMED for p in self.partners)

    def of(self, partner_id: int | str) -> PartnerState | None:
        return next((p for p in self.partners if p.partner_id == str(partner_id)), None)


@register
class AgreementItem(Item):
    type: Literal["agreement"]
    clauses: list[Clause] = Field(min_length=1, max_length=20)

    prints_alone: ClassVar[bool] = True
    made_together: ClassVar[bool] = True
    builder_name: ClassVar[str] = N_("Agreement (clauses each partner confirms)")
    hints: ClassVar[dict[str, Hint]] = {"clauses": Hint(_l("Clauses"), entry=_l("Clause"))}

    @model_validator(mode="after")
    def _check(self) -> AgreementItem:
        require_unique((c.id for c in self.clauses), N_("clause id"))
        return self

    def own_texts(self) -> Iterator[str]:
        for clause in self.clauses:
            yield clause.text
            for field in clause.fields:
                yield field.label
                yield from (o.label for o in field.options or ())

    def own_texts_in(self, tr: Callable[[str], str]) -> dict[str, Any]:
        return {"clauses": [c.in_language(tr) for c in self.clauses]}

    def breaks_across_pages(self) -> bool:
        return len(self.clauses) > LONG_AGREEMENT

    def clause(self, clause_id: str) -> Clause | None:
        return next((c for c in self.clauses if c.id == clause_id), None)

    def answers(self, value: dict[str, Any]) -> dict[str, ClauseAnswer]:
        """The stored answer as typed clause answers, by clause id."""
        return {k: ClauseAnswer(**v) for k, v in value.items() if k != AGAIN}

    # --- who confirmed what ---------------------------------------------------------------

    def statuses(self, value: dict[str, Any] | None) -> list[ClauseStatus]:
        """Every clause with each partner's state, in reading order."""
        answers = self.answers(value or {})
        out = []
        for clause in self.clauses:
            answer = answers.get(clause.id, ClauseAnswer())
            current = clause.fingerprint(answer.fields)
            partners = tuple(
                _state(pid, record, current)
                for pid, record in sorted(answer.by.items(), key=_by_partner_order)
            )
            out.append(ClauseStatus(clause, answer.fields, partners, answer.confirmed))
        return out

    def is_agreed(self, value: dict[str, Any] | None) -> bool:
        """Whether every partner confirmed every clause as it now reads."""
        return all(status.agreed for status in self.statuses(value))

    def look_again(self, value: dict[str, Any] | None) -> date | None:
        """The date the couple set to look at the agreement again, if any."""
        raw = (value or {}).get(AGAIN)
        return date.fromisoformat(raw) if raw else None

    def confirm(
        self,
        value: dict[str, Any] | None,
        clause_id: str,
        partner_id: int,
        partners: Sequence[int],
        now: datetime,
    ) -> dict[str, Any]:
        """The answer with this partner's confirmation of the clause as it now reads.

        Every partner of the couple gets a record, so that the answer alone tells who has
        still to confirm.
        """
        clause = self._known(clause_id)
        out = dict(value or {})
        answer = ClauseAnswer(**out.get(clause_id, {}))
        by = dict(answer.by)
        for pid in partners:
            by.setdefault(str(pid), Confirmation())
        by[str(partner_id)] = by[str(partner_id)].model_copy(
            update={
                "at": now,
                "print": clause.fingerprint(answer.fields),
                "seen": dict(answer.fields),
                "changed": None,
                "withdrawn": None,
            }
        )
        out[clause_id] = answer.model_copy(update={"by": by}).stored()
        return out

    def withdraw(
        self, value: dict[str, Any] | None, clause_id: str, partner_id: int, now: datetime
    ) -> dict[str, Any]:
        """The answer with this partner's confirmation of the clause withdrawn; no reason."""
        self._known(clause_id)
        out = dict(value or {})
        answer = ClauseAnswer(**out.get(clause_id, {}))
        record = answer.by.get(str(partner_id))
        if record is None or record.withdrawn is not None:
            return out
        by = {**answer.by, str(partner_id): record.model_copy(update={"withdrawn": now})}
        out[clause_id] = answer.model_copy(update={"by": by}).stored()
        return out

    def _known(self, clause_id: str) -> Clause:
        clause = self.clause(clause_id)
        if clause is None:
            raise AnswerError(gettext("That part is not in this agreement."))
        return clause

    # --- editing: the form edits fields, never the records ---------------------------------

    def editable(self, value: Any) -> Any:
        return {
            k: {"fields": v.get("fields", {})} if k != AGAIN else v
            for k, v in value.items()
            if k == AGAIN or v.get("fields")
        }

    def merge_parts(self, value: Any) -> dict[str, Any]:
        """Each field of each clause, and the date to look again: merged one by one."""
        value = self.editable(value or {})
        out: dict[str, Any] = {AGAIN: value.get(AGAIN)}
        for clause in self.clauses:
            fields = value.get(clause.id, {}).get("fields", {})
            out.update({f"{clause.id}.{f.id}": fields.get(f.id) for f in clause.fields})
        return out

    def from_merge_parts(self, parts: dict[str, Any]) -> Any:
        out: dict[str, Any] = {AGAIN: parts[AGAIN]} if parts.get(AGAIN) else {}
        for clause in self.clauses:
            fields = {
                f.id: parts[key]
                for f in clause.fields
                if parts.get(key := f"{clause.id}.{f.id}") not in (None, "")
            }
            if fields:
                out[clause.id] = {"fields": fields}
        return out or None

    def after_edit(self, stored: Any, edited: Any, now: datetime) -> Any:
        """Edited fields with the stored records; a changed clause asks its partners again."""
        stored, edited = stored or {}, edited or {}
        out: dict[str, Any] = {}
        if edited.get(AGAIN):
            out[AGAIN] = edited[AGAIN]
        for clause in self.clauses:
            old = ClauseAnswer(**stored.get(clause.id, {}))
            fields = edited.get(clause.id, {}).get("fields", {})
            by = old.by
            if fields != old.fields:
                by = {pid: _asked_again(record, now) for pid, record in by.items()}
            answer = ClauseAnswer(fields=fields, by=by, confirmed=old.confirmed)
            if answer.fields or answer.by or answer.confirmed:
                out[clause.id] = answer.stored()
        return out

    # --- the form and stored answers ------------------------------------------------------

    def read_form(self, fields: Fields, name: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            c.id: {"fields": {f.id: fields.one(f"{name}.{c.id}.{f.id}") for f in c.fields}}
            for c in self.clauses
        }
        out[AGAIN] = fields.one(f"{name}.{AGAIN}")
        return out

    def as_posted(self, fields: Fields, name: str, stored: Any) -> dict[str, Any]:
        """The fields as typed, with the stored confirmations the form shows but never sends."""
        posted = self.read_form(fields, name)
        out: dict[str, Any] = {k: v for k, v in (stored or {}).items() if k != AGAIN}
        if posted[AGAIN]:
            out[AGAIN] = posted[AGAIN]
        for clause in self.clauses:
            typed = {k: v for k, v in posted[clause.id]["fields"].items() if v != ""}
            out[clause.id] = {**out.get(clause.id, {}), "fields": typed}
        return out

    def clean(self, raw: Any) -> dict[str, Any]:
        clauses = clean_mapping(raw, {c.id for c in self.clauses} | {AGAIN})
        out: dict[str, Any] = {}
        again = clauses.get(AGAIN, "")
        if again not in ("", None):
            out[AGAIN] = _clean_date(again)
        for clause in self.clauses:
            if clause.id not in clauses:
                continue
            part = clean_mapping(clauses[clause.id], {"fields", "by", "confirmed"})
            given = clean_mapping(part.get("fields", {}), {f.id for f in clause.fields})
            fields = {f.id: f.clean(given[f.id]) for f in clause.fields if f.id in given}
            try:
                by = {
                    str(pid): Confirmation.model_validate(record)
                    for pid, record in clean_mapping(part.get("by", {})).items()
                    if str(pid).isdecimal()
                }
            except ValidationError:
                raise AnswerError(
                    gettext("This agreement's confirmations have the wrong shape.")
                ) from None
            answer = ClauseAnswer(
                fields={k: v for k, v in fields.items() if v != ""},
                by=by,
                confirmed=clean_flag(part.get("confirmed", False)),
            )
            if answer.fields or answer.by or answer.confirmed:
                out[clause.id] = answer.stored()
        return out

    def is_complete(self, value: dict[str, Any]) -> bool:
        """Once every clause's fields are filled in; confirming is each partner's own step."""
        return all(
            all(f.id in value.get(c.id, {}).get("fields", {}) for f in c.fields)
            for c in self.clauses
        )

    def answer_units(self, value: Any) -> tuple[int, int]:
        """Each clause counts once every partner has agreed to it as it now reads, with its
        fields filled in: until then it is still being worked out."""
        done = sum(
            status.agreed and all(f.id in status.fields for f in status.clause.fields)
            for status in self.statuses(value)
        )
        return done, len(self.clauses)

    def describe(self, value: Any) -> str:
        """What a partner edits, in the reader's words: each clause's filled-in fields and the
        date to look again. Shown when two versions clash; who confirmed is not part of it."""
        lines = []
        for status in self.statuses(value):
            given = [
                f"{f.label}: {f.shown(status.fields[f.id])}"
                for f in status.clause.fields
                if status.fields.get(f.id)
            ]
            if given:
                lines.append(f"{status.clause.text} - {'; '.join(given)}")
        again = self.look_again(value)
        if again is not None:
            lines.append(gettext("To look at again on %(day)s", day=localtime.format_day(again)))
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
                }
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
                        question(
                            f"{base}.{clause.id}.{RESERVED_FIELD_ID}",
                            "group",
                            "Each partner's confirmation",
                            repeats=True,
                            item=[
                                question(f"{base}.{clause.id}.ok.partner", "string", "Partner id"),
                                question(f"{base}.{clause.id}.ok.state", "string", "State"),
                                question(f"{base}.{clause.id}.ok.date", "dateTime", "Since"),
                            ],
                        ),
                    ],
                )
                for clause in self.clauses
            ]
        }

    @classmethod
    def from_questionnaire_item(cls, node: dict[str, Any], source: FhirSource) -> dict[str, Any]:
        """Clauses from the groups ``<item>.<clause>`` of Tandem's export: each one's fields
        (a choice, whole minutes or text) and its confirmations group, which is not read."""
        link = str(node.get("linkId", ""))
        clauses = []
        for child in source.children(node):
            clause_link = str(child.get("linkId", ""))
            fields = []
            for part in child.get("item") or []:
                field_id = tail(part, clause_link)
                if field_id == RESERVED_FIELD_ID:
                    continue
                field: dict[str, Any] = {"id": field_id, "label": str(part.get("text") or "")}
                if part.get("type") == "choice":
                    field.update(kind="choice", options=source.options(part))
                else:
                    field["kind"] = "minutes" if part.get("type") == "integer" else "text"
                fields.append(field)
            clauses.append(
                {"id": tail(child, link), "text": str(child.get("text") or ""), "fields": fields}
            )
        return {"clauses": clauses}

    def fhir_answer(self, value: Any) -> dict[str, Any]:
        return {
            "item": [
                answer_group(
                    f"{self.id}.{status.clause.id}",
                    status.clause.text,
                    self._fhir_clause(status),
                )
                for status in self.statuses(value)
                if status.fields or status.partners
            ]
        }

    def _fhir_clause(self, status: ClauseStatus) -> list[dict[str, Any] | None]:
        link = f"{self.id}.{status.clause.id}"
        out = [
            f.fhir_answer(f"{link}.{f.id}", status.fields[f.id])
            for f in status.clause.fields
            if status.fields.get(f.id) not in (None, "")
        ]
        for partner in status.partners:
            parts = [
                string_answer(f"{link}.ok.partner", partner.partner_id),
                string_answer(f"{link}.ok.state", partner.state),
            ]
            if partner.on is not None:
                since = {"valueDateTime": partner.on.isoformat()}
                parts.append({"linkId": f"{link}.ok.date", "answer": [since]})
            out.append({"linkId": f"{link}.ok", "item": [p for p in parts if p]})
        return out


def _state(partner_id: str, record: Confirmation, current: str) -> PartnerState:
    if record.withdrawn is not None:
        return PartnerState(partner_id, ClauseState.WITHDRAWN, record.withdrawn)
    if record.changed is not None or (record.print is not None and record.print != current):
        return PartnerState(partner_id, ClauseState.CHANGED, record.changed, record.seen)
    if record.at is not None:
        return PartnerState(partner_id, ClauseState.CONFIRMED, record.at)
    return PartnerState(partner_id, ClauseState.OPEN, None)


def _by_partner_order(pair: tuple[str, Confirmation]) -> tuple[int, str]:
    """Partner ids in the order partners were added: as numbers, so 9 comes before 10."""
    return len(pair[0]), pair[0]


def _asked_again(record: Confirmation, now: datetime) -> Confirmation:
    if record.at is None or record.withdrawn is not None or record.changed is not None:
        return record
    return record.model_copy(update={"changed": now})


def _clean_date(raw: Any) -> str:
    try:
        return date.fromisoformat(raw).isoformat()
    except (TypeError, ValueError):
        raise AnswerError(
            gettext("Please give the date as year-month-day, e.g. 2027-03-01.")
        ) from None
