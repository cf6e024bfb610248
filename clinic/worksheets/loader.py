"""Turn YAML text into validated worksheets, or into a list of plain-English problems.

Worksheet files come from therapists' uploads as well as from this repository, so everything
here treats input as hostile: the size is checked before parsing, only the safe YAML loader
is used, anchors and aliases (the "billion laughs" trick) are refused, and every failure is a
``WorksheetError`` listing what to fix, where, never a traceback.
"""

from __future__ import annotations

import functools
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from clinic.worksheets.items import type_names
from clinic.worksheets.items.base import ID_PATTERN
from clinic.worksheets.schema import MAX_FILE_BYTES, SLUG_PATTERN, Worksheet

BUILTIN_DIR = Path(__file__).resolve().parents[2] / "worksheets"
# libyaml's safe loader where PyYAML has it: parsing is most of loading, and libyaml does it
# many times faster than PyYAML's own parser; both build the same safe Python values.
_CHECK_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 20  # a worksheet nests 8 levels at most (sections, items, clauses, fields, options)
MAX_PROBLEMS = 30  # per file; a wholly wrong file should not bury the first, useful messages
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,60}")


@dataclass(frozen=True)
class Problem:
    file: str
    location: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.location}" if self.location else self.file
        return f"{where}: {self.message}"


class WorksheetError(Exception):
    """One or more problems that keep worksheets from loading."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(map(str, self.problems)))


def load_text(text: str, source_name: str = "<text>") -> Worksheet:
    """Validate one worksheet given as YAML text; ``source_name`` only labels problems."""

    def fail(message: str, location: str = "") -> WorksheetError:
        return WorksheetError([Problem(source_name, location, message)])

    if not isinstance(text, str):
        raise fail("expected the text of a YAML file")
    # A character is at least a byte, so an overlong text is refused without encoding it.
    size = len(text) if len(text) > MAX_FILE_BYTES else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise fail(_too_big(size))
    data = _parse_yaml(text, source_name)
    if data is None:
        raise fail("the file is empty; a worksheet starts with 'id:', 'title:' and so on")
    if not isinstance(data, dict):
        raise fail(
            f"the top level must be a mapping of fields (id:, title:, ...), not {_kind(data)}"
        )
    try:
        return Worksheet.model_validate(data)
    except ValidationError as exc:
        raise WorksheetError(_explain(exc, source_name)) from None


def load_file(path: str | Path) -> Worksheet:
    """Load one worksheet file; the size is checked before anything is read."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise WorksheetError([Problem(name, "", _too_big(size))])
        raw = path.read_bytes()
    except OSError as exc:
        message = f"cannot read the file ({exc.strerror or exc})"
        raise WorksheetError([Problem(name, "", message)]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (bad byte at offset {exc.start}); save the file as UTF-8"
        raise WorksheetError([Problem(name, "", message)]) from None
    return load_text(text, name)


def load_directory(path: str | Path) -> list[Worksheet]:
    """Load every ``*.yaml``/``*.yml`` file in a directory, sorted by worksheet id.

    All files are checked before failing, so one run reports every problem, including two
    files that claim the same id.
    """
    path = Path(path)
    if not path.is_dir():
        raise WorksheetError([Problem(str(path), "", "no such directory")])
    try:
        files = worksheet_files(path)
    except OSError as exc:
        message = f"cannot read the directory ({exc.strerror or exc})"
        raise WorksheetError([Problem(str(path), "", message)]) from None
    worksheets, problems = [], []
    owners: dict[str, str] = {}
    for file in files:
        try:
            ws = load_file(file)
        except WorksheetError as exc:
            problems.extend(exc.problems)
            continue
        if ws.id in owners:
            message = f"worksheet id {ws.id!r} is already used by {owners[ws.id]}"
            problems.append(Problem(file.name, "id", message))
            continue
        owners[ws.id] = file.name
        worksheets.append(ws)
    if problems:
        raise WorksheetError(problems)
    return sorted(worksheets, key=lambda ws: ws.id)


def worksheet_files(directory: Path) -> list[Path]:
    """The worksheet files of a directory in name order; hidden files are editor litter."""
    return sorted(
        p
        for p in directory.iterdir()
        if p.suffix in {".yaml", ".yml"} and not p.name.startswith(".") and p.is_file()
    )


def builtin_library(directory: str | Path | None = None) -> Mapping[str, Worksheet]:
    """The built-in worksheets by id, loaded once per process (read-only, in id order)."""
    return _library(str(Path(directory or BUILTIN_DIR).resolve()))


@functools.cache
def _library(directory: str) -> Mapping[str, Worksheet]:
    return types.MappingProxyType({ws.id: ws for ws in load_directory(directory)})


# --- YAML ---------------------------------------------------------------------------------


def _parse_yaml(text: str, source: str) -> Any:
    """The safely loaded YAML, after structural checks that ``yaml.safe_load`` cannot do.

    The event stream is read first, lazily, and stopped at the first anchor or alias (so an
    alias bomb is refused before it can expand) or at absurd nesting (which PyYAML handles
    in quadratic time and by recursion). The composed node tree is then checked for keys
    written twice, which safe_load would silently resolve to the last one.
    """
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_CHECK_LOADER):
            if getattr(event, "anchor", None) is not None:
                message = "YAML anchors and aliases (&name, *name) are not allowed; write it out"
                raise WorksheetError([Problem(source, _at(event.start_mark), message)])
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    message = f"the YAML is nested more than {MAX_DEPTH} levels deep"
                    raise WorksheetError([Problem(source, _at(event.start_mark), message)])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        loader = _CHECK_LOADER(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return None
            _check_duplicate_keys(root, source)
            return loader.construct_document(root)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(m for m in (exc.context, exc.problem) if m)
        raise WorksheetError([Problem(source, _at(mark), f"malformed YAML: {message}")]) from None
    except yaml.YAMLError as exc:  # reader errors: unprintable characters and the like
        message = f"malformed YAML: {str(exc).splitlines()[0]}"
        raise WorksheetError([Problem(source, "", message)]) from None
    except UnicodeError:  # lone surrogates: load_text was given a str no file could hold
        raise WorksheetError([Problem(source, "", "the text is not valid Unicode")]) from None


def _check_duplicate_keys(root: yaml.Node, source: str) -> None:
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], yaml.Node] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    earlier = first.setdefault((key.tag, key.value), key)
                    if earlier is not key:
                        message = (
                            f"key {_show(key.value)} appears twice in the same mapping "
                            f"(first at {_at(earlier.start_mark)})"
                        )
                        raise WorksheetError([Problem(source, _at(key.start_mark), message)])
                stack += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _at(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def _too_big(size: int) -> str:
    return f"the file is {size / 1024:.0f} KiB; the limit is {MAX_FILE_BYTES // 1024} KiB"


# --- pydantic errors in plain English -------------------------------------------------------


def _kind(value: Any) -> str:
    """What a YAML value looks like to its author."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (YAML reads yes/no/on/off as true/false; use quotes)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping (key: value lines)"
    return f"a {type(value).__name__} value"


def _show(value: Any) -> str:
    """A value quoted as the author wrote it, cut short: messages stay one readable line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _location(loc: tuple[Any, ...]) -> str:
    """``('sections', 1, 'items', 3, 'min')`` -> ``sections[1].items[3].min``."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and _PLAIN_KEY.fullmatch(part):
            out += f".{part}" if out else part
        else:  # a key no worksheet field has: quoted, so odd characters stay visible
            out += f"[{str(part)!r}]"
    return out


def _message(err: ErrorDetails) -> tuple[str, str]:
    """(extra location suffix, message) for one pydantic error."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err["input"]
    expected_types = {
        "string_type": "text",
        "int_type": "a whole number",
        "bool_type": "true or false",
        "list_type": "a list",
        "dict_type": "a mapping (key: value lines)",
        "model_type": "a mapping (key: value lines)",
        "model_attributes_type": "a mapping (key: value lines)",
    }
    types_list = ", ".join(type_names())
    if kind == "union_tag_invalid":
        return ".type", f"unknown item type {_show(ctx.get('tag'))}; use one of: {types_list}"
    if kind == "union_tag_not_found":
        return ".type", f"missing 'type'; use one of: {types_list}"
    if kind == "missing":
        return "", "required field is missing"
    if kind == "extra_forbidden":
        return "", "unknown field; check the spelling against docs/worksheet-format.md"
    if kind == "invalid_key":
        return "", "field names must be text"
    if kind in expected_types:
        return "", f"expected {expected_types[kind]}, got {_kind(value)}"
    if kind == "int_from_float":
        return "", f"expected a whole number, got {_show(value)}"
    if kind == "string_too_short":
        return "", "must not be empty"
    if kind == "string_too_long":
        return "", f"text is too long: {len(value)} characters (limit {ctx['max_length']})"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern"))
        rule = {
            SLUG_PATTERN: "lowercase letters, digits and single hyphens, e.g. 'my-worksheet'",
            ID_PATTERN: "lowercase letters, digits and single hyphens or underscores",
        }.get(pattern, f"the pattern {pattern}")
        return "", f"{_show(value)} is not a valid id; use {rule}"
    if kind == "too_short":
        return "", f"needs at least {ctx['min_length']} entries, found {ctx.get('actual_length')}"
    if kind == "too_long":
        return "", f"too many entries: {ctx.get('actual_length')} (limit {ctx['max_length']})"
    if kind in {"literal_error", "enum"}:
        return "", f"{_show(value)} is not allowed here; use {ctx['expected']}"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        word = {
            "greater_than_equal": "at least",
            "less_than_equal": "at most",
            "greater_than": "more than",
            "less_than": "less than",
        }[kind]
        bound = next(iter(ctx.values()))
        return "", f"must be {word} {bound}, got {_show(value)}"
    msg = err["msg"]
    return "", msg.removeprefix("Value error, ") if kind == "value_error" else msg


def plain_message(err: ErrorDetails) -> str:
    """One pydantic error in plain English, without its location (the builder's fields)."""
    return _message(err)[1]


def _explain(exc: ValidationError, source: str) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        suffix, message = _message(err)
        problems.append(Problem(source, _location(err["loc"]) + suffix, message))
    if len(problems) > MAX_PROBLEMS:
        extra = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], Problem(source, "", f"... and {extra} more problems")]
    return problems
