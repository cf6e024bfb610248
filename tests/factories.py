"""Factories for test data; they go through the same services the app uses."""

import itertools
from typing import NamedTuple

from flask import current_app

from clinic.auth import service as accounts
from clinic.couples import service as couples

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


def make_therapist(*, email: str | None = None, is_admin: bool = False, password: str = PASSWORD):
    email = email or f"therapist{next(_sequence)}@example.org"
    return accounts.create_therapist(
        email, password, display_name=email.split("@")[0].title(), is_admin=is_admin
    )


def make_couple(
    therapist, *, label: str | None = None, partners=None, notes: str = "", languages=()
):
    partners = partners or [("Alex", "alex@example.org"), ("Sam", None)]
    return couples.create_couple(
        therapist, label or f"Couple {next(_sequence)}", partners, notes=notes, languages=languages
    )


def sign_in(client, therapist, *, password: str = PASSWORD):
    response = client.post("/login", data={"email": therapist.email, "password": password})
    assert response.status_code == 302, "sign-in failed"
    return response


def make_assignment(couple, slugs=("boundary-inventory",), *, who_answers: str = "design"):
    """An assignment of built-in worksheets with a link for each partner; returns the assignment."""
    from clinic.worksheets.loader import builtin_library

    library = builtin_library()
    return make_assignment_of(couple, [library[slug] for slug in slugs], who_answers=who_answers)


class CoupleWithLinks(NamedTuple):
    couple: object
    assignment: object
    tokens: list[str]  # each partner's link token, in partner order


def give_links(couple, slugs=("boundary-inventory",)) -> CoupleWithLinks:
    """Assign built-in worksheets to the couple and hand each partner a fresh link."""
    assignment = make_assignment(couple, slugs)
    return CoupleWithLinks(couple, assignment, client_tokens(assignment))


def answer_worksheet(sheet, partner, answers: dict, *, shared=(), submit: bool = True, when=None):
    """Store one partner's (or, with ``partner=None``, the couple's) answers to a worksheet.

    ``shared`` names the items marked "my partner may see this answer"; ``shared=all`` marks all.
    ``when`` backdates the answers (an aware datetime), e.g. for trends over several sessions.
    """
    from clinic.extensions import db
    from clinic.models import Answer
    from clinic.storage import utcnow

    partner_id = partner.id if partner is not None else None
    response = next(r for r in sheet.responses if r.partner_id == partner_id)
    response.answers.clear()
    db.session.flush()  # old answers go first: (response, item) is unique
    response.answers = [
        Answer(item_id=item_id, value=value, shareable=shared is all or item_id in shared)
        for item_id, value in answers.items()
    ]
    response.status = "submitted" if submit else "in_progress"
    response.updated_at = when or utcnow()
    response.submitted_at = response.updated_at if submit else None
    db.session.commit()
    return response


def client_tokens(assignment) -> list[str]:
    """Fresh link tokens for each partner, in partner order; earlier links stop working."""
    from clinic.assignments import links

    return [issued.token for issued in links.reissue_all(assignment)]


def make_assignment_of(couple, worksheets, *, who_answers: str = "design", created_at=None):
    """An assignment of these Worksheet objects (a test's own, say), optionally back-dated."""
    from clinic.assignments import service as assignments
    from clinic.extensions import db

    assignment, _links = assignments.create_assignment(
        couple,
        worksheets,
        who_answers=who_answers,
        link_days=current_app.config["LINK_DAYS"],
    )
    if created_at is not None:
        assignment.created_at = created_at
        db.session.commit()
    return assignment


def make_session_note(couple, body: str = "Session went well.", *, assignment=None):
    from clinic.review import service as review

    return review.add_note(couple, body, assignment_id=assignment.id if assignment else None)


def sample_answers(worksheet, text: str = "Sample answer") -> dict:
    """A filled-in answer for every item of a worksheet, each text part containing ``text``."""
    return {item.id: item.sample_answer(text) for _section, item in worksheet.items()}


def make_custom_worksheet(therapist, source_yaml: str):
    """A therapist's own (uploaded) worksheet, stored as its YAML after validation."""
    from clinic.extensions import db
    from clinic.models import CustomWorksheet
    from clinic.worksheets.loader import load_text

    worksheet = load_text(source_yaml, "upload.yaml")
    custom = CustomWorksheet(
        therapist_id=therapist.id, slug=worksheet.id, title=worksheet.title, source_yaml=source_yaml
    )
    db.session.add(custom)
    db.session.commit()
    return custom


def make_draft(therapist, slug: str = "small-wins"):
    """A builder draft: a copy of a built-in, not yet published."""
    from clinic.builder import service
    from clinic.extensions import db
    from clinic.worksheets.loader import builtin_library

    draft = service.new_draft(therapist, service.from_builtin(therapist, builtin_library()[slug]))
    db.session.commit()
    return draft


def own_worksheet_yaml(
    *, slug: str = "my-check-in", title: str = "My check-in", prompt: str = "How was your week?"
) -> str:
    """A small valid worksheet file, as a therapist would upload it."""
    return f"""\
id: {slug}
version: 1
title: {title}
purpose: A short look back at the week.
minutes: 5
themes: [check-in]
answered_by: each_partner
instructions: Answer on your own.
guide:
  how_to_use: Read the answers together at the start of the session.
  look_for: Changes since last week.
  when_not_to_use: When there is active coercion or violence; plan for safety first.
discussion_prompts:
  - What stood out this week?
sections:
  - id: week
    title: This week
    items:
      - id: week
        type: long_text
        prompt: {prompt}
        required: true
      - id: mood
        type: scale
        prompt: How close did you feel?
        min: 0
        max: 10
        min_label: Not at all
        max_label: Very
"""


# A private check-in answered so that alerts are raised: urgent (afraid), soon (controls), and
# review (email-safe).
RAISING_ANSWERS = {
    "safe-at-home": "mostly",
    "afraid": "often",
    "controls": ["phone", "money"],
    "email-safe": "no",
    "best-way": "Only in person",
}


def make_safety_alert(couple, *, partner=None, answers=None):
    """A private check-in sent by one partner (the first by default) whose answers raise an
    alert, through the service the client pages call; returns the stored SafetyAlert."""
    from sqlalchemy import select

    from clinic.extensions import db
    from clinic.models import SafetyAlert
    from clinic.safety import service as safety
    from clinic.worksheets.versions import worksheet_of

    sheet = make_assignment(couple, ("safety-check-in",)).worksheets[0]
    answers = RAISING_ANSWERS if answers is None else answers
    response = answer_worksheet(sheet, partner or couple.partners[0], answers)
    safety.raise_alerts(response, worksheet_of(sheet.worksheet_version), answers)
    return db.session.scalar(select(SafetyAlert).where(SafetyAlert.response_id == response.id))


def make_therapist_session(therapist, *, user_agent: str = ""):
    """A signed-in session of ``therapist``, as a sign-in from that browser would start it."""
    from clinic.auth import sessions

    with current_app.test_request_context(headers={"User-Agent": user_agent}):
        return sessions.start(therapist)


def make_prepared_pdf(therapist, couple, *, status=None, html: str = "<p>Handout</p>"):
    """A long PDF queued for the background worker (clinic.handouts.prepared), not rendered."""
    from clinic.enums import PreparedStatus
    from clinic.extensions import db
    from clinic.models import PreparedPdf

    row = PreparedPdf(
        therapist_id=therapist.id,
        couple_id=couple.id,
        cache_key="0" * 64,
        kind="session_therapist",
        status=status or PreparedStatus.PREPARING,
        title="Session handout",
        language="en",
        html=html,
    )
    db.session.add(row)
    db.session.flush()
    return row
