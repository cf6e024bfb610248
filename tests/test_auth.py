from clinic.auth.views import LOGIN_FAILED
from tests import factories
from tests.helpers import idle_for, make_app


def test_sign_in_and_out(client, therapist):
    page = client.get("/login")
    assert b'name="email"' in page.data and b'name="password"' in page.data

    response = factories.sign_in(client, therapist)
    assert response.headers["Location"] == "/today"  # the Today page comes after sign-in
    assert client.get("/couples/").status_code == 200

    client.post("/logout")
    assert client.get("/couples/").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_message(client, therapist):
    wrong = client.post("/login", data={"email": therapist.email, "password": "nope-nope-nope"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 200
    assert LOGIN_FAILED.encode() in wrong.data
    assert LOGIN_FAILED.encode() in unknown.data
    assert client.get("/couples/").status_code == 302


def test_passwords_are_stored_as_argon2_hashes(therapist):
    assert therapist.password_hash.startswith("$argon2id$")
    assert factories.PASSWORD not in therapist.password_hash


def test_disabled_therapist_cannot_sign_in_and_loses_session(client, therapist):
    factories.sign_in(client, therapist)
    therapist.is_disabled = True
    from clinic.extensions import db

    db.session.commit()
    assert client.get("/couples/").status_code == 302
    response = client.post(
        "/login", data={"email": therapist.email, "password": factories.PASSWORD}
    )
    assert LOGIN_FAILED.encode() in response.data


def test_sign_in_attempts_are_rate_limited(client, therapist):
    for _ in range(10):
        client.post("/login", data={"email": therapist.email, "password": "wrong-password"})
    blocked = client.post("/login", data={"email": therapist.email, "password": factories.PASSWORD})
    assert blocked.status_code == 429
    assert b"Too many attempts" in blocked.data
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60


def test_session_cookie_flags(client, therapist):
    response = factories.sign_in(client, therapist)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_ends_after_idle_time(app, client, therapist):
    factories.sign_in(client, therapist)
    assert client.get("/couples/").status_code == 200
    idle_for(therapist, minutes=31)
    assert client.get("/couples/").status_code == 302


def test_secure_cookie_when_configured(database_url):
    app = make_app(database_url, SESSION_COOKIE_SECURE=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_admin_adds_a_therapist_in_the_web_ui(client, app):
    admin = factories.make_therapist(is_admin=True)
    factories.sign_in(client, admin)
    response = client.post(
        "/therapists",
        data={
            "display_name": "New Colleague",
            "email": "colleague@example.org",
            "password": "long enough password",
            "confirm": "long enough password",
        },
    )
    assert response.status_code == 302
    new = factories.accounts.find_therapist("colleague@example.org")
    assert new is not None and not new.is_admin


def test_non_admin_cannot_add_therapists(signed_in):
    assert signed_in.get("/therapists").status_code == 403


def test_rate_limit_is_shared_across_workers_through_redis(database_url):
    """Two app instances (like two gunicorn workers) count sign-in attempts together."""
    import os

    import pytest
    import redis

    server = redis.Redis(host="127.0.0.1", port=6379, db=15, socket_connect_timeout=1)
    try:
        server.flushdb()  # database 15 is the tests' own
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    from tests.helpers import TandemClient

    settings = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
        "LOGIN_RATE_LIMIT": "3 per minute",
    }
    workers = [make_app(database_url, **settings) for _ in range(2)]
    for worker in workers:
        worker.test_client_class = TandemClient
    codes = [
        workers[i % 2]
        .test_client()
        .post("/login", data={"email": "x@y.z", "password": "p"})
        .status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
