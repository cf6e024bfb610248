"""A therapist assigns worksheets, hands out the links once, and follows each partner."""

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from clinic.assignments.service import why_no_email
from clinic.extensions import db
from clinic.models import Assignment, ClientLink, CustomWorksheet, WorksheetVersion
from clinic.storage import utcnow
from tests import factories
from tests.helpers import active_link

SAMPLE_FILE = Path(__file__).parents[1] / "client" / "sample-worksheet.yaml"
LINK_URL = re.compile(r'value="(https?://[^"]*/w/([A-Za-z0-9_-]{43}))"')


def assign(client, couple, **fields):
    data = {"who_answers": "design", "link_days": "14", **fields}
    return client.post(f"/couples/{couple.id}/assign", data=data, follow_redirects=True)


def test_the_couple_page_offers_assigning(signed_in, couple):
    page = signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Nothing assigned yet." in page
    form = signed_in.get(f"/couples/{couple.id}/assign").get_data(as_text=True)
    assert "Noticing power patterns" in form and 'value="14"' in form


def test_assigning_shows_each_partners_link_once_with_a_qr_code(signed_in, couple):
    response = assign(
        signed_in,
        couple,
        worksheets=["builtin:power-patterns", "builtin:conflict-pre-agreement"],
        note="Take your time.",
        due_date=(utcnow() + timedelta(days=7)).date().isoformat(),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "shown only now" in page
    urls = LINK_URL.findall(page)
    assert [name in page for name in ("Link for Alex", "Link for Sam")] == [True, True]
    assert len(urls) == 2 and urls[0][1] != urls[1][1]
    assert page.count('src="data:image/svg+xml') == 2
    assignment = db.session.scalar(select(Assignment))
    assert assignment.note == "Take your time." and assignment.due_date is not None
    assert [s.answered_by for s in assignment.worksheets] == ["each_partner", "couple"]

    for _url, token in urls:  # each link works, and the page never shows up again
        assert signed_in.get(f"/w/{token}").status_code == 200
    detail = signed_in.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert not any(token in detail for _url, token in urls)


def test_the_links_page_says_what_a_link_opens_when_some_worksheets_are_answered_together(
    signed_in, couple
):
    own_only = assign(signed_in, couple, worksheets=["builtin:power-patterns"])
    assert "It opens only Alex's own answers." in own_only.get_data(as_text=True)

    mixed = assign(
        signed_in,
        couple,
        worksheets=["builtin:power-patterns", "builtin:conflict-pre-agreement"],
    ).get_data(as_text=True)
    assert "It opens only" not in mixed
    assert (
        "It opens Alex's own answers and, for Our plan for hard talks, the answers both "
        "partners fill in together." in mixed
    )

    together = assign(signed_in, couple, worksheets=["builtin:conflict-pre-agreement"])
    assert "every partner's link opens these same answers" in together.get_data(as_text=True)


def test_the_therapist_can_choose_who_answers(signed_in, couple):
    assign(signed_in, couple, worksheets=["builtin:fair-decisions"], who_answers="couple")
    (sheet,) = db.session.scalar(select(Assignment)).worksheets
    assert sheet.answered_by == "couple"
    assert len(sheet.responses) == 1  # one for the couple together


def test_a_worksheet_with_an_agreement_stays_joint_whoever_is_chosen(signed_in, couple):
    assign(
        signed_in, couple, worksheets=["builtin:conflict-pre-agreement"], who_answers="each_partner"
    )
    (sheet,) = db.session.scalar(select(Assignment)).worksheets
    assert sheet.answered_by == "couple"  # every partner confirms one shared agreement
    assert len(sheet.responses) == 1


def test_a_form_with_problems_explains_them(signed_in, couple):
    past = (utcnow() - timedelta(days=1)).date().isoformat()
    response = assign(signed_in, couple, link_days="0", due_date=past, note="x" * 1001)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in (
        "Choose at least one worksheet.",
        "Choose 1 to 90 days.",
        "The due date is in the past.",
        "Field cannot be longer than 1000 characters.",
    ):
        assert message in page
    assert db.session.scalar(select(func.count(Assignment.id))) == 0


def test_assignments_keep_the_exact_worksheet_they_were_made_with(signed_in, therapist, couple):
    source = SAMPLE_FILE.read_text(encoding="utf-8")
    custom = CustomWorksheet(
        therapist_id=therapist.id, slug="sample-reflection", title="x", source_yaml=source
    )
    db.session.add(custom)
    db.session.commit()
    assign(signed_in, couple, worksheets=[f"custom:{custom.id}"])
    assign(signed_in, couple, worksheets=[f"custom:{custom.id}"])  # the same content: one copy
    assert db.session.scalar(select(func.count(WorksheetVersion.id))) == 1

    custom.source_yaml = source.replace("Describe a moment", "Tell me about a moment")
    db.session.commit()
    assign(signed_in, couple, worksheets=[f"custom:{custom.id}"])
    first, second, third = db.session.scalars(select(Assignment).order_by(Assignment.id))
    old = first.worksheets[0].worksheet_version
    assert "Describe a moment" in old.definition
    assert second.worksheets[0].worksheet_version_id == old.id
    assert "Tell me about" in third.worksheets[0].worksheet_version.definition


def test_another_therapists_own_worksheets_are_not_offered(signed_in, couple):
    other = factories.make_therapist()
    db.session.add(
        CustomWorksheet(therapist_id=other.id, slug="theirs", title="x", source_yaml="id: x")
    )
    db.session.commit()
    page = signed_in.get(f"/couples/{couple.id}/assign").get_data(as_text=True)
    assert "custom:" not in page
    response = assign(signed_in, couple, worksheets=["custom:1"])
    assert "not a valid choice" in response.get_data(as_text=True).lower()
    assert db.session.scalar(select(func.count(Assignment.id))) == 0


def test_status_shows_not_opened_opened_in_progress_and_submitted_with_times(
    client, signed_in, couple
):
    assignment = factories.make_assignment(couple, slugs=("consent-check-in",))
    first, _second = factories.client_tokens(assignment)
    dashboard = signed_in.get("/assignments/").get_data(as_text=True)
    assert couple.label in dashboard and dashboard.count("Not opened") == 2

    client.get(f"/w/{first}/1")
    page = signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Opened" in page and "Opened " in page and "Not opened" in page

    form = {"csrf_token": client.csrf_token(), "items": "my-yes", "a.my-yes": "Slow."}
    client.post(f"/w/{first}/1", data=form, csrf=False)
    assert "In progress" in signed_in.get("/assignments/").get_data(as_text=True)

    form = {
        "csrf_token": client.csrf_token(),
        "items": "my-no",
        "a.my-no": "Not when tired.",
        "action": "submit",
    }
    client.post(f"/w/{first}/1", data=form, csrf=False)
    page = signed_in.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert "Submitted" in page and re.search(r"Submitted \d+ \w+ \d{4}, \d\d:\d\d UTC", page)


def test_locking_closes_answers_and_takes_the_assignment_off_the_dashboard(signed_in, couple):
    assignment = factories.make_assignment(couple)
    response = signed_in.post(f"/assignments/{assignment.id}/lock")
    assert response.status_code == 302
    assert db.session.get(Assignment, assignment.id).locked_at is not None
    assert "Nothing is due" in signed_in.get("/assignments/").get_data(as_text=True)
    signed_in.post(f"/assignments/{assignment.id}/lock")
    assert db.session.get(Assignment, assignment.id).locked_at is None


def test_revoking_a_link_stops_it(client, signed_in, couple_with_links):
    assignment, (first, second) = couple_with_links.assignment, couple_with_links.tokens
    link = active_link(first)
    response = signed_in.post(f"/assignments/{assignment.id}/links/{link.id}/revoke")
    assert response.status_code == 302
    assert client.get(f"/w/{first}").status_code == 404
    assert client.get(f"/w/{second}").status_code == 200
    page = signed_in.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert "Revoked" in page


def test_a_new_link_replaces_the_old_one_and_is_shown_once(client, signed_in, couple_with_links):
    assignment, (first, second) = couple_with_links.assignment, couple_with_links.tokens
    link = active_link(first)
    response = signed_in.post(
        f"/assignments/{assignment.id}/links/{link.id}/reissue", follow_redirects=True
    )
    ((_url, token),) = LINK_URL.findall(response.get_data(as_text=True))
    assert client.get(f"/w/{first}").status_code == 404
    assert client.get(f"/w/{token}").status_code == 200
    assert client.get(f"/w/{second}").status_code == 200

    asked = signed_in.get(f"/assignments/{assignment.id}/links/reissue").get_data(as_text=True)
    assert "already handed out (Alex, Sam)" in asked and "will stop working at once" in asked
    unconfirmed = signed_in.post(f"/assignments/{assignment.id}/links/reissue")
    assert unconfirmed.status_code == 302
    assert client.get(f"/w/{token}").status_code == 200  # nothing changed without a yes
    everyone = signed_in.post(
        f"/assignments/{assignment.id}/links/reissue",
        data={"confirm": "yes"},
        follow_redirects=True,
    )
    assert len(LINK_URL.findall(everyone.get_data(as_text=True))) == 2
    assert client.get(f"/w/{token}").status_code == 404
    assert client.get(f"/w/{second}").status_code == 404


def test_links_use_the_public_address_when_one_is_set(app, signed_in, couple):
    app.config["PUBLIC_BASE_URL"] = "https://tandem.example/"
    page = assign(signed_in, couple, worksheets=["builtin:power-patterns"]).get_data(as_text=True)
    assert all(url.startswith("https://tandem.example/w/") for url, _ in LINK_URL.findall(page))


def test_link_days_set_the_expiry(signed_in, couple):
    assign(signed_in, couple, worksheets=["builtin:power-patterns"], link_days="3")
    link = db.session.scalars(select(ClientLink)).first()
    # Through the whole of the third day after today, in the couple's (here UTC) day.
    assert link.expires_at.date() == (link.created_at + timedelta(days=3)).date()
    assert (link.expires_at.hour, link.expires_at.minute) == (23, 59)


def test_why_a_link_cannot_be_emailed(couple):
    alex, sam = couple.partners
    assert "You have not recorded yet how Alex may be reached" in why_no_email(
        alex, mail_enabled=True
    )
    alex.contact_preference = sam.contact_preference = "any"
    assert why_no_email(alex, mail_enabled=True) is None
    assert "No e-mail address" in why_no_email(sam, mail_enabled=True)
    assert "not set up" in why_no_email(alex, mail_enabled=False)
    alex.contact_preference = "no_email"
    assert "asked not to be contacted by e-mail" in why_no_email(alex, mail_enabled=True)


def test_the_dashboard_runs_the_same_queries_however_many_assignments(app, signed_in, couple):
    from sqlalchemy import event

    def queries_for_dashboard() -> int:
        count = 0

        def counter(*_args):
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            assert signed_in.get("/assignments/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        return count

    factories.make_assignment(couple)
    one = queries_for_dashboard()
    for _ in range(4):
        factories.make_assignment(factories.make_couple(couple.therapist), slugs=("small-wins",))
    assert queries_for_dashboard() == one


def test_a_private_worksheet_is_answered_alone_even_when_the_couple_answers_together(
    signed_in, couple
):
    assign(
        signed_in,
        couple,
        worksheets=["builtin:safety-check-in", "builtin:power-patterns"],
        who_answers="couple",
    )
    sheets = db.session.scalar(select(Assignment)).worksheets
    by_title = {s.worksheet_version.slug: s.answered_by for s in sheets}
    assert by_title == {"safety-check-in": "each_partner", "power-patterns": "couple"}
