"""Headers and session rules applied to every response."""

from datetime import timedelta

from flask import Flask, current_app, request, session
from flask_login import current_user, logout_user

from clinic.storage import utcnow

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    app.before_request(_end_idle_session)
    app.after_request(_set_security_headers)


def _end_idle_session() -> None:
    """Sign a therapist out after the configured idle time, checked on the server side too."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    idle = timedelta(minutes=int(current_app.config["IDLE_TIMEOUT_MINUTES"]))
    last_seen = session.get("last_seen")
    if last_seen is not None and utcnow().timestamp() - last_seen > idle.total_seconds():
        logout_user()
        session.clear()
        return
    mark_active()


def mark_active() -> None:
    """Start or extend the therapist's idle window."""
    session.permanent = True
    session["last_seen"] = utcnow().timestamp()


def _set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if request.endpoint != "static":
        # Pages may hold client text: never keep them in a shared browser's cache.
        headers["Cache-Control"] = "no-store"
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response
