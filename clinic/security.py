"""Headers applied to every response; sessions are checked in clinic.auth.sessions."""

import math
import time

from flask import Flask, current_app, g, request

from clinic.extensions import limiter

FALLBACK_RETRY_AFTER = 60  # seconds, for a 429 whose limit is not known


def content_security_policy(form_action: str = "") -> str:
    """The policy of every page; ``form_action`` adds a place forms may lead to (Quick exit)."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            f"form-action 'self' {form_action}".strip(),
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()


def init_app(app: Flask) -> None:
    app.after_request(_set_security_headers)
    app.after_request(_say_when_to_retry)


def _set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("X-Frame-Options", "DENY")  # the builder's preview frame says SAMEORIGIN
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


def _say_when_to_retry(response):
    """Every 429 says when to come back: a limit the view counted itself, or Flask-Limiter's."""
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(_retry_after_seconds())
    return response


def _retry_after_seconds() -> int:
    if "retry_after" in g:
        return int(g.retry_after)
    breached = [limit for limit in limiter.current_limits if limit.breached]
    if not breached:
        return FALLBACK_RETRY_AFTER
    # The limits library rounds reset times up to the next whole second, which can put them a
    # second past the window itself; no client needs to wait longer than the window.
    wait = max(limit.reset_at for limit in breached) - time.time()
    longest_window = max(limit.limit.get_expiry() for limit in breached)
    return max(1, min(math.ceil(wait), longest_window))
