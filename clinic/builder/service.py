"""The worksheet builder: a definition kept as plain data, edited through form fields.

A draft is the definition as typed so far (a dict shaped like the YAML), stored in
``worksheet_drafts`` so nothing typed is lost; it need not pass the checks until it is
published. Form field names are the paths into that dict (``sections.0.items.2.prompt``),
so a problem pydantic reports at a location is shown beside the field of that name.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from textstat.textstat import textstatistics

from clinic.builder.schema_forms import (
    FLAG,
    GROUP,
    ITEMS,
    LINES,
    LIST,
    NUMBER,
    PICK,
    PICKS,
    FieldSpec,
    item_specs,
    specs,
)
from clinic.enums import AnsweredBy
from clinic.extensions import db
from clinic.models import (
    AssignedWorksheet,
    Assignment,
    Couple,
    CustomWorksheet,
    Therapist,
    WorksheetDraft,
    WorksheetVersion,
)
from clinic.worksheets import library
from clinic.worksheets.items import item_class, type_names
from clinic.worksheets.loader import WorksheetError, load_text, plain_message
from clinic.worksheets.schema import Worksheet

MAX_ENTRIES = 200  # entries of one list read back from a form
GRADE_TARGET = 8
_READABILITY = textstatistics()
# "en-US" makes textstat count syllables with pyphen, which ships with it (no download).
_READABILITY.set_lang("en-US")
_PATH = re.compile(r"^[a-z_]+(?:\.(?:[a-z_]+|[0-9]{1,3}))*$")
NOT_CLIENT_TEXT = {"id", "type", "value", "kind", "item", "urgency", "fhir", "code"}


class BuilderError(Exception):
    """Problems keeping a draft from being published, by form field path ("" for the whole)."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__("; ".join(m for ms in problems.values() for m in ms))


# --- starting points --------------------------------------------------------------------------


def blank(therapist: Therapist) -> dict[str, Any]:
    """A new worksheet with one section and one question, ready to fill in."""
    data = skeleton(Worksheet, {})
    data["id"] = library.fresh_slug(therapist, "my-worksheet")
    data["version"] = 1
    data["answered_by"] = AnsweredBy.EACH_PARTNER.value
    return data


def from_worksheet(ws: Worksheet) -> dict[str, Any]:
    """A valid definition as builder data: exactly what the definition holds."""
    return ws.model_dump(mode="json")


def from_builtin(therapist: Therapist, ws: Worksheet) -> dict[str, Any]:
    """A built-in copied into a new own worksheet with a fresh id and title."""
    data = from_worksheet(ws)
    data.update(id=library.copy_slug(therapist, ws.id), title=f"{ws.title} (my version)", version=1)
    return data


def from_upload(text: str, source_name: str) -> dict[str, Any]:
    """An uploaded YAML file as builder data; WorksheetError when it does not pass the checks."""
    return from_worksheet(load_text(text, source_name))


# --- drafts -----------------------------------------------------------------------------------


def new_draft(
    therapist: Therapist, data: dict[str, Any], custom: CustomWorksheet | None = None
) -> WorksheetDraft:
    draft = WorksheetDraft(
        therapist_id=therapist.id, custom_id=custom.id if custom else None, content=_dump(data)
    )
    db.session.add(draft)
    db.session.flush()
    return draft


def own_draft(therapist: Therapist, draft_id: int) -> WorksheetDraft | None:
    return db.session.scalar(
        select(WorksheetDraft).where(
            WorksheetDraft.id == draft_id, WorksheetDraft.therapist_id == therapist.id
        )
    )


def drafts(therapist: Therapist) -> list[tuple[WorksheetDraft, str]]:
    """The therapist's drafts, newest first, with the title typed so far."""
    rows = db.session.scalars(
        select(WorksheetDraft)
        .where(WorksheetDraft.therapist_id == therapist.id)
        .order_by(WorksheetDraft.updated_at.desc(), WorksheetDraft.id.desc())
    )
    return [(row, str(content(row).get("title") or "Untitled worksheet")) for row in rows]


def content(draft: WorksheetDraft) -> dict[str, Any]:
    data = json.loads(draft.content)
    return data if isinstance(data, dict) else {}


def save(draft: WorksheetDraft, data: dict[str, Any]) -> None:
    draft.content = _dump(data)
    db.session.flush()


def update(draft: WorksheetDraft, form: Any) -> dict[str, Any]:
    """The draft as the posted form has it now; the version is the builder's to count."""
    data = read_form(form)
    data["version"] = content(draft).get("version", 1)
    return data


def discard(draft: WorksheetDraft) -> None:
    db.session.delete(draft)


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


# --- reading a posted form --------------------------------------------------------------------


def read_form(form: Any) -> dict[str, Any]:
    """The whole draft as posted: every field the builder page shows, by its path."""
    return _read(specs(Worksheet), form, "")


def _read(fields: tuple[FieldSpec, ...], form: Any, prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in fields:
        path = prefix + spec.name
        value = _read_field(spec, form, path)
        if value is not _SKIP:
            out[spec.name] = value
    return out


_SKIP = object()


def _read_field(spec: FieldSpec, form: Any, path: str) -> Any:
    if spec.kind == FLAG:
        if path in form:
            return True
        return _SKIP if spec.optional else False  # an unset optional flag stays unset
    if spec.kind == PICKS:
        # Ticked boxes arrive in the page's order; the order they were chosen in is kept.
        earlier = str(form.get(path + ".order", "")).split(",")
        picked = [v for v in form.getlist(path) if v]
        return sorted(picked, key=lambda v: earlier.index(v) if v in earlier else len(earlier))
    if spec.kind == GROUP:
        assert spec.model is not None
        group = _read(specs(spec.model), form, path + ".")
        # An optional group left empty (no scoring, no show_if) stays unset, not half made.
        return _SKIP if spec.optional and not _given(group) else group
    if spec.kind in (LIST, ITEMS):
        entries = [_read_entry(spec, form, f"{path}.{i}.") for i in range(_count(form, path))]
        return _SKIP if not entries and spec.optional else entries
    raw = str(form.get(path, "")).replace("\r\n", "\n").strip()
    if spec.kind == LINES:
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
        return _SKIP if not lines and spec.optional else lines
    if raw == "":
        return "" if spec.required else _SKIP
    if spec.kind == NUMBER:
        if re.fullmatch(r"-?[0-9]{1,7}", raw):
            return int(raw)
        if re.fullmatch(r"-?[0-9]{0,7}\.[0-9]{1,6}", raw):  # scores' bands, cutoffs, reliability
            return float(raw)
        return raw  # kept as typed
    return raw


def _given(value: Any) -> bool:
    """Whether a read value holds anything the therapist entered (0 counts; "" does not)."""
    if isinstance(value, dict):
        return any(_given(v) for v in value.values())
    if isinstance(value, list):
        return any(_given(v) for v in value)
    return value is not None and value is not False and value != ""


def _read_entry(spec: FieldSpec, form: Any, prefix: str) -> dict[str, Any]:
    if spec.kind == ITEMS:
        kind = str(form.get(prefix + "type", ""))
        return {"type": kind, **_read(item_specs(kind), form, prefix)}
    assert spec.model is not None
    return _read(specs(spec.model), form, prefix)


def _count(form: Any, path: str) -> int:
    raw = str(form.get(path + ".n", "0"))
    return min(int(raw), MAX_ENTRIES) if raw.isdigit() else 0


# --- changing the structure -------------------------------------------------------------------

ACTIONS = ("add", "remove", "copy", "up", "down")


def apply(data: dict[str, Any], action: str, new_type: str = "") -> bool:
    """Apply a button's ``<action>:<path>`` to the draft; False when it no longer fits."""
    verb, _, path = action.partition(":")
    if verb not in ACTIONS or not _PATH.match(path):
        return False
    found = _resolve(data, path)
    if found is None:
        return False
    parent, key, spec = found
    if verb == "add":
        target = parent.get(key) if isinstance(parent, dict) else None
        if spec.kind not in (LIST, ITEMS) or not isinstance(key, str):
            return False
        entries = target if isinstance(target, list) else []
        if spec.max_entries is not None and len(entries) >= spec.max_entries:
            return False
        if spec.kind == ITEMS:
            if item_class(new_type) is None:
                return False
            entry = {"type": new_type, **skeleton(item_class(new_type), data)}  # type: ignore[arg-type]
        else:
            assert spec.model is not None
            entry = skeleton(spec.model, data, siblings=entries, prefix=spec.singular)
        parent[key] = [*entries, entry]
        return True
    if not isinstance(parent, list) or not isinstance(key, int):
        return False
    if verb == "remove":
        del parent[key]
    elif verb == "copy":
        twin = copy.deepcopy(parent[key])
        _renew_ids(twin, data, parent)
        parent.insert(key + 1, twin)
    elif verb == "up" and key > 0:
        parent[key - 1], parent[key] = parent[key], parent[key - 1]
    elif verb == "down" and key < len(parent) - 1:
        parent[key + 1], parent[key] = parent[key], parent[key + 1]
    return True


def _resolve(data: dict[str, Any], path: str) -> tuple[Any, str | int, FieldSpec] | None:
    """(container, key, field spec) that a path names; None when the draft has no such place."""
    parts = path.split(".")
    node: Any = data
    fields = specs(Worksheet)
    spec: FieldSpec | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part.isdigit():
            if spec is None or spec.kind not in (LIST, ITEMS) or not isinstance(node, list):
                return None
            number = int(part)
            if number >= len(node) or not isinstance(node[number], dict):
                return None
            if last:
                return node, number, spec
            entry = node[number]
            if spec.kind == ITEMS:
                fields = item_specs(str(entry.get("type", "")))
            else:
                assert spec.model is not None
                fields = specs(spec.model)
            node = entry
            continue
        spec = next((s for s in fields if s.name == part), None)
        if spec is None or not isinstance(node, dict):
            return None
        if last:
            return node, part, spec
        node = node.get(part)
        if spec.kind == GROUP:
            assert spec.model is not None
            fields = specs(spec.model)
    return None


def skeleton(
    model: type[BaseModel],
    data: Mapping[str, Any],
    siblings: list[Any] | None = None,
    prefix: str = "question",
) -> dict[str, Any]:
    """A new, blank entry: required lists hold their fewest entries, ids are fresh.

    ``prefix`` starts the entry's fresh id: what one entry of its list is called.
    """
    out: dict[str, Any] = {}
    for spec in specs(model):
        if spec.name in ("id", "value") and spec.kind == "text":
            out[spec.name] = _fresh_id(data, prefix, siblings or [])
        elif spec.starter is not None:
            out[spec.name] = spec.starter
        elif spec.kind == ITEMS:
            first = type_names()[0]
            out[spec.name] = [
                {"type": first, **skeleton(item_class(first), data)}  # type: ignore[arg-type]
                for _ in range(max(spec.min_entries, 1))
            ]
        elif spec.kind == LIST and spec.required:
            assert spec.model is not None
            entries: list[Any] = []
            for _ in range(spec.min_entries):
                entries.append(skeleton(spec.model, data, entries, spec.singular))
            out[spec.name] = entries
        elif spec.kind == GROUP and not spec.optional:  # an optional group starts unset
            assert spec.model is not None
            out[spec.name] = skeleton(spec.model, data)
        elif spec.kind == FLAG:
            out[spec.name] = bool(spec.default)
        elif spec.kind in (PICKS, LINES) and spec.required:
            out[spec.name] = []
        elif spec.kind == PICK and spec.required:
            out[spec.name] = spec.choices[0][0]
        elif spec.required:
            out[spec.name] = ""
    return out


def _fresh_id(data: Mapping[str, Any], prefix: str, siblings: list[Any]) -> str:
    taken = set(_all_ids(data)) | {
        str(s.get("id") or s.get("value")) for s in siblings if isinstance(s, dict)
    }
    number = 1
    while f"{prefix}-{number}" in taken:
        number += 1
    return f"{prefix}-{number}"


def _all_ids(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("id", "value") and isinstance(value, str):
                yield value
            else:
                yield from _all_ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from _all_ids(value)


def _renew_ids(entry: dict[str, Any], data: dict[str, Any], siblings: list[Any]) -> None:
    """A copied section or question gets ids of its own (item ids are worksheet-wide)."""
    key = "id" if "id" in entry else "value" if "value" in entry else None
    if key is not None and isinstance(entry[key], str):
        stem = re.sub(r"-[0-9]+$", "", entry[key]) or "copy"
        entry[key] = _fresh_id({"all": [data, entry]}, stem, siblings)
    for item in entry.get("items", []) if isinstance(entry.get("items"), list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            stem = re.sub(r"-[0-9]+$", "", item["id"]) or "question"
            item["id"] = _fresh_id({"all": [data, entry]}, stem, [])


# --- checking, reading level, export and publishing -------------------------------------------


def check(data: dict[str, Any]) -> tuple[Worksheet | None, dict[str, list[str]]]:
    """The valid worksheet, or None and its problems in plain words by field path."""
    try:
        return Worksheet.model_validate(data), {}
    except ValidationError as error:
        problems: dict[str, list[str]] = {}
        for err in error.errors(include_url=False):
            path = ".".join(str(part) for part in err["loc"])
            problems.setdefault(path, []).append(_plain(err))
        return None, problems


def _plain(err: Any) -> str:
    if err["type"] in ("missing", "string_too_short"):
        return "Please fill this in."
    if err["type"] in ("int_type", "int_parsing"):
        return "Please give a whole number."
    if err["type"] == "too_short":
        fewest = (err.get("ctx") or {}).get("min_length", 1)
        return "Please add at least one." if fewest == 1 else f"Please add at least {fewest}."
    message = plain_message(err)
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def client_texts(data: Mapping[str, Any]) -> list[str]:
    """What partners read, taken from a draft whether or not it passes the checks yet."""
    texts = [str(data.get(name) or "") for name in ("title", "purpose", "instructions")]
    texts.extend(_strings(data.get("sections", [])))
    return [t.strip() for t in texts if t.strip()]


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in NOT_CLIENT_TEXT:
                yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


@dataclass(frozen=True)
class Reading:
    grade: float | None
    hardest: list[tuple[str, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.grade is not None and self.grade <= GRADE_TARGET


def reading_level(data: Mapping[str, Any]) -> Reading:
    """The Flesch-Kincaid grade of everything partners read, and the hardest texts."""
    texts = client_texts(data)
    if not texts:
        return Reading(None)
    grade = _READABILITY.flesch_kincaid_grade(" ".join(_as_sentence(t) for t in texts))
    graded = sorted(
        ((t, _READABILITY.flesch_kincaid_grade(_as_sentence(t))) for t in set(texts)),
        key=lambda pair: -pair[1],
    )
    # A label of two words has no meaningful grade; sentences are what can be made plainer.
    hard = [(t, round(g, 1)) for t, g in graded if g > GRADE_TARGET and len(t.split()) >= 6]
    return Reading(round(grade, 1), hard[:3])


def _as_sentence(text: str) -> str:
    """Labels have no full stop; counted as run-on text they would inflate the grade."""
    return text if text[-1] in ".?!" else text + "."


def export_yaml(ws: Worksheet) -> str:
    """The definition as a YAML file that ``worksheets check`` accepts; defaults left out."""
    data = ws.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("version", ws.version)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=96)


def assignments_using(therapist: Therapist, slug: str) -> int:
    """How many of this therapist's assigned worksheets were made with a version of ``slug``."""
    return (
        db.session.scalar(
            select(func.count(AssignedWorksheet.id))
            .join(WorksheetVersion, AssignedWorksheet.worksheet_version_id == WorksheetVersion.id)
            .join(Assignment, AssignedWorksheet.assignment_id == Assignment.id)
            .join(Couple, Assignment.couple_id == Couple.id)
            .where(WorksheetVersion.slug == slug, Couple.therapist_id == therapist.id)
        )
        or 0
    )


def custom_of(draft: WorksheetDraft) -> CustomWorksheet | None:
    return db.session.get(CustomWorksheet, draft.custom_id) if draft.custom_id else None


def publish(therapist: Therapist, draft: WorksheetDraft) -> CustomWorksheet:
    """Store the draft as an own worksheet's next version; the draft is then done with.

    Assignments keep the version they were made with (clinic.worksheets.versions), so
    publishing never changes what a partner already has. Raises BuilderError, storing
    nothing, when the draft does not pass the checks.
    """
    data = content(draft)
    custom = custom_of(draft)
    if custom is not None:
        try:
            published = load_text(custom.source_yaml, custom.slug)
            data["version"] = max(int(data.get("version") or 1), published.version + 1)
        except (WorksheetError, ValueError):
            pass  # an old text that no longer loads: the draft's version stands
    ws, problems = check(data)
    if ws is None:
        raise BuilderError(problems)
    try:
        saved = library.save_own(therapist, export_yaml(ws), "builder", custom)
    except WorksheetError as error:
        raise BuilderError({p.location: [_sentence(p.message)] for p in error.problems}) from None
    db.session.delete(draft)
    return saved


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


# --- the page's fields ------------------------------------------------------------------------


@dataclass
class Node:
    """One field, group, list or list entry of the builder page, with its problems."""

    path: str
    kind: str
    label: str
    where: str  # the field in plain words, for the list of problems at the top
    spec: FieldSpec | None = None
    value: Any = None
    problems: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    index: int = 0  # of an entry in its list
    count: int = 0  # entries in the list an entry belongs to
    item_type: str = ""

    @property
    def dom_id(self) -> str:
        return "f-" + self.path.replace(".", "-").replace("_", "-") if self.path else "f-top"


def nodes(data: Mapping[str, Any], problems: Mapping[str, list[str]]) -> tuple[list[Node], Node]:
    """The page's fields for a draft, each problem attached to the nearest field shown.

    Returns the fields and a node holding problems about the worksheet as a whole.
    """
    top = Node("", "top", "The worksheet", "The worksheet")
    fields = _nodes(specs(Worksheet), data, "", "")
    shown: dict[str, Node] = {"": top}
    stack = list(fields)
    while stack:
        node = stack.pop()
        shown[node.path] = node
        stack.extend(node.children)
    for path, messages in problems.items():
        parts = path.split(".") if path else []
        while ".".join(parts) not in shown:
            parts.pop()
        shown[".".join(parts)].problems.extend(messages)
    return fields, top


def _nodes(fields: tuple[FieldSpec, ...], data: Any, prefix: str, where: str) -> list[Node]:
    values = data if isinstance(data, Mapping) else {}
    out = []
    for spec in fields:
        path = prefix + spec.name
        here = f"{where}, {spec.label}" if where else spec.label
        value = values.get(spec.name, spec.default)
        node = Node(path, spec.kind, spec.label, here, spec, value)
        if spec.kind == GROUP:
            assert spec.model is not None
            node.children = _nodes(specs(spec.model), value, path + ".", here)
        elif spec.kind in (LIST, ITEMS):
            entries = value if isinstance(value, list) else []
            for index, entry in enumerate(entries):
                node.children.append(_entry(spec, entry, f"{path}.{index}", where, index, entries))
        out.append(node)
    return out


def _entry(
    spec: FieldSpec, entry: Any, path: str, where: str, index: int, entries: list[Any]
) -> Node:
    name = "question" if spec.kind == ITEMS else spec.singular
    here = (
        f"{where}, {name.capitalize()} {index + 1}" if where else f"{name.capitalize()} {index + 1}"
    )
    node = Node(path, "entry", f"{name.capitalize()} {index + 1}", here, spec, entry)
    node.index, node.count = index, len(entries)
    if spec.kind == ITEMS:
        node.item_type = str(entry.get("type", "")) if isinstance(entry, dict) else ""
        fields = item_specs(node.item_type)
    else:
        assert spec.model is not None
        fields = specs(spec.model)
    node.children = _nodes(fields, entry, path + ".", here)
    return node


def type_choices() -> list[tuple[str, str]]:
    """The item types a therapist can add, named as the builder names them."""
    out = []
    for name in type_names():
        cls = item_class(name)
        out.append((name, (cls.builder_name if cls else "") or name.replace("_", " ").capitalize()))
    return out
