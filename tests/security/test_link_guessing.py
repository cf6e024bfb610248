"""Guessing links from many addresses: the administrators are told, and no valid link is refused."""

import pytest
from flask_babel import get_locale
from sqlalchemy import select

from clinic.client import guessing
from clinic.client.guessing import SUBJECT
from clinic.extensions import db
from clinic.models import AuditEvent
from tests import factories


@pytest.fixture
def ceiling(app):
    """A low ceiling for all misses together, and a per-address limit no single guesser meets."""
    app.config.update(LINK_MISS_ALERT_LIMIT="5 per hour", LINK_RATE_LIMIT="3 per minute")


def miss_from(client, address: str, guess: str):
    return client.get(f"/w/{guess * 43}", environ_base={"REMOTE_ADDR": address})


def guess_from_many_addresses(client, count: int) -> list[int]:
    """``count`` misses, each from another address, so no per-address limit is reached."""
    return [
        miss_from(client, f"198.51.100.{n}", "ABCDEFGHIJKLMN"[n % 14]).status_code
        for n in range(1, count + 1)
    ]


def alerts() -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "link_guessing_alert"))
    )


def test_crossing_the_ceiling_mails_every_administrator_once(client, inbox, ceiling, therapist):
    admins = [factories.make_therapist(is_admin=True) for _ in range(2)]
    retired = factories.make_therapist(is_admin=True)
    retired.is_disabled = True
    db.session.commit()

    assert guess_from_many_addresses(client, 5) == [404] * 5
    assert inbox.messages == [], "under the ceiling nobody is alerted"

    assert guess_from_many_addresses(client, 4) == [404] * 4, "the ceiling refuses nothing"

    assert sorted(m["To"] for m in inbox.messages) == sorted(a.email for a in admins)
    message = inbox.messages[0]
    assert message["Subject"] == SUBJECT
    body = message.get_content()
    assert "More than 5 client links" in body and "within 1 hour" in body
    assert "ABCDEFG" not in body and "198.51.100" not in body, "no guess and no address"
    assert therapist.email not in {m["To"] for m in inbox.messages}

    (alert,) = alerts()
    assert (alert.actor, alert.owner_id) == ("system", None)
    assert alert.detail == "limit=5/1hour,mailed=2"


def test_the_alert_shows_in_the_administrators_audit_log(client, inbox, ceiling):
    admin = factories.make_therapist(is_admin=True)
    guess_from_many_addresses(client, 6)
    factories.sign_in(client, admin)

    page = client.get("/audit/?scope=all").get_data(as_text=True)

    assert "Many unknown links tried" in page


def test_the_alert_is_recorded_even_without_mail(client, ceiling):
    factories.make_therapist(is_admin=True)
    guess_from_many_addresses(client, 8)
    (alert,) = alerts()
    assert alert.detail.endswith("mailed=0")


def test_valid_links_open_while_the_ceiling_is_crossed(client, inbox, ceiling, couple_with_links):
    factories.make_therapist(is_admin=True)
    guess_from_many_addresses(client, 10)
    assert len(inbox.messages) == 1

    token = couple_with_links.tokens[0]
    for address in ("198.51.100.1", "203.0.113.9"):
        response = client.get(f"/w/{token}", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 200, address


def test_each_administrator_is_alerted_in_their_own_language(client, inbox, ceiling, monkeypatch):
    """Written through the catalogue in each administrator's language (gettext spied on here)."""
    monkeypatch.setattr(
        guessing, "gettext", lambda message, **values: f"[{get_locale()}] " + message % values
    )
    english = factories.make_therapist(is_admin=True)
    spanish = factories.make_therapist(is_admin=True)
    spanish.language = "es"
    db.session.commit()

    guess_from_many_addresses(client, 6)

    written = {m["To"]: m for m in inbox.messages}
    for admin, language in ((english, "en"), (spanish, "es")):
        assert written[admin.email]["Subject"] == f"[{language}] {SUBJECT}"
        assert written[admin.email].get_content().startswith(f"[{language}] Hello,")
