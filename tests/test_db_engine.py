"""PostgreSQL cursors describe their columns only when asked (clinic.db_engine), exactly as
psycopg does."""

import psycopg
import pytest
from sqlalchemy import text

from clinic.db_engine import DescribedOnDemand
from clinic.extensions import db


@pytest.fixture
def cursor(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("psycopg's cursors are PostgreSQL's")
    raw = db.session.connection().connection.dbapi_connection
    assert isinstance(raw, psycopg.Connection)
    with raw.cursor() as cursor:
        yield cursor


def test_a_description_reads_as_psycopgs_own(cursor):
    assert isinstance(cursor, DescribedOnDemand)
    cursor.execute("SELECT 1 AS one, 'two'::text AS two, now() AS three")
    described = cursor.description
    assert described is not None and len(described) == 3
    own = psycopg.Cursor.description.fget(cursor)  # type: ignore[attr-defined]
    assert [tuple(c) for c in described] == [tuple(c) for c in own]
    assert [c.name for c in described] == ["one", "two", "three"]
    assert [c.name for c in described[1:]] == ["two", "three"]


def test_a_statement_without_rows_has_no_description(cursor):
    cursor.execute("CREATE TEMPORARY TABLE scratch (n int)")
    assert cursor.description is None
    cursor.execute("SELECT")  # rows without columns: psycopg says so with an empty list
    assert cursor.description == []


def test_a_description_is_not_read_after_the_cursor_moved_on(cursor):
    cursor.execute("SELECT 1 AS first")
    described = cursor.description
    assert described is not None
    cursor.execute("SELECT 2 AS second")
    with pytest.raises(psycopg.InterfaceError):
        described[0]


def test_queries_read_columns_as_before(app, database_url):
    row = db.session.execute(text("SELECT 1 AS one, 'x' AS letter")).one()
    assert row._mapping == {"one": 1, "letter": "x"}
