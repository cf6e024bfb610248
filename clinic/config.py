"""Configuration: defaults, then ``instance/config.py``, then ``CLINIC_*`` environment variables."""

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

DEMO_SECRET_KEY = "demo-not-secret"  # noqa: S105 - marker that production must refuse

DEFAULTS = {
    "ENV_NAME": "development",
    # hide_parameters: SQL values (which may be client text) never reach logs or error messages.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "IDLE_TIMEOUT_MINUTES": 30,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": False,
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    "LINK_RATE_LIMIT": "30 per minute",
    "LINK_DAYS": 14,
    "PAPER_SIZE": "A4",
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,
    "MAIL_FROM": "tandem@localhost",
    "QUICK_EXIT_URL": "https://www.wikipedia.org/",
    # Base of the client links in e-mails, QR codes and the demo, e.g. "https://tandem.example";
    # unset means the address the therapist's browser used.
    "PUBLIC_BASE_URL": None,
    # After submitting, a partner may revise until the therapist locks the assignment, and also
    # not after the due date when this is "due_date" ("lock": only locking ends revising).
    "REVISE_UNTIL": "due_date",
    # Shown to a partner whose sent answers raised a safety alert (clinic/safety). Replace the
    # placeholder with your practice's own numbers and hours.
    "SUPPORT_TEXT": (
        "Thank you for your answers. Your therapist will read them, but not straight away: "
        "this is not an emergency service.\n"
        "If you are in danger now, call your local emergency number (112 in Europe, 911 in "
        "the US and Canada).\n"
        "To talk to someone today, call [support line: your practice puts its number here]."
    ),
}


def _coerce(raw: str):
    """Environment values are strings; accept JSON literals (numbers, true/false, null) too."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load_config(app: Flask, test_config: dict | None) -> None:
    app.config.from_mapping(DEFAULTS)
    # The instance folder holds the database and keys: readable by the app user alone.
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
        app.instance_path, "tandem.sqlite3"
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        for key, raw in os.environ.items():
            if key.startswith("CLINIC_"):
                app.config[key.removeprefix("CLINIC_")] = _coerce(raw)
        if "DATABASE_URL" in app.config:
            app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
                app.config["DATABASE_URL"]
            )
    else:
        app.config.from_mapping(test_config)
    app.permanent_session_lifetime = timedelta(minutes=int(app.config["IDLE_TIMEOUT_MINUTES"]))
    _ensure_secret_key(app)


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and route them through psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _ensure_secret_key(app: Flask) -> None:
    """Generate a key into ``instance/`` on first run; production refuses a missing or demo key."""
    key = app.config.get("SECRET_KEY")
    production = app.config["ENV_NAME"] == "production"
    if production and (not key or key == DEMO_SECRET_KEY):
        raise RuntimeError(
            "Refusing to start in production without a real secret key: set CLINIC_SECRET_KEY "
            "or SECRET_KEY in instance/config.py."
        )
    if key:
        return
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_hex(32))
    app.config["SECRET_KEY"] = key_file.read_text().strip()
