"""Forms never act twice: every form that creates or changes something answers with a
redirect (Post/Redirect/Get), and reloading the page it leads to creates nothing new.

The walk covers every POST route of the app; a new one fails here until it is added.
"""

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from clinic.enums import ContactPreference
from clinic.extensions import db
from clinic.models import AuditEvent, ClientLink, SafetyAlert
from clinic.safety import codes
from clinic.storage import utcnow
from clinic.twofactor import service as two_factor
from tests import factories
from tests.measures import nine_item_questionnaire
from tests.safety.check_in import CALM, RAISING
from tests.safety.check_in import send as send_check_in

# POST routes that create or change nothing a reload could repeat, and why.
NOT_FORMS = {
    "client.autosave": "answers JSON to the page's script; the page itself is never reloaded",
    "worksheets.preview": "a preview: it shows the messages a partner would see, saving nothing",
    "handouts.assignment_card": "a PDF of links already made; it creates no link",
    "twofactor.code": "the second sign-in step: a redirect, tested in security/test_two_factor",
    "client.quick_exit": "ends this browser's sessions and leaves the site: nothing to reload",
    "data_rights.response_preview": "shows what an import would store, storing nothing",
}


@dataclass
class World:
    client: object
    therapist: object
    couple: object
    assignment: object
    tokens: list[str]


@dataclass(frozen=True)
class Case:
    """How to post one form successfully: returns (path, form data)."""

    post: Callable[[World], tuple[str, dict]]


def _couple_form(label: str) -> dict:
    return {
        "label": label,
        "partners-0-display_name": "Alex",
        "partners-0-email": "",
        "partners-1-display_name": "Sam",
        "partners-1-email": "",
    }


def _link_id(world: World) -> int:
    return db.session.scalars(
        select(ClientLink.id).where(
            ClientLink.assignment_id == world.assignment.id, ClientLink.revoked_at.is_(None)
        )
    ).first()


def _links_page_tokens(world: World) -> list[str]:
    """Make new links for everyone, follow to the page that shows them once."""
    page = world.client.post(
        f"/assignments/{world.assignment.id}/links/reissue",
        data={"confirm": "yes"},
        follow_redirects=True,
    ).get_data(as_text=True)
    return re.findall(r'name="token" value="([A-Za-z0-9_-]{43})"', page)


def _two_factor_started(world: World) -> str:
    two_factor.start_setup(world.therapist)
    db.session.commit()
    return pyotp.TOTP(world.therapist.totp_secret).now()


def _two_factor_on(world: World) -> None:
    code = _two_factor_started(world)
    assert two_factor.confirm_setup(world.therapist, code)
    db.session.commit()


def _own_worksheet(world: World) -> int:
    return factories.make_custom_worksheet(world.therapist, factories.own_worksheet_yaml()).id


def _alert_id(world: World) -> int:
    checkin = factories.make_assignment(world.couple, ("safety-check-in",))
    token = factories.client_tokens(checkin)[0]
    db.session.commit()
    send_check_in(world.client, token, RAISING)
    return db.session.scalars(select(SafetyAlert.id)).one()


def _note_id(world: World) -> int:
    return factories.make_session_note(world.couple).id


def _partner(world: World):
    return world.couple.partners[0]


def _partner_path(world: World, tail: str = "") -> str:
    return f"/couples/{world.couple.id}/partners/{_partner(world).id}/code{tail}"


def _with_code(world: World) -> None:
    codes.set_code(_partner(world), "4711")
    db.session.commit()


def _code_locked(world: World) -> None:
    codes.set_code(_partner(world), "4711")
    _partner(world).code_locked_at = utcnow()
    db.session.commit()


def _link_opened(world: World) -> None:
    """This browser opens the partner's link first, as a partner does before choosing a code."""
    assert world.client.get(f"/w/{world.tokens[0]}/1").status_code == 200


def _due_in_a_week(world: World) -> None:
    world.assignment.due_date = utcnow().date() + timedelta(days=7)
    db.session.commit()


def _choice_allowed(world: World) -> None:
    codes.allow_choice(_partner(world), True)
    db.session.commit()


def _failed_pdf(world: World) -> int:
    from clinic.enums import PreparedStatus

    row = factories.make_prepared_pdf(world.therapist, world.couple, status=PreparedStatus.FAILED)
    db.session.commit()
    return row.id


CASES: dict[str, Case] = {
    "auth.change_password": Case(
        lambda w: (
            "/account/password",
            {
                "current": factories.PASSWORD,
                "password": "another-long-password",
                "confirm": "another-long-password",
            },
        )
    ),
    "auth.language": Case(lambda w: ("/account/language", {"language": "en"})),
    "auth.end_session": Case(
        lambda w: (f"/account/sessions/{factories.make_therapist_session(w.therapist).id}/end", {})
    ),
    "auth.end_other_sessions": Case(
        lambda w: (
            factories.make_therapist_session(w.therapist) and "/account/sessions/end-others",
            {},
        )
    ),
    "safety.set_code": Case(lambda w: (_partner_path(w), {"code": "4711"})),
    "safety.clear_code": Case(lambda w: (_with_code(w) or _partner_path(w, "/clear"), {})),
    "safety.unlock_code": Case(lambda w: (_code_locked(w) or _partner_path(w, "/unlock"), {})),
    "safety.code_choice": Case(lambda w: (_partner_path(w, "/choice"), {"allowed": "1"})),
    "client.open_link": Case(lambda w: (f"/w/{w.tokens[0]}", {})),
    "client.choose_code": Case(
        lambda w: (
            _choice_allowed(w) or _link_opened(w) or f"/w/{w.tokens[0]}/code",
            {"code": "4711", "code_again": "4711"},
        )
    ),
    "builder.start": Case(lambda w: ("/worksheets/builder/new", {"start": "blank"})),
    "builder.change": Case(
        lambda w: (f"/worksheets/builder/{factories.make_draft(w.therapist).id}", {})
    ),
    "builder.discard": Case(
        lambda w: (
            f"/worksheets/builder/{factories.make_draft(w.therapist).id}/discard",
            {"confirm": "yes"},
        )
    ),
    "builder.edit_own": Case(lambda w: (f"/worksheets/builder/own/{_own_worksheet(w)}", {})),
    "builder.fhir_import": Case(
        lambda w: (
            "/worksheets/builder/fhir",
            {"file": (io.BytesIO(json.dumps(nine_item_questionnaire()).encode()), "q.json")},
        )
    ),
    "auth.login": Case(
        lambda w: (
            w.client.post("/logout") and "/login",
            {"email": w.therapist.email, "password": factories.PASSWORD},
        )
    ),
    "auth.logout": Case(lambda w: ("/logout", {})),
    "auth.therapists": Case(
        lambda w: (
            "/therapists",
            {
                "display_name": "New colleague",
                "email": "colleague@example.org",
                "password": "a long enough password",
                "confirm": "a long enough password",
            },
        )
    ),
    "twofactor.start": Case(lambda w: ("/account/two-factor/start", {})),
    "twofactor.confirm": Case(
        lambda w: ("/account/two-factor/confirm", {"code": _two_factor_started(w)})
    ),
    "twofactor.renew_codes": Case(
        lambda w: (
            _two_factor_on(w) or "/account/two-factor/recovery-codes",
            {"password": factories.PASSWORD},
        )
    ),
    "twofactor.turn_off": Case(
        lambda w: (_two_factor_on(w) or "/account/two-factor/off", {"password": factories.PASSWORD})
    ),
    "twofactor.policy": Case(lambda w: ("/settings/security", {"require_two_factor": ""})),
    "couples.create": Case(lambda w: ("/couples/new", _couple_form("Couple N"))),
    "couples.edit": Case(lambda w: (f"/couples/{w.couple.id}/edit", _couple_form("Couple E"))),
    "couples.archive": Case(lambda w: (f"/couples/{w.couple.id}/archive", {})),
    "handouts.prepare_session_handout": Case(
        lambda w: (
            f"/couples/{w.couple.id}/handouts/prepare",
            {"version": "therapist", "assignment": str(w.assignment.id)},
        )
    ),
    "handouts.retry_prepared_pdf": Case(
        lambda w: (
            f"/handouts/prepared/{_failed_pdf(w)}/retry",
            {},
        )
    ),
    "data_rights.erase": Case(
        lambda w: (
            f"/couples/{w.couple.id}/erase",
            {"label": w.couple.label, "password": factories.PASSWORD},
        )
    ),
    "data_rights.response_store": Case(
        lambda w: (
            f"/couples/{w.couple.id}/responses/import",
            {
                "worksheet": "builtin:monthly-check-in",
                "partner": str(w.couple.partners[0].id),
                "source": json.dumps(
                    {
                        "resourceType": "QuestionnaireResponse",
                        "status": "completed",
                        "item": [{"linkId": "closeness", "answer": [{"valueInteger": 7}]}],
                    }
                ),
            },
        )
    ),
    "review.add_couple_note": Case(
        lambda w: (f"/review/couples/{w.couple.id}/notes", {"body": "A note."})
    ),
    "review.add_assignment_note": Case(
        lambda w: (f"/review/assignments/{w.assignment.id}/notes", {"body": "A note."})
    ),
    "review.edit_note": Case(lambda w: (f"/review/notes/{_note_id(w)}", {"body": "Changed."})),
    "safety.review": Case(lambda w: (f"/alerts/{_alert_id(w)}/reviewed", {})),
    "safety.contact": Case(
        lambda w: (
            f"/couples/{w.couple.id}/partners/{w.couple.partners[0].id}/contact",
            {"preference": "no_email"},
        )
    ),
    "worksheets.upload": Case(
        lambda w: (
            "/worksheets/new",
            {"file": (io.BytesIO(factories.own_worksheet_yaml().encode()), "mine.yaml")},
        )
    ),
    "worksheets.duplicate": Case(
        lambda w: (
            "/worksheets/builtin/power-patterns/copy",
            {"source": factories.own_worksheet_yaml(slug="copied", title="Copied")},
        )
    ),
    "worksheets.edit": Case(
        lambda w: (
            f"/worksheets/own/{_own_worksheet(w)}/edit",
            {"source": factories.own_worksheet_yaml(title="Renamed")},
        )
    ),
    "worksheets.delete": Case(
        lambda w: (f"/worksheets/own/{_own_worksheet(w)}/delete", {"confirm": "yes"})
    ),
    "client.save": Case(lambda w: _client_save(w)),
    "assignments.new": Case(
        lambda w: (
            f"/couples/{w.couple.id}/assign",
            {"worksheets": ["builtin:power-patterns"], "who_answers": "design", "link_days": "14"},
        )
    ),
    "assignments.lock": Case(lambda w: (f"/assignments/{w.assignment.id}/lock", {})),
    "assignments.reissue_all": Case(
        lambda w: (f"/assignments/{w.assignment.id}/links/reissue", {"confirm": "yes"})
    ),
    "assignments.reissue": Case(
        lambda w: (f"/assignments/{w.assignment.id}/links/{_link_id(w)}/reissue", {})
    ),
    "assignments.revoke": Case(
        lambda w: (f"/assignments/{w.assignment.id}/links/{_link_id(w)}/revoke", {})
    ),
    "assignments.email_link": Case(lambda w: _email_link(w)),
    "check_ins.start": Case(
        lambda w: (f"/assignments/{w.assignment.id}/repeat", {"interval": "1", "unit": "months"})
    ),
    "check_ins.set_reminders": Case(
        lambda w: (
            _due_in_a_week(w) or f"/assignments/{w.assignment.id}/reminders",
            {"days_before": ["2", "0"], "max_per_partner": "2"},
        )
    ),
    "check_ins.change": Case(lambda w: (f"/check-ins/{_check_in_id(w)}", {"change": "pause"})),
    "today.settings": Case(lambda w: ("/settings/time-zone", {"time_zone": "Australia/Sydney"})),
    "today.couple_zone": Case(
        lambda w: (f"/couples/{w.couple.id}/time-zone", {"time_zone": "America/Los_Angeles"})
    ),
}


def _check_in_id(world: World) -> int:
    from clinic.assignments import recurring
    from clinic.enums import RepeatUnit

    schedule = recurring.start_schedule(world.assignment, unit=RepeatUnit.WEEKS, interval=1)
    db.session.commit()
    return schedule.id


def _client_save(world: World) -> tuple[str, dict]:
    """A partner sends the check-in on their own link (the form without JavaScript)."""
    from tests.client.browser_form import filled, open_form

    checkin = factories.make_assignment(world.couple, ("safety-check-in",))
    token = factories.client_tokens(checkin)[0]
    db.session.commit()
    url = f"/w/{token}/1"
    form = filled(open_form(world.client, url), CALM)
    form["action"] = "submit"
    return url, form


def _email_link(world: World) -> tuple[str, dict]:
    world.couple.partners[0].contact_preference = ContactPreference.ANY
    db.session.commit()
    tokens = _links_page_tokens(world)
    link_id = db.session.scalars(
        select(ClientLink.id).where(
            ClientLink.assignment_id == world.assignment.id,
            ClientLink.revoked_at.is_(None),
            ClientLink.partner_id == world.couple.partners[0].id,
        )
    ).one()
    return f"/assignments/{world.assignment.id}/links/email", {"token": tokens, "send": link_id}


def row_counts() -> dict[str, int]:
    """Rows in every table but the audit log (which records page views by design)."""
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name != AuditEvent.__tablename__
    }


def stored_rows() -> dict[str, list[str]]:
    """Everything stored but a session's last activity, which every request writes: whether a
    form changed anything at all, so that a case which only met a refusal fails."""
    db.session.expire_all()
    return {
        table.name: sorted(
            repr(tuple(row))
            for row in db.session.execute(select(*(c for c in table.c if c.name != "last_seen_at")))
        )
        for table in db.metadata.sorted_tables
    }


def test_every_post_route_is_walked(app):
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posting == set(CASES) | set(NOT_FORMS)


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_a_form_redirects_and_reloading_its_page_creates_nothing(
    endpoint, client, therapist, couple, inbox
):
    therapist.is_admin = True
    db.session.commit()
    factories.sign_in(client, therapist)
    assignment = factories.make_assignment(couple, ("power-patterns",))
    world = World(client, therapist, couple, assignment, factories.client_tokens(assignment))
    db.session.commit()

    path, data = CASES[endpoint].post(world)
    before, mailed = stored_rows(), len(inbox.messages)
    response = client.post(path, data=data)
    assert response.status_code in (302, 303), (endpoint, response.get_data(as_text=True)[:2000])
    did_something = stored_rows() != before or len(inbox.messages) > mailed
    assert did_something, f"{endpoint}: the form changed and sent nothing; is its case right?"
    target = response.headers["Location"]
    first = client.get(target, follow_redirects=True)
    assert first.status_code == 200, endpoint
    after, mailed = row_counts(), len(inbox.messages)
    for _reload in range(2):
        assert client.get(target, follow_redirects=True).status_code == 200
        assert row_counts() == after, endpoint
        assert len(inbox.messages) == mailed, endpoint  # nor is anything e-mailed again


@pytest.mark.parametrize("how", ["assign", "reissue_all", "reissue", "email"])
def test_new_links_are_shown_once_and_a_reload_shows_none(how, signed_in, couple, inbox):
    assignment = factories.make_assignment(couple, ("power-patterns",))
    db.session.commit()
    world = World(signed_in, None, couple, assignment, [])
    path, data = {
        "assign": CASES["assignments.new"],
        "reissue_all": CASES["assignments.reissue_all"],
        "reissue": CASES["assignments.reissue"],
        "email": CASES["assignments.email_link"],
    }[how].post(world)
    response = signed_in.post(path, data=data)
    shown = signed_in.get(response.headers["Location"])
    assert shown.status_code == 200
    assert re.search(r'/w/[A-Za-z0-9_-]{43}"', shown.get_data(as_text=True))
    links_before = db.session.scalar(select(func.count(ClientLink.id)))

    again = signed_in.get(response.headers["Location"], follow_redirects=True)
    page = again.get_data(as_text=True)
    assert "New links are shown only once" in page
    assert not re.search(r"/w/[A-Za-z0-9_-]{43}", page)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ClientLink.id))) == links_before


def test_the_session_holds_new_links_only_sealed(app, signed_in, couple):
    path, data = CASES["assignments.new"].post(World(signed_in, None, couple, None, []))
    response = signed_in.post(path, data=data)
    cookie = re.search(r"session=([^;]+)", response.headers["Set-Cookie"]).group(1)
    held = app.session_interface.get_signing_serializer(app).loads(cookie)
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    tokens = re.findall(r"/w/([A-Za-z0-9_-]{43})", page)
    assert len(tokens) >= 2
    assert not any(token in repr(held) for token in tokens)


def test_links_made_in_two_tabs_are_each_shown_on_their_own_page(signed_in, couple):
    first = factories.make_assignment(couple, ("power-patterns",))
    second = factories.make_assignment(couple, ("power-patterns",))
    db.session.commit()
    data = {"confirm": "yes"}
    to_first = signed_in.post(f"/assignments/{first.id}/links/reissue", data=data)
    to_second = signed_in.post(f"/assignments/{second.id}/links/reissue", data=data)
    for response, assignment in ((to_second, second), (to_first, first)):
        page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
        assert f"/assignments/{assignment.id}/cards" in page
        assert len(set(re.findall(r"/w/([A-Za-z0-9_-]{43})", page))) == 2
