"""Answers in plain words, for showing two versions of an answer side by side."""

from typing import Any

from clinic.worksheets.schema import GRID_ANSWERS, RESERVED_PHRASE_ID, Item

NO_ANSWER = "(no answer)"


def describe(item: Item, value: Any) -> str:
    """One readable text for a stored answer value (see docs/worksheet-format.md)."""
    if value in (None, "", [], {}):
        return NO_ANSWER
    if item.type in ("short_text", "long_text"):
        return str(value)
    if item.type in ("single_choice", "multiple_choice"):
        labels = {o.value: o.label for o in item.options}
        chosen = value if isinstance(value, list) else [value]
        return "; ".join(labels.get(v, str(v)) for v in chosen)
    if item.type == "scale":
        label = dict(item.choices()).get(value)
        return f"{value} ({label})" if label else str(value)
    if item.type == "boundary_grid":
        return "\n".join(_grid_lines(item, value))
    if item.type == "reframe":
        return "\n".join(_reframe_lines(item, value))
    if item.type == "agreement":
        return "\n".join(_agreement_lines(item, value))
    return str(value)


def _grid_lines(item, value: dict) -> list[str]:
    lines = []
    for row in item.rows:
        part = value.get(row.id)
        if not part:
            continue
        text = f"{row.label}: {GRID_ANSWERS.get(part.get('answer'), '-')}"
        if part.get("non_negotiable"):
            text += " (a firm limit)"
        if part.get("note"):
            text += f" - {part['note']}"
        lines.append(text)
    return lines


def _reframe_lines(item, value: dict) -> list[str]:
    lines = [
        f'Instead of "{p.text}": {value[p.id]["rewrite"]}'
        for p in item.phrases
        if value.get(p.id, {}).get("rewrite")
    ]
    own = value.get(RESERVED_PHRASE_ID)
    if own:
        lines.append(f'My own: "{own.get("original", "")}" -> {own.get("rewrite", "")}')
    return lines


def _agreement_lines(item, value: dict) -> list[str]:
    lines = []
    for clause in item.clauses:
        part = value.get(clause.id)
        if not part:
            continue
        labels = {f.id: f.label for f in clause.fields}
        fields = ", ".join(f"{labels.get(k, k)}: {v}" for k, v in part.get("fields", {}).items())
        agreed = "agreed" if part.get("confirmed") else "not agreed yet"
        lines.append(f"{clause.text} ({agreed}){' - ' + fields if fields else ''}")
    return lines
