"""Therapist sessions live on the server: a copied cookie dies with the session it names."""

import re

import pyotp
import pytest
from sqlalchemy import func, select

from clinic.auth import sessions
from clinic.auth.sessions import SESSION_ID_FIELD, device_label, device_summary
from clinic.extensions import db
from clinic.models import AuditEvent, Therapist, TherapistSession
from tests import factories
from tests.helpers import copy_session_cookie, idle_for

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
MAC_SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)


@pytest.fixture
def thief(app):
    """Another browser, which will be handed a copy of the therapist's cookie."""
    return app.test_client()


def signed_in_with_a_copy(client, thief, therapist) -> None:
    factories.sign_in(client, therapist)
    assert client.get("/couples/").status_code == 200
    copy_session_cookie(client, thief)
    assert thief.get("/couples/").status_code == 200, "the copy works while the session lives"


def refused(client) -> bool:
    response = client.get("/couples/")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def live_sessions(therapist) -> int:
    return db.session.scalar(
        select(func.count(TherapistSession.id)).where(TherapistSession.therapist_id == therapist.id)
    )


def session_ends() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "session_ended")
            .order_by(AuditEvent.id)
        )
    )


def test_a_copied_cookie_is_refused_after_sign_out(client, thief, therapist):
    signed_in_with_a_copy(client, thief, therapist)

    client.post("/logout")

    assert refused(thief)
    assert refused(thief), "and stays refused: a replay revives nothing"
    assert live_sessions(therapist) == 0
    assert session_ends() == ["reason=signed_out"]


def test_signing_out_signs_out_every_other_browser_too(app, client, therapist):
    office = app.test_client()
    factories.sign_in(office, therapist)
    factories.sign_in(client, therapist)

    client.post("/logout")

    assert refused(office)
    assert refused(client)
    assert live_sessions(therapist) == 0


def test_a_copied_cookie_is_refused_after_a_password_change(client, thief, therapist):
    signed_in_with_a_copy(client, thief, therapist)

    response = client.post(
        "/account/password",
        data={
            "current": factories.PASSWORD,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )

    assert response.status_code == 302
    assert refused(thief)
    assert client.get("/couples/").status_code == 200, "the browser that changed it stays in"
    assert live_sessions(therapist) == 1
    assert session_ends() == ["reason=password_changed"]
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "password_changed" in actions


def test_a_password_change_needs_the_current_password_and_keeps_every_session(
    client, thief, therapist
):
    signed_in_with_a_copy(client, thief, therapist)

    response = client.post(
        "/account/password",
        data={"current": "not my password", "password": "x" * 12, "confirm": "x" * 12},
    )

    assert response.status_code == 200
    assert "Your current password is not right." in response.get_data(as_text=True)
    assert thief.get("/couples/").status_code == 200
    factories.sign_in(client.application.test_client(), therapist)  # the old one still works


def test_a_copied_cookie_is_refused_after_the_account_is_disabled(app, client, thief, therapist):
    signed_in_with_a_copy(client, thief, therapist)

    result = app.test_cli_runner().invoke(args=["therapist", "disable", therapist.email])
    assert result.exit_code == 0, result.output
    assert refused(thief) and refused(client)

    db.session.get(Therapist, therapist.id).is_disabled = False  # an operator re-enables it
    db.session.commit()
    assert refused(thief), "the ended session does not come back with the account"
    assert session_ends() == ["reason=account_disabled"]


def turn_on_two_factor(client) -> str:
    client.post("/account/two-factor/start")
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    code = pyotp.TOTP(secret).now()
    response = client.post("/account/two-factor/confirm", data={"code": code})
    assert response.status_code == 302, "two-factor was not turned on"
    assert client.get(response.headers["Location"]).status_code == 200  # the codes, shown once
    return secret


def test_a_copied_cookie_is_refused_after_two_factor_is_turned_on(client, thief, therapist):
    signed_in_with_a_copy(client, thief, therapist)

    turn_on_two_factor(client)

    assert refused(thief)
    assert client.get("/couples/").status_code == 200
    assert session_ends() == ["reason=two_factor_changed"]


def test_a_copied_cookie_is_refused_after_two_factor_is_turned_off(client, thief, therapist):
    factories.sign_in(client, therapist)
    turn_on_two_factor(client)
    copy_session_cookie(client, thief)
    assert thief.get("/couples/").status_code == 200

    response = client.post("/account/two-factor/off", data={"password": factories.PASSWORD})

    assert response.status_code == 302
    assert refused(thief)
    assert client.get("/couples/").status_code == 200
    assert session_ends() == ["reason=two_factor_changed", "reason=two_factor_changed"]


def test_a_copied_cookie_is_refused_after_an_operator_resets_two_factor(
    app, client, thief, therapist
):
    factories.sign_in(client, therapist)
    turn_on_two_factor(client)
    copy_session_cookie(client, thief)

    result = app.test_cli_runner().invoke(args=["therapist", "reset-two-factor", therapist.email])

    assert result.exit_code == 0, result.output
    assert refused(thief) and refused(client)


def test_idle_time_is_counted_on_the_server_and_a_replay_does_not_extend_it(
    client, thief, therapist
):
    signed_in_with_a_copy(client, thief, therapist)
    idle_for(therapist, minutes=20)
    assert client.get("/couples/").status_code == 200, "used within the idle time"
    idle_for(therapist, minutes=20)
    assert client.get("/couples/").status_code == 200, "idle time counts from the last use"

    idle_for(therapist, minutes=31)
    with thief.session_transaction() as cookie:  # whatever the cookie claims counts for nothing
        cookie["last_seen"] = 4102444800.0  # the year 2100
        cookie["_fresh"] = True

    assert refused(thief)
    assert refused(client), "the session ended for every copy of its cookie"
    assert live_sessions(therapist) == 0
    assert session_ends() == ["reason=idle"]


def test_a_copied_cookie_used_from_another_address_ends_the_session(client, thief, therapist):
    factories.sign_in(client, therapist)
    assert client.get("/couples/").status_code == 200
    copy_session_cookie(client, thief)

    response = thief.get("/couples/", environ_base={"REMOTE_ADDR": "203.0.113.7"})

    assert response.status_code == 302
    assert refused(client), "the stolen session ended, for the therapist too: sign in again"
    assert session_ends() == ["reason=device_changed"]


def test_a_copied_cookie_used_on_a_partners_link_ends_the_session_too(
    client, thief, therapist, couple_with_links
):
    factories.sign_in(client, therapist)
    assert client.get("/couples/").status_code == 200
    copy_session_cookie(client, thief)

    link = f"/w/{couple_with_links.tokens[0]}"
    thief.get(link, environ_base={"REMOTE_ADDR": "203.0.113.7"})

    assert refused(client), "client pages check a therapist's cookie as every page does"
    assert session_ends() == ["reason=device_changed"]


def test_signed_in_pages_hand_out_no_newer_cookie(signed_in):
    """The cookie never changes while signed in, so no copy can be refreshed into a newer one."""
    signed_in.get("/couples/")  # the first page stores the form token
    for url in ("/couples/", "/account/sessions", "/couples/"):
        response = signed_in.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, url


def test_a_forged_session_token_signs_nobody_in(client, therapist):
    factories.sign_in(client, therapist)
    with client.session_transaction() as cookie:
        cookie[SESSION_ID_FIELD] = "made-up-" + cookie[SESSION_ID_FIELD][8:]
    assert refused(client)


def test_the_database_holds_only_the_tokens_hash_and_a_device_summary(client, therapist):
    client.environ_base["HTTP_USER_AGENT"] = ANDROID_CHROME
    factories.sign_in(client, therapist)
    with client.session_transaction() as cookie:
        token = cookie[SESSION_ID_FIELD]

    row = db.session.scalars(select(TherapistSession)).one()
    assert len(token) >= 40 and token not in row.token_hash
    assert row.device == "Chrome on Android"
    assert "127.0.0.1" not in (row.device, row.token_hash)


def test_the_active_sessions_page_lists_each_browser_and_ends_another(app, client, therapist):
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = ANDROID_CHROME
    client.environ_base["HTTP_USER_AGENT"] = MAC_SAFARI
    factories.sign_in(phone, therapist)
    factories.sign_in(client, therapist)

    page = client.get("/account/sessions").get_data(as_text=True)
    assert "Chrome on Android" in page and "Safari on macOS" in page
    assert page.count("This browser") == 1
    phone_id = db.session.scalar(
        select(TherapistSession.id).where(TherapistSession.device == "Chrome on Android")
    )

    response = client.post(f"/account/sessions/{phone_id}/end")

    assert response.status_code == 302
    assert refused(phone)
    page = client.get("/account/sessions").get_data(as_text=True)
    assert "Chrome on Android" not in page and "Safari on macOS" in page
    assert session_ends() == ["reason=ended_by_therapist"]


def test_sign_out_everywhere_else_keeps_only_this_browser(app, client, therapist):
    others = [app.test_client() for _ in range(2)]
    for other in others:
        factories.sign_in(other, therapist)
    factories.sign_in(client, therapist)

    client.post("/account/sessions/end-others")

    assert all(refused(other) for other in others)
    assert client.get("/couples/").status_code == 200
    assert live_sessions(therapist) == 1


def test_ending_the_own_session_from_the_list_signs_out(client, therapist):
    factories.sign_in(client, therapist)
    own = db.session.scalar(select(TherapistSession.id))

    response = client.post(f"/account/sessions/{own}/end")

    assert response.headers["Location"] == "/login"
    assert refused(client)


def test_nobody_ends_another_therapists_session(app, client, therapist):
    colleague = factories.make_therapist(email="colleague@example.org")
    theirs = app.test_client()
    factories.sign_in(theirs, colleague)
    their_id = db.session.scalar(
        select(TherapistSession.id).where(TherapistSession.therapist_id == colleague.id)
    )
    factories.sign_in(client, therapist)

    assert client.post(f"/account/sessions/{their_id}/end").status_code == 404
    assert theirs.get("/couples/").status_code == 200


def test_ending_a_session_needs_a_form_token(client, therapist):
    factories.sign_in(client, therapist)
    own = db.session.scalar(select(TherapistSession.id))

    response = client.post(f"/account/sessions/{own}/end", data={}, csrf=False)

    assert response.status_code == 400
    assert client.get("/couples/").status_code == 200


DEVICES = [
    (ANDROID_CHROME, "Chrome on Android"),
    (MAC_SAFARI, "Safari on macOS"),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Safari on iPhone",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
        "Firefox on Windows",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
        "Edge on Windows",
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/126.0.0.0 Safari/537.36",
        "Chrome on Linux",
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
        "A browser on Linux",
    ),
    ("curl/8.5.0", "An unknown browser"),
    ("", "An unknown browser"),
]


@pytest.mark.parametrize(("user_agent", "summary"), DEVICES)
def test_devices_are_summarised_in_a_few_plain_words(user_agent, summary):
    assert device_summary(user_agent) == summary


def test_the_sessions_page_words_each_device_in_the_therapists_language(monkeypatch):
    """Stored in one English form, listed through the catalogue: only the names stay as they are."""
    monkeypatch.setattr(sessions, "_", lambda message, **names: "[" + message % names + "]")
    for user_agent, summary in DEVICES:
        assert device_label(device_summary(user_agent)) == f"[{summary}]"
