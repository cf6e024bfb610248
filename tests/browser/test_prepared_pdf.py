"""A long handout in a real browser: the therapist asks for it, the page says it is being
prepared and looks again by itself, and offers the download once the worker has made it."""

import pytest

from clinic.jobs.engine import jobs
from tests import factories
from tests.browser.steps import sign_in
from tests.handouts import sample
from tests.helpers import pdf_text

pytestmark = pytest.mark.browser


def a_session():
    therapist = factories.make_therapist()
    couple, _assignment = sample.make_session(therapist)
    return {"email": therapist.email, "couple_id": couple.id}


def run_the_worker(server) -> None:
    queue = jobs(server.app)
    while (task := queue.huey.dequeue()) is not None:
        queue.huey.execute(task)


def test_a_long_handout_is_prepared_then_downloaded(
    live_server, desktop, shoot, assert_accessible, tmp_path
):
    live_server.app.config["PDF_BACKGROUND_PAGES"] = 0  # every handout counts as long
    live_server.app.config["JOBS_SQLITE_FILE"] = str(tmp_path / "jobs.sqlite3")
    setup = live_server.run(a_session)
    page = desktop
    sign_in(page, live_server, setup["email"], factories.PASSWORD)
    page.goto(f"{live_server.url}/couples/{setup['couple_id']}/handouts")
    page.get_by_label("Therapist copy", exact=False).check()
    page.locator("#download-session").click()
    page.get_by_role("heading", name="A long handout").wait_for()
    shoot(page, "long-handout")
    assert_accessible(page, "the long-handout page")
    page.get_by_role("button", name="Prepare the PDF").click()
    page.get_by_text("Preparing your PDF").wait_for()
    shoot(page, "preparing")
    assert_accessible(page, "the preparing page")

    run_the_worker(live_server)
    page.get_by_text("Your PDF is ready.").wait_for(timeout=15_000)  # the page looked again
    shoot(page, "ready")
    assert_accessible(page, "the ready page")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == "session-handout-therapist.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert "Therapist copy" in pdf_text(pdf.read())
