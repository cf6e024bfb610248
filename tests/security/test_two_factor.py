"""Two-factor sign-in: TOTP after the password, one-time recovery codes, a clinic-wide rule."""

import re
import time

import pyotp
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent, RecoveryCode, Therapist
from clinic.twofactor import service
from tests import factories


def turn_on_two_factor(client, therapist) -> list[str]:
    """Set up two-factor through the pages, as a therapist would; returns the recovery codes."""
    factories.sign_in(client, therapist)
    client.post("/account/two-factor/start")
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    response = client.post(
        "/account/two-factor/confirm",
        data={"code": pyotp.TOTP(secret).now()},
        follow_redirects=True,
    )
    assert response.status_code == 200
    codes = re.findall(
        r"<code>([a-z0-9]{4}(?:-[a-z0-9]{4}){3})</code>", response.get_data(as_text=True)
    )
    client.post("/logout")
    return codes


def current_code(therapist, offset_steps: int = 0) -> str:
    db.session.refresh(therapist)
    totp = pyotp.TOTP(therapist.totp_secret)
    return totp.at(time.time() + 30 * offset_steps)


def password_step(client, therapist):
    return client.post("/login", data={"email": therapist.email, "password": factories.PASSWORD})


def sign_in_with_code(client, therapist) -> None:
    """Password, then the code of the next time step (the setup used the current one)."""
    password_step(client, therapist)
    response = client.post("/login/code", data={"code": current_code(therapist, offset_steps=1)})
    assert response.status_code == 302 and client.get("/couples/").status_code == 200


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_setup_shows_a_qr_code_and_ten_recovery_codes(client, therapist):
    factories.sign_in(client, therapist)
    client.post("/account/two-factor/start")

    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    client.post("/logout")
    db.session.refresh(therapist)
    therapist.totp_secret = None
    db.session.commit()

    codes = turn_on_two_factor(client, therapist)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert service.is_enabled(db.session.get(Therapist, therapist.id))
    assert "two_factor_enabled" in actions()


def test_recovery_codes_are_stored_only_as_hashes(client, therapist):
    codes = turn_on_two_factor(client, therapist)
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & set(stored)
    assert not set(codes) & set(stored)


def test_the_password_alone_no_longer_signs_in(client, therapist):
    turn_on_two_factor(client, therapist)

    response = password_step(client, therapist)

    assert response.headers["Location"].endswith("/login/code")
    assert client.get("/couples/").status_code == 302
    assert client.get("/login/code").status_code == 200


def test_the_right_code_signs_in_and_works_only_once(client, therapist):
    turn_on_two_factor(client, therapist)
    password_step(client, therapist)
    code = current_code(therapist, offset_steps=1)

    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get("/couples/").status_code == 200
    client.post("/logout")

    password_step(client, therapist)
    replayed = client.post("/login/code", data={"code": code})
    assert replayed.status_code == 200
    assert b"did not work" in replayed.data
    assert client.get("/couples/").status_code == 302


def test_a_wrong_code_is_refused_and_recorded(client, therapist):
    turn_on_two_factor(client, therapist)
    password_step(client, therapist)

    response = client.post("/login/code", data={"code": "000000"})

    assert b"did not work" in response.data
    assert client.get("/couples/").status_code == 302
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "sign_in_failed")
    ).one()
    assert (event.object_id, event.detail) == (therapist.id, "code")


def test_a_recovery_code_signs_in_once(client, therapist):
    codes = turn_on_two_factor(client, therapist)
    password_step(client, therapist)

    assert client.post("/login/code", data={"code": codes[3].upper()}).status_code == 302
    assert client.get("/couples/").status_code == 200
    client.post("/logout")
    password_step(client, therapist)
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 200
    assert service.unused_recovery_codes(therapist) == 9
    assert "recovery_code_used" in actions()


def test_the_code_step_expires_and_cannot_be_skipped(app, client, therapist):
    turn_on_two_factor(client, therapist)
    assert client.get("/login/code").headers["Location"].endswith("/login")

    password_step(client, therapist)
    with client.session_transaction() as session:
        pending = session["two_factor_pending"]
        session["two_factor_pending"] = {**pending, "at": pending["at"] - 301}
    response = client.post("/login/code", data={"code": current_code(therapist)})
    assert response.headers["Location"].endswith("/login")
    assert client.get("/couples/").status_code == 302


def test_the_login_form_keeps_its_email_and_password_fields(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page and 'name="code"' not in page


def test_an_admin_can_require_two_factor_for_everyone(client, therapist):
    admin = factories.make_therapist(is_admin=True)
    factories.sign_in(client, admin)
    assert b"Require two-factor sign-in" in client.get("/settings/security").data
    client.post("/settings/security", data={"require_two_factor": "y"})
    client.post("/logout")

    factories.sign_in(client, therapist)
    response = client.get("/couples/")

    assert response.headers["Location"].endswith("/account/two-factor")
    assert client.get("/account/two-factor").status_code == 200
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "settings_changed")
    ).one()
    assert (event.therapist_id, event.detail) == (admin.id, "require_two_factor=on")


def test_only_admins_change_clinic_settings(signed_in):
    assert signed_in.get("/settings/security").status_code == 403
    assert signed_in.post("/settings/security", data={"require_two_factor": "y"}).status_code == 403
    assert not service.is_required()


def test_two_factor_cannot_be_turned_off_while_required(client, therapist):
    turn_on_two_factor(client, therapist)
    service.set_required(True)
    sign_in_with_code(client, therapist)

    client.post("/account/two-factor/off", data={"password": factories.PASSWORD})

    assert service.is_enabled(db.session.get(Therapist, therapist.id))


def test_turning_off_needs_the_password(client, therapist):
    turn_on_two_factor(client, therapist)
    sign_in_with_code(client, therapist)

    client.post("/account/two-factor/off", data={"password": "not the password"})
    assert service.is_enabled(db.session.get(Therapist, therapist.id))
    client.post("/account/two-factor/off", data={"password": factories.PASSWORD})
    assert not service.is_enabled(db.session.get(Therapist, therapist.id))
    assert password_step(client, therapist).headers["Location"].endswith("/today")


def test_an_operator_can_reset_a_lost_authenticator(app, client, therapist):
    turn_on_two_factor(client, therapist)

    result = app.test_cli_runner().invoke(args=["therapist", "reset-two-factor", therapist.email])

    assert result.exit_code == 0, result.output
    assert password_step(client, therapist).headers["Location"].endswith("/today")
    assert "two_factor_reset" in actions()
