"""Tandem: a practice toolkit for therapists who work with couples on sexual power imbalances."""

from pathlib import Path

from flask import Flask, redirect, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

from clinic import db_engine, i18n, localtime, redaction, security, storage, templating  # noqa: F401 - db_engine tunes connections
from clinic.config import load_config
from clinic.extensions import csrf, db, limiter, login_manager, migrate
from clinic.transaction import TransactionalFlask
from clinic.transaction import init_app as transaction_init_app

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    app = TransactionalFlask(__name__, instance_relative_config=True)
    load_config(app, test_config)
    _trust_proxies(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    storage.init_app(app)
    redaction.init_app(app)
    localtime.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)

    from clinic import cli, errors, models, security_cli  # noqa: F401 - models register tables
    from clinic.assignments.repeat_views import bp as check_ins_bp
    from clinic.assignments.views import bp as assignments_bp
    from clinic.audit.views import bp as audit_bp
    from clinic.auth.views import bp as auth_bp
    from clinic.builder import fhir_views  # noqa: F401 - its routes join the builder's
    from clinic.builder.views import bp as builder_bp
    from clinic.client.views import bp as client_bp
    from clinic.couples.views import bp as couples_bp
    from clinic.data_rights import response_views  # noqa: F401 - its routes join the record's
    from clinic.data_rights.views import bp as data_rights_bp
    from clinic.handouts.partner_views import bp as partner_pdfs_bp
    from clinic.handouts.views import bp as handouts_bp
    from clinic.review.views import bp as review_bp
    from clinic.safety.views import bp as safety_bp
    from clinic.today.views import bp as today_bp
    from clinic.twofactor.views import bp as twofactor_bp
    from clinic.worksheets.views import bp as worksheets_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(twofactor_bp)
    app.register_blueprint(data_rights_bp)
    app.register_blueprint(couples_bp)
    app.register_blueprint(handouts_bp)
    app.register_blueprint(partner_pdfs_bp)
    app.register_blueprint(assignments_bp)
    app.register_blueprint(check_ins_bp)
    app.register_blueprint(client_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(worksheets_bp)
    app.register_blueprint(builder_bp)
    app.register_blueprint(safety_bp)
    app.register_blueprint(today_bp)
    errors.init_app(app)
    cli.init_app(app)
    security_cli.init_app(app)
    _queue_prepared_pdfs(app)
    transaction_init_app(app)  # last: its after_request hook runs first
    if app.config["ENV_NAME"] == "production":
        _refuse_demo_sign_ins(app)

    @app.get("/")
    def index():
        return redirect(url_for("today.index"))

    return app


def _queue_prepared_pdfs(app: Flask) -> None:
    """Long PDFs go to the background worker's queue, which lives in the layer above them."""
    from clinic.handouts import prepared
    from clinic.jobs.engine import jobs

    prepared.queue_with(app, lambda prepared_id: jobs(app).prepare_pdf(prepared_id))


def _trust_proxies(app: Flask) -> None:
    """Behind PROXY_FIX trusted proxies, the client's own address and scheme come from them.

    Without it every client would share the proxy's address (one rate limit for everyone); with
    it set when no proxy is there, anyone could pick their address by sending X-Forwarded-For.
    """
    hops = app.config["PROXY_FIX"]
    if hops:
        # Flask documents wrapping wsgi_app as the way to add middleware; mypy sees a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


def _refuse_demo_sign_ins(app: Flask) -> None:
    """Production does not start while the demo's published e-mail or password signs in."""
    from clinic.demo.guard import demo_sign_in_problems

    with app.app_context():
        problems = demo_sign_in_problems()
        db.session.remove()
        db.engine.dispose()  # no connection outlives start-up into forked workers
    if problems:
        raise RuntimeError("Refusing to start in production: " + "; and ".join(problems) + ".")
