"""Long handouts (issue #19): queued for the background worker, shown as "preparing", then
downloaded; only by the therapist who asked, and only for an hour."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from clinic.data_rights.erase import erase_couple
from clinic.enums import PreparedStatus
from clinic.extensions import db
from clinic.handouts import pdf as pdf_module
from clinic.handouts import prepared
from clinic.jobs.engine import jobs
from clinic.models import AuditEvent, PreparedPdf
from clinic.storage import utcnow
from tests import factories
from tests.helpers import pdf_text


@pytest.fixture
def long_handouts(app):
    """Every session handout counts as long."""
    app.config["PDF_BACKGROUND_PAGES"] = 0
    return app


def handout_query(couple, assignment, version="therapist") -> str:
    return f"/couples/{couple.id}/handouts/session.pdf?version={version}&assignment={assignment.id}"


def ask_for_long_handout(client, couple, assignment, version="therapist"):
    """What the therapist does: download, see it is long, press "Prepare the PDF"."""
    page = client.get(handout_query(couple, assignment, version))
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert "Prepare the PDF" in page.get_data(as_text=True)
    return client.post(
        f"/couples/{couple.id}/handouts/prepare",
        data={"version": version, "assignment": str(assignment.id)},
    )


def run_queued_tasks(app) -> int:
    """What `flask jobs worker` does with the queue, one task after another."""
    queue = jobs(app)
    ran = 0
    while (task := queue.huey.dequeue()) is not None:
        queue.huey.execute(task)
        ran += 1
    db.session.commit()  # end the test's read, so it sees what the worker wrote
    return ran


def only_row() -> PreparedPdf:
    return db.session.scalars(select(PreparedPdf)).one()


def test_a_long_handout_is_queued_not_rendered_in_the_request(
    long_handouts, signed_in, session, monkeypatch
):
    couple, assignment = session
    rendered = []
    monkeypatch.setattr(pdf_module.RendererPool, "render", lambda *a, **k: rendered.append(a))
    response = ask_for_long_handout(signed_in, couple, assignment)
    assert response.status_code == 302
    assert re.fullmatch(r"/handouts/prepared/\d+", response.headers["Location"])
    assert rendered == []
    assert jobs(long_handouts).huey.pending_count() == 1
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Preparing your PDF" in page
    assert 'data-poll="/handouts/prepared/' in page  # the page's script looks again
    assert "http-equiv" not in page  # no meta refresh: it would disrupt a screen reader
    assert "Check again" in page
    assert only_row().status == PreparedStatus.PREPARING


def test_the_worker_renders_it_and_the_download_matches_the_direct_one(
    long_handouts, signed_in, session
):
    couple, assignment = session
    location = ask_for_long_handout(signed_in, couple, assignment).headers["Location"]
    assert run_queued_tasks(long_handouts) == 1
    page = signed_in.get(location).get_data(as_text=True)
    assert "Your PDF is ready." in page
    assert "data-poll" not in page
    download = signed_in.get(f"{location}/download")
    assert download.mimetype == "application/pdf"
    assert 'filename="session-handout-therapist.pdf"' in download.headers["Content-Disposition"]
    background = pdf_text(download.data)
    assert "PRIVATE-SAM" in background

    long_handouts.config["PDF_BACKGROUND_PAGES"] = 10_000  # the same handout, in the request
    direct = signed_in.get(handout_query(couple, assignment))
    assert direct.mimetype == "application/pdf"
    assert pdf_text(direct.data) == background
    kinds = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "handout_downloaded")
    ).all()
    assert kinds == ["kind=session_therapist", "kind=session_therapist"]


def test_the_same_request_twice_is_prepared_once(long_handouts, signed_in, session):
    couple, assignment = session
    first = ask_for_long_handout(signed_in, couple, assignment).headers["Location"]
    second = ask_for_long_handout(signed_in, couple, assignment).headers["Location"]
    assert first == second
    assert jobs(long_handouts).huey.pending_count() == 1


def test_a_short_handout_still_downloads_at_once(app, signed_in, session):
    couple, assignment = session
    response = signed_in.get(handout_query(couple, assignment, "joint"))
    assert response.mimetype == "application/pdf"
    assert db.session.scalar(select(func.count()).select_from(PreparedPdf)) == 0


def test_the_pdf_and_its_source_are_sealed_in_the_database(long_handouts, signed_in, session):
    couple, assignment = session
    ask_for_long_handout(signed_in, couple, assignment)
    raw_html = db.session.execute(text("SELECT html FROM prepared_pdfs")).scalar_one()
    assert raw_html.startswith("gAAAA") and "PRIVATE-SAM" not in raw_html
    run_queued_tasks(long_handouts)
    raw_html, raw_pdf = db.session.execute(text("SELECT html, pdf FROM prepared_pdfs")).one()
    assert raw_html is None  # dropped once rendered
    assert raw_pdf.startswith("gAAAA")


def test_another_therapist_gets_404(long_handouts, client, session):
    couple, assignment = session
    owner = couple.therapist
    factories.sign_in(client, owner)
    location = ask_for_long_handout(client, couple, assignment).headers["Location"]
    run_queued_tasks(long_handouts)
    client.post("/logout")
    other = factories.make_therapist()
    factories.sign_in(client, other)
    assert client.get(location).status_code == 404
    assert client.get(f"{location}/download").status_code == 404
    assert client.post(f"{location}/retry").status_code == 404


def test_a_prepared_pdf_expires_after_an_hour(long_handouts, signed_in, session):
    couple, assignment = session
    location = ask_for_long_handout(signed_in, couple, assignment).headers["Location"]
    run_queued_tasks(long_handouts)
    row = only_row()
    row.created_at = utcnow() - prepared.LIFETIME - timedelta(minutes=1)
    db.session.commit()
    page = signed_in.get(location)
    assert page.status_code == 404
    assert "no longer kept" in page.get_data(as_text=True)
    assert signed_in.get(f"{location}/download").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(PreparedPdf)) == 0


def test_the_scheduler_tick_deletes_expired_pdfs(app, therapist, couple):
    old = factories.make_prepared_pdf(therapist, couple)
    old.created_at = utcnow() - timedelta(hours=2)
    fresh = factories.make_prepared_pdf(therapist, couple)
    db.session.commit()
    from clinic.jobs import tick

    tick.run(utcnow())
    db.session.commit()
    assert db.session.scalars(select(PreparedPdf.id)).all() == [fresh.id]


def test_a_failed_render_says_so_and_can_be_tried_again(
    long_handouts, signed_in, session, monkeypatch
):
    couple, assignment = session
    location = ask_for_long_handout(signed_in, couple, assignment).headers["Location"]

    def broken(*_args, **_kwargs):
        raise RuntimeError("out of memory")

    with monkeypatch.context() as patched:
        patched.setattr(pdf_module.RendererPool, "render", broken)
        run_queued_tasks(long_handouts)
    page = signed_in.get(location).get_data(as_text=True)
    assert "could not be made" in page
    assert "out of memory" not in page
    retried = signed_in.post(f"{location}/retry")
    assert retried.headers["Location"] == location
    assert run_queued_tasks(long_handouts) == 1
    assert "Your PDF is ready." in signed_in.get(location).get_data(as_text=True)


def test_erasing_the_couple_deletes_their_prepared_pdfs(app, therapist, couple):
    factories.make_prepared_pdf(therapist, couple)
    db.session.commit()
    erase_couple(couple)
    assert db.session.scalar(select(func.count()).select_from(PreparedPdf)) == 0
