"""Column types through which all client text is stored.

Answers, drafts and notes go through :class:`SealedJSON` / :class:`SealedText`, so that
encryption at rest is a change to the cipher installed here, never to views or templates.
"""

import json
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator


class Cipher(Protocol):
    def seal(self, plaintext: str) -> str: ...
    def open(self, sealed: str) -> str: ...


class PlainCipher:
    """Stores text as it is; the default until a key is configured."""

    def seal(self, plaintext: str) -> str:
        return plaintext

    def open(self, sealed: str) -> str:
        return sealed


_cipher: Cipher = PlainCipher()


def install_cipher(cipher: Cipher) -> None:
    global _cipher
    _cipher = cipher


def current_cipher() -> Cipher:
    return _cipher


class SealedText(TypeDecorator):
    """Free text written by clients or about them (notes)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else _cipher.seal(value)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        return None if value is None else _cipher.open(value)


class SealedJSON(TypeDecorator):
    """A JSON value (an answer) sealed as text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> str | None:
        if value is None:
            return None
        return _cipher.seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value: str | None, dialect) -> Any:
        return None if value is None else json.loads(_cipher.open(value))


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every engine (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use clinic.storage.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
