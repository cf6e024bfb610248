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
from flask_babel import gettext, ngettext
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy import update as sa_update
from sqlalchemy.orm.attributes import set_committed_value
from textstat.textstat import textstatistics
from werkzeug.datastructures import MultiDict

from clinic.builder.schema_forms import (
    ANSWER,
    ANSWERS,
    FLAG,
    GROUP,
    ITEMS,
    LINES,
    LIST,
    NUMBER,
    PICK,
    PICKS,
    QUESTION,
    QUESTIONS,
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
from clinic.storage import utcnow
from clinic.worksheets import library
from clinic.worksheets.items import item_class, type_names
from clinic.worksheets.loader import WorksheetError, load_text, plain_message
from clinic.worksheets.loader import _parse_yaml as parse_yaml
from clinic.worksheets.schema import MAX_FILE_BYTES, Worksheet

MAX_ENTRIES = 200  # entries of one list read back from a form
GRADE_TARGET = 8
_READABILITY = textstatistics()
# "en-US" makes textstat count syllables with pyphen, which ships with it (no download).
_READABILITY.set_lang("en-US")
_LINE = re.compile(r"^line ([0-9]+)")
_LINE_COLUMN = re.compile(r"line ([0-9]+), column ([0-9]+)")  # a loader location (_at)
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
    data.update(
        id=library.copy_slug(therapist, ws.id),
        title=gettext("%(title)s (my version)", title=ws.title),
        version=1,
    )
    return data


def from_upload(text: str, source_name: str) -> tuple[dict[str, Any], list[str]]:
    """An uploaded YAML file as builder data, and its problems in plain words.

    A file that does not pass the checks still opens: what parsed is kept (up to a YAML
    slip, the lines before it) in the builder's own shape, so the therapist fixes it with
    forms; a problem the page's fields cannot show (a YAML slip, an unknown field) is said
    with its line or field.
    """
    try:
        return from_worksheet(load_text(text, source_name)), []
    except WorksheetError as error:
        found = error.problems
    problems = [_upload_problem(p.location, p.message) for p in found]
    slips = [int(m.group(1)) for p in found if (m := _LINE.match(p.location))]
    parsed = _parsed_part(text, slips[0] if slips else None)
    data = read_form(as_form(parsed))
    data["version"] = parsed.get("version") if isinstance(parsed.get("version"), int) else 1
    if isinstance(parsed.get("translations"), dict):
        data["translations"] = parsed["translations"]
    return data, problems


def _upload_problem(location: str, message: str) -> str:
    """A loader problem in plain words: "Line 3, column 7: …" or "Section 1, “titel”: …"."""
    message = _sentence(plain_paths(message))
    if slip := _LINE_COLUMN.fullmatch(location):
        where = gettext("Line %(line)s, column %(column)s", line=slip[1], column=slip[2])
        return f"{where}: {message}"
    if not location:
        return message
    parts = [p for p in re.split(r"[.\[\]']+", location) if p]
    words = []
    for index, part in enumerate(parts):
        following = parts[index + 1] if index + 1 < len(parts) else ""
        if part.isdigit():
            continue
        if following.isdigit():
            words.append(_numbered(part, int(following) + 1))
        else:
            words.append(f"“{part}”")
    where = ", ".join(words)
    return f"{where[:1].upper()}{where[1:]}: {message}"


def _numbered(key: str, number: int) -> str:
    """One entry of a list in a file, "question 3" ("sections" and "items" said in words)."""
    if key == "sections":
        return gettext("section %(number)s", number=number)
    if key == "items":
        return gettext("question %(number)s", number=number)
    return f"{key.removesuffix('s').replace('_', ' ')} {number}"  # the file's own key


_SCHEMA_PATH = re.compile(r"sections\[([0-9]+)\](?:\.items\[([0-9]+)\])?")


def plain_paths(message: str) -> str:
    """``sections[0].items[2]`` in a checker's message as "section 1, question 3"."""

    def said(match: re.Match[str]) -> str:
        section = int(match.group(1)) + 1
        if match.group(2):
            question = int(match.group(2)) + 1
            return gettext(
                "section %(section)s, question %(question)s", section=section, question=question
            )
        return gettext("section %(number)s", number=section)

    return _SCHEMA_PATH.sub(said, message)


def _parsed_part(text: str, slip: int | None) -> dict[str, Any]:
    """The mapping a YAML text holds or, with a slip at line ``slip``, the lines before it."""
    if len(text) > MAX_FILE_BYTES:
        return {}
    lines = text.splitlines()
    ends = [len(lines)] if slip is None else range(slip - 1, max(slip - 40, 0) - 1, -1)
    for end in ends:
        try:
            data = parse_yaml("\n".join(lines[:end]), "upload")
        except WorksheetError:
            continue
        return data if isinstance(data, dict) else {}
    return {}


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
    untitled = gettext("Untitled worksheet")
    return [(row, str(content(row).get("title") or untitled)) for row in rows]


def content(draft: WorksheetDraft) -> dict[str, Any]:
    data = json.loads(draft.content)
    return data if isinstance(data, dict) else {}


class StaleDraft(Exception):
    """The draft was saved by another request since this one read it."""


def save(draft: WorksheetDraft, data: dict[str, Any]) -> None:
    """Store ``data`` as the draft's next revision, only if nothing saved it meanwhile.

    The UPDATE names the revision this request read, so of two saves racing from the same
    revision exactly one lands; the other raises StaleDraft, having changed nothing.
    """
    text, revision, now = _dump(data), draft.revision + 1, utcnow()
    landed = db.session.execute(
        sa_update(WorksheetDraft)
        .where(WorksheetDraft.id == draft.id, WorksheetDraft.revision == draft.revision)
        .values(content=text, revision=revision, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(landed, "rowcount", 0) != 1:
        raise StaleDraft
    for name, value in (("content", text), ("revision", revision), ("updated_at", now)):
        set_committed_value(draft, name, value)


def update(draft: WorksheetDraft, form: Any) -> dict[str, Any]:
    """The draft as the posted form has it now; the version is the builder's to count."""
    data, now = read_form(form), content(draft)
    data["version"] = now.get("version", 1)
    if now.get("translations"):  # not a form field: carried through untouched
        data["translations"] = now["translations"]
    return data


# --- saving a posted page against the draft's revision ----------------------------------------

SAVED, MERGED, STALE, COPIED = "saved", "merged", "stale", "copied"
STRUCTURAL = {"id", "value", "type"}  # what names an entry: a page whose entries differ is stale


@dataclass
class Stored:
    """What became of a posted page: the draft it went to, and how."""

    draft: WorksheetDraft
    how: str  # SAVED, MERGED (a stale page's typing over newer work), STALE or COPIED
    data: dict[str, Any]
    fitted: bool = True  # whether the pressed button still fitted the draft


def store(
    therapist: Therapist, draft: WorksheetDraft, form: Any, action: str, autosave: bool
) -> Stored:
    """Save a posted builder page, then do what its button says; newer work is never lost.

    A page posted from the draft's current revision is saved as it is. A page from an older
    revision (an autosave still on its way when a button was pressed, or a second window)
    brings only the fields typed since its last save (``dirty``, sent by builder.js); those
    are merged into the newer draft when it still has the same sections, questions and
    choices. Otherwise nothing is overwritten: an autosave is refused (STALE; the page keeps
    the typing and says so), and a pressed button saves the page as a separate draft.
    """
    posted = update(draft, form)
    if _seen_revision(form) == draft.revision:
        stored = Stored(draft, SAVED, posted)
    else:
        current, dirty = content(draft), _dirty(form)
        if dirty is not None and _shape(current, "", dirty) == _shape(posted, "", dirty):
            merged = copy.deepcopy(current)
            for path in dirty:
                _carry(posted, merged, path)
            stored = Stored(draft, MERGED, merged)
        elif autosave:
            return Stored(draft, STALE, current)
        else:
            stored = Stored(new_draft(therapist, posted, custom_of(draft)), COPIED, posted)
    if action not in ("save", "publish"):
        path = action.partition(":")[2]
        stored.fitted = apply(stored.data, action, str(form.get(path + ".new_type", "")))
    try:
        save(stored.draft, stored.data)
    except StaleDraft:  # another save landed between reading the draft and writing it
        if autosave:
            return Stored(draft, STALE, content(draft))
        stored.draft, stored.how = new_draft(therapist, stored.data, custom_of(draft)), COPIED
        save(stored.draft, stored.data)
    return stored


def _seen_revision(form: Any) -> int | None:
    raw = str(form.get("revision", ""))
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _dirty(form: Any) -> list[str] | None:
    """The fields typed since the page's last save; None from a page without builder.js."""
    if "dirty" not in form:
        return None
    names = {n for n in str(form.get("dirty", "")).split(",") if _PATH.match(n)}
    return sorted(names)[: MAX_ENTRIES * 10]


def _shape(node: Any, path: str, dirty: list[str]) -> Any:
    """The draft's structure: lists of entries and what names each entry, without the text.

    A name typed on the page itself (a dirty id) is left out, as it is the page's to change.
    """
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            if _structural(value):
                out[key] = _shape(value, here, dirty)
            elif key in STRUCTURAL and here not in dirty:
                out[key] = value
        return out
    if _structural(node):
        return [_shape(value, f"{path}.{index}", dirty) for index, value in enumerate(node)]
    return None


def _structural(value: Any) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, dict) for v in value)
    )


def _carry(source: Any, target: Any, path: str) -> None:
    """Copy the value at ``path`` (a form field name) from the posted data into ``target``."""
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    for key in parents:
        try:
            source, target = source[key], target[key]
        except (KeyError, IndexError, TypeError):
            return  # not a field of the draft (e.g. the kind of question to add)
    if isinstance(source, dict) and isinstance(target, dict):
        if last in source:
            target[last] = copy.deepcopy(source[last])
        else:
            target.pop(last, None)  # an optional field emptied on the page


def discard(draft: WorksheetDraft) -> None:
    db.session.delete(draft)


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


# --- reading a posted form --------------------------------------------------------------------


def read_form(form: Any) -> dict[str, Any]:
    """The whole draft as posted: every field the builder page shows, by its path."""
    data = _read(specs(Worksheet), form, "")
    _type_answers(specs(Worksheet), data, data)
    return data


def _type_answers(fields: tuple[FieldSpec, ...], node: Any, data: dict[str, Any]) -> None:
    """Answers picked for a condition or an alert as the question holds them (a scale's 3)."""
    if not isinstance(node, dict):
        return
    question = next((node.get(s.name) for s in fields if s.kind == QUESTION), None)
    for spec in fields:
        value = node.get(spec.name)
        if spec.kind in (ANSWER, ANSWERS) and value is not None:
            typed = {str(v): v for v, _label in answers_of(data, question)}
            if isinstance(value, list):
                node[spec.name] = [typed.get(str(v), v) for v in value]
            else:
                node[spec.name] = typed.get(str(value), value)
        elif spec.kind == GROUP:
            assert spec.model is not None
            _type_answers(specs(spec.model), value, data)
        elif spec.kind in (LIST, ITEMS) and isinstance(value, list):
            for entry in value:
                kind = str(entry.get("type", "")) if isinstance(entry, dict) else ""
                inner = item_specs(kind) if spec.kind == ITEMS else specs(spec.model)
                _type_answers(inner, entry, data)


def questions_of(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every question of a draft as (reference name, what the builder shows for it)."""
    out = []
    sections = data.get("sections")
    for s_index, section in enumerate(sections if isinstance(sections, list) else []):
        items = section.get("items") if isinstance(section, dict) else None
        for i_index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
                prompt = str(item.get("prompt") or "").strip() or gettext("(no question yet)")
                short = prompt if len(prompt) <= 70 else prompt[:67] + "…"
                out.append((item["id"], f"{s_index + 1}.{i_index + 1} {short}"))
    return out


def answers_of(data: Mapping[str, Any], question: Any) -> list[tuple[Any, str]]:
    """The answers a condition or an alert can name on the draft's question ``question``."""
    sections = data.get("sections")
    for section in sections if isinstance(sections, list) else []:
        items = section.get("items") if isinstance(section, dict) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and question and item.get("id") == question:
                cls = item_class(str(item.get("type", "")))
                try:
                    return cls.model_validate(item).answer_choices() if cls else []
                except ValidationError:
                    return []  # a question not finished yet offers no answers
    return []


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
    if spec.kind in (PICKS, QUESTIONS, ANSWERS):
        # Ticked boxes arrive in the page's order; the order they were chosen in is kept.
        earlier = str(form.get(path + ".order", "")).split(",")
        picked = [v for v in form.getlist(path) if v]
        chosen = sorted(picked, key=lambda v: earlier.index(v) if v in earlier else len(earlier))
        return _SKIP if not chosen and spec.optional else chosen
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


def as_form(data: Mapping[str, Any]) -> MultiDict[str, str]:
    """Builder data as the builder page would post it: the inverse of :func:`read_form`.

    Anything that is not in the builder's shape (a field no form shows, a list where a
    mapping belongs) is left out, so ``read_form(as_form(x))`` is always builder data.
    """
    form: MultiDict[str, str] = MultiDict()
    _fill(form, specs(Worksheet), data, "")
    return form


def _fill(form: MultiDict[str, str], fields: tuple[FieldSpec, ...], node: Any, prefix: str) -> None:
    node = node if isinstance(node, Mapping) else {}
    for spec in fields:
        path, value = prefix + spec.name, node.get(spec.name)
        if spec.kind in (LIST, ITEMS):
            given = value if isinstance(value, list) else []
            entries = [e for e in given if isinstance(e, Mapping)][:MAX_ENTRIES]
            form.add(path + ".n", str(len(entries)))
            for index, entry in enumerate(entries):
                here = f"{path}.{index}."
                if spec.kind == ITEMS:
                    kind = str(entry.get("type", ""))
                    form.add(here + "type", kind)
                    _fill(form, item_specs(kind), entry, here)
                else:
                    assert spec.model is not None
                    _fill(form, specs(spec.model), entry, here)
        elif spec.kind == GROUP:
            assert spec.model is not None
            _fill(form, specs(spec.model), value, path + ".")
        elif spec.kind == FLAG:
            if value is True:
                form.add(path, "1")
        elif spec.kind in (PICKS, LINES, QUESTIONS, ANSWERS):
            values = value if isinstance(value, list) else [] if value is None else [value]
            if spec.kind == LINES:
                form.add(path, "\n".join(str(v) for v in values))
            else:
                form.add(path + ".order", ",".join(str(v) for v in values))
                for v in values:
                    form.add(path, str(v))
        elif value is not None and not isinstance(value, dict | list):
            form.add(path, str(value).lower() if isinstance(value, bool) else str(value))


def _given(value: Any) -> bool:
    """Whether a read value holds anything the therapist entered (0 counts; "" does not)."""
    if isinstance(value, dict):
        return any(_given(v) for v in value.values())
    if isinstance(value, list):
        return bool(value)  # an entry added to a list counts, even before it is filled in
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
    found = _resolve(data, path, make_groups=verb == "add")
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


def landing(data: dict[str, Any], action: str) -> str:
    """Where focus goes after a button changed the structure: the page element's id.

    The new or moved entry (for a move, its move button again, so it can be pressed
    again), or after a removal what now stands in its place.
    """
    verb, _, path = action.partition(":")
    parent, _, last = path.rpartition(".")
    found = _resolve(data, path if verb == "add" else parent) if _PATH.match(path) else None
    entries = found[0].get(found[1]) if found and isinstance(found[0], dict) else None
    count = len(entries) if isinstance(entries, list) else 0
    if verb == "add":
        return dom_id(f"{path}.{count - 1}") if count else dom_id(path)
    index = int(last) if last.isdigit() else 0
    if verb in ("up", "down"):
        moved = max(0, min(count - 1, index + (-1 if verb == "up" else 1)))
        edge = (verb == "up" and moved == 0) or (verb == "down" and moved == count - 1)
        other = "down" if verb == "up" else "up"
        return dom_id(f"{parent}.{moved}") + "-" + (other if edge else verb)
    if verb == "copy":
        return dom_id(f"{parent}.{index + 1}")
    if verb == "remove" and count:
        return dom_id(f"{parent}.{min(index, count - 1)}")
    return dom_id(parent) + "-add"


def dom_id(path: str) -> str:
    """The page element id of a field path: ``sections.0.max`` is ``f-sections-0-max``."""
    return "f-" + path.replace(".", "-").replace("_", "-") if path else "f-top"


def _resolve(
    data: dict[str, Any], path: str, make_groups: bool = False
) -> tuple[Any, str | int, FieldSpec] | None:
    """(container, key, field spec) that a path names; None when the draft has no such place.

    ``make_groups`` starts an optional group left unset on the way (a first show_if condition).
    """
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
        if make_groups and spec.kind == GROUP and node.get(part) is None:
            node[part] = {}
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
        return gettext("Please fill this in.")
    if err["type"] in ("int_type", "int_parsing"):
        return gettext("Please give a whole number.")
    if err["type"] == "too_short":
        fewest = (err.get("ctx") or {}).get("min_length", 1)
        return ngettext("Please add at least one.", "Please add at least %(num)d.", fewest)
    return _sentence(plain_paths(plain_message(err)))


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
    label: Any  # text, or lazily translated text
    where: str  # the field in plain words, for the list of problems at the top
    spec: FieldSpec | None = None
    value: Any = None
    problems: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    index: int = 0  # of an entry in its list
    count: int = 0  # entries in the list an entry belongs to
    item_type: str = ""
    choices: list[tuple[Any, str]] = field(default_factory=list)  # questions or answers
    question: str = ""  # an answer field's sibling that names its question

    @property
    def dom_id(self) -> str:
        return dom_id(self.path)


def nodes(data: Mapping[str, Any], problems: Mapping[str, list[str]]) -> tuple[list[Node], Node]:
    """The page's fields for a draft, each problem attached to the nearest field shown.

    Returns the fields and a node holding problems about the worksheet as a whole.
    """
    whole = gettext("The worksheet")
    top = Node("", "top", whole, whole)
    fields = _nodes(specs(Worksheet), data, "", "", data)
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


def _nodes(
    fields: tuple[FieldSpec, ...], data: Any, prefix: str, where: str, root: Mapping[str, Any]
) -> list[Node]:
    values = data if isinstance(data, Mapping) else {}
    question = next((s for s in fields if s.kind == QUESTION), None)
    out = []
    for spec in fields:
        path = prefix + spec.name
        here = f"{where}, {spec.label}" if where else str(spec.label)
        value = values.get(spec.name, spec.default)
        node = Node(path, spec.kind, spec.label, here, spec, value)
        if spec.kind in (QUESTION, QUESTIONS):
            node.choices = questions_of(root)
        elif spec.kind in (ANSWER, ANSWERS):
            node.choices = answers_of(root, values.get(question.name) if question else None)
            node.question = prefix + question.name if question else ""
        elif spec.kind == GROUP:
            assert spec.model is not None
            node.children = _nodes(specs(spec.model), value, path + ".", here, root)
        elif spec.kind in (LIST, ITEMS):
            entries = value if isinstance(value, list) else []
            for index, entry in enumerate(entries):
                node.children.append(
                    _entry(spec, entry, f"{path}.{index}", where, (index, len(entries)), root)
                )
        out.append(node)
    return out


def _entry(
    spec: FieldSpec,
    entry: Any,
    path: str,
    where: str,
    place: tuple[int, int],
    root: Mapping[str, Any],
) -> Node:
    label = gettext("%(entry)s %(number)s", entry=spec.entry_name, number=place[0] + 1)
    node = Node(path, "entry", label, f"{where}, {label}" if where else label, spec, entry)
    node.index, node.count = place
    if spec.kind == ITEMS:
        node.item_type = str(entry.get("type", "")) if isinstance(entry, dict) else ""
        fields = item_specs(node.item_type)
    else:
        assert spec.model is not None
        fields = specs(spec.model)
    node.children = _nodes(fields, entry, path + ".", node.where, root)
    return node


def problem_nodes(top: Node, fields: list[Node]) -> list[Node]:
    """Every node with a problem, in page order, for the list at the top."""
    out = [top] if top.problems else []
    stack = list(reversed(fields))
    while stack:
        node = stack.pop()
        if node.problems:
            out.append(node)
        stack.extend(reversed(node.children))
    return out


def answer_lists(data: Mapping[str, Any]) -> dict[str, list[tuple[Any, str]]]:
    """Each question's answers that a condition or an alert can name, for builder.js."""
    return {qid: answers_of(data, qid) for qid, _label in questions_of(data)}


def type_choices() -> list[tuple[str, str]]:
    """The item types a therapist can add, named as the builder names them."""
    out = []
    for name in type_names():
        cls = item_class(name)
        named = gettext(cls.builder_name) if cls and cls.builder_name else ""
        out.append((name, named or name.replace("_", " ").capitalize()))
    return out
