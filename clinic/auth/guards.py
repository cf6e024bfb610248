"""Access rules shared by every therapist-facing blueprint."""

from flask import Blueprint
from flask_login import login_required


def therapists_only(bp: Blueprint) -> Blueprint:
    """Every page of ``bp`` needs a signed-in therapist; one hook, so no route can forget it."""

    @bp.before_request
    @login_required
    def _require_login() -> None:
        return None

    return bp
