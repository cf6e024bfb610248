"""ENV_NAME=production refuses set-ups the demo could open, and forces secure cookies and HSTS."""

import re

import flask_migrate
import pytest
from sqlalchemy import func, select

from clinic.demo import DEMO_EMAIL, DEMO_PASSWORD
from clinic.extensions import db
from clinic.models import Therapist
from tests import factories
from tests.helpers import TandemClient, make_app


def start_in_production(database_url: str, **overrides):
    return make_app(database_url, ENV_NAME="production", **overrides)


def test_production_refuses_to_start_while_the_demo_account_exists(app, database_url):
    factories.make_therapist(email=DEMO_EMAIL, password="not-the-demo-password")
    db.session.commit()
    with pytest.raises(RuntimeError) as refused:
        start_in_production(database_url)
    message = str(refused.value)
    assert DEMO_EMAIL in message
    assert "CLINIC_DATABASE_URL" in message and "db upgrade" in message  # says what to do


def test_production_refuses_to_start_while_an_account_has_the_demo_password(app, database_url):
    factories.make_therapist(email="kept@practice.example")
    factories.make_therapist(email="lazy@practice.example", password=DEMO_PASSWORD)
    db.session.commit()
    with pytest.raises(RuntimeError) as refused:
        start_in_production(database_url)
    message = str(refused.value)
    assert "lazy@practice.example" in message and "kept@practice.example" not in message
    assert DEMO_PASSWORD not in message
    command = re.search(
        r"`CLINIC_ENV_NAME=(\w+) flask --app clinic (therapist disable) EMAIL`", message
    )
    assert command, "says what to do, in a way that works while production refuses to start"

    env_name, words = command.groups()
    operator = make_app(database_url, ENV_NAME=env_name)
    with operator.app_context():
        result = operator.test_cli_runner().invoke(args=[*words.split(), "lazy@practice.example"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()
    start_in_production(database_url)  # the way out it named works


def test_a_disabled_account_with_the_demo_password_does_not_stop_production(app, database_url):
    disabled = factories.make_therapist(email="gone@practice.example", password=DEMO_PASSWORD)
    disabled.is_disabled = True
    db.session.commit()
    start_in_production(database_url)


def test_development_starts_with_the_demo_account(app, database_url):
    factories.make_therapist(email=DEMO_EMAIL, password=DEMO_PASSWORD)
    db.session.commit()
    make_app(database_url)


def test_production_starts_on_an_empty_database_so_it_can_be_migrated(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    production = start_in_production(url)
    with production.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    start_in_production(url)  # migrated, no accounts yet: still starts


def test_production_never_loads_the_demo(tmp_path):
    """A running production app keeps serving until restarted: the demo must not get in."""
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    production = start_in_production(url)
    with production.app_context():
        flask_migrate.upgrade()
        result = production.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code != 0
        assert "Refusing to load demo data in production" in result.output
        assert DEMO_PASSWORD not in result.output
        assert db.session.scalar(select(func.count(Therapist.id))) == 0
        db.session.remove()
        db.engine.dispose()


def test_production_forces_secure_cookies_and_hsts(app, database_url):
    therapist = factories.make_therapist()
    db.session.commit()
    production = start_in_production(database_url, SESSION_COOKIE_SECURE=False)
    assert production.config["SESSION_COOKIE_SECURE"] is True
    production.test_client_class = TandemClient
    with production.app_context():
        client = production.test_client()
        page = client.get("/login")
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        signed_in = factories.sign_in(client, therapist)
        assert "Secure" in signed_in.headers["Set-Cookie"]
        db.session.remove()
        db.engine.dispose()


def test_development_keeps_http_cookies_unless_configured(app):
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers
