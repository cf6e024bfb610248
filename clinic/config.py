"""Configuration: defaults, then ``instance/config.py``, then ``CLINIC_*`` environment variables.

:data:`DEFAULTS` lists every setting once, with its type, default and meaning. The type says how
an environment value (always text) is read, so that ``CLINIC_SMTP_PASSWORD=123456`` stays text
while ``CLINIC_SMTP_PORT=587`` becomes a number; a value that does not fit stops start-up with
a message that names the variable. Code that reads a setting uses ``config["NAME"]`` and never
restates its default.
"""

import copy
import json
import os
import secrets
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from flask import Flask


def N_(message: str) -> str:
    """Mark a default for the gettext catalogue (``make messages``); shown translated."""
    return message


DEMO_SECRET_KEY = "demo-not-secret"  # noqa: S105 - marker that production must refuse
ENV_PREFIX = "CLINIC_"


class ConfigError(RuntimeError):
    """A setting's value does not fit its type; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    """One setting. ``type``: str, int, bool, list[str] or dict[str, Any], or one of them | None."""

    type: Any
    default: Any
    meaning: str

    def from_text(self, raw: str, variable: str) -> Any:
        """The value of an environment variable, converted to this setting's type."""
        kind, optional = _unwrap_optional(self.type)
        if optional and not raw.strip():
            return None
        reader = _READERS[get_origin(kind) or kind]
        try:
            return reader(raw)
        except ValueError as error:
            raise ConfigError(f"{variable} {error}.") from None


def _unwrap_optional(kind: Any) -> tuple[Any, bool]:
    if get_origin(kind) in (Union, types.UnionType):
        members = [member for member in get_args(kind) if member is not type(None)]
        if len(members) != 1:
            raise TypeError(f"a setting has one type or one type | None, not {kind}")
        return members[0], True
    return kind, False


def _read_int(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError(f"must be a whole number, not {raw!r}") from None


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _read_bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE | _FALSE:
        return word in _TRUE
    raise ValueError(f"must be true or false, not {raw!r}")


def _read_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _read_dict(raw: str) -> dict[str, Any]:
    # The value is not repeated in the message: engine options may hold a password.
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ValueError('must be a JSON object, e.g. {"pool_size": 10}')
    return value


_READERS: dict[type, Callable[[str], Any]] = {
    str: str,
    int: _read_int,
    bool: _read_bool,
    list: _read_list,
    dict: _read_dict,
}


DEFAULTS: dict[str, Setting] = {
    "ENV_NAME": Setting(
        str,
        "development",
        "`production` refuses to start without a real secret key, or while the demo account"
        " or the demo password can sign in; it always sends secure cookies and HSTS",
    ),
    "SECRET_KEY": Setting(
        str | None, None, "signs sessions; generated into `instance/secret_key` when unset"
    ),
    "DATABASE_URL": Setting(
        str | None,
        None,
        "e.g. `postgresql://tandem@db.internal/tandem` (psycopg 3); unset: SQLite in `instance/`",
    ),
    # hide_parameters: SQL values (which may be client text) never reach logs or error messages.
    "SQLALCHEMY_ENGINE_OPTIONS": Setting(
        dict[str, Any],
        {"pool_pre_ping": True, "hide_parameters": True},
        "SQLAlchemy engine options (a JSON object in the environment)",
    ),
    "SQLALCHEMY_ECHO": Setting(
        bool, False, "log every SQL statement (never in production: rows hold client names)"
    ),
    "ENCRYPTION_KEYS": Setting(
        list[str] | None,
        None,
        "Fernet keys for client text, comma-separated, newest first; unset: the key file",
    ),
    "ENCRYPTION_KEY_FILE": Setting(
        str | None, None, "where the key file lives; unset: `instance/encryption_keys`"
    ),
    "SESSION_COOKIE_SECURE": Setting(
        bool, False, "set `true` behind https (also sends HSTS); always on in production"
    ),
    "SESSION_COOKIE_HTTPONLY": Setting(bool, True, "scripts cannot read the session cookie"),
    "SESSION_COOKIE_SAMESITE": Setting(
        str, "Lax", "the session cookie is not sent with other sites' requests"
    ),
    "REMEMBER_COOKIE_HTTPONLY": Setting(bool, True, "scripts cannot read the remember-me cookie"),
    "IDLE_TIMEOUT_MINUTES": Setting(int, 30, "a therapist is signed out after this idle time"),
    "REQUIRE_TWO_FACTOR": Setting(
        bool, False, "every therapist must sign in with a second factor (also an admin setting)"
    ),
    "MAX_CONTENT_LENGTH": Setting(
        int, 1024 * 1024, 'larger requests (in bytes) get a clear "too large" page'
    ),
    "WTF_CSRF_TIME_LIMIT": Setting(
        int | None,
        4 * 60 * 60,
        "seconds a form token stays valid (4 hours); a client's expired form keeps what they"
        " typed; unset: as long as the session",
    ),
    "RATELIMIT_STORAGE_URI": Setting(
        str, "memory://", "`redis://127.0.0.1:6379` so limits hold across gunicorn workers"
    ),
    "RATELIMIT_HEADERS_ENABLED": Setting(bool, False, "send X-RateLimit headers with responses"),
    "LOGIN_RATE_LIMIT": Setting(str, "10 per minute;50 per hour", "sign-in attempts per address"),
    "LINK_RATE_LIMIT": Setting(
        str,
        "30 per minute",
        "misses (unknown, expired or revoked links) per address; valid links are never refused",
    ),
    "LINK_MISS_ALERT_LIMIT": Setting(
        str,
        "300 per hour",
        "misses from all addresses together; past it every administrator is e-mailed (once per"
        " window) and the audit log says so; nothing is refused",
    ),
    "PROXY_FIX": Setting(
        int,
        0,
        "number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted"
        " (`1` behind one nginx); `0`: those headers are ignored",
    ),
    "LINK_DAYS": Setting(int, 14, "default lifetime of a client link"),
    "CLIENT_IDLE_MINUTES": Setting(
        int,
        15,
        "a partner's time on their link ends after this idle time (or on Quick exit); then the"
        " link asks for their personal code, or shows a neutral Continue page",
    ),
    "CODE_ATTEMPTS": Setting(
        int,
        5,
        "wrong personal codes in a row before a partner's links lock until the therapist"
        " lifts the lock-out",
    ),
    "PUBLIC_BASE_URL": Setting(
        str | None,
        None,
        "base of client links in e-mails, QR codes and the demo, e.g. `https://tandem.example`;"
        " unset: the address the therapist's browser used",
    ),
    "REVISE_UNTIL": Setting(
        str,
        "due_date",
        "after sending, a partner may revise until the therapist locks the assignment and,"
        " with `due_date`, not after the due date (`lock`: only locking ends revising)",
    ),
    "PAPER_SIZE": Setting(str, "A4", "`A4` or `Letter` for PDFs"),
    "PDF_BACKGROUND_PAGES": Setting(
        int,
        30,
        "a session handout estimated longer than this many pages is rendered by the background"
        ' worker (`flask jobs worker`), with a "preparing" page, instead of in the request',
    ),
    "PDF_RENDER_CONCURRENCY": Setting(
        int,
        2,
        "PDFs one app process renders at once (with gunicorn `--threads`); more wait for a free"
        " renderer, so one long handout never holds the others behind it",
    ),
    "WORKSHEETS_DIR": Setting(
        str | None, None, "folder of worksheet definitions; unset: the built-in `worksheets/`"
    ),
    "SMTP_HOST": Setting(
        str | None, None, "mail server for client links; unset: the therapist copies the link"
    ),
    "SMTP_PORT": Setting(int, 25, "mail server port"),
    "SMTP_USERNAME": Setting(str | None, None, "mail server login; unset: no login"),
    "SMTP_PASSWORD": Setting(str | None, None, "mail server password (always text)"),
    "SMTP_STARTTLS": Setting(bool, False, "upgrade the mail connection with STARTTLS"),
    "MAIL_FROM": Setting(str, "tandem@localhost", "sender address of link e-mails"),
    "JOBS_REDIS_URL": Setting(
        str | None,
        None,
        "queue of background work in Redis, e.g. `redis://127.0.0.1:6379/1`, shared by every"
        " app server and worker; unset: SQLite in `JOBS_SQLITE_FILE`",
    ),
    "JOBS_SQLITE_FILE": Setting(
        str | None, None, "the queue's SQLite file; unset: `instance/jobs.sqlite3`"
    ),
    "JOBS_TICK_MINUTES": Setting(
        int, 5, "how often the worker creates due check-ins and sends due reminders"
    ),
    "QUIET_HOURS_FROM": Setting(
        str, "21:00", "no reminder or check-in e-mail from this time, in the couple's local time"
    ),
    "QUIET_HOURS_UNTIL": Setting(str, "08:00", "... until this time (the next morning)"),
    "QUICK_EXIT_URL": Setting(
        str, "https://www.wikipedia.org/", "where a client's quick-exit button goes"
    ),
    "LANGUAGES": Setting(
        list[str],
        ["en", "es"],
        "the languages pages can speak (codes with a catalogue in clinic/translations, and en)",
    ),
    "DEFAULT_LANGUAGE": Setting(
        str, "en", "the language of therapist pages and of a partner who has not chosen one"
    ),
    "SUPPORT_TEXT": Setting(
        str,
        # A practice that keeps this placeholder shows it in the partner's language.
        N_(
            "Thank you for your answers. Your therapist will read them, but not straight away: "
            "this is not an emergency service.\n"
            "If you are in danger now, call your local emergency number (112 in Europe, 911 in "
            "the US and Canada).\n"
            "To talk to someone today, call [support line: your practice puts its number here]."
        ),
        "shown to a partner whose answers raised a safety alert: put your practice's numbers"
        " and hours in place of the placeholder",
    ),
}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """``CLINIC_*`` variables as settings, each converted to its declared type.

    A name that :data:`DEFAULTS` does not list (a Flask or extension setting) stays text.
    """
    values: dict[str, Any] = {}
    for variable, raw in environ.items():
        if not variable.startswith(ENV_PREFIX):
            continue
        name = variable.removeprefix(ENV_PREFIX)
        setting = DEFAULTS.get(name)
        values[name] = raw if setting is None else setting.from_text(raw, variable)
    return values


def load_config(app: Flask, test_config: dict | None) -> None:
    app.config.from_mapping(
        {name: copy.deepcopy(setting.default) for name, setting in DEFAULTS.items()}
    )
    # The instance folder holds the database and keys: readable by the app user alone.
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
        app.instance_path, "tandem.sqlite3"
    )
    if test_config is None:
        app.config.from_pyfile(os.path.join(app.instance_path, "config.py"), silent=True)
        app.config.from_mapping(from_environment(os.environ))
        if app.config["DATABASE_URL"]:
            app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
                app.config["DATABASE_URL"]
            )
    else:
        app.config.from_mapping(test_config)
    app.permanent_session_lifetime = timedelta(minutes=int(app.config["IDLE_TIMEOUT_MINUTES"]))
    _ensure_secret_key(app)
    _check_quiet_hours(app)
    if app.config["ENV_NAME"] == "production":
        # Production is served over https (README): a cookie or page over plain http is a leak.
        app.config["SESSION_COOKIE_SECURE"] = True


def _check_quiet_hours(app: Flask) -> None:
    """Quiet hours are read by the worker at every tick: a typo stops start-up instead."""
    for name in ("QUIET_HOURS_FROM", "QUIET_HOURS_UNTIL"):
        try:
            time.fromisoformat(app.config[name])
        except (TypeError, ValueError):
            raise ConfigError(f"{ENV_PREFIX}{name} must be a time like 21:00.") from None


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and route them through psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _ensure_secret_key(app: Flask) -> None:
    """Generate a key into ``instance/`` on first run; production refuses a missing or demo key."""
    key = app.config["SECRET_KEY"]
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
