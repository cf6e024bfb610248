"""Production refuses a database that the demo's published sign-in could open."""

from sqlalchemy import inspect, select

from clinic.auth.passwords import verify_password
from clinic.demo import DEMO_EMAIL, DEMO_PASSWORD
from clinic.extensions import db
from clinic.models import Therapist


def demo_sign_in_problems() -> list[str]:
    """What in this database the demo's e-mail or password opens, each with what to do.

    Run once at start-up. An empty database (before ``flask db upgrade``) has nothing to open.
    Each active account's hash is checked against the demo password (one argon2 verify each).
    """
    if not inspect(db.engine).has_table(Therapist.__tablename__):
        return []
    therapists = db.session.scalars(select(Therapist).order_by(Therapist.email)).all()
    problems = []
    if any(t.email == DEMO_EMAIL for t in therapists):
        problems.append(
            f"the demo account {DEMO_EMAIL} exists, so this database holds the demo's invented"
            " couples: give production a database of its own (set CLINIC_DATABASE_URL to an"
            " empty database and run `flask --app clinic db upgrade`)"
        )
    with_demo_password = [
        t.email
        for t in therapists
        if not t.is_disabled
        and t.email != DEMO_EMAIL
        and verify_password(t.password_hash, DEMO_PASSWORD)
    ]
    if with_demo_password:
        # The command runs outside production: production itself does not start until then.
        problems.append(
            f"the demo password still signs in to {', '.join(with_demo_password)}: disable"
            " each with `CLINIC_ENV_NAME=development flask --app clinic therapist disable"
            " EMAIL` and create its therapist a new account with a password of their own"
        )
    return problems
