"""Headers, CSRF, error pages and size limits on every page."""

import pytest

from tests import factories


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_forms_without_a_csrf_token_are_refused(app, client, therapist):
    response = client.post(
        "/login", data={"email": therapist.email, "password": factories.PASSWORD}, csrf=False
    )
    assert response.status_code == 400
    assert b"expired" in response.data
    assert client.get("/couples/").status_code == 302


# Quick exit must always leave, even with a stale form: it only ends the caller's own client
# session, and another site's form cannot send the (SameSite=Lax) session cookie to it.
WITHOUT_CSRF = {"client.quick_exit"}


def test_every_post_route_requires_csrf(app, signed_in, couple):
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in WITHOUT_CSRF:
            continue
        values = {a: couple.id if a == "couple_id" else 1 for a in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]
        response = signed_in.post(url, data={"x": "1"}, csrf=False)
        assert response.status_code in (400, 404), f"POST {url}: {response.status_code}"


@pytest.mark.parametrize("path,code", [("/no-such-page", 404), ("/couples/999999", 404)])
def test_error_pages_leak_nothing(signed_in, path, code):
    response = signed_in.get(path)
    assert response.status_code == code
    assert b"Traceback" not in response.data
    assert b"<title>Page not found" in response.data


def test_oversized_request_gets_413(client):
    response = client.post("/login", data={"email": "a@b.c", "password": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert b"larger than this app accepts" in response.data


def test_unexpected_error_shows_a_calm_500_page(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("client text must not show")

    response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert b"client text" not in response.data
    assert b"Something went wrong" in response.data
