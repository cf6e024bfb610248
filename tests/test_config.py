import pytest

from clinic import create_app
from clinic.config import DEMO_SECRET_KEY, normalise_database_url


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
