"""Links: one partner's link opens only their own answers; inactive links all look alike."""

import contextlib
import logging
import threading
import urllib.request
from datetime import timedelta
from pathlib import Path

from sqlalchemy import String, Text, select
from werkzeug.serving import make_server

from clinic.assignments import links
from clinic.extensions import db
from clinic.models import ClientLink
from clinic.storage import utcnow
from tests import factories
from tests.client.browser_form import filled, open_form
from tests.client.sample import SAMPLE
from tests.helpers import TandemClient, make_app

SECRET_ANSWER = "Only my therapist may read this."


def current_link(assignment, partner_index: int) -> ClientLink:
    partner = assignment.couple.partners[partner_index]
    return db.session.scalar(
        select(ClientLink).where(
            ClientLink.assignment_id == assignment.id,
            ClientLink.partner_id == partner.id,
            ClientLink.revoked_at.is_(None),
        )
    )


def test_unknown_expired_and_revoked_links_show_the_same_neutral_page(client, assignment, tokens):
    unknown = client.get("/w/" + "A" * 43)
    expired_link = current_link(assignment, 0)
    expired_link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    expired = client.get(f"/w/{tokens[0]}")
    links.revoke(current_link(assignment, 1))
    revoked = client.get(f"/w/{tokens[1]}")
    malformed = client.get("/w/not-a-token")

    pages = {r.get_data(as_text=True) for r in (unknown, expired, revoked, malformed)}
    assert {r.status_code for r in (unknown, expired, revoked, malformed)} == {404}
    assert len(pages) == 1
    (page,) = pages
    assert "This link is not active. Please contact your therapist." in page
    assert "<title>Worksheet</title>" in page
    assert client.get(f"/w/{tokens[1]}/1").get_data(as_text=True) == page


def test_an_inactive_link_cannot_save(client, assignment, sheet_url):
    form = open_form(client, sheet_url)
    links.revoke(current_link(assignment, 0))
    assert client.post(sheet_url, data=filled(form, {"a.story": "x"})).status_code == 404
    response = client.post(sheet_url + "/autosave", data=filled(form, {"a.story": "x"}))
    assert response.status_code == 404
    assert response.get_json()["message"].startswith("This link is not active")


def test_a_reissued_link_replaces_the_old_one(client, assignment, tokens):
    new = links.reissue(current_link(assignment, 0))
    assert client.get(f"/w/{tokens[0]}").status_code == 404
    assert client.get(f"/w/{new.token}").status_code == 200


def test_links_expire_after_the_assignments_days(assignment):
    link = current_link(assignment, 0)
    assert link.expires_at - link.created_at == timedelta(days=assignment.link_days)


def test_guessing_links_is_rate_limited_but_answering_is_not(database_url):
    app = make_app(database_url, LINK_RATE_LIMIT="3 per minute")
    app.test_client_class = TandemClient
    with app.app_context():
        token = new_link_token()
        client = app.test_client()
        for _ in range(6):  # answering is never limited
            assert client.get(f"/w/{token}/1").status_code == 200
        for _ in range(3):
            assert client.get("/w/" + "B" * 43).status_code == 404
        refused = client.get("/w/" + "C" * 43)
        assert refused.status_code == 429
        assert "Too many tries" in refused.get_data(as_text=True)
        assert "<title>Worksheet</title>" in refused.get_data(as_text=True)
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        db.session.remove()
        db.engine.dispose()


def test_a_valid_link_is_served_while_misses_from_its_address_are_limited(database_url):
    """A partner sharing a guesser's network (a coercive partner at home) is never locked out."""
    app = make_app(database_url, LINK_RATE_LIMIT="2 per minute")
    app.test_client_class = TandemClient
    with app.app_context():
        token = new_link_token()
        guesser = app.test_client()
        for letter in "BCD":
            guesser.get("/w/" + letter * 43)
        assert guesser.get("/w/" + "E" * 43).status_code == 429
        partner = app.test_client()  # same address: the test client is always 127.0.0.1
        assert partner.get(f"/w/{token}").status_code == 200
        assert partner.get(f"/w/{token}/1").status_code == 200
        form = open_form(partner, f"/w/{token}/1")
        saved = partner.post(f"/w/{token}/1", data=filled(form, {"a.story": "Still here."}))
        assert saved.status_code == 302
        assert partner.post(f"/w/{token}/1/autosave", data=form).status_code == 200
        assert guesser.get("/w/" + "F" * 43).status_code == 429  # the misses stay limited
        db.session.remove()
        db.engine.dispose()


def test_the_second_partners_link_never_reaches_the_first_partners_answers(
    client, assignment, tokens
):
    first, second = tokens
    form = open_form(client, f"/w/{first}/1")
    client.post(f"/w/{first}/1", data=filled(form, {"a.story": SECRET_ANSWER, "share.story": "1"}))

    pages = [client.get(f"/w/{second}"), client.get(f"/w/{second}/1")]
    second_form = open_form(client, f"/w/{second}/1")
    # A tampered form: the first partner's fingerprints, revision and item ids.
    pages.append(client.post(f"/w/{second}/1", data=filled(form, {"action": "save"})))
    pages.append(client.post(f"/w/{second}/1/autosave", data=second_form))
    pages.append(client.post(f"/w/{second}/1", data=filled(form, {"csrf_token": "stale"})))
    for number in range(0, 5):
        pages.append(client.get(f"/w/{second}/{number}"))
    for response in pages:
        assert SECRET_ANSWER not in response.get_data(as_text=True)
        assert SECRET_ANSWER not in str(response.get_json(silent=True))
    assert SECRET_ANSWER not in client.get(f"/w/{second}/1").get_data(as_text=True)
    assert "0 of 6 answered" in client.get(f"/w/{second}").get_data(as_text=True)


def test_the_database_holds_no_raw_token(app, database_url, assignment, tokens, signed_in):
    shown = signed_in.post(
        f"/couples/{assignment.couple_id}/assign",
        data={"worksheets": ["builtin:power-patterns"], "who_answers": "design", "link_days": 14},
    )
    raw = tokens + _tokens_in(shown.get_data(as_text=True))
    assert len(raw) == 4
    for token in raw:
        assert links.hash_token(token) in _all_text(), "the token's hash is what is stored"
        assert token not in _all_text()
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        files = [path, path.with_name(path.name + "-wal")]
        data = b"".join(f.read_bytes() for f in files if f.exists())
        assert data and not any(token.encode() in data for token in raw)


def test_request_logs_never_hold_a_token(database_url, caplog, monkeypatch):
    """The development server logs every request line; the token is blanked out of it."""
    # Alembic's logging setup in the migration fixtures disables loggers that already exist.
    monkeypatch.setattr(logging.getLogger("werkzeug"), "disabled", False)
    app = make_app(database_url, TESTING=False)
    with app.app_context():
        token = new_link_token()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())  # keeps its session
    try:
        with caplog.at_level(logging.INFO):
            for path in (f"/w/{token}", f"/w/{token}/1", "/w/" + "D" * 43):
                with contextlib.suppress(urllib.error.HTTPError):
                    browser.open(f"http://127.0.0.1:{server.server_port}{path}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
    request_lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len(request_lines) == 3, request_lines
    logged = "\n".join(caplog.text.splitlines() + request_lines)
    assert token not in logged and "D" * 43 not in logged


def new_link_token() -> str:
    couple = factories.make_couple(factories.make_therapist())
    token = factories.client_tokens(factories.make_assignment_of(couple, [SAMPLE]))[0]
    db.session.commit()  # services only flush; this test's app has no fixture committing for it
    return token


def _tokens_in(page: str) -> list[str]:
    import re

    return re.findall(r'value="https?://[^"]*/w/([A-Za-z0-9_-]{43})"', page)


def _all_text() -> str:
    """Every text value in every table, as the database holds it."""
    chunks = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            chunks.extend(str(v) for v in row if v is not None)
    return "\n".join(chunks)
