"""New links shown once: after a POST the view redirects, and the next GET shows them.

Only the tokens' hashes are stored, so between the two requests the raw tokens wait in the
therapist's session, sealed with the practice's key (the cookie is signed, not secret), and
the page that shows them takes them out: a reload finds nothing and recreates nothing.
"""

from flask import session

from clinic.assignments import links
from clinic.models import Assignment
from clinic.storage import SealError, current_cipher

SESSION_KEY = "links_shown_once"


def hold(assignment: Assignment, issued: list[links.IssuedLink]) -> None:
    """Keep these links for the one page that shows them next (per assignment, so two tabs
    making links for two assignments do not take each other's)."""
    cipher = current_cipher()
    held = _held()
    held[str(assignment.id)] = [cipher.seal(item.token) for item in issued]
    session[SESSION_KEY] = held


def take(assignment: Assignment) -> list[links.IssuedLink]:
    """The held links of this assignment that still work, gone from the session once taken."""
    held = _held()
    sealed = held.pop(str(assignment.id), None)
    if held:
        session[SESSION_KEY] = held
    else:
        session.pop(SESSION_KEY, None)
    if not isinstance(sealed, list):
        return []
    cipher = current_cipher()
    try:
        tokens = [cipher.open(token) for token in sealed if isinstance(token, str)]
    except SealError:  # the keys were rotated in between: make new links instead
        return []
    return links.links_from_tokens(assignment, tokens)


def _held() -> dict[str, list]:
    held = session.get(SESSION_KEY)
    return dict(held) if isinstance(held, dict) else {}
