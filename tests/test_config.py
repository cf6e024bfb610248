import json
import os
import re
from pathlib import Path

import pytest

from clinic import create_app
from clinic.config import (
    DEFAULTS,
    DEMO_SECRET_KEY,
    ConfigError,
    from_environment,
    normalise_database_url,
)


def test_environment_overrides_instance_config(monkeypatch, tmp_path):
    monkeypatch.setenv("CLINIC_IDLE_TIMEOUT_MINUTES", "45")
    monkeypatch.setenv("CLINIC_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("CLINIC_SECRET_KEY", "from-env")
    app = create_app()
    assert app.config["IDLE_TIMEOUT_MINUTES"] == 45
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert app.config["SECRET_KEY"] == "from-env"


@pytest.mark.parametrize("key", [None, DEMO_SECRET_KEY])
def test_production_refuses_a_missing_or_demo_secret(monkeypatch, key):
    monkeypatch.setenv("CLINIC_ENV_NAME", "production")
    if key:
        monkeypatch.setenv("CLINIC_SECRET_KEY", key)
    monkeypatch.setattr("clinic.config._instance_secret_file", lambda app: None, raising=False)
    with pytest.raises(RuntimeError, match="secret key"):
        create_app()


def test_secret_key_is_generated_into_instance_once(tmp_path, monkeypatch):
    from flask import Flask

    from clinic.config import load_config

    first = Flask("clinic", instance_path=str(tmp_path / "inst"))
    load_config(first, None)
    second = Flask("clinic", instance_path=str(tmp_path / "inst"))
    load_config(second, None)
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://x/y") == "postgresql+psycopg://x/y"
    assert normalise_database_url("sqlite:///a") == "sqlite:///a"


def test_sqlite_connections_enforce_foreign_keys_with_wal_and_a_busy_timeout(tmp_path):
    from sqlalchemy import text

    from clinic.extensions import db
    from tests.helpers import make_app

    app = make_app(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_environment_values_are_read_by_each_settings_type(monkeypatch):
    monkeypatch.setenv("CLINIC_SMTP_PASSWORD", "123456")
    monkeypatch.setenv("CLINIC_SMTP_PORT", " 587 ")
    monkeypatch.setenv("CLINIC_SMTP_STARTTLS", "yes")
    monkeypatch.setenv("CLINIC_SESSION_COOKIE_SECURE", "false")
    monkeypatch.setenv("CLINIC_ENCRYPTION_KEYS", "newest, older,")
    monkeypatch.setenv("CLINIC_PUBLIC_BASE_URL", "")
    monkeypatch.setenv("CLINIC_SQLALCHEMY_ENGINE_OPTIONS", '{"pool_size": 3}')
    monkeypatch.setenv("CLINIC_SECRET_KEY", "42")

    values = from_environment(os.environ)

    assert values["SMTP_PASSWORD"] == "123456"
    assert values["SECRET_KEY"] == "42"
    assert values["SMTP_PORT"] == 587
    assert values["SMTP_STARTTLS"] is True
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["ENCRYPTION_KEYS"] == ["newest", "older"]
    assert values["PUBLIC_BASE_URL"] is None
    assert values["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_size": 3}


def test_a_numeric_smtp_password_stays_text_in_the_app(monkeypatch):
    monkeypatch.setenv("CLINIC_SMTP_PASSWORD", "123456")
    monkeypatch.setenv("CLINIC_SECRET_KEY", "from-env")
    assert create_app().config["SMTP_PASSWORD"] == "123456"


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        ("CLINIC_SMTP_PORT", "twenty-five", "CLINIC_SMTP_PORT must be a whole number"),
        ("CLINIC_IDLE_TIMEOUT_MINUTES", "4.5", "CLINIC_IDLE_TIMEOUT_MINUTES must be a whole"),
        ("CLINIC_SESSION_COOKIE_SECURE", "sometimes", "CLINIC_SESSION_COOKIE_SECURE must be true"),
        ("CLINIC_SQLALCHEMY_ENGINE_OPTIONS", "[1]", "CLINIC_SQLALCHEMY_ENGINE_OPTIONS must be a"),
    ],
)
def test_a_value_that_does_not_fit_stops_start_up_naming_the_variable(
    monkeypatch, variable, raw, message
):
    monkeypatch.setenv(variable, raw)
    monkeypatch.setenv("CLINIC_SECRET_KEY", "from-env")
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_a_setting_tandem_does_not_list_reaches_flask_as_text(monkeypatch):
    monkeypatch.setenv("CLINIC_SESSION_COOKIE_NAME", "123")
    assert from_environment(os.environ)["SESSION_COOKIE_NAME"] == "123"


def test_the_readme_configuration_table_lists_every_setting_and_no_other():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    listed = {
        name
        for line in section.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([A-Z_]+)`", line.split("|")[1])
    }
    assert listed == set(DEFAULTS)


def _as_environment_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_every_default_reads_back_from_its_environment_text(name):
    setting = DEFAULTS[name]
    text = _as_environment_text(setting.default)
    assert setting.from_text(text, f"CLINIC_{name}") == setting.default


@pytest.mark.parametrize("value", ["9pm", "25:00", ""])
def test_quiet_hours_that_are_not_a_time_stop_start_up_with_a_message(tmp_path, value):
    with pytest.raises(ConfigError, match="CLINIC_QUIET_HOURS_FROM must be a time like 21:00"):
        create_app({"SECRET_KEY": "x", "QUIET_HOURS_FROM": value, "ENCRYPTION_KEYS": "unused"})
