"""Nothing leaks: no client text or raw token in any log during a full journey; bandit clean."""

import logging
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.serving import make_server

from clinic.extensions import db
from clinic.models import Answer, Couple
from tests import factories
from tests.client.browser_form import browser_form

ROOT = Path(__file__).resolve().parents[2]
LABEL = "Couple Quill"
PARTNERS = ("Rowan Ashdown", "Jordan Bellweather")
NOTES = "Rowan disclosed fear of saying no in bed"
ASSIGNMENT_NOTE = "Please each write about the money argument"
ANSWERS = {
    "a.topic": "Jordan controls the joint account",
    "a.my-view": "I feel small when I have to ask for money",
}
CLIENT_TEXT = [LABEL, *PARTNERS, NOTES, ASSIGNMENT_NOTE, *ANSWERS.values()]
TOKEN = re.compile(r"/w/([A-Za-z0-9_-]{43})")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Page:
    status: int
    url: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """A cookie-keeping HTTP client that sends forms the way a browser does."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> Page:
        return self._open(path)

    def post(self, path: str, fields, csrf_from: Page | None = None) -> Page:
        fields = list(fields.items(multi=True) if hasattr(fields, "items") else fields)
        if csrf_from is not None:
            fields.append(("csrf_token", CSRF.search(csrf_from.text).group(1)))
        data = urllib.parse.urlencode(fields).encode()
        return self._open(path, data)

    def _open(self, path: str, data: bytes | None = None) -> Page:
        request = urllib.request.Request(self.base + path, data=data)  # noqa: S310 - http only
        try:
            with self.opener.open(request, timeout=60) as response:
                return Page(response.status, response.url, response.read())
        except urllib.error.HTTPError as error:
            return Page(error.code, error.url, error.read())


@pytest.fixture
def server(app):
    """The app behind werkzeug's real server, whose request log names every path."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()


def full_journey(base: str, therapist) -> list[str]:
    """Therapist adds a couple and assigns; a partner answers by link; therapist reviews and
    downloads. Returns the raw link tokens."""
    therapist_browser = Browser(base)
    login = therapist_browser.get("/login")
    therapist_browser.post(
        "/login", {"email": therapist.email, "password": factories.PASSWORD}.items(), login
    )
    form = therapist_browser.get("/couples/new")
    couple_page = therapist_browser.post(
        "/couples/new",
        [
            ("label", LABEL),
            ("partners-0-display_name", PARTNERS[0]),
            ("partners-1-display_name", PARTNERS[1]),
            ("notes", NOTES),
        ],
        form,
    )
    couple_id = int(re.search(r"/couples/(\d+)", couple_page.url).group(1))
    form = therapist_browser.get(f"/couples/{couple_id}/assign")
    shown_once = therapist_browser.post(
        f"/couples/{couple_id}/assign",
        [
            ("worksheets", "builtin:fair-decisions"),
            ("who_answers", "design"),
            ("link_days", "14"),
            ("note", ASSIGNMENT_NOTE),
        ],
        form,
    )
    tokens = sorted(set(TOKEN.findall(shown_once.text)))
    assert len(tokens) == 2, shown_once.status
    assignment_id = int(re.search(r"/assignments/(\d+)", shown_once.text).group(1))

    phone = Browser(base)
    assert phone.get(f"/w/{tokens[0]}").status == 200
    sheet = phone.get(f"/w/{tokens[0]}/1")
    fields = browser_form(sheet.body)
    for name, value in ANSWERS.items():
        fields[name] = value
    fields["action"] = "save"
    assert phone.post(f"/w/{tokens[0]}/1", fields).status == 200
    assert phone.get(f"/w/{'x' * 43}").status == 404  # a guessed link

    for path in (
        f"/couples/{couple_id}",
        f"/review/couples/{couple_id}",
        f"/review/assignments/{assignment_id}",
        f"/couples/{couple_id}/handouts/session.pdf?version=therapist&assignment={assignment_id}",
        f"/couples/{couple_id}/record.json",
    ):
        page = therapist_browser.get(path)
        assert page.status == 200, (path, page.status)
    return tokens


@pytest.fixture
def all_logs(database_url, caplog):
    """Every record of every logger at DEBUG. Loggers start as a fresh process has them:
    alembic's logging setup (run by the migration fixtures) had switched some off or down."""
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.disabled = False
            logger.setLevel(logging.NOTSET)
    caplog.set_level(logging.DEBUG)
    return caplog


def test_a_full_journey_logs_no_client_text_and_no_raw_token(all_logs, app, server, therapist):
    caplog = all_logs

    tokens = full_journey(server, therapist)

    stored = db.session.scalars(select(Answer.value)).all()
    assert set(ANSWERS.values()) <= set(stored), "the partner's answers were saved"
    request_lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/w/" in line for line in request_lines), "werkzeug's request log was captured"
    logged = "\n".join(
        record.getMessage()
        + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
        for record in caplog.records
    )
    for secret in [*CLIENT_TEXT, *tokens]:
        assert secret not in logged, f"{secret!r} reached the logs"


def test_database_errors_carry_no_sql_values(app):
    """Error messages (which the 500 handler logs) never repeat the values being written."""
    db.session.add(Couple(therapist_id=999_999, label=LABEL, notes=NOTES))
    with pytest.raises(IntegrityError) as caught:
        db.session.commit()
    db.session.rollback()
    assert "INSERT INTO couples" in str(caught.value)
    assert LABEL not in str(caught.value)


def test_bandit_finds_no_medium_or_high_severity_issue():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "clinic", "-ll", "-q", "-f", "txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
