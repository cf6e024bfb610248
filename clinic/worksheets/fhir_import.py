"""A FHIR R4 Questionnaire (JSON) read as a Tandem worksheet definition.

Plain Python, no database and no Flask: the builder's upload page and ``flask worksheets
import-fhir`` both call ``import_questionnaire``. The result passes the same schema as any
worksheet, or nothing is returned at all: what cannot be carried (an unsupported item type or
extension, an external ValueSet, a condition Tandem cannot test) is listed as a problem in
plain words, so a Questionnaire is never half imported.

How FHIR maps to Tandem is in docs/fhir.md. Each item type reads its own part back
(``Item.from_questionnaire_item``); this module reads what every item shares (linkId, text,
required, help texts, enableWhen) and the Questionnaire around them. Fields FHIR has no place
for (minutes, who answers, the therapist guide...) are filled with placeholders the therapist
completes in the builder; ``Imported.filled_in`` names them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from clinic.worksheets.fhir import CANONICAL_BASE, THEME_SYSTEM
from clinic.worksheets.items import item_class
from clinic.worksheets.items.base import (
    ID_PATTERN,
    ITEM_TYPE_EXTENSION,
    MAX_VALUE,
    MIN_VALUE,
    ORDINAL_VALUE,
)
from clinic.worksheets.loader import plain_message
from clinic.worksheets.schema import SLUG_PATTERN, THEMES, Worksheet

MAX_BYTES = 512 * 1024
ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
# Rendering hints a Tandem page does not need: dropping them loses nothing a partner reads.
HARMLESS_EXTENSIONS = {
    "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl",
    "http://hl7.org/fhir/StructureDefinition/questionnaire-choiceOrientation",
    "http://hl7.org/fhir/StructureDefinition/entryFormat",
}
QUESTION_EXTENSIONS = {ITEM_TYPE_EXTENSION, MIN_VALUE, MAX_VALUE} | HARMLESS_EXTENSIONS
OPTION_EXTENSIONS = {ORDINAL_VALUE, ITEM_WEIGHT}
# FHIR item type -> Tandem item type, for items without Tandem's own type extension.
PLAIN_TYPES = {
    "string": "short_text",
    "text": "long_text",
    "integer": "scale",
    "boolean": "single_choice",
    "choice": "single_choice",
}
BOOLEAN_OPTIONS = [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]
OPERATORS = {"=": "equals", "!=": "not_equals", ">": "greater_than", "<": "less_than"}
# Placeholders for what a Questionnaire cannot say; the builder page names them.
FILLED_IN = {
    "minutes": "Minutes it takes",
    "answered_by": "Who answers",
    "guide": "Therapist guide",
    "discussion_prompts": "Discussion prompts",
    "themes": "Themes",
    "instructions": "Instructions for partners",
    "purpose": "Purpose",
}
PLACEHOLDER = "Imported from a FHIR Questionnaire: please write this."
_ID = re.compile(ID_PATTERN)


class FhirImportError(ValueError):
    """The Questionnaire cannot become a worksheet; ``problems`` say why, in plain words."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Imported:
    worksheet: Worksheet
    filled_in: list[str]  # labels of the fields given placeholders

    def definition(self) -> dict[str, Any]:
        """The worksheet as builder data (what the YAML would hold)."""
        return self.worksheet.model_dump(mode="json")

    def source_yaml(self) -> str:
        """The definition as the YAML file ``worksheets check`` reads; defaults left out."""
        data = self.worksheet.model_dump(mode="json", exclude_defaults=True)
        data.setdefault("version", self.worksheet.version)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=96)


def read_json(raw: bytes | str) -> Any:
    """Uploaded bytes as JSON; FhirImportError with a plain message for anything else."""
    if len(raw) > MAX_BYTES:
        raise FhirImportError([f"The file is larger than {MAX_BYTES // 1024} KB."])
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        return json.loads(text)
    except UnicodeDecodeError:
        raise FhirImportError(["The file is not text (UTF-8), so it is not FHIR JSON."]) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise FhirImportError([f"The file is not valid JSON{where}."]) from None


def import_questionnaire(resource: Any, taken_ids: frozenset[str] = frozenset()) -> Imported:
    """The Questionnaire as a valid worksheet, or FhirImportError listing every problem.

    ``taken_ids`` are worksheet ids already in use; the new one avoids them.
    """
    if not isinstance(resource, dict) or resource.get("resourceType") != "Questionnaire":
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        found = f"a {kind}" if isinstance(kind, str) else "no FHIR resource"
        raise FhirImportError([f"This is {found}, not a FHIR Questionnaire."])
    reader = _Reader(resource)
    data, filled_in = reader.definition(set(taken_ids))
    if reader.problems:
        raise FhirImportError(reader.problems)
    try:
        worksheet = Worksheet.model_validate(data)
    except ValidationError as error:
        raise FhirImportError(
            [f"{_where(err['loc'])}: {plain_message(err)}" for err in error.errors()]
        ) from None
    return Imported(worksheet, filled_in)


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "The worksheet"


def slug(text: str, pattern: str = ID_PATTERN, fallback: str = "item") -> str:
    """A Tandem id from a FHIR name: ``/44249-1`` -> ``44249-1``, ``g1.q1`` -> ``g1-q1``."""
    word = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:50].strip("-")
    return word if re.fullmatch(pattern, word) else fallback


@dataclass
class _Reader:
    """One pass over a Questionnaire; ``problems`` collects what cannot be carried."""

    resource: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)  # item ids, unique in the worksheet
    section_ids: set[str] = field(default_factory=set)
    # linkId -> (Tandem item id, the item's definition so far), in reading order.
    by_link: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    contained: dict[str, dict[str, Any]] = field(default_factory=dict)
    together: bool = False  # an agreement was read, so the couple answers together

    # --- the FhirSource protocol the item types call -----------------------------------------

    def problem(self, node: dict[str, Any], message: str) -> None:
        self.problems.append(f"{_name(node)}: {message}.")

    def options(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        if "answerValueSet" in node:
            return self._value_set(node)
        entries = node.get("answerOption")
        if not isinstance(entries, list) or not entries:
            self.problem(node, "a choice needs answerOption or a contained ValueSet")
            return []
        out: list[dict[str, Any]] = []
        for entry in entries:
            option = self._option(node, entry if isinstance(entry, dict) else {}, out)
            if option is not None:
                out.append(option)
        return out

    def children(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        return [c for c in node.get("item") or [] if isinstance(c, dict) and not _is_help(c)]

    # --- the Questionnaire -------------------------------------------------------------------

    def definition(self, taken: set[str]) -> tuple[dict[str, Any], list[str]]:
        q = self.resource
        self._unsupported_extensions(q, set(), "The Questionnaire")
        self.contained = {
            str(r.get("id")): r
            for r in q.get("contained") or []
            if isinstance(r, dict) and r.get("resourceType") == "ValueSet"
        }
        title = _text(q.get("title")) or _text(q.get("name"))
        if not title:
            self.problems.append("The Questionnaire has no title or name.")
        instructions, sections = self._top_level(q.get("item"), title or "Questions")
        themes, codes = [], []
        for code in q.get("code") or []:
            if not isinstance(code, dict):
                continue
            if code.get("system") == THEME_SYSTEM and code.get("code") in THEMES:
                themes.append(code["code"])
            elif _coding(code) is not None:
                codes.append(_coding(code))
        data: dict[str, Any] = {
            "id": self._worksheet_id(q, title or "", taken),
            "version": _version(q.get("version")),
            "title": title,
            "purpose": _text(q.get("description")),
            "instructions": instructions,
            "themes": themes,
            "sections": sections,
        }
        url = _text(q.get("url"))
        if (url and not url.startswith(CANONICAL_BASE)) or codes:
            data["fhir"] = {"url": url or None, "codes": codes}
        filled_in = []
        placeholders: dict[str, Any] = {
            "purpose": title or PLACEHOLDER,
            "instructions": "Answer each question as it is true for you.",
            "themes": ["check-in"],
            "minutes": max(1, min(180, round(sum(1 for _ in _questions(sections)) / 2) or 1)),
            "answered_by": "couple" if self.together else "each_partner",
            "guide": {
                "how_to_use": PLACEHOLDER,
                "look_for": PLACEHOLDER,
                "when_not_to_use": PLACEHOLDER,
            },
            "discussion_prompts": ["What stood out to you in these answers?"],
        }
        for name, value in placeholders.items():
            if not data.get(name):
                data[name] = value
                filled_in.append(FILLED_IN[name])
        return data, filled_in

    def _worksheet_id(self, q: dict[str, Any], title: str, taken: set[str]) -> str:
        for candidate in (str(q.get("id") or ""), str(q.get("name") or ""), title):
            base = slug(candidate, SLUG_PATTERN, "")
            if len(base) >= 3:
                break
        else:
            base = "imported-questionnaire"
        word, number = base, 2
        while word in taken:
            word, number = f"{base[:55]}-{number}", number + 1
        return word

    def _top_level(self, items: Any, title: str) -> tuple[str | None, list[dict[str, Any]]]:
        """Instructions and sections: groups become sections, loose questions one of their own."""
        instructions: str | None = None
        sections: list[dict[str, Any]] = []
        loose: dict[str, Any] | None = None
        for node in _nodes(items):
            if node.get("type") == "display":
                if instructions is None and not sections and loose is None:
                    instructions = _text(node.get("text"))
                else:
                    self.problem(node, "a text between sections has no place in a worksheet")
            elif node.get("type") == "group" and _tandem_type(node) is None:
                loose = None
                sections.append(self._section(node))
            else:
                if loose is None:
                    loose = {
                        "id": _fresh("questions", self.section_ids),
                        "title": title,
                        "items": [],
                    }
                    sections.append(loose)
                item = self._item(node)
                if item is not None:
                    loose["items"].append(item)
        return instructions, sections

    def _section(self, node: dict[str, Any]) -> dict[str, Any]:
        link = str(node.get("linkId") or "")
        self._unsupported_extensions(node, set(), _name(node))
        if node.get("repeats"):
            self.problem(node, "a group that repeats cannot be a worksheet section")
        own = link[2:] if link.startswith("s:") else link
        section: dict[str, Any] = {
            "id": _fresh(_id_like(own, "section"), self.section_ids),
            "title": _text(node.get("text")) or _text(node.get("prefix")),
            "items": [],
        }
        if (link and link != f"s:{section['id']}") or _codes(node):
            section["fhir"] = {"link_id": link, "codes": _codes(node)}
        if "enableWhen" in node:
            section["show_if"] = self._show_if(node)
        for child in _nodes(node.get("item")):
            if child.get("type") == "display":
                if not section["items"] and "intro" not in section:
                    section["intro"] = _text(child.get("text"))
                else:
                    self.problem(child, "a text between questions has no place in a worksheet")
            elif child.get("type") == "group" and _tandem_type(child) is None:
                self.problem(child, "a group inside a group: worksheet sections do not nest")
            else:
                item = self._item(child)
                if item is not None:
                    section["items"].append(item)
        return section

    # --- one question --------------------------------------------------------------------

    def _item(self, node: dict[str, Any]) -> dict[str, Any] | None:
        kind = _tandem_type(node) or PLAIN_TYPES.get(str(node.get("type"))) or ""
        if kind == "single_choice" and node.get("repeats"):
            kind = "multiple_choice"
        cls = item_class(kind)
        if cls is None:
            self.problem(node, f"Tandem has no question of the FHIR type {node.get('type')!r}")
            return None
        self._unsupported_extensions(node, QUESTION_EXTENSIONS, _name(node))
        for unsupported in ("readOnly", "initial", "answerConstraint", "definition"):
            if node.get(unsupported) not in (None, False, []):
                self.problem(node, f"Tandem cannot carry {unsupported!r}")
        if node.get("repeats") and kind != "multiple_choice":
            self.problem(node, "only a choice question may take several answers")
        link = str(node.get("linkId") or "")
        prompt = _text(node.get("text"))
        if _text(node.get("prefix")):
            prompt = f"{_text(node['prefix'])} {prompt or ''}".strip()
        item: dict[str, Any] = {
            "type": kind,
            "id": _fresh(_id_like(link, "question"), self.ids),
            "prompt": prompt,
        }
        if link != item["id"] or _codes(node):
            item["fhir"] = {"link_id": link, "codes": _codes(node)}
        if node.get("required") is True:
            item["required"] = True
        help_node = self._help(node)
        if help_node is not None:
            item["help"] = _text(help_node.get("text"))
        if node.get("type") == "boolean":
            item["options"] = [dict(o) for o in BOOLEAN_OPTIONS]
        else:
            item.update(cls.from_questionnaire_item(node, self))
        if _tandem_type(node) is None:
            self._no_nested_questions(node, kind)
        if kind == "multiple_choice" and any("score" in o for o in item.get("options", [])):
            self.problem(node, "scores (ordinalValue) work on choices that take one answer only")
        if "enableWhen" in node:
            item["show_if"] = self._show_if(node)
        self.by_link[link] = (item["id"], item)
        self.together = self.together or cls.made_together
        return item

    def _help(self, node: dict[str, Any]) -> dict[str, Any] | None:
        """Tandem's ``<id>:help`` text or, in a foreign question, its first display child."""
        displays = [c for c in _nodes(node.get("item")) if c.get("type") == "display"]
        own = [c for c in displays if _is_help(c)]
        if own or _tandem_type(node) is not None:
            return own[0] if own else None
        return next((c for c in displays if not _is_end(c)), None)

    def _no_nested_questions(self, node: dict[str, Any], kind: str) -> None:
        help_node = self._help(node)
        for child in self.children(node):
            if child is help_node or (kind == "scale" and _is_end(child)):
                continue
            self.problem(child, "questions or texts inside a question are not supported")

    def _option(
        self, node: dict[str, Any], entry: dict[str, Any], earlier: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        self._unsupported_extensions(entry, OPTION_EXTENSIONS, f"{_name(node)}, a choice")
        if "valueCoding" in entry:
            coding = _coding(entry["valueCoding"])
            if coding is None:
                self.problem(node, "a choice has a coding without a code")
                return None
            label = coding.get("display") or coding["code"]
        elif isinstance(entry.get("valueString"), str | int) and not isinstance(
            entry.get("valueString"), bool
        ):
            coding, label = None, str(entry["valueString"])
        elif isinstance(entry.get("valueInteger"), int):
            coding, label = None, str(entry["valueInteger"])
        else:
            self.problem(node, "a choice is neither a coding, a text nor a whole number")
            return None
        code = coding["code"] if coding else label
        value = code if _ID.fullmatch(code) and len(code) <= 60 else slug(code, fallback="")
        taken = {o["value"] for o in earlier}
        if not value or value in taken:
            value = _fresh(f"choice-{len(earlier) + 1}", set(taken))
        option: dict[str, Any] = {"value": value, "label": label}
        if coding and (coding["code"] != value or coding.get("system")):
            option["code"] = {k: v for k, v in coding.items() if k != "display"}
        weight = _weight(entry)
        if weight is not None:
            if not (float(weight).is_integer() and -100 <= weight <= 100):
                self.problem(node, f"the score {weight} of {label!r} is not a whole number")
            else:
                option["score"] = int(weight)
        return option

    def _value_set(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        ref = str(node.get("answerValueSet") or "")
        value_set = self.contained.get(ref[1:]) if ref.startswith("#") else None
        if value_set is None:
            self.problem(
                node,
                f"its choices are in the ValueSet {ref!r}, which is not in the file; "
                "Tandem reads only ValueSets contained in the Questionnaire",
            )
            return []
        contains = (value_set.get("expansion") or {}).get("contains")
        if not isinstance(contains, list) or not contains:
            self.problem(node, f"the ValueSet {ref!r} has no expansion listing its codes")
            return []
        options: list[dict[str, Any]] = []
        for concept in contains:
            if isinstance(concept, dict):
                option = self._option(node, {"valueCoding": concept}, options)
                if option is not None:
                    options.append(option)
        return options

    # --- enableWhen --------------------------------------------------------------------------

    def _show_if(self, node: dict[str, Any]) -> dict[str, Any] | None:
        conditions = []
        for entry in node.get("enableWhen") or []:
            condition = self._condition(node, entry if isinstance(entry, dict) else {})
            if condition is not None:
                conditions.append(condition)
        behavior = node.get("enableBehavior", "all" if len(conditions) <= 1 else None)
        if behavior not in ("all", "any"):
            self.problem(node, "several enableWhen conditions need an enableBehavior, all or any")
            return None
        if not conditions:
            return None
        return {behavior: _merged(conditions) if behavior == "any" else conditions}

    def _condition(self, node: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any] | None:
        target = self.by_link.get(str(entry.get("question")))
        if target is None:
            self.problem(
                node,
                f"it depends on {entry.get('question')!r}, which is not a question before it",
            )
            return None
        item_id, item = target
        operator = entry.get("operator")
        answers = [k for k in entry if k.startswith("answer")]
        if operator == "exists" and entry.get("answerBoolean") is True and "options" in item:
            return {"item": item_id, "any_of": [o["value"] for o in item["options"]]}
        if operator not in (*OPERATORS, ">=", "<=") or len(answers) != 1:
            self.problem(node, f"Tandem cannot test an answer with {operator!r}")
            return None
        value = self._target(item, answers[0], entry[answers[0]])
        if value is None:
            self.problem(node, f"its condition on {entry.get('question')!r} cannot be read")
            return None
        if operator in (">=", "<="):
            if not isinstance(value, int):
                self.problem(node, f"{operator!r} compares numbers only")
                return None
            return (
                {"item": item_id, "greater_than": value - 1}
                if operator == ">="
                else {"item": item_id, "less_than": value + 1}
            )
        return {"item": item_id, OPERATORS[str(operator)]: value}

    def _target(self, item: dict[str, Any], kind: str, value: Any) -> str | int | None:
        if item["type"] == "scale":
            if kind == "answerInteger" and isinstance(value, int):
                return value
            code = value.get("code") if isinstance(value, dict) else None
            return int(code) if isinstance(code, str) and code.isdigit() else None
        options = item.get("options") or []
        if kind == "answerBoolean" and isinstance(value, bool):
            return "yes" if value else "no"
        if kind == "answerCoding" and isinstance(value, dict):
            for option in options:
                code = option.get("code", {}).get("code", option["value"])
                if code == value.get("code"):
                    return str(option["value"])
        if kind == "answerString":
            return next((o["value"] for o in options if o["label"] == value), None)
        return None

    # --- shared helpers ----------------------------------------------------------------------

    def _unsupported_extensions(self, node: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in ("extension", "modifierExtension"):
            for ext in node.get(key) or []:
                url = ext.get("url") if isinstance(ext, dict) else None
                if key == "modifierExtension" or url not in allowed:
                    self.problems.append(f"{where}: Tandem cannot carry the extension {url!r}.")


def _id_like(link: str, fallback: str) -> str:
    return link if _ID.fullmatch(link) and len(link) <= 60 else slug(link, fallback=fallback)


def _fresh(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted-2``, ``-3``... when it is taken; marked as taken."""
    word, number = wanted, 2
    while word in taken:
        word, number = f"{wanted[:55]}-{number}", number + 1
    taken.add(word)
    return word


def _nodes(items: Any) -> Iterator[dict[str, Any]]:
    return (i for i in items or [] if isinstance(i, dict))


def _questions(sections: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for section in sections:
        yield from section.get("items", [])


def _tandem_type(node: dict[str, Any]) -> str | None:
    for ext in node.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == ITEM_TYPE_EXTENSION:
            kind = ext.get("valueCode")
            return kind if isinstance(kind, str) and item_class(kind) is not None else None
    return None


def _is_help(node: dict[str, Any]) -> bool:
    """Tandem's help text of a question, the display child ``<id>:help``."""
    return node.get("type") == "display" and str(node.get("linkId", "")).endswith(":help")


def _is_end(node: dict[str, Any]) -> bool:
    """A scale's end label: Tandem's ``<id>:min`` or ``<id>:max`` text."""
    link = str(node.get("linkId", ""))
    return node.get("type") == "display" and link.endswith((":min", ":max"))


def _name(node: dict[str, Any]) -> str:
    text = _text(node.get("text")) or ""
    shown = f" ({text[:40]}{'…' if len(text) > 40 else ''})" if text else ""
    return f"Item {str(node.get('linkId', '?'))[:60]!r}{shown}"


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _version(value: Any) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and 1 <= int(text) <= 1_000_000 else 1


def _coding(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("code"), str) or not raw["code"].strip():
        return None
    out = {"code": raw["code"].strip()}
    for key in ("system", "display"):
        if isinstance(raw.get(key), str) and raw[key].strip():
            out[key] = raw[key].strip()
    return out


def _codes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in map(_coding, node.get("code") or []) if c is not None]


def _weight(entry: dict[str, Any]) -> float | None:
    for ext in entry.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") in OPTION_EXTENSIONS:
            value = ext.get("valueDecimal", ext.get("valueInteger"))
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
    return None


def _merged(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An "any" list's equals tests on one question as one any_of, where the first stood:
    Tandem's own export writes an any_of as several equals."""
    equals: dict[str, list[Any]] = {}
    for condition in conditions:
        if "equals" in condition:
            equals.setdefault(condition["item"], []).append(condition["equals"])
    out: list[dict[str, Any]] = []
    for condition in conditions:
        values = equals.get(condition["item"]) if "equals" in condition else None
        if values is None:
            out.append(condition)
        elif condition["equals"] == values[0]:
            out.append(
                condition if len(values) == 1 else {"item": condition["item"], "any_of": values}
            )
    return out
