"""Access rules shared by every therapist-facing blueprint."""

from functools import wraps

from flask import Blueprint, abort
from flask_login import current_user, login_required


def therapists_only(bp: Blueprint) -> Blueprint:
    """Every page of ``bp`` needs a signed-in therapist; one hook, so no route can forget it."""

    @bp.before_request
    @login_required
    def _require_login() -> None:
        return None

    return bp


def admin_required(view):
    """The view needs a signed-in administrator; anyone else gets 403."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper
