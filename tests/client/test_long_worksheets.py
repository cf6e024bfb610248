"""Long worksheets on a phone: progress by rows, grid rows shared one by one, honest wording."""

import re

from clinic.assignments import service as assignments
from clinic.extensions import db
from clinic.handouts import service as handouts
from tests.client.browser_form import filled, open_form
from tests.helpers import pdf_text

ROWS = [
    "kissing", "cuddling", "massage", "naked", "oral", "penetration",
    "toys", "new-places", "sexy-talk", "photos", "role-play", "rough-play",
]  # fmt: skip


def every_row(answer: str) -> dict:
    return {f"a.activities.{row}": answer for row in ROWS}


def send(client, url: str, changes: dict, action: str = "submit"):
    response = client.post(url, data=filled(open_form(client, url), {**changes, "action": action}))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def test_progress_moves_with_every_grid_row_on_the_worksheet_and_the_overview(
    client, couple_with_links
):
    token = couple_with_links.tokens[0]
    assert "0 of 31 answered" in client.get(f"/w/{token}").get_data(as_text=True)
    url = f"/w/{token}/1"
    form = filled(open_form(client, url), {"a.activities.kissing": "yes", "a.pacing.morning": "no"})
    saved = client.post(f"{url}/autosave", data=form).get_json()
    assert (saved["answered"], saved["total"]) == (2, 31)
    assert "2 of 31 answered" in client.get(url).get_data(as_text=True)
    assert "2 of 31 answered" in client.get(f"/w/{token}").get_data(as_text=True)


def test_a_grid_row_not_shared_never_reaches_the_session_view_or_the_joint_handout(
    client, signed_in, couple_with_links
):
    couple, assignment, (first, second) = couple_with_links
    # The first partner shares one row only, and keeps a note on another to themselves.
    send(
        client,
        f"/w/{first}/1",
        {
            **every_row("maybe"),
            "a.activities.kissing": "yes",
            "a.activities.kissing.share": "1",
            "a.activities.photos": "no",
            "a.activities.photos.nn": "1",
            "a.activities.photos.note": "ROW-KEPT-PRIVATE",
        },
    )
    # The second partner shares the whole grid.
    send(client, f"/w/{second}/1", {**every_row("yes"), "share.activities": "1"})

    session = signed_in.get(f"/review/assignments/{assignment.id}/session").get_data(as_text=True)
    joint = pdf_text(
        handouts.session_handout_pdf(handouts.build_handout(couple, [assignment.id], "joint"))
    )
    for page in (session, joint):
        assert "Kissing" in page
        assert "ROW-KEPT-PRIVATE" not in page
        for label in ("Cuddling without sex", "Sharing sexy photos or texts", "Role play"):
            assert label not in page
    # The therapist's own review still shows every row.
    review = signed_in.get(f"/review/assignments/{assignment.id}").get_data(as_text=True)
    assert "Sharing sexy photos or texts" in review and "ROW-KEPT-PRIVATE" in review
    # ... and says which of the first partner's rows may be shared.
    assert review.count("Row may be shared") == 1 and "Some parts may be shared" in review


def test_without_javascript_the_page_never_claims_to_save_as_you_go(client, couple_with_links):
    token = couple_with_links.tokens[0]
    sheet = client.get(f"/w/{token}/1").get_data(as_text=True)
    overview = client.get(f"/w/{token}").get_data(as_text=True)
    for page in (sheet, overview):
        # client.js's own words (data-say-*) are said only once it runs and saves.
        assert "as you go" not in re.sub(r'data-say-[\w-]+="[^"]*"', "", page)
    assert 'id="save-status" role="status" aria-live="polite"' in sheet
    assert "kept when you press “Save and finish later”" in sheet


def test_a_sent_worksheet_says_not_answered_where_a_question_was_skipped(client, couple_with_links):
    url = f"/w/{couple_with_links.tokens[0]}/1"
    send(client, url, every_row("yes"))
    page = client.get(url).get_data(as_text=True)
    # Sent with the required grid only: the other five questions were skipped.
    assert page.count("Not answered") == 5


def test_a_locked_worksheet_does_not_also_say_answers_can_change(client, couple_with_links):
    url = f"/w/{couple_with_links.tokens[0]}/1"
    send(client, url, every_row("yes"))
    assignments.set_locked(couple_with_links.assignment, True)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "can no longer be changed" in page
    assert "can change" not in page and "can still change" not in page
