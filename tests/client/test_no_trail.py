"""Leave no trail: a link whose session ended (Quick exit, idle time) shows nothing on its own,
and a personal code keeps it closed to anyone else holding the phone."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from clinic.extensions import db
from clinic.models import AuditEvent, ClientSession, Partner
from clinic.storage import utcnow
from tests.client.browser_form import browser_form, filled, open_form
from tests.helpers import TandemClient

NOTE = "Think of a calm evening together."
STORY = "Our walk by the canal on Sunday."
TITLE = "Sample reflection"
CODE = "Juniper 4821"


@pytest.fixture
def noted(assignment):
    assignment.note = NOTE
    db.session.commit()
    return assignment


@pytest.fixture
def answered(client, noted, tokens, sheet_url):
    """The first partner opened their link and saved a story (no JavaScript)."""
    form = filled(open_form(client, sheet_url), {"a.story": STORY})
    assert client.post(sheet_url, data=form).status_code == 302
    return tokens[0]


def another_browser(app) -> TandemClient:
    return app.test_client()


def assert_reveals_nothing(page: str) -> None:
    for private in (TITLE, NOTE, STORY, "Your worksheets", "Describe a moment"):
        assert private not in page, private
    assert "<title>Worksheet</title>" in page


def quick_exit(client):
    return client.post("/w/exit", csrf=False)


def set_code(signed_in, couple, partner, code=CODE):
    return signed_in.post(f"/couples/{couple.id}/partners/{partner.id}/code", data={"code": code})


def allow_choice(signed_in, couple, partner):
    url = f"/couples/{couple.id}/partners/{partner.id}/code/choice"
    assert signed_in.post(url, data={"allowed": "1"}).status_code == 302


def enter_code(client, token, code) -> str:
    """Type a code on the link's code page; returns the page the browser lands on."""
    response = client.post(f"/w/{token}", data={"code": code})
    assert response.status_code == 303  # never a form result that Back would send again
    return client.get(response.headers["Location"]).get_data(as_text=True)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


class TestQuickExit:
    def test_ends_the_session_so_the_link_shows_only_a_neutral_continue_page(
        self, app, client, answered
    ):
        response = quick_exit(client)
        assert response.status_code == 303
        assert response.headers["Location"] == app.config["QUICK_EXIT_URL"]
        assert response.headers["Clear-Site-Data"] == '"cache"'
        ended = db.session.scalars(select(ClientSession)).all()
        assert ended and all(s.ended_at is not None for s in ended)

        for url in (f"/w/{answered}", f"/w/{answered}/1"):
            page = client.get(url, follow_redirects=True).get_data(as_text=True)
            assert_reveals_nothing(page)
            assert ">Continue</button>" in page

    def test_tapping_continue_opens_the_link_again(self, client, answered):
        quick_exit(client)
        gate = client.get(f"/w/{answered}")
        form = browser_form(gate.data, "gate-form")
        response = client.post(f"/w/{answered}", data=form)
        assert response.status_code == 303
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert TITLE in page and NOTE in page

    def test_a_form_sent_again_after_quick_exit_saves_nothing_and_shows_nothing(
        self, client, answered, sheet_url
    ):
        form = open_form(client, sheet_url)
        quick_exit(client)
        later = filled(form, {"a.story": "Written over by someone else"})
        response = client.post(sheet_url, data=later, follow_redirects=True)
        assert_reveals_nothing(response.get_data(as_text=True))
        autosave = client.post(sheet_url + "/autosave", data=later)
        assert autosave.status_code == 401 and autosave.json["status"] == "ended"
        gate = browser_form(client.get(f"/w/{answered}").data, "gate-form")
        client.post(f"/w/{answered}", data=gate)
        assert STORY in client.get(sheet_url).get_data(as_text=True)

    def test_without_javascript_it_is_a_form_whose_policy_lets_it_reach_the_exit_site(
        self, client, answered
    ):
        response = client.get(f"/w/{answered}")
        page = response.get_data(as_text=True)
        assert 'action="/w/exit"' in page and 'id="quick-exit"' in page
        policy = response.headers["Content-Security-Policy"]
        assert "form-action 'self' https://www.wikipedia.org;" in policy


class TestOtherBrowsers:
    def test_the_first_opening_needs_no_tap(self, client, noted, tokens):
        page = client.get(f"/w/{tokens[0]}").get_data(as_text=True)
        assert TITLE in page and NOTE in page

    def test_a_link_opened_before_asks_another_browser_to_continue(self, app, answered):
        page = another_browser(app).get(f"/w/{answered}").get_data(as_text=True)
        assert_reveals_nothing(page)
        assert ">Continue</button>" in page


class TestIdleTime:
    def age_sessions(self, minutes: int) -> None:
        db.session.execute(
            update(ClientSession).values(last_seen_at=utcnow() - timedelta(minutes=minutes))
        )
        db.session.commit()

    def test_a_session_ends_after_the_idle_time(self, app, client, answered):
        assert app.config["CLIENT_IDLE_MINUTES"] == 15
        self.age_sessions(14)
        assert TITLE in client.get(f"/w/{answered}").get_data(as_text=True)
        self.age_sessions(16)
        assert_reveals_nothing(client.get(f"/w/{answered}").get_data(as_text=True))

    def test_a_partner_moving_between_pages_keeps_the_session_open(self, client, answered):
        self.age_sessions(10)
        assert TITLE in client.get(f"/w/{answered}").get_data(as_text=True)
        for row in db.session.scalars(select(ClientSession)):
            row.last_seen_at -= timedelta(minutes=10)  # 20 since the first page, 10 since this
        db.session.commit()
        assert TITLE in client.get(f"/w/{answered}").get_data(as_text=True)

    def test_a_session_that_idled_out_stays_ended(self, client, answered):
        self.age_sessions(16)
        assert_reveals_nothing(client.get(f"/w/{answered}").get_data(as_text=True))
        self.age_sessions(0)  # its idle clock alone would let it open again
        assert_reveals_nothing(client.get(f"/w/{answered}").get_data(as_text=True))

    def test_text_typed_before_the_session_idled_out_is_still_saved(
        self, client, answered, sheet_url
    ):
        form = open_form(client, sheet_url)
        self.age_sessions(40)
        typed = filled(form, {"a.feeling": "Hopeful"})
        response = client.post(sheet_url, data=typed, follow_redirects=True)
        assert_reveals_nothing(response.get_data(as_text=True))
        client.post(f"/w/{answered}", data=browser_form(response.data, "gate-form"))
        assert "Hopeful" in client.get(sheet_url).get_data(as_text=True)


class TestPersonalCode:
    def test_with_a_code_the_link_shows_only_a_page_asking_for_it(
        self, app, signed_in, couple, answered
    ):
        assert set_code(signed_in, couple, couple.partners[0]).status_code == 302
        for browser in (signed_in, another_browser(app)):
            page = browser.get(f"/w/{answered}").get_data(as_text=True)
            assert_reveals_nothing(page)
            assert "Enter your code" in page and 'type="password"' in page

    def test_the_right_code_opens_it_whatever_the_case_and_a_wrong_one_does_not(
        self, app, signed_in, couple, answered
    ):
        set_code(signed_in, couple, couple.partners[0])
        phone = another_browser(app)
        phone.get(f"/w/{answered}")
        wrong = enter_code(phone, answered, "Juniper 0000")
        assert "That code is not right" in wrong and "Enter your code" in wrong
        assert_reveals_nothing(wrong)
        assert TITLE in enter_code(phone, answered, "  juniper 4821 ")

    def test_only_an_argon2_hash_is_stored_and_the_audit_names_no_code(
        self, signed_in, couple, answered
    ):
        alex = couple.partners[0]
        set_code(signed_in, couple, alex)
        stored = db.session.get(Partner, alex.id).code_hash
        assert stored.startswith("$argon2") and "4821" not in stored
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "partner_code_set")
        ).one()
        assert (event.object_id, event.detail) == (alex.id, "")
        page = signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)
        assert "Code set" in page and "4821" not in page

    def test_setting_a_code_ends_the_partners_open_session(self, signed_in, couple, answered):
        assert TITLE in signed_in.get(f"/w/{answered}").get_data(as_text=True)
        set_code(signed_in, couple, couple.partners[0])
        assert "Enter your code" in signed_in.get(f"/w/{answered}").get_data(as_text=True)

    def test_a_too_short_code_is_refused_with_a_reason(self, signed_in, couple):
        response = set_code(signed_in, couple, couple.partners[0], "12")
        page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
        assert "No code set for Alex: Please use at least 4 digits or letters." in page
        assert db.session.get(Partner, couple.partners[0].id).code_hash is None

    def test_wrong_codes_lock_the_link_until_the_therapist_lifts_it(
        self, app, signed_in, couple, answered
    ):
        alex = couple.partners[0]
        set_code(signed_in, couple, alex)
        phone = another_browser(app)
        phone.get(f"/w/{answered}")
        for _ in range(app.config["CODE_ATTEMPTS"] - 1):
            assert "That code is not right" in enter_code(phone, answered, "wrong guess")
        locked = enter_code(phone, answered, "wrong guess")
        assert "This link is paused. Please contact your therapist." in locked
        assert 'type="password"' not in locked
        assert_reveals_nothing(enter_code(phone, answered, CODE))  # even the right one
        assert "Paused" in signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)

        signed_in.post(f"/couples/{couple.id}/partners/{alex.id}/code/unlock")
        assert TITLE in enter_code(phone, answered, CODE)
        actions = audit_actions()
        assert actions.index("partner_code_locked") < actions.index("partner_code_unlocked")

    def test_the_therapist_removes_the_code(self, app, signed_in, couple, answered):
        alex = couple.partners[0]
        set_code(signed_in, couple, alex)
        signed_in.post(f"/couples/{couple.id}/partners/{alex.id}/code/clear")
        assert db.session.get(Partner, alex.id).code_hash is None
        assert "partner_code_cleared" in audit_actions()
        page = another_browser(app).get(f"/w/{answered}").get_data(as_text=True)
        assert ">Continue</button>" in page

    def test_a_partner_of_another_therapist_cannot_be_given_a_code(
        self, signed_in, therapist, couple
    ):
        from tests import factories

        other = factories.make_couple(factories.make_therapist())
        response = set_code(signed_in, other, other.partners[0])
        assert response.status_code == 404
        assert db.session.get(Partner, other.partners[0].id).code_hash is None


class TestPartnerChoosesCode:
    def choose(self, client, token, code, again=None):
        return client.post(
            f"/w/{token}/code", data={"code": code, "code_again": code if again is None else again}
        )

    def test_offered_only_when_the_therapist_allows_it(self, signed_in, couple, noted, tokens):
        token = tokens[0]
        assert "A personal code (optional)" not in signed_in.get(f"/w/{token}").get_data(
            as_text=True
        )
        assert self.choose(signed_in, token, "5555").status_code == 422
        allow_choice(signed_in, couple, couple.partners[0])
        assert "A personal code (optional)" in signed_in.get(f"/w/{token}").get_data(as_text=True)

    def test_the_partner_chooses_one_and_the_link_asks_for_it_next_time(
        self, app, signed_in, couple, noted, tokens
    ):
        alex = couple.partners[0]
        allow_choice(signed_in, couple, alex)
        token = tokens[0]
        signed_in.get(f"/w/{token}")
        mismatch = self.choose(signed_in, token, "5555", "5556")
        assert "The two codes are not the same" in mismatch.get_data(as_text=True)
        assert self.choose(signed_in, token, "Lantern").status_code == 303
        assert "partner_code_chosen" in audit_actions()
        page = signed_in.get(f"/w/{token}").get_data(as_text=True)
        assert "Your personal code is set" in page and "A personal code (optional)" not in page
        phone = another_browser(app)
        assert "Enter your code" in phone.get(f"/w/{token}").get_data(as_text=True)
        assert "Your worksheets" in enter_code(phone, token, "lantern")


def test_every_client_page_is_kept_out_of_every_cache(app, client, answered, sheet_url):
    pages = [
        client.get(f"/w/{answered}"),
        client.get(sheet_url),
        client.get("/w/" + "A" * 43),
        quick_exit(client),
        client.get(f"/w/{answered}"),
        client.get(sheet_url),
    ]
    assert [p.headers["Cache-Control"] for p in pages] == ["no-store"] * len(pages)


def test_an_alert_prompts_the_therapist_to_suggest_a_code(app, signed_in, couple):
    from tests import factories
    from tests.safety.check_in import RAISING, send

    assignment = factories.make_assignment(couple, ("safety-check-in",))
    token = factories.client_tokens(assignment)[0]
    send(signed_in, token, RAISING)
    page = signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Alex has no personal code. Suggest one" in page
    set_code(signed_in, couple, couple.partners[0])
    page = signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Alex has no personal code" not in page


def test_a_partner_answering_is_handed_no_new_cookie(client, answered, sheet_url):
    """The cookie holds the browser's key and form token: pages and saves leave it as it is,
    so no copy of it is ever refreshed, and it names nobody signed in."""
    form = open_form(client, sheet_url)
    for _ in range(2):
        response = client.get(sheet_url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
    saved = client.post(sheet_url + "/autosave", data=filled(form, {"a.story": "And Monday."}))
    assert saved.json["status"] == "saved"
    assert "Set-Cookie" not in saved.headers
