"""What a therapist sees when reviewing a couple, and what reaches the session screen."""

import re
from datetime import UTC, datetime

import pytest

from clinic.extensions import db
from clinic.models import SessionNote, WorksheetVersion
from tests import factories
from tests.review.sample import grid, sample_worksheet

PRIVATE_TEXT = [
    f"{who}-{part}"
    for who in ("alex", "sam")
    for part in ("story", "rewrite", "original", "own-rewrite")
]
PRIVATE_PROMPTS = [
    "Describe a moment",
    "Who decides?",
    "Good times to talk",
    "Closeness",
    "Say it another way",
    "Pausing",
]


def page_title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def test_the_couple_page_links_to_the_review(signed_in, couple):
    html = signed_in.get(f"/couples/{couple.id}").text
    assert f'href="/review/couples/{couple.id}"' in html


class TestAssignmentReview:
    def test_shows_both_partners_answers_side_by_side_with_who_and_when(self, signed_in, answered):
        response = signed_in.get(f"/review/assignments/{answered.id}")
        html = response.text
        assert response.status_code == 200
        assert html.index("alex-word") < html.index("sam-word")
        for name in ("Alex", "Sam"):  # when each answer was last changed
            assert re.search(rf"{name}: \d{{1,2}} \w{{3}} \d{{4}}, \d\d:\d\d UTC", html)
        assert "Submitted 2 Mar 2026, 18:30 UTC" in html
        assert "May be shared" in html and "For you only" in html
        for label in ("I do", "Evenings", "7</strong>"):
            assert label in html

    def test_heads_the_page_with_the_grid_summary_and_labels_each_row(self, signed_in, answered):
        html = signed_in.get(f"/review/assignments/{answered.id}").text
        summary = "1 both yes, 1 to explore, 1 limit to respect, 1 both no"
        assert html.index(summary) < html.index("alex-word")
        row = re.search(r"Bathing together</th>(.*?)</tr>", html, re.S).group(1)
        assert "Maybe" in row and "No (firm limit)" in row and "sam-bath-note" in row
        assert "A limit to respect" in row

    def test_marks_language_in_long_answers_and_reframes_and_explains_why(
        self, signed_in, answered
    ):
        html = signed_in.get(f"/review/assignments/{answered.id}").text
        assert (
            '<mark class="lang" data-rules="absolute" title="Absolute word">always</mark>' in html
        )
        assert "Marked for discussion: Absolute word" in html
        assert "turn one moment into a rule about a person" in html
        # the own rewrite names no feeling: the reframe rule flags it
        assert "Marked for discussion: No feeling or need named" in html

    def test_client_text_is_escaped(self, signed_in, assignment, couple):
        factories.answer_worksheet(
            assignment.worksheets[0], couple.partners[0], {"story": "<script>x()</script> always"}
        )
        html = signed_in.get(f"/review/assignments/{assignment.id}").text
        assert "<script>x()" not in html and "&lt;script&gt;x()" in html

    def test_the_page_title_names_no_client(self, signed_in, answered, couple):
        html = signed_in.get(f"/review/assignments/{answered.id}").text
        assert page_title(html) == "Review · Tandem"
        assert couple.label in html  # in the heading, for the therapist

    def test_an_unanswered_worksheet_says_so(self, signed_in, assignment):
        html = signed_in.get(f"/review/assignments/{assignment.id}").text
        assert "No answer yet" in html and "Not opened" in html

    def test_a_stored_definition_that_cannot_be_read_is_explained_not_a_500(
        self, signed_in, answered
    ):
        version = db.session.get(WorksheetVersion, answered.worksheets[0].worksheet_version_id)
        version.definition = '{"id": "broken"}'
        db.session.commit()
        response = signed_in.get(f"/review/assignments/{answered.id}")
        assert response.status_code == 200
        assert "stored definition cannot be read" in response.text

    def test_is_recorded_in_the_audit_log_without_client_text(self, signed_in, answered):
        from clinic.models import AuditEvent

        signed_in.get(f"/review/assignments/{answered.id}")
        event = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.object_type, event.object_id) == (
            "answers_viewed",
            "assignment",
            answered.id,
        )


class TestCoupleReview:
    def test_lists_every_assignment_with_its_summary_newest_open(self, signed_in, answered, couple):
        older = factories.make_assignment_of(
            couple, [sample_worksheet()], created_at=datetime(2025, 12, 1, tzinfo=UTC)
        )
        html = signed_in.get(f"/review/couples/{couple.id}").text
        assert f"/review/assignments/{answered.id}" in html
        assert f"/review/assignments/{older.id}" in html
        assert "Assigned 1 Dec 2025" in html
        assert "1 both yes, 1 to explore, 1 limit to respect, 1 both no" in html
        assert "alex-word" in html and "sam-word" in html

    def test_opens_the_newest_assignment_with_answers_sent(self, signed_in, answered, couple):
        newer = factories.make_assignment_of(
            couple, [sample_worksheet()], created_at=datetime(2027, 1, 1, tzinfo=UTC)
        )
        html = signed_in.get(f"/review/couples/{couple.id}").text
        opened = re.findall(
            r'<details class="assignment-review" open>\s*<summary><strong>(.*?)<', html
        )
        assert opened == [f"Assigned {answered.created_at:%-d %b %Y}"]
        assert f"/review/assignments/{newer.id}" in html

    def test_draws_a_trend_of_repeated_check_ins_with_a_table(self, signed_in, couple):
        alex, sam = couple.partners
        for month, (mine, theirs) in enumerate([(3, 6), (5, 6), (8, 7)], start=1):
            sheet = factories.make_assignment(couple, ("monthly-check-in",)).worksheets[0]
            when = datetime(2026, month, 5, 9, tzinfo=UTC)
            factories.answer_worksheet(sheet, alex, {"closeness": mine}, when=when)
            factories.answer_worksheet(sheet, sam, {"closeness": theirs}, when=when)
        html = signed_in.get(f"/review/couples/{couple.id}").text
        assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart"') >= 1
        assert "Alex: 3 answers from 5 Jan 2026 to 5 Mar 2026, starting at 3 and ending at 8" in (
            html
        )
        assert '<th scope="row">5 Feb 2026</th><td>5</td><td>6</td>' in html

    def test_without_repeated_scales_it_explains_when_trends_appear(self, signed_in, couple):
        html = signed_in.get(f"/review/couples/{couple.id}").text
        assert "Trends appear once a worksheet with scales" in html
        assert "Nothing assigned yet" in html


class TestSessionNotes:
    def test_a_note_added_on_an_assignment_shows_there_and_on_the_couple(
        self, signed_in, assignment, couple
    ):
        response = signed_in.post(
            f"/review/assignments/{assignment.id}/notes", data={"body": "Start with the yes list."}
        )
        assert response.status_code == 302
        assert (
            "Start with the yes list." in signed_in.get(f"/review/assignments/{assignment.id}").text
        )
        assert "Start with the yes list." in signed_in.get(f"/review/couples/{couple.id}").text
        note = db.session.scalar(db.select(SessionNote))
        assert note.assignment_id == assignment.id and note.couple_id == couple.id

    def test_an_empty_note_is_refused_with_a_message(self, signed_in, couple):
        response = signed_in.post(f"/review/couples/{couple.id}/notes", data={"body": "   "})
        assert response.status_code == 400
        assert "Write the note first." in response.text
        assert db.session.scalar(db.select(SessionNote)) is None

    def test_a_note_too_long_comes_back_in_the_form_so_nothing_is_lost(self, signed_in, couple):
        text = "word " * 4001
        response = signed_in.post(f"/review/couples/{couple.id}/notes", data={"body": text})
        assert response.status_code == 400
        assert "up to 20,000 characters" in response.text
        assert text.strip() in response.text

    def test_a_note_is_stored_sealed(self, signed_in, couple):
        signed_in.post(f"/review/couples/{couple.id}/notes", data={"body": "Sealed thought"})
        raw = db.session.execute(db.text("SELECT body FROM session_notes")).scalar_one()
        assert "Sealed thought" not in raw

    def test_a_note_can_be_edited(self, signed_in, couple):
        note = factories.make_session_note(couple, "First draft")
        assert "First draft" in signed_in.get(f"/review/notes/{note.id}").text
        response = signed_in.post(f"/review/notes/{note.id}", data={"body": "Second draft"})
        assert response.headers["Location"].endswith(f"/review/couples/{couple.id}#notes")
        db.session.refresh(note)
        assert note.body == "Second draft"


class TestSessionView:
    def test_shows_only_items_both_partners_shared(self, signed_in, answered):
        html = signed_in.get(f"/review/assignments/{answered.id}/session").text
        assert "alex-word" in html and "sam-word" in html
        assert "Bathing together" in html and "sam-bath-note" in html and "alex-note" in html
        for private in PRIVATE_TEXT + PRIVATE_PROMPTS:
            assert private not in html, f"{private!r} reached the session view"

    def test_shows_no_couple_label_notes_marks_times_or_navigation(
        self, signed_in, answered, couple
    ):
        factories.make_session_note(couple, "therapist-only-note", assignment=answered)
        html = signed_in.get(f"/review/assignments/{answered.id}/session").text
        assert page_title(html) == "Session · Tandem"
        for hidden in (
            couple.label,
            "therapist-only-note",
            "<mark",
            "UTC",
            "/couples/",
            "For you only",
            "Guide for this worksheet",
        ):
            assert hidden not in html, hidden

    def test_grid_rows_start_with_shared_answers_and_end_with_limits(self, signed_in, answered):
        html = signed_in.get(f"/review/assignments/{answered.id}/session").text
        order = [
            html.index(label)
            for label in ("Kissing", "Holding hands", "Bathing together", "Filming")
        ]
        assert order == sorted(order)
        assert "1 both yes, 1 to explore, 1 limit to respect, 1 both no" in html

    def test_a_grid_shared_by_one_partner_only_is_not_compared(self, signed_in, assignment, couple):
        sheet = assignment.worksheets[0]
        alex, sam = couple.partners
        factories.answer_worksheet(sheet, alex, {"grid": grid(kiss="yes")}, shared={"grid"})
        factories.answer_worksheet(sheet, sam, {"grid": grid(kiss="no")}, shared=())
        html = signed_in.get(f"/review/assignments/{assignment.id}/session").text
        assert "Kissing" not in html and "limit" not in html.lower().split("<main", 1)[1]
        assert "Nothing on this worksheet was shared by everyone yet." in html


@pytest.mark.parametrize(
    "path",
    [
        "/review/couples/{couple}",
        "/review/assignments/{assignment}",
        "/review/assignments/{assignment}/session",
    ],
)
def test_another_therapists_review_pages_are_not_found(client, answered, couple, path):
    factories.sign_in(client, factories.make_therapist())
    url = path.format(couple=couple.id, assignment=answered.id)
    assert client.get(url).status_code == 404


def test_the_language_rules_page_shows_every_rule_with_its_examples(signed_in):
    html = signed_in.get("/review/language").text
    for title in ("Absolute word", "Blame", "Demand", "Name-calling", "No feeling or need named"):
        assert f"<h2>{title}</h2>" in html
    assert "Nevertheless, I would like to try again." in html
