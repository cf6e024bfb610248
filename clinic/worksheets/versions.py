"""Snapshots of worksheet definitions, so that editing a worksheet never changes past answers."""

import functools
import json

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from clinic.extensions import db
from clinic.models import WorksheetVersion
from clinic.worksheets.loader import builtin_library
from clinic.worksheets.schema import Worksheet


def snapshot(worksheet: Worksheet) -> WorksheetVersion:
    """The stored version with exactly this content, created once per content hash."""
    content_hash = worksheet.content_hash()
    existing = db.session.scalar(_by_hash(content_hash))
    if existing is not None:
        return existing
    version = WorksheetVersion(
        slug=worksheet.id,
        version=worksheet.version,
        title=worksheet.title,
        content_hash=content_hash,
        definition=json.dumps(
            worksheet.model_dump(mode="json"), sort_keys=True, ensure_ascii=False
        ),
    )
    try:
        with db.session.begin_nested():  # another request may store the same content meanwhile
            db.session.add(version)
    except IntegrityError:  # the other request's version is stored now
        return db.session.execute(_by_hash(content_hash)).scalar_one()
    return version


def worksheet_of(version: WorksheetVersion) -> Worksheet:
    """The validated definition a version holds (parsed once per process)."""
    return _parse(version.content_hash, version.definition)


def known_worksheet(content_hash: str) -> Worksheet | None:
    """A definition found without the database: a built-in, or one this process has parsed.

    Used to give a partner their unsaved form back while the database cannot be reached.
    """
    if content_hash in _parsed:
        return _parsed[content_hash]
    return _builtins_by_hash().get(content_hash)


_parsed: dict[str, Worksheet] = {}


@functools.lru_cache(maxsize=256)
def _parse(content_hash: str, definition: str) -> Worksheet:
    worksheet = Worksheet.model_validate_json(definition)
    if len(_parsed) < 1024:
        _parsed[content_hash] = worksheet
    return worksheet


@functools.cache
def _builtins_by_hash() -> dict[str, Worksheet]:
    return {ws.content_hash(): ws for ws in builtin_library().values()}


def _by_hash(content_hash: str) -> Select[WorksheetVersion]:
    return select(WorksheetVersion).where(WorksheetVersion.content_hash == content_hash)
