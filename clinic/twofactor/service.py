"""TOTP secrets, codes and recovery codes, and the clinic-wide "require two-factor" policy."""

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, select

from clinic.extensions import db
from clinic.models import ClinicSetting, RecoveryCode, Therapist
from clinic.storage import utcnow

ISSUER = "Tandem"
RECOVERY_CODE_COUNT = 10
REQUIRE_SETTING = "require_two_factor"
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)


def is_enabled(therapist: Therapist) -> bool:
    return therapist.totp_enabled_at is not None


def is_required() -> bool:
    """Required by the instance config or by an administrator's setting."""
    if current_app.config["REQUIRE_TWO_FACTOR"]:
        return True
    setting = db.session.get(ClinicSetting, REQUIRE_SETTING)
    return setting is not None and setting.value == "1"


def set_required(required: bool) -> bool:
    """Store the policy; True when it changed."""
    setting = db.session.get(ClinicSetting, REQUIRE_SETTING)
    value = "1" if required else "0"
    if setting is not None and setting.value == value:
        return False
    if setting is None:
        db.session.add(ClinicSetting(key=REQUIRE_SETTING, value=value))
    else:
        setting.value = value
    return True


def start_setup(therapist: Therapist) -> None:
    """A fresh secret, sealed in the database, used once the therapist confirms a code."""
    therapist.totp_secret = pyotp.random_base32()
    therapist.totp_enabled_at = None
    therapist.totp_last_step = None


def provisioning_uri(therapist: Therapist) -> str:
    if therapist.totp_secret is None:
        raise ValueError("start_setup() gives the therapist a secret first")
    return pyotp.TOTP(therapist.totp_secret).provisioning_uri(
        name=therapist.email, issuer_name=ISSUER
    )


def qr_data_uri(therapist: Therapist) -> str:
    """The setup QR code as an SVG data: URI (allowed by the CSP; nothing leaves the server)."""
    return segno.make(provisioning_uri(therapist), error="m").svg_data_uri(scale=5)


def verify_totp(therapist: Therapist, code: str, now: float | None = None) -> bool:
    """Accept a code from the previous, current or next 30-second step, each at most once."""
    if not therapist.totp_secret:
        return False
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(therapist.totp_secret)
    now = time.time() if now is None else now
    current_step = totp.timecode(now)
    for step in (current_step - 1, current_step, current_step + 1):
        if therapist.totp_last_step is not None and step <= therapist.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            therapist.totp_last_step = step
            return True
    return False


def confirm_setup(therapist: Therapist, code: str) -> list[str] | None:
    """Turn two-factor on when the code fits; returns the new recovery codes (shown once)."""
    if is_enabled(therapist) or not verify_totp(therapist, code):
        return None
    therapist.totp_enabled_at = utcnow()
    return renew_recovery_codes(therapist)


def disable(therapist: Therapist) -> None:
    therapist.totp_secret = None
    therapist.totp_enabled_at = None
    therapist.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.therapist_id == therapist.id))


def renew_recovery_codes(therapist: Therapist) -> list[str]:
    """Replace all recovery codes; only their SHA-256 is kept (80 random bits each)."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.therapist_id == therapist.id))
    db.session.add_all(
        RecoveryCode(therapist_id=therapist.id, code_hash=_hash_code(code)) for code in codes
    )
    return codes


def use_recovery_code(therapist: Therapist, code: str) -> bool:
    """Accept an unused recovery code once."""
    wanted = _hash_code(code)
    for stored in db.session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.therapist_id == therapist.id, RecoveryCode.used_at.is_(None)
        )
    ):
        if hmac.compare_digest(stored.code_hash, wanted):
            stored.used_at = utcnow()
            return True
    return False


def unused_recovery_codes(therapist: Therapist) -> int:
    return db.session.execute(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.therapist_id == therapist.id, RecoveryCode.used_at.is_(None)
        )
    ).scalar_one()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _hash_code(code: str) -> str:
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode("ascii", "ignore")).hexdigest()
