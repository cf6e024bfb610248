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
    """Keep these links for the one page that shows them next."""
    cipher = current_cipher()
    session[SESSION_KEY] = {
        "assignment": assignment.id,
        "tokens": [cipher.seal(item.token) for item in issued],
    }


def take(assignment: Assignment) -> list[links.IssuedLink]:
    """The held links of this assignment that still work, gone from the session once taken."""
    held = session.pop(SESSION_KEY, None)
    if not isinstance(held, dict) or held.get("assignment") != assignment.id:
        return []
    cipher = current_cipher()
    try:
        tokens = [
            cipher.open(sealed) for sealed in held.get("tokens", []) if isinstance(sealed, str)
        ]
    except SealError:  # the keys were rotated in between: make new links instead
        return []
    return links.links_from_tokens(assignment, tokens)
