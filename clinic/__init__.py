"""Tandem: a practice toolkit for therapists who work with couples on sexual power imbalances."""

from pathlib import Path

from flask import Flask, redirect, url_for

from clinic import db_engine, security  # noqa: F401 - db_engine tunes SQLite
from clinic.config import load_config
from clinic.extensions import csrf, db, limiter, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, test_config)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)

    from clinic import cli, errors, models  # noqa: F401 - models register their tables
    from clinic.auth.views import bp as auth_bp
    from clinic.couples.views import bp as couples_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(couples_bp)
    errors.init_app(app)
    cli.init_app(app)

    @app.get("/")
    def index():
        return redirect(url_for("couples.index"))

    return app
