"""One transaction per request (clinic.transaction), and no SQL while a template renders."""

import contextlib

import pytest
from flask import abort, before_render_template, render_template_string, template_rendered
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from clinic.auth import service as accounts
from clinic.client.views import TRY_AGAIN
from clinic.extensions import db
from clinic.models import AuditEvent, Therapist
from tests import factories
from tests.helpers import couple_labelled

WRITTEN = "written@example.org"


def stored(email: str = WRITTEN) -> bool:
    return db.session.scalar(select(Therapist.id).where(Therapist.email == email)) is not None


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@contextlib.contextmanager
def counting_commits():
    """Counts the COMMITs the database receives while the block runs."""
    commits: list[int] = []

    def count(_connection) -> None:
        commits.append(1)

    db.session.commit()  # the test's own work is stored first, so only the request's count
    event.listen(db.engine, "commit", count)
    try:
        yield commits
    finally:
        event.remove(db.engine, "commit", count)


def write_then(outcome):
    """A test-only view that stores a therapist, then ends as ``outcome`` says."""

    def view():
        accounts.create_therapist(WRITTEN, "a long enough password")
        return outcome()

    return view


def service_failed():
    raise RuntimeError("a service failed half-way")


class TestTheRequestCommitsOnce:
    """A request's writes are kept together or not at all."""

    @pytest.mark.parametrize(
        ("outcome", "status"),
        [
            (service_failed, 500),
            (lambda: abort(404), 404),
            (lambda: ("the database is busy", 503), 503),
        ],
        ids=["error", "abort", "5xx"],
    )
    def test_an_error_mid_request_leaves_nothing_half_written(self, app, client, outcome, status):
        app.add_url_rule("/test/write", "write", write_then(outcome), methods=["POST"])
        response = client.post("/test/write")
        assert response.status_code == status
        assert not stored()

    def test_a_page_the_view_returns_with_a_4xx_keeps_what_it_wrote(self, app, client):
        """Such as a form sent back with its messages: what the view stored was meant."""
        app.add_url_rule(
            "/test/write", "write", write_then(lambda: ("fix this", 422)), methods=["POST"]
        )
        assert client.post("/test/write").status_code == 422
        assert stored()

    def test_a_failed_commit_is_an_error_page_never_a_success(self, app, client, therapist):
        def duplicate():
            db.session.add(Therapist(email=therapist.email, display_name="Twin", password_hash="x"))
            return "Saved."

        app.add_url_rule("/test/duplicate", "duplicate", duplicate, methods=["POST"])
        response = client.post("/test/duplicate")
        assert response.status_code == 500
        assert b"Saved." not in response.data and b"Something went wrong" in response.data
        assert response.headers["X-Frame-Options"] == "DENY"  # still a complete response
        assert db.session.scalar(select(func.count(Therapist.id))) == 1

    def test_a_failed_commit_on_a_partners_page_says_try_again(
        self, client, couple_tokens, monkeypatch
    ):
        def unreachable():
            raise OperationalError("COMMIT", {}, Exception("the database went away"))

        monkeypatch.setattr(db.session, "commit", unreachable)
        response = client.get(f"/w/{couple_tokens[0]}")
        assert response.status_code == 503
        assert TRY_AGAIN in response.get_data(as_text=True)

    def test_a_successful_post_commits_exactly_once(self, signed_in):
        with counting_commits() as commits:
            response = signed_in.post(
                "/couples/new",
                data={
                    "label": "Once",
                    "partners-0-display_name": "Alex",
                    "partners-1-display_name": "Sam",
                },
            )
        assert response.status_code == 302  # a redirect after POST commits
        assert len(commits) == 1
        assert couple_labelled("Once") is not None
        assert audit_actions()[-1] == "couple_created"

    def test_a_refused_sign_in_is_audited(self, client, therapist):
        """The login page answers a wrong password with a normal page, so its audit entry
        is committed with the request (a raised error would roll it back)."""
        email = therapist.email
        with counting_commits() as commits:
            response = client.post("/login", data={"email": email, "password": "not the password"})
        assert response.status_code == 200
        assert len(commits) == 1
        assert audit_actions() == ["sign_in_failed"]


@pytest.fixture
def couple_tokens(couple) -> list[str]:
    return factories.client_tokens(factories.make_assignment(couple))


@contextlib.contextmanager
def sql_while_rendering(app):
    """(template, statement) for every SQL statement run while a template renders."""
    rendering: list[str] = []
    found: list[tuple[str, str]] = []

    def started(_app, template, context, **_extra) -> None:
        rendering.append(template.name)

    def finished(_app, template, context, **_extra) -> None:
        rendering.pop()

    def executed(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if rendering:
            found.append((rendering[-1], statement))

    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    event.listen(db.engine, "before_cursor_execute", executed)
    try:
        yield found
    finally:
        event.remove(db.engine, "before_cursor_execute", executed)
        template_rendered.disconnect(finished, app)
        before_render_template.disconnect(started, app)


def test_pages_about_a_couple_render_without_sql(app, signed_in, couple):
    """Sections, the safety banner and "viewed" marks are loaded by the views, not templates."""
    alert = factories.make_safety_alert(couple)
    assignment = factories.make_assignment(couple)
    factories.answer_worksheet(assignment.worksheets[0], couple.partners[0], {}, submit=False)
    factories.make_session_note(couple, "A note.", assignment=assignment)
    pages = [
        f"/couples/{couple.id}",
        "/assignments/",
        f"/assignments/{assignment.id}",
        f"/review/couples/{couple.id}",
        f"/review/assignments/{assignment.id}",
        f"/couples/{couple.id}/edit",
    ]
    for url in pages:
        with sql_while_rendering(app) as statements:
            response = signed_in.get(url)
        assert response.status_code == 200, url
        assert statements == [], url
    couple_page = signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert 'id="safety-banner"' in couple_page and f'id="alert-{alert.id}"' in couple_page
    assert 'id="assignments"' in couple_page and 'id="review-link"' in couple_page
    assert couple_page.index('id="contact"') < couple_page.index('id="review-link"')
    assert couple_page.index('id="review-link"') < couple_page.index('id="assignments"')
    assert audit_actions().count("answers_viewed") >= 3  # dashboard, couple page, reviews


def test_sql_while_rendering_sees_a_query_run_by_a_template(app):
    app.add_template_global(lambda: db.session.scalar(select(func.count(Therapist.id))), "probe")
    with app.test_request_context(), sql_while_rendering(app) as statements:
        assert render_template_string("{{ probe() }}") == "0"
    assert len(statements) == 1
