"""Transparent language review: mark phrases in clients' written answers worth discussing.

The rules are data (``language_rules.yaml``) so that a therapist can read exactly what is
marked and why; there is no model and no network service. A mark is a prompt for the
therapist, never a verdict, and marks are never shown to clients.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeGuard

import yaml
from markupsafe import Markup, escape

RULES_FILE = Path(__file__).with_name("language_rules.yaml")
KINDS = ("phrase", "absent")
_RULE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Phones type curly apostrophes; each maps to one character, so offsets stay valid.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


class RuleFileError(ValueError):
    """The rule file cannot be used; the message says which rule and what to fix."""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    explanation: str
    kind: str
    sources: tuple[str, ...]  # the patterns as written in the rule file
    patterns: tuple[re.Pattern[str], ...]
    applies_to: frozenset[str] | None
    match_examples: tuple[str, ...]
    no_match_examples: tuple[str, ...]

    def applies(self, item_type: str | None) -> bool:
        return self.applies_to is None or item_type in self.applies_to


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    rule_id: str


@dataclass(frozen=True)
class TextReview:
    text: str
    spans: tuple[Span, ...]
    fired: tuple[Rule, ...]  # every rule that marked or flagged the text, in file order

    @property
    def html(self) -> Markup:
        return render(self.text, self.spans, self.fired)


def load_rules(path: str | Path = RULES_FILE) -> tuple[Rule, ...]:
    """Read and check a rule file; raises RuleFileError naming the rule at fault."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleFileError(f"{Path(path).name}: cannot be read ({exc})") from None
    entries = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise RuleFileError(f"{Path(path).name}: expected a non-empty list under 'rules:'")
    rules = tuple(_rule(entry, index) for index, entry in enumerate(entries))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleFileError(f"rule {rule.id!r} is defined twice")
        seen.add(rule.id)
    return rules


@functools.cache
def default_rules() -> tuple[Rule, ...]:
    return load_rules()


def highlight(
    text: str, item_type: str | None = None, rules: Sequence[Rule] | None = None
) -> list[Span]:
    """Every phrase a "phrase" rule marks in ``text``, ordered by position."""
    return list(review(text, item_type, rules).spans)


def review(
    text: str, item_type: str | None = None, rules: Sequence[Rule] | None = None
) -> TextReview:
    """Marks for ``text`` plus the rules that fired, including "absent" rules (no span)."""
    rules = default_rules() if rules is None else rules
    normalised = text.translate(_APOSTROPHES)
    spans: list[Span] = []
    fired: list[Rule] = []
    for rule in rules:
        if not rule.applies(item_type):
            continue
        matches = [m for p in rule.patterns for m in p.finditer(normalised)]
        if rule.kind == "absent":
            if normalised.strip() and not matches:
                fired.append(rule)
            continue
        if matches:
            fired.append(rule)
            spans.extend(Span(m.start(), m.end(), rule.id) for m in matches if m.end() > m.start())
    spans.sort(key=lambda s: (s.start, s.end, s.rule_id))
    return TextReview(text, tuple(spans), tuple(fired))


def render(text: str, spans: Sequence[Span], rules: Sequence[Rule] = ()) -> Markup:
    """``text`` escaped, with each marked stretch in ``<mark>``; overlapping marks are merged.

    The result is built only from escaped pieces and ``Markup.format``, which escapes its
    arguments, so client text can never become markup.
    """
    titles = {rule.id: rule.title for rule in rules}
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    pieces = []
    for start, end in pairwise(cuts):
        ids = sorted({s.rule_id for s in spans if s.start < end and s.end > start})
        piece = text[start:end]
        if ids:
            label = "; ".join(titles.get(i, i) for i in ids)
            pieces.append(
                Markup('<mark class="lang" data-rules="{}" title="{}">{}</mark>').format(
                    " ".join(ids), label, piece
                )
            )
        else:
            pieces.append(escape(piece))
    return Markup("").join(pieces)


# --- reading the rule file -------------------------------------------------------------


def _rule(entry: Any, index: int) -> Rule:
    where = f"rule #{index + 1}"
    if not isinstance(entry, dict):
        raise RuleFileError(f"{where}: expected a mapping with id, title, explanation, ...")
    known = {"id", "title", "explanation", "kind", "applies_to", "patterns", "examples"}
    unknown = sorted(set(map(str, entry)) - known)
    if unknown:
        raise RuleFileError(f"{where}: unknown field {unknown[0]!r}")
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID.fullmatch(rule_id):
        raise RuleFileError(f"{where}: 'id' must be lowercase letters, digits and hyphens")
    where = f"rule {rule_id!r}"
    title = _text(entry, "title", where)
    explanation = _text(entry, "explanation", where)
    kind = entry.get("kind", "phrase")
    if kind not in KINDS:
        raise RuleFileError(f"{where}: 'kind' must be one of {', '.join(KINDS)}")
    applies_to = entry.get("applies_to")
    if applies_to is not None and not _strings(applies_to):
        raise RuleFileError(f"{where}: 'applies_to' must be a list of item types")
    patterns = entry.get("patterns")
    if not _strings(patterns):
        raise RuleFileError(f"{where}: 'patterns' must be a non-empty list of text")
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE))
        except re.error as exc:
            raise RuleFileError(f"{where}: pattern {pattern!r} is not valid ({exc})") from None
    examples = entry.get("examples")
    if not isinstance(examples, dict) or set(examples) != {"match", "no_match"}:
        raise RuleFileError(f"{where}: 'examples' needs both 'match' and 'no_match' lists")
    if not (_strings(examples["match"]) and _strings(examples["no_match"])):
        raise RuleFileError(f"{where}: each list of examples needs at least one text")
    return Rule(
        id=rule_id,
        title=title,
        explanation=explanation,
        kind=kind,
        sources=tuple(patterns),
        patterns=tuple(compiled),
        applies_to=None if applies_to is None else frozenset(applies_to),
        match_examples=tuple(examples["match"]),
        no_match_examples=tuple(examples["no_match"]),
    )


def _text(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RuleFileError(f"{where}: {key!r} must be non-empty text")
    return value.strip()


def _strings(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)
