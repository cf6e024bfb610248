"""Shared fixtures: an app on each database engine, clients, a signed-in therapist, couples."""

import contextvars
import os
import shutil
import uuid

import flask_migrate
import pytest
from flask import has_app_context, request_started
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from clinic import create_app
from clinic.extensions import db
from tests import factories

# Live server and Playwright fixtures, shared by every folder that drives a browser.
pytest_plugins = ["tests.browser.fixtures"]

PG_SERVER_URL = os.environ.get(
    "CLINIC_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)
ENGINES = ["sqlite", "postgresql"]
# Every test app seals client text with this key, as production does with its own.
TEST_ENCRYPTION_KEY = "Y2xpbmljLXRlc3Qta2V5LW5vdC1mb3ItcHJvZHVjdGk="


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        **overrides,
    }
    return create_app(config)


def migrate_to_head(database_url: str) -> None:
    app = make_app(database_url)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """One migrated SQLite file, copied for every test: fast and fully isolated."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    migrate_to_head(f"sqlite:///{path}")
    return str(path)


def postgres_server_or_skip(reason_when_down: str = "PostgreSQL is not running on 127.0.0.1:5432"):
    engine = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        engine.connect().close()
    except OperationalError:
        engine.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason_when_down}; CI must run the PostgreSQL tests.")
        pytest.skip(f"{reason_when_down} (these tests run in CI)")
    return engine


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh, migrated PostgreSQL database for this test session, dropped at the end."""
    server = postgres_server_or_skip()
    name = f"tandem_test_{uuid.uuid4().hex[:10]}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_SERVER_URL.rsplit("/", 1)[0] + "/" + name
    migrate_to_head(url)
    yield url
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "tandem.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


class TandemClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form, like a browser would."""

    def csrf_token(self) -> str:
        raw = uuid.uuid4().hex
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", raw)
        secret = self.application.config["SECRET_KEY"]
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, csrf: bool = True, **kwargs):
        data = kwargs.get("data")
        sends_form = kwargs.get("method", "GET") != "GET" and (
            data is None or isinstance(data, dict)
        )
        if csrf and sends_form and "csrf_token" not in (data or {}):
            kwargs["data"] = {**(data or {}), "csrf_token": self.csrf_token()}
        # Each request runs in its own app context, with its own database session and ``g``,
        # as in production; the test's session then reloads what the request committed.
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


@pytest.fixture
def app(database_url):
    app = make_app(database_url)
    app.test_client_class = TandemClient
    with app.app_context():
        test_session = db.session()

        def commit_test_writes(_app, **_extra) -> None:
            # Services only flush (the request commits); what a test stored through them is
            # committed when a request starts, as the request that stored it would have.
            test_session.commit()

        request_started.connect(commit_test_writes, app, weak=False)
        yield app
        request_started.disconnect(commit_test_writes, app)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app) -> TandemClient:
    return app.test_client()


@pytest.fixture
def therapist(app):
    return factories.make_therapist()


@pytest.fixture
def signed_in(client, therapist) -> TandemClient:
    """A client signed in as ``therapist``."""
    factories.sign_in(client, therapist)
    return client


@pytest.fixture
def couple(therapist):
    return factories.make_couple(therapist)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements: ...`` lists every SQL statement the block runs.

    It listens on the app's engine, so requests made through ``client`` are counted too.
    """
    import contextlib

    from sqlalchemy import event

    @contextlib.contextmanager
    def counting():
        statements: list[str] = []

        def record(_conn, _cursor, statement, _parameters, _context, _executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting
