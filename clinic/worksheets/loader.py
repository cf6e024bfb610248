"""Turn YAML text into validated worksheets, or into a list of problems in plain words.

Worksheet files come from therapists' uploads as well as from this repository, so everything
here treats input as hostile: the size is checked before parsing, only the safe YAML loader
is used, anchors and aliases (the "billion laughs" trick) are refused, and every failure is a
``WorksheetError`` listing what to fix, where, never a traceback.

Problems are written in the language of the page that shows them (the builder, the upload
page: ``flask_babel.gettext``); ``worksheets check`` prints them in English (clinic.worksheets.cli),
for files written against docs/worksheet-format.md. Locations (``sections[0].items[2]``,
``line 3, column 7``) stay as written: they name the file's own keys and lines.
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
from flask_babel import gettext, ngettext
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
        raise fail(gettext("expected the text of a YAML file"))
    # A character is at least a byte, so an overlong text is refused without encoding it.
    size = len(text) if len(text) > MAX_FILE_BYTES else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise fail(_too_big(size))
    data = _parse_yaml(text, source_name)
    if data is None:
        raise fail(gettext("the file is empty; a worksheet starts with 'id:', 'title:' and so on"))
    if not isinstance(data, dict):
        raise fail(
            gettext(
                "the top level must be a mapping of fields (id:, title:, ...), not %(found)s",
                found=_kind(data),
            )
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
        message = gettext("cannot read the file (%(reason)s)", reason=exc.strerror or exc)
        raise WorksheetError([Problem(name, "", message)]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = gettext(
            "not UTF-8 text (bad byte at offset %(offset)s); save the file as UTF-8",
            offset=exc.start,
        )
        raise WorksheetError([Problem(name, "", message)]) from None
    return load_text(text, name)


def load_directory(path: str | Path) -> list[Worksheet]:
    """Load every ``*.yaml``/``*.yml`` file in a directory, sorted by worksheet id.

    All files are checked before failing, so one run reports every problem, including two
    files that claim the same id.
    """
    path = Path(path)
    if not path.is_dir():
        raise WorksheetError([Problem(str(path), "", gettext("no such directory"))])
    try:
        files = worksheet_files(path)
    except OSError as exc:
        message = gettext("cannot read the directory (%(reason)s)", reason=exc.strerror or exc)
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
            message = gettext(
                "worksheet id %(id)s is already used by %(file)s",
                id=repr(ws.id),
                file=owners[ws.id],
            )
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
                message = gettext(
                    "YAML anchors and aliases (&name, *name) are not allowed; write it out"
                )
                raise WorksheetError([Problem(source, _at(event.start_mark), message)])
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    message = gettext(
                        "the YAML is nested more than %(most)s levels deep", most=MAX_DEPTH
                    )
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
        said = " ".join(m for m in (exc.context, exc.problem) if m)  # PyYAML's own words
        message = gettext("malformed YAML: %(problem)s", problem=said)
        raise WorksheetError([Problem(source, _at(mark), message)]) from None
    except yaml.YAMLError as exc:  # reader errors: unprintable characters and the like
        message = gettext("malformed YAML: %(problem)s", problem=str(exc).splitlines()[0])
        raise WorksheetError([Problem(source, "", message)]) from None
    except UnicodeError:  # lone surrogates: load_text was given a str no file could hold
        message = gettext("the text is not valid Unicode")
        raise WorksheetError([Problem(source, "", message)]) from None


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
                        message = gettext(
                            "key %(key)s appears twice in the same mapping (first at line "
                            "%(line)s, column %(column)s)",
                            key=_show(key.value),
                            line=earlier.start_mark.line + 1,
                            column=earlier.start_mark.column + 1,
                        )
                        raise WorksheetError([Problem(source, _at(key.start_mark), message)])
                stack += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _at(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def _too_big(size: int) -> str:
    kib = round(size / 1024)
    return gettext(
        "the file is %(size)s KiB; the limit is %(limit)s KiB",
        size=kib,
        limit=MAX_FILE_BYTES // 1024,
    )


# --- pydantic errors in plain English -------------------------------------------------------


def _kind(value: Any) -> str:
    """What a YAML value looks like to its author."""
    if value is None:
        return gettext("nothing (an empty value)")
    if isinstance(value, bool):
        return gettext(
            "%(value)s (YAML reads yes/no/on/off as true/false; use quotes)",
            value=str(value).lower(),
        )
    if isinstance(value, int | float):
        return gettext("the number %(value)s", value=value)
    if isinstance(value, str):
        return gettext("text")
    if isinstance(value, list):
        return gettext("a list")
    if isinstance(value, dict):
        return _a_mapping()
    return gettext("a %(type)s value", type=type(value).__name__)


def _a_mapping() -> str:
    return gettext("a mapping (key: value lines)")


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
        "string_type": gettext("text"),
        "int_type": gettext("a whole number"),
        "bool_type": gettext("true or false"),
        "list_type": gettext("a list"),
        "dict_type": _a_mapping(),
        "model_type": _a_mapping(),
        "model_attributes_type": _a_mapping(),
    }
    types_list = ", ".join(type_names())
    if kind == "union_tag_invalid":
        return ".type", gettext(
            "unknown item type %(type)s; use one of: %(types)s",
            type=_show(ctx.get("tag")),
            types=types_list,
        )
    if kind == "union_tag_not_found":
        return ".type", gettext("missing 'type'; use one of: %(types)s", types=types_list)
    if kind == "missing":
        return "", gettext("required field is missing")
    if kind == "extra_forbidden":
        return "", gettext("unknown field; check the spelling against docs/worksheet-format.md")
    if kind == "invalid_key":
        return "", gettext("field names must be text")
    if kind in expected_types:
        return "", gettext(
            "expected %(expected)s, got %(found)s",
            expected=expected_types[kind],
            found=_kind(value),
        )
    if kind == "int_from_float":
        return "", gettext("expected a whole number, got %(value)s", value=_show(value))
    if kind == "string_too_short":
        return "", gettext("must not be empty")
    if kind == "string_too_long":
        return "", gettext(
            "text is too long: %(length)s characters (limit %(limit)s)",
            length=len(value),
            limit=ctx["max_length"],
        )
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern"))
        rule = {
            SLUG_PATTERN: gettext(
                "lowercase letters, digits and single hyphens, e.g. 'my-worksheet'"
            ),
            ID_PATTERN: gettext("lowercase letters, digits and single hyphens or underscores"),
        }.get(pattern) or gettext("the pattern %(pattern)s", pattern=pattern)
        return "", gettext(
            "%(value)s is not a valid id; use %(rule)s", value=_show(value), rule=rule
        )
    if kind == "too_short":
        return "", gettext(
            "needs at least %(least)s entries, found %(found)s",
            least=ctx["min_length"],
            found=ctx.get("actual_length"),
        )
    if kind == "too_long":
        return "", gettext(
            "too many entries: %(found)s (limit %(limit)s)",
            found=ctx.get("actual_length"),
            limit=ctx["max_length"],
        )
    if kind in {"literal_error", "enum"}:
        return "", gettext(
            "%(value)s is not allowed here; use %(allowed)s",
            value=_show(value),
            allowed=ctx["expected"],
        )
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        said = {
            "greater_than_equal": gettext("must be at least %(bound)s, got %(value)s"),
            "less_than_equal": gettext("must be at most %(bound)s, got %(value)s"),
            "greater_than": gettext("must be more than %(bound)s, got %(value)s"),
            "less_than": gettext("must be less than %(bound)s, got %(value)s"),
        }[kind]
        return "", said % {"bound": next(iter(ctx.values())), "value": _show(value)}
    msg = err["msg"]  # pydantic's own words (a validator's message is already translated)
    return "", msg.removeprefix("Value error, ") if kind == "value_error" else msg


def plain_message(err: ErrorDetails) -> str:
    """One pydantic error in plain words, without its location (the builder's fields)."""
    return _message(err)[1]


def _explain(exc: ValidationError, source: str) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        suffix, message = _message(err)
        problems.append(Problem(source, _location(err["loc"]) + suffix, message))
    if len(problems) > MAX_PROBLEMS:
        extra = len(problems) - MAX_PROBLEMS
        more = ngettext("... and %(num)d more problem", "... and %(num)d more problems", extra)
        problems = [*problems[:MAX_PROBLEMS], Problem(source, "", more)]
    return problems
