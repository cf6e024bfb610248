"""Column types through which all client text is stored, and the cipher that seals it.

Answers, drafts, notes, couple labels and partner names, e-mails and contact preferences go
through :class:`SealedJSON` / :class:`SealedText` / :class:`SealedWord`, so that encryption at
rest lives here alone, never in views or templates. ``init_app`` gives each app
its own :class:`FernetCipher` (found through the app context), whose keys come from
``ENCRYPTION_KEYS`` (config or the ``CLINIC_ENCRYPTION_KEYS`` environment variable,
comma-separated, newest first) or else from ``instance/encryption_keys`` (generated on first
run, mode 0600, one key per line).
"""

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app, has_app_context
from sqlalchemy import DateTime, Text
from sqlalchemy.sql import operators
from sqlalchemy.sql.sqltypes import Concatenable
from sqlalchemy.types import TypeDecorator

# Every Fernet token starts with the version byte 0x80 and a 64-bit timestamp, so in base64
# with these characters. JSON never starts with "g", so legacy plaintext cannot be mistaken.
FERNET_PREFIX = "gAAAAA"
KEY_FILE_NAME = "encryption_keys"
_RELOAD_CHECK_SECONDS = 1.0


class SealError(RuntimeError):
    """The configured keys cannot open a sealed value, or no usable key is configured."""


class FernetCipher:
    """Seals with the newest key and opens with any (MultiFernet).

    When the keys come from a file, the file is watched: a running app picks up a key added
    by ``flask keys rotate`` within a second, which is what makes rotation work without
    downtime.
    """

    def __init__(self, load_keys: Callable[[], list[str]], watched_file: Path | None = None):
        self._load_keys = load_keys
        self._watched_file = watched_file
        self._lock = threading.Lock()
        self._stamp = self._file_stamp()
        self._checked_at = time.monotonic()
        self._fernet, self._primary = self._build(load_keys())

    @staticmethod
    def _build(keys: list[str]) -> tuple[MultiFernet, Fernet]:
        if not keys:
            raise SealError("No encryption key is configured.")
        try:
            fernets = [Fernet(key.encode("ascii")) for key in keys]
        except (ValueError, UnicodeEncodeError):
            raise SealError("An encryption key is not a valid Fernet key.") from None
        return MultiFernet(fernets), fernets[0]

    def _file_stamp(self) -> tuple[int, int] | None:
        if self._watched_file is None:
            return None
        try:
            stat = self._watched_file.stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def reload(self, force: bool = False) -> bool:
        """Re-read the key file if it changed; True when the keys were replaced."""
        if self._watched_file is None:
            return False
        now = time.monotonic()
        if not force and now - self._checked_at < _RELOAD_CHECK_SECONDS:
            return False
        with self._lock:
            self._checked_at = now
            stamp = self._file_stamp()
            if stamp is None or stamp == self._stamp:
                return False
            self._fernet, self._primary = self._build(self._load_keys())
            self._stamp = stamp
            return True

    def seal(self, plaintext: str) -> str:
        self.reload()
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        if not sealed.startswith(FERNET_PREFIX):
            return sealed  # written before encryption was switched on; `keys rotate` seals it
        self.reload()
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except InvalidToken:
            if self.reload(force=True):
                return self.open(sealed)
            raise SealError(
                "A sealed value cannot be opened with the configured encryption keys."
            ) from None

    def rotate(self, sealed: str) -> str:
        """The same plaintext sealed under the newest key (plaintext gets sealed too)."""
        if not sealed.startswith(FERNET_PREFIX):
            return self.seal(sealed)
        self.reload()
        try:
            return self._fernet.rotate(sealed.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SealError(
                "A sealed value cannot be opened with the configured encryption keys."
            ) from None

    @staticmethod
    def is_sealed(value: str) -> bool:
        return value.startswith(FERNET_PREFIX)

    def is_current(self, sealed: str) -> bool:
        """Whether the newest key alone opens this value."""
        if not sealed.startswith(FERNET_PREFIX):
            return False
        try:
            self._primary.decrypt(sealed.encode("ascii"))
        except InvalidToken:
            return False
        return True


CIPHER_EXTENSION = "clinic_cipher"


def init_app(app: Flask) -> None:
    app.extensions[CIPHER_EXTENSION] = cipher_for(app)


def current_cipher() -> FernetCipher:
    """The cipher of the app whose context is active, so that each app seals with its own keys.

    There is deliberately no process-wide fallback: it would be whichever app was created last.
    """
    if not has_app_context():
        raise SealError(
            "Client text is sealed and opened only inside an app context "
            "(`with app.app_context():`), with that app's encryption keys."
        )
    return current_app.extensions[CIPHER_EXTENSION]


def cipher_for(app: Flask) -> FernetCipher:
    configured = app.config["ENCRYPTION_KEYS"]
    if configured:
        keys = parse_keys(configured)
        return FernetCipher(lambda: keys)
    path = key_file(app)
    if not path.exists():
        write_key_file(path, [Fernet.generate_key().decode("ascii")])
    return FernetCipher(lambda: read_key_file(path), watched_file=path)


def keys_from_environment(app: Flask) -> bool:
    return bool(app.config["ENCRYPTION_KEYS"])


def key_file(app: Flask) -> Path:
    configured = app.config["ENCRYPTION_KEY_FILE"]
    return Path(configured) if configured else Path(app.instance_path) / KEY_FILE_NAME


def parse_keys(raw: str | Iterable[str]) -> list[str]:
    parts = raw.replace("\n", ",").split(",") if isinstance(raw, str) else list(raw)
    return [part.strip() for part in parts if part.strip()]


def read_key_file(path: Path) -> list[str]:
    return parse_keys(path.read_text(encoding="ascii"))


def write_key_file(path: Path, keys: list[str]) -> None:
    """Replace the key file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".keys-")  # created with mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write("\n".join(keys) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


# What SQL cannot do with a sealed column: the database holds a fresh ciphertext per value.
_PLAINTEXT_OPERATORS = frozenset(
    {
        operators.eq,
        operators.ne,
        operators.lt,
        operators.le,
        operators.gt,
        operators.ge,
        operators.in_op,
        operators.not_in_op,
        operators.between_op,
        operators.like_op,
        operators.not_like_op,
        operators.ilike_op,
        operators.not_ilike_op,
        operators.contains_op,
        operators.startswith_op,
        operators.endswith_op,
        operators.match_op,
        operators.regexp_match_op,
        operators.asc_op,
        operators.desc_op,
    }
)


class SealedComparator(TypeDecorator.Comparator, Concatenable.Comparator):
    """Refuses to compare, search or sort a sealed column in SQL, which would silently find
    nothing; only ``IS (NOT) NULL`` works. Open the values in Python instead."""

    def operate(self, op, *other, **kwargs):
        if op in _PLAINTEXT_OPERATORS and not (
            op in (operators.eq, operators.ne) and other and other[0] is None
        ):
            raise SealError(
                f"{self.expr} is sealed: SQL cannot compare, search or sort it. "
                "Select the rows and compare the opened values in Python."
            )
        return super().operate(op, *other, **kwargs)


class SealedText(TypeDecorator):
    """Free text written by clients or about them (notes), and names and labels that say who
    is in therapy."""

    impl = Text
    cache_ok = True
    comparator_factory = SealedComparator

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else current_cipher().seal(value)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        return None if value is None else current_cipher().open(value)


class SealedWord(SealedText):
    """A ``StrEnum`` word sealed like text, for words that are themselves a safety signal
    (a contact preference of "no e-mail").

    Like ``clinic.models.EnumWord``, rows read back as members and a word the enum does not
    know comes back as it is, so the code reading it can refuse it. Any word the enum gains
    later is sealed the same way, with no migration.
    """

    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, dialect) -> str | None:
        word = None if value is None else self.enum(value).value
        return super().process_bind_param(word, dialect)

    def process_result_value(self, value: str | None, dialect) -> Any:
        word = super().process_result_value(value, dialect)
        try:
            return None if word is None else self.enum(word)
        except ValueError:
            return word


class SealedJSON(TypeDecorator):
    """A JSON value (an answer) sealed as text."""

    impl = Text
    cache_ok = True
    comparator_factory = SealedComparator

    def process_bind_param(self, value: Any, dialect) -> str | None:
        if value is None:
            return None
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return current_cipher().seal(text)

    def process_result_value(self, value: str | None, dialect) -> Any:
        return None if value is None else json.loads(current_cipher().open(value))


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
