"""Connection settings that every database connection must have."""

import sqlite3
from collections.abc import Sequence
from typing import Any, overload

import psycopg
from psycopg import pq
from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _tune_connection(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, psycopg.Connection):
        dbapi_connection.cursor_factory = DescribedOnDemand
    if isinstance(dbapi_connection, sqlite3.Connection):
        _tune_sqlite(dbapi_connection)


def _tune_sqlite(dbapi_connection: sqlite3.Connection) -> None:
    """Foreign keys on, WAL so readers never block the writer, and a busy timeout for writers."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class DescribedOnDemand(psycopg.Cursor[Any]):
    """A psycopg cursor whose ``description`` makes its columns only when they are read.

    SQLAlchemy reads a result's description on every statement, but once it has compiled a
    statement it keeps what the columns are and only asks whether there are any. psycopg makes
    a Python object per column for each description, which was a fifth of the CPU time
    SQLAlchemy spent on each statement of a partner's page.
    """

    @property
    def description(self) -> Sequence[psycopg.Column] | None:  # type: ignore[override]
        result = self.pgresult
        if result is None or not result.nfields:
            return super().description  # no columns: psycopg's own answer (None or [])
        return _Columns(self, result)


class _Columns(Sequence[psycopg.Column]):
    """A description as psycopg makes it, made at the first look at a column."""

    __slots__ = ("_columns", "_cursor", "_result")

    def __init__(self, cursor: DescribedOnDemand, result: pq.abc.PGresult) -> None:
        self._cursor, self._result = cursor, result
        self._columns: list[psycopg.Column] | None = None

    def __len__(self) -> int:
        return self._result.nfields

    @overload
    def __getitem__(self, index: int) -> psycopg.Column: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[psycopg.Column]: ...

    def __getitem__(self, index: int | slice) -> psycopg.Column | Sequence[psycopg.Column]:
        if self._columns is None:
            if self._cursor.pgresult is not self._result:
                # Never from SQLAlchemy, which reads a description before fetching on.
                raise psycopg.InterfaceError("the cursor has moved on to another result")
            self._columns = psycopg.Cursor.description.fget(self._cursor)  # type: ignore[attr-defined]
        assert self._columns is not None  # the result has columns
        return self._columns[index]
