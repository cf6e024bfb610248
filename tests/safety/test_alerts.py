"""Answers that meet an alert rule reach the dashboard and the couple page until reviewed."""

import re

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent
from tests import factories
from tests.client.browser_form import browser_form
from tests.safety.check_in import CALM, RAISING, SECRET, alerts, send

BANNER = 'id="safety-banner"'


def audit_actions() -> list[tuple[str, str, int | None]]:
    return [
        (e.action, e.object_type, e.couple_id)
        for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]


class TestRaising:
    def test_sending_answers_that_meet_the_rules_stores_one_alert(self, client, tokens):
        send(client, tokens[0], RAISING)
        (alert,) = alerts()
        assert alert.item_ids == ["afraid", "controls", "email-safe", "anything-else"]
        assert alert.urgency == "urgent"
        assert alert.raised_at is not None and alert.reviewed_at is None

    def test_calm_answers_raise_nothing(self, client, tokens):
        send(client, tokens[0], CALM)
        assert alerts() == []

    def test_a_saved_draft_raises_it_too_so_nothing_waits_for_the_send_button(self, client, tokens):
        send(client, tokens[0], {"a.forced": "recent"}, action="save")
        url = f"/w/{tokens[1]}/1"
        form = browser_form(client.get(url).data)
        form["a.safe-at-home"] = "unsafe"
        assert client.post(f"{url}/autosave", data=form).status_code == 200
        assert [(a.item_ids, a.urgency) for a in alerts()] == [
            (["forced"], "urgent"),
            (["safe-at-home"], "urgent"),
        ]

    def test_saving_the_same_answers_again_raises_nothing_new(self, client, tokens):
        send(client, tokens[0], RAISING, action="save")
        send(client, tokens[0], RAISING, action="save")
        send(client, tokens[0], {}, action="submit")
        assert len(alerts()) == 1

    def test_a_new_concern_joins_the_open_alert(self, client, tokens):
        send(client, tokens[0], {"a.email-safe": "no"}, action="save")
        send(client, tokens[0], {"a.pressure": "3"}, action="save")
        (alert,) = alerts()
        assert (alert.item_ids, alert.urgency) == (["pressure", "email-safe"], "soon")

    def test_after_review_a_new_or_graver_concern_raises_a_new_alert(
        self, client, signed_in, tokens
    ):
        send(client, tokens[0], {"a.afraid": "sometimes"}, action="save")
        (first,) = alerts()
        signed_in.post(f"/alerts/{first.id}/reviewed")
        send(client, tokens[0], {"a.afraid": "rarely"}, action="save")
        send(client, tokens[0], {"a.afraid": "sometimes"}, action="save")
        assert len(alerts()) == 1  # the same concern, already reviewed
        send(client, tokens[0], {"a.afraid": "always"}, action="save")
        assert [(a.item_ids, a.urgency) for a in alerts()] == [
            (["afraid"], "soon"),
            (["afraid"], "urgent"),
        ]

    def test_worksheets_without_rules_cost_no_query(self, client, tokens, count_queries):
        url = f"/w/{tokens[0]}/2"  # the monthly check-in
        form = browser_form(client.get(url).data)
        form["a.closeness"] = "3"
        with count_queries() as statements:
            client.post(f"{url}/autosave", data=form)
        assert not any("safety_alerts" in s for s in statements)

    def test_raising_is_audited_for_the_therapist_without_the_couple(self, client, tokens, couple):
        """The couple's access log goes into each partner's export: alerts stay out of it."""
        send(client, tokens[0], RAISING)
        (alert,) = alerts()
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "safety_alert_raised")
        )
        assert (event.object_id, event.actor, event.couple_id) == (alert.id, "client link", None)
        assert event.owner_id == couple.therapist_id


class TestSupportText:
    def test_follows_answers_that_raise_an_alert_under_the_neutral_title(self, client, tokens):
        response = send(client, tokens[0], RAISING)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "<title>Worksheet</title>" in page
        assert "Thank you. Your answers were sent to your therapist." in page
        assert "call your local emergency number" in page
        assert 'class="flash flash-support"' in page

    def test_is_not_shown_after_calm_answers(self, client, tokens):
        response = send(client, tokens[0], CALM)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Thank you" in page and "emergency" not in page

    def test_is_the_practices_own_setting(self, app, client, tokens):
        app.config["SUPPORT_TEXT"] = "Call Harbour House on 0800 000 000, day or night."
        response = send(client, tokens[0], RAISING)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Call Harbour House on 0800 000 000, day or night." in page
        assert "emergency number" not in page

    def test_is_shown_once_not_every_time_the_link_is_opened(self, client, tokens):
        response = send(client, tokens[0], RAISING)
        client.get(response.headers["Location"])
        assert "emergency" not in client.get(f"/w/{tokens[0]}").get_data(as_text=True)


class TestTheTherapistSees:
    def test_the_alert_with_the_answers_behind_it_on_the_dashboard(
        self, signed_in, client, tokens, couple
    ):
        send(client, tokens[0], RAISING)
        page = signed_in.get("/assignments/").get_data(as_text=True)
        section = page[page.index('id="alerts"') :]
        assert couple.label in section and "Alex" in section and "Private check-in" in section
        assert "Urgent: contact this partner alone" in section
        assert "How often are you afraid of how your partner will react?" in section
        assert "Most of the time" not in section and "Often" in section
        assert "Keeps money from me or checks all I spend; Checks my phone or messages" in section
        assert SECRET in section
        assert "Mark as reviewed" in section

    def test_the_alert_on_the_couple_page(self, signed_in, client, tokens, couple):
        send(client, tokens[0], RAISING)
        page = signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)
        assert 'id="alerts"' in page and SECRET in page and "Mark as reviewed" in page

    def test_nothing_when_there_is_no_alert(self, signed_in, couple):
        factories.make_assignment(couple, ("safety-check-in",))
        assert 'id="alerts"' not in signed_in.get("/assignments/").get_data(as_text=True)
        page = signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)
        assert 'id="alerts"' not in page and BANNER not in page

    def test_not_another_therapists_alerts(self, client, tokens, couple):
        send(client, tokens[0], RAISING)
        factories.sign_in(client, factories.make_therapist())
        page = client.get("/assignments/").get_data(as_text=True)
        assert 'id="alerts"' not in page and SECRET not in page

    def test_showing_the_answers_is_audited(self, signed_in, client, tokens):
        send(client, tokens[0], RAISING)
        (alert,) = alerts()
        signed_in.get("/assignments/")
        viewed = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "answers_viewed", AuditEvent.object_type == "safety_alert"
            )
        )
        assert (viewed.object_id, viewed.couple_id, viewed.detail) == (
            alert.id,
            None,
            "safety_alert",
        )


class TestReviewing:
    def test_records_the_time_and_the_therapist_and_audits_it(
        self, signed_in, client, tokens, therapist, couple
    ):
        send(client, tokens[0], RAISING)
        (alert,) = alerts()
        response = signed_in.post(f"/alerts/{alert.id}/reviewed", data={"back": "couple"})
        assert response.headers["Location"].endswith(f"/couples/{couple.id}#alerts")
        db.session.refresh(alert)
        assert alert.reviewed_by == therapist.id and alert.reviewed_at is not None
        assert ("safety_alert_reviewed", "safety_alert", None) in audit_actions()
        page = signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)
        assert f"by {therapist.display_name}" in page and "Mark as reviewed" not in page
        assert 'id="alerts"' not in signed_in.get("/assignments/").get_data(as_text=True)

    def test_from_the_dashboard_returns_there(self, signed_in, client, tokens):
        send(client, tokens[0], RAISING)
        (alert,) = alerts()
        response = signed_in.post(f"/alerts/{alert.id}/reviewed", data={"back": "dashboard"})
        assert response.headers["Location"].endswith("/assignments/#alerts")

    def test_needs_a_valid_csrf_token(self, signed_in, client, tokens):
        send(client, tokens[0], RAISING)
        (alert,) = alerts()
        response = signed_in.post(f"/alerts/{alert.id}/reviewed", data={}, csrf=False)
        assert response.status_code in (302, 400)
        db.session.refresh(alert)
        assert alert.reviewed_at is None

    def test_twice_keeps_the_first_review(self, signed_in, client, tokens):
        send(client, tokens[0], RAISING)
        (alert,) = alerts()
        signed_in.post(f"/alerts/{alert.id}/reviewed")
        db.session.refresh(alert)
        first = alert.reviewed_at
        again = signed_in.post(f"/alerts/{alert.id}/reviewed", follow_redirects=True)
        assert "already been reviewed" in again.get_data(as_text=True)
        db.session.refresh(alert)
        assert alert.reviewed_at == first

    def test_by_another_therapist_is_refused(self, client, tokens):
        send(client, tokens[0], RAISING)
        (alert,) = alerts()
        factories.sign_in(client, factories.make_therapist())
        assert client.post(f"/alerts/{alert.id}/reviewed").status_code == 404
        db.session.refresh(alert)
        assert alert.reviewed_at is None


class TestTheBanner:
    @pytest.fixture
    def raised(self, client, tokens):
        send(client, tokens[0], RAISING)
        return alerts()[0]

    def couple_pages(self, couple, assignment) -> list[str]:
        return [
            f"/couples/{couple.id}",
            f"/couples/{couple.id}/edit",
            f"/couples/{couple.id}/handouts",
            f"/couples/{couple.id}/record",
            f"/couples/{couple.id}/assign",
            f"/assignments/{assignment.id}",
            f"/review/couples/{couple.id}",
            f"/review/assignments/{assignment.id}",
        ]

    def test_is_on_every_page_about_the_couple_until_reviewed(
        self, signed_in, couple, assignment, raised
    ):
        for url in self.couple_pages(couple, assignment):
            page = signed_in.get(url).get_data(as_text=True)
            assert BANNER in page and "1 safety alert not reviewed yet." in page, url
        signed_in.post(f"/alerts/{raised.id}/reviewed")
        for url in self.couple_pages(couple, assignment):
            assert BANNER not in signed_in.get(url).get_data(as_text=True), url

    def test_is_never_on_the_session_view_nor_on_a_partners_page(
        self, signed_in, client, tokens, assignment, raised
    ):
        session = signed_in.get(f"/review/assignments/{assignment.id}/session")
        assert session.status_code == 200 and BANNER not in session.get_data(as_text=True)
        for url in (f"/w/{tokens[0]}", f"/w/{tokens[1]}", f"/w/{tokens[1]}/1"):
            page = client.get(url).get_data(as_text=True)
            assert BANNER not in page and "alert" not in page.lower(), url

    def test_is_not_on_other_couples_pages(self, signed_in, therapist, raised):
        other = factories.make_couple(therapist)
        assert BANNER not in signed_in.get(f"/couples/{other.id}").get_data(as_text=True)


def test_pages_run_a_fixed_number_of_queries_however_many_alerts(
    signed_in, therapist, couple, count_queries
):
    factories.make_safety_alert(couple)
    urls = ["/assignments/", f"/couples/{couple.id}"]
    small = []
    for url in urls:
        signed_in.get(url)
        with count_queries() as statements:
            signed_in.get(url)
        small.append(len(reads(statements)))
    for _ in range(5):
        factories.make_safety_alert(couple, partner=couple.partners[1])
        factories.make_safety_alert(factories.make_couple(therapist))
    for url, before in zip(urls, small, strict=True):
        with count_queries() as statements:
            page = signed_in.get(url).get_data(as_text=True)
        assert len(re.findall(r'class="safety-alert ', page)) >= 6
        assert len(reads(statements)) == before, url


def reads(statements: list[str]) -> list[str]:
    """Everything but the audit entries, which are one INSERT per alert shown."""
    return [s for s in statements if not s.lstrip().upper().startswith("INSERT")]
