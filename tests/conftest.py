"""Shared fixtures: an app on each database engine, clients, a signed-in therapist, couples."""

import shutil
import uuid

import pytest
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher, profiles
from flask import request_started
from sqlalchemy import create_engine, text
from werkzeug.routing import Rule

from clinic.auth import passwords
from clinic.extensions import db
from tests import factories
from tests.helpers import (
    PG_SERVER_URL,
    Inbox,
    TandemClient,
    free_port,
    make_app,
    migrate_to_head,
    only_this_login,
    postgres_server_or_skip,
)

# Live server and Playwright fixtures, shared by every folder that drives a browser.
pytest_plugins = ["tests.browser.fixtures"]

ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """Tests hash passwords with argon2id at its cheapest parameters.

    The same algorithm and code path, with a hash in microseconds instead of about 0.1 s: nearly
    every test signs someone in, and the library's default cost made up a third of the suite's
    time. Production keeps the default; hashes carry their own parameters, so both verify.
    """
    with pytest.MonkeyPatch.context() as patch:
        hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
        patch.setattr(passwords, "_hasher", hasher)
        patch.setattr(passwords, "_DUMMY_HASH", hasher.hash("tandem-dummy-password-for-timing"))
        yield


@pytest.fixture(autouse=True, scope="session")
def url_builders_compiled_once():
    """Every test builds its own app, and Werkzeug compiles two URL builders per rule with
    ``compile()``: nine tenths of ``create_app``'s time. A builder is a function of the rule's
    text, parsed parts and defaults (the rule itself is passed in when it runs), so tests reuse
    the one compiled for an identical rule by an earlier app.
    """
    compile_builder = Rule._compile_builder
    compiled: dict[tuple, object] = {}

    def reuse(rule: Rule, append_unknown: bool = True):
        key = (
            rule.rule,
            tuple(rule._trace),
            repr(sorted((rule.defaults or {}).items())),
            append_unknown,
        )
        if key not in compiled:
            compiled[key] = compile_builder(rule, append_unknown)
        return compiled[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", reuse)
        yield


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """One migrated SQLite file, copied for every test: fast and fully isolated."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    migrate_to_head(f"sqlite:///{path}")
    return str(path)


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
    empty_tables(url)


def empty_tables(url: str) -> None:
    """Delete every row, children first, and restart the id sequences.

    DELETE rather than TRUNCATE: a test leaves a handful of rows, and TRUNCATE of 23 tables
    replaces each table's files on disk, which took about 0.35 s a test against 0.03 s; setval
    (not ALTER SEQUENCE, which rewrites the sequence too) restarts the ids.
    """
    engine = create_engine(url)
    with engine.begin() as conn:
        # The audit log refuses DELETE: its append-only trigger is off for this transaction.
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
        restart_ids = "SELECT setval(oid::regclass, 1, false) FROM pg_class WHERE relkind = 'S'"
        conn.execute(text(restart_ids))
    engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    # Background tasks a test queues (a long PDF) go to a queue file of its own.
    app = make_app(database_url, JOBS_SQLITE_FILE=str(tmp_path / "jobs.sqlite3"))
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
def couple_with_links(couple) -> factories.CoupleWithLinks:
    """``couple`` given the boundary inventory, with each partner's link as a token."""
    return factories.give_links(couple)


@pytest.fixture
def inbox(app):
    """A local SMTP server that requires a login; the app is configured to use it."""
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=only_this_login,
        auth_require_tls=False,
    )
    controller.start()
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_USERNAME="tandem",
        SMTP_PASSWORD="mail-secret",
        MAIL_FROM="practice@tandem.example",
    )
    yield inbox
    controller.stop()


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
