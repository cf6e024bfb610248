"""Helpers shared by tests in several folders; the fixtures that use them live in conftest.py.

Tests import what they call from plain modules like this one, never from a conftest file:
conftest files hold fixtures and hooks, which pytest hands to tests by name.
"""

import contextlib
import contextvars
import io
import json
import os
import socket
import subprocess
import uuid
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import flask_migrate
import itsdangerous
import pypdf
import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import create_engine, select
from sqlalchemy.exc import OperationalError

from clinic import create_app
from clinic.assignments.links import link_state, shaped_token_hash
from clinic.enums import LinkState
from clinic.extensions import db
from clinic.models import ClientLink, Couple

PG_SERVER_URL = os.environ.get(
    "CLINIC_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)
# Every test app seals client text with this key, as production does with its own.
TEST_ENCRYPTION_KEY = "Y2xpbmljLXRlc3Qta2V5LW5vdC1mb3ItcHJvZHVjdGk="


class CompiledTemplates(BytecodeCache):
    """Compiled templates kept in memory for every app the tests make.

    A running server compiles each template once; the suite makes an app per test, and
    compiling the same templates again for each was its largest single cost. Jinja checks the
    source's checksum before using the code, so an edited or test-only template compiles anew.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        **overrides,
    }
    app = create_app(config)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


def couple_labelled(label: str) -> Couple | None:
    """The couple with this label, looked for as the app does: labels are sealed, so SQL
    cannot compare them."""
    return next((c for c in db.session.scalars(select(Couple)) if c.label == label), None)


def migrate_to_head(database_url: str) -> None:
    app = make_app(database_url)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


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


class TandemClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form, like a browser would."""

    def csrf_token(self, *, age_seconds: int = 0) -> str:
        """A valid form token of this browser's session, signed ``age_seconds`` ago."""
        raw = uuid.uuid4().hex
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", raw)
        secret = self.application.config["SECRET_KEY"]

        class SignedEarlier(itsdangerous.TimestampSigner):
            def get_timestamp(self) -> int:
                return super().get_timestamp() - age_seconds

        serializer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token", signer=SignedEarlier)
        return serializer.dumps(raw)

    def open(self, *args, csrf: bool = True, **kwargs):
        data = kwargs.get("data")
        sends_form = kwargs.get("method", "GET") != "GET" and (
            data is None or isinstance(data, dict)
        )
        if csrf and sends_form and "csrf_token" not in (data or {}):
            kwargs["data"] = {**(data or {}), "csrf_token": self.csrf_token()}
        # Each request runs in its own app context, with its own database session and ``g``,
        # as in production; the test's session then reloads what the request committed.
        context = contextvars.Context()
        response = context.run(super().open, *args, **kwargs)
        if response.is_streamed:
            response.response = _ReadInContext(context, response.response)
        if has_app_context():
            db.session.expire_all()
        return response


class _ReadInContext:
    """A streamed body, read in the context its request ran in.

    ``stream_with_context`` keeps the request's context open until the last chunk is sent;
    Flask refuses to close a context from another one, so every step runs in the request's.
    """

    def __init__(self, context: contextvars.Context, body):
        self._context = context
        self._body = body
        self._chunks = None

    def __iter__(self):
        return self

    def __next__(self):
        if self._chunks is None:
            self._chunks = self._context.run(iter, self._body)
        return self._context.run(next, self._chunks)

    def close(self) -> None:
        if hasattr(self._body, "close"):
            self._context.run(self._body.close)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"


def only_this_login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"tandem",
        b"mail-secret",
    )
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535


def idle_for(therapist, minutes: float) -> None:
    """Move the last use of every session of ``therapist`` back, as if nobody had used it."""
    from datetime import timedelta

    from sqlalchemy import select

    from clinic.models import TherapistSession

    rows = db.session.scalars(
        select(TherapistSession).where(TherapistSession.therapist_id == therapist.id)
    )
    for row in rows:
        row.last_seen_at -= timedelta(minutes=minutes)
        row.created_at -= timedelta(minutes=minutes)
    db.session.commit()


def copy_session_cookie(source: FlaskClient, target: FlaskClient) -> str:
    """Give ``target`` the session cookie ``source`` holds now, as someone copying it would."""
    name = source.application.config["SESSION_COOKIE_NAME"]
    cookie = source.get_cookie(name)
    assert cookie is not None, "no session cookie to copy"
    target.set_cookie(name, cookie.value)
    return cookie.value


def read_pdf(data: bytes) -> pypdf.PdfReader:
    assert data.startswith(b"%PDF-"), "not a PDF"
    return pypdf.PdfReader(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    """All text of a PDF, with runs of whitespace collapsed so phrases match across lines."""
    text = "\n".join(page.extract_text() or "" for page in read_pdf(data).pages)
    return " ".join(text.split())


def image_count(data: bytes) -> int:
    """Raster images drawn in the PDF (an SVG chart or QR code is vector, not counted)."""
    return sum(len(page.images) for page in read_pdf(data).pages)


# fhir.resources checks structure, not codes or invariants, so the R4 rules that matter here
# are checked by hand: item type codes, que-1 (groups have items, display items none),
# que-5 (answerOption only on choice), que-10 (maxLength only on text-like items).
R4_ITEM_TYPES = {
    "group",
    "display",
    "boolean",
    "decimal",
    "integer",
    "date",
    "dateTime",
    "time",
    "string",
    "text",
    "url",
    "choice",
    "open-choice",
    "attachment",
    "reference",
    "quantity",
}


FHIR_VALIDATOR = Path(__file__).parent / "fhir_validator"


def independent_fhir_problems(resources: list[dict]) -> list[list[str]]:
    """Medplum's FHIR R4 validator, run under node: one list of errors per resource.

    A second opinion beside fhir.resources, written by other people in another language;
    `make test` installs it from the npm registry (tests/fhir_validator/package.json).
    """
    if not (FHIR_VALIDATOR / "node_modules" / "@medplum" / "core").is_dir():
        reason = "the node FHIR validator is not installed (make test installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    finished = subprocess.run(
        ["node", str(FHIR_VALIDATOR / "validate.mjs")],
        input=json.dumps(resources),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(finished.stdout)


def questionnaire_item(questionnaire: dict, link_id: str) -> dict:
    """The item with ``link_id`` anywhere in a Questionnaire (resource or item list)."""
    stack = list(questionnaire["item"])
    while stack:
        item = stack.pop()
        if item["linkId"] == link_id:
            return item
        stack.extend(item.get("item", []))
    raise KeyError(link_id)


def r4_item_rules_broken(items):
    for item in items:
        kind, children = item["type"], item.get("item", [])
        if kind not in R4_ITEM_TYPES:
            yield f"{item['linkId']}: unknown type {kind}"
        if kind == "group" and not children:
            yield f"{item['linkId']}: group without items"
        if kind == "display" and children:
            yield f"{item['linkId']}: display item with items"
        if "answerOption" in item and kind not in ("choice", "open-choice"):
            yield f"{item['linkId']}: answerOption on {kind}"
        if "maxLength" in item and kind not in ("string", "text", "url", "open-choice"):
            yield f"{item['linkId']}: maxLength on {kind}"
        yield from r4_item_rules_broken(children)


@contextlib.contextmanager
def sqlite_database_away(database_url: str):
    """While the block runs, the app's SQLite file is moved away (a new, empty file stands in
    its place, so every query fails); afterwards it is back as it was. PostgreSQL tests of an
    outage stop the server instead (tests/browser/test_faults.py), so they are skipped here."""
    if not database_url.startswith("sqlite:///"):
        pytest.skip("the SQLite file is moved away; tests/browser/test_faults.py stops PostgreSQL")
    path = Path(database_url.removeprefix("sqlite:///"))
    db.session.remove()
    db.engine.dispose()
    path.rename(path.with_name("away.sqlite3"))
    try:
        yield
    finally:
        db.session.remove()
        db.engine.dispose()
        path.unlink(missing_ok=True)
        path.with_name("away.sqlite3").rename(path)


def active_link(token: str) -> ClientLink | None:
    """The ORM row of a raw token's link while it is active (None for unknown, expired and
    revoked alike): what a test reaches for to act on a link as the therapist's pages do."""
    token_hash = shaped_token_hash(token)
    if token_hash is None:
        return None
    link = db.session.scalar(select(ClientLink).where(ClientLink.token_hash == token_hash))
    return link if link is not None and link_state(link) == LinkState.ACTIVE else None
