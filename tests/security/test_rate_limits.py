"""Rate limits per real client: proxy headers count only when PROXY_FIX says how many to trust."""

import pytest

from clinic.config import DEFAULTS, from_environment
from clinic.extensions import db
from tests.helpers import TandemClient, make_app

FIRST, SECOND = "203.0.113.7", "198.51.100.9"


@pytest.fixture
def limited_app(database_url, request):
    """An app allowing two link misses and two sign-in attempts per address."""
    hops = getattr(request, "param", 0)
    limits = {"LINK_RATE_LIMIT": "2 per minute", "LOGIN_RATE_LIMIT": "2 per minute"}
    app = make_app(database_url, PROXY_FIX=hops, **limits)
    app.test_client_class = TandemClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def miss(client, forwarded_for: str, letter: str = "Z") -> int:
    return client.get("/w/" + letter * 43, headers={"X-Forwarded-For": forwarded_for}).status_code


def sign_in_attempt(client, forwarded_for: str) -> int:
    data = {"email": "nobody@tandem.example", "password": "wrong-password"}
    return client.post("/login", data=data, headers={"X-Forwarded-For": forwarded_for}).status_code


def test_without_proxy_fix_forwarded_addresses_are_ignored(limited_app):
    client = limited_app.test_client()
    assert [miss(client, FIRST), miss(client, FIRST)] == [404, 404]
    assert miss(client, SECOND) == 429  # one address (the socket's) for both
    assert [sign_in_attempt(client, FIRST), sign_in_attempt(client, FIRST)] == [200, 200]
    assert sign_in_attempt(client, SECOND) == 429


@pytest.mark.parametrize("limited_app", [1], indirect=True)
def test_with_proxy_fix_each_forwarded_address_is_limited_on_its_own(limited_app):
    client = limited_app.test_client()
    assert [miss(client, FIRST), miss(client, FIRST)] == [404, 404]
    assert miss(client, FIRST) == 429
    assert miss(client, SECOND) == 404
    assert [sign_in_attempt(client, FIRST), sign_in_attempt(client, FIRST)] == [200, 200]
    assert sign_in_attempt(client, FIRST) == 429
    assert sign_in_attempt(client, SECOND) == 200


@pytest.mark.parametrize("limited_app", [1], indirect=True)
def test_with_one_trusted_proxy_only_the_address_it_added_counts(limited_app):
    """A client cannot dodge the limit by sending its own X-Forwarded-For before the proxy's."""
    client = limited_app.test_client()
    assert miss(client, f"10.0.0.1, {FIRST}") == 404
    assert miss(client, f"10.0.0.2, {FIRST}") == 404
    assert miss(client, f"10.0.0.3, {FIRST}") == 429


def test_proxy_fix_is_off_by_default_and_read_from_the_environment_as_a_number():
    assert DEFAULTS["PROXY_FIX"].default == 0
    assert from_environment({"CLINIC_PROXY_FIX": "2"}) == {"PROXY_FIX": 2}


def test_every_429_says_when_to_retry(limited_app):
    """Link misses (counted by the view) and sign-in and code steps (Flask-Limiter) alike."""
    client = limited_app.test_client()
    tries = {
        "a link miss": lambda: client.get("/w/" + "Z" * 43),
        "a sign-in": lambda: client.post("/login", data={"email": "a@b.example", "password": "x"}),
        "a two-factor code": lambda: client.post("/login/code", data={"code": "000000"}),
    }
    for what, attempt in tries.items():
        refused = [attempt() for _ in range(3)][-1]
        assert refused.status_code == 429, what
        assert 1 <= int(refused.headers["Retry-After"]) <= 60, what
