"""What a therapist downloads from the print page: blank worksheets, session handouts and cards."""

import json
import re

from sqlalchemy import select

from clinic.extensions import db
from clinic.handouts import service
from clinic.models import AuditEvent
from clinic.worksheets.loader import builtin_library, load_text
from tests import factories
from tests.handouts import sample
from tests.helpers import image_count, pdf_text, read_pdf


def hostile_worksheet_yaml(server_url: str) -> str:
    """An uploaded worksheet whose every text tries to load a local file or an internal address."""
    img = '<img src="file:///etc/passwd">'
    css = (
        f"<style>@import url({server_url}/import.css);"
        f" p {{ background: url({server_url}/bg.png) }}</style>"
    )
    link = f'<link rel="stylesheet" href="{server_url}/link.css"><img src="{server_url}/pixel.png">'
    texts = {"img": img, "css": css, "link": link}
    quoted = {name: json.dumps(text) for name, text in texts.items()}
    return f"""
id: hostile-upload
version: 1
title: {quoted["img"]}
purpose: {quoted["css"]}
minutes: 5
themes: [communication]
answered_by: each_partner
instructions: {quoted["link"]}
guide: {{how_to_use: {quoted["img"]}, look_for: {quoted["css"]}, when_not_to_use: {quoted["link"]}}}
discussion_prompts: [{quoted["css"]}]
sections:
  - id: main
    title: {quoted["link"]}
    intro: {quoted["img"]}
    items:
      - {{id: words, type: long_text, prompt: {quoted["css"]}, help: {quoted["link"]}}}
      - id: pick
        type: single_choice
        prompt: {quoted["img"]}
        options: [{{value: a, label: {quoted["link"]}}}, {{value: b, label: {quoted["css"]}}}]
      - id: grid
        type: boundary_grid
        prompt: {quoted["img"]}
        rows: [{{id: one, label: {quoted["css"]}}}]
"""


def audit_events(action: str = "handout_downloaded") -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- blank worksheets ----------------------------------------------------------------------


def test_a_blank_worksheet_gives_each_partner_a_copy_without_the_guide(app):
    ws = builtin_library()["boundary-inventory"]
    reader = read_pdf(service.blank_worksheet_pdf(ws, partner_count=2))
    pages = [page.extract_text() for page in reader.pages]
    per_copy = len(pages) // 2
    assert len(pages) == 2 * per_copy
    first, second = " ".join(pages[:per_copy]), " ".join(pages[per_copy:])
    assert first == second
    assert "Name" in first and "Sharing sexy photos or texts" in first and "Firm limit" in first
    assert "Describe a limit that depends on the situation." in first
    assert ws.guide.look_for.split(";")[0][:40] not in " ".join(first.split())
    assert reader.metadata.title == "Worksheet"


def test_a_worksheet_the_couple_fills_in_together_has_room_for_both(app):
    ws = builtin_library()["conflict-pre-agreement"]
    text = pdf_text(service.blank_worksheet_pdf(ws, partner_count=2))
    assert "Partner 1" in text and "Partner 2" in text
    # The same words as the screen: each partner's own "I agree to this", with its date.
    assert "agrees" not in text
    assert text.count("Partner 1: I agree to this Date:") == len(ws.item("plan").clauses)
    assert text.count("Partner 2: I agree to this Date:") == len(ws.item("plan").clauses)
    assert "A date to look at this again together" in text  # as on the screen
    assert "Page 1 of" in text and text.count("Page 1 of") == 1  # one shared copy


def test_an_uploaded_worksheet_full_of_markup_fetches_nothing_when_printed(therapist, http_server):
    custom = factories.make_custom_worksheet(therapist, hostile_worksheet_yaml(http_server.url))
    ws = load_text(custom.source_yaml)
    blank = service.blank_worksheet_pdf(ws)

    couple = factories.make_couple(therapist)
    assignment = factories.make_assignment_of(couple, [ws])
    for partner in couple.partners:
        factories.answer_worksheet(
            assignment.worksheets[0], partner, {"words": "plain words", "pick": "a"}, shared=all
        )
    handouts = [
        service.session_handout_pdf(service.build_handout(couple, [assignment.id], version))
        for version in service.VERSIONS
    ]

    assert http_server.hits == []
    for pdf in (blank, *handouts):
        assert image_count(pdf) == 0
        text = pdf_text(pdf)
        assert '<img src="file:///etc/passwd">' in text  # the title, printed as typed
        assert "root:" not in text
    assert "@import url(" in pdf_text(handouts[0])  # a discussion prompt, printed as typed


# --- the print page and its downloads --------------------------------------------------------


def test_the_couple_page_links_to_the_print_page(signed_in, couple):
    page = signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert f'href="/couples/{couple.id}/handouts"' in page


def test_the_print_page_offers_each_assignment_and_the_worksheet_library(signed_in, session):
    couple, assignment = session
    page = signed_in.get(f"/couples/{couple.id}/handouts").get_data(as_text=True)
    assert f'name="assignment" value="{assignment.id}"' in page
    assert 'value="builtin:boundary-inventory"' in page
    assert "Ground rules for talking about sex, Boundary inventory" in page
    # Cards need fresh links: the page leads to making them, and says what that does.
    assert f'href="/assignments/{assignment.id}/links/reissue"' in page
    assert "stops the current links for that assignment from working" in page


def test_downloading_a_session_handout_is_a_neutral_pdf_and_is_audited(signed_in, session):
    couple, assignment = session
    response = signed_in.get(
        f"/couples/{couple.id}/handouts/session.pdf?version=joint&assignment={assignment.id}"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="session-handout-joint.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    assert "Plan one calm check-in on Sunday walks." in pdf_text(response.data)

    [event] = audit_events()
    assert (event.object_type, event.object_id, event.couple_id) == ("couple", couple.id, couple.id)
    assert event.detail == "kind=session_joint"


def test_the_therapist_copy_downloads_too(signed_in, session):
    couple, assignment = session
    response = signed_in.get(
        f"/couples/{couple.id}/handouts/session.pdf?version=therapist&assignment={assignment.id}"
    )
    assert response.status_code == 200
    assert "PRIVATE-SAM" in pdf_text(response.data)
    assert audit_events()[0].detail == "kind=session_therapist"


def test_a_handout_without_a_pick_or_with_a_made_up_version_explains_itself(signed_in, session):
    couple, assignment = session
    base = f"/couples/{couple.id}/handouts"
    for query, message in (
        ("version=joint", "Pick at least one assignment to print."),
        (f"version=gossip&assignment={assignment.id}", "Choose the joint handout or the"),
        ("version=joint&assignment=abc", "Pick at least one assignment to print."),
    ):
        response = signed_in.get(f"{base}/session.pdf?{query}", follow_redirects=True)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    assert audit_events() == []


def test_another_couples_assignment_cannot_be_slipped_into_a_handout(signed_in, therapist, session):
    couple, _assignment = session
    other_assignment = factories.make_assignment(factories.make_couple(therapist))
    response = signed_in.get(
        f"/couples/{couple.id}/handouts/session.pdf?version=therapist"
        f"&assignment={other_assignment.id}",
        follow_redirects=True,
    )
    assert "Pick at least one assignment to print." in response.get_data(as_text=True)


def test_a_blank_worksheet_downloads_from_the_print_page(signed_in, couple):
    response = signed_in.get(
        f"/couples/{couple.id}/handouts/blank.pdf?worksheet=builtin:consent-check-in"
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="worksheet.pdf"'
    assert "Name" in pdf_text(response.data)
    assert audit_events()[0].detail == "kind=blank_worksheet"

    missing = signed_in.get(
        f"/couples/{couple.id}/handouts/blank.pdf?worksheet=builtin:nope", follow_redirects=True
    )
    assert "Choose a worksheet to print." in missing.get_data(as_text=True)


def test_another_therapists_uploaded_worksheet_cannot_be_printed(signed_in, couple):
    stranger = factories.make_therapist()
    custom = factories.make_custom_worksheet(stranger, hostile_worksheet_yaml("http://127.0.0.1:9"))
    response = signed_in.get(
        f"/couples/{couple.id}/handouts/blank.pdf?worksheet=custom:{custom.id}",
        follow_redirects=True,
    )
    assert "Choose a worksheet to print." in response.get_data(as_text=True)


# --- assignment cards ----------------------------------------------------------------------


def test_cards_print_each_partners_fresh_link_with_a_qr_code(signed_in, couple_with_links):
    couple, assignment, tokens = couple_with_links
    response = signed_in.post(f"/assignments/{assignment.id}/cards", data={"token": tokens})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="worksheet-links.pdf"'
    reader = read_pdf(response.data)
    assert len(reader.pages) == 2  # one card per page
    text = pdf_text(response.data)
    for partner, token in zip(couple.partners, tokens, strict=True):
        assert f"For {partner.display_name}" in text
        assert token in re.sub(r"\s", "", text)
    assert "Your worksheet link" in text
    assert reader.metadata.title == "Worksheet link"
    [event] = audit_events()
    assert (event.object_type, event.object_id, event.couple_id) == (
        "assignment",
        assignment.id,
        couple.id,
    )


def test_cut_out_cards_share_a_page(signed_in, couple_with_links):
    _couple, assignment, tokens = couple_with_links
    response = signed_in.post(
        f"/assignments/{assignment.id}/cards", data={"token": tokens, "layout": "cut"}
    )
    assert len(read_pdf(response.data).pages) == 1


def test_cards_for_links_no_longer_active_are_refused_with_a_way_forward(signed_in, couple):
    assignment = factories.make_assignment(couple)
    old_tokens = factories.client_tokens(assignment)
    factories.client_tokens(assignment)  # reissued: the old links stop working
    response = signed_in.post(
        f"/assignments/{assignment.id}/cards",
        data={"token": [*old_tokens, "made-up"]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Those links are no longer active" in response.get_data(as_text=True)
    assert audit_events() == []


# --- file names ----------------------------------------------------------------------------


def test_no_downloaded_file_name_names_the_couple_or_a_partner(signed_in, therapist):
    """Every file a therapist downloads is named without label, partner name or any id."""
    couple, assignment = sample.make_session(therapist, label="Jordan and Riley")
    couple_page = f"/couples/{couple.id}"
    partner = couple.partners[1]
    tokens = factories.client_tokens(assignment)
    handout = f"{couple_page}/handouts/session.pdf?assignment={assignment.id}&version="
    downloads = [signed_in.get(handout + version) for version in ("joint", "therapist")]
    downloads += [
        signed_in.get(f"{couple_page}/handouts/blank.pdf?worksheet=builtin:consent-check-in"),
        signed_in.post(f"/assignments/{assignment.id}/cards", data={"token": tokens}),
        signed_in.get(f"{couple_page}/record.json"),
        signed_in.get(f"{couple_page}/record.fhir.json"),
        signed_in.get(f"{couple_page}/record.json?partner={partner.id}"),
        signed_in.get(f"{couple_page}/record.fhir.json?partner={partner.id}"),
        signed_in.get("/audit/export.csv"),
    ]
    for response in downloads:
        response.get_data()  # the audit CSV streams: read it to the end, as a browser would
    names = []
    for response in downloads:
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
        [name] = re.findall(r'^attachment; filename="([^"/]+)"$', disposition)
        names.append(name)
    for name in names:
        undated = re.sub(r"\d{4}-?\d{2}-?\d{2}(-\d{4})?", "", name)
        assert not re.search(r"\d", undated), name  # no couple, partner or assignment number
        for word in ("Jordan", "Riley", "Alex", "Sam", "partner-" + str(partner.id)):
            assert word.lower() not in name.lower(), name
    assert len(set(names)) == len(names)  # still tells the files apart
