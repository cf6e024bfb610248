"""Account events, so that the layers above auth act on them without auth importing them.

Two-factor sign-in decides what follows a right password (clinic/twofactor/flow.py); the
audit log records the rest (clinic/audit/receivers.py).
"""

from blinker import Namespace
from flask.typing import ResponseReturnValue

from clinic.models import Therapist

_events = Namespace()

password_accepted = _events.signal("password-accepted")  # sender: the therapist
password_refused = _events.signal("password-refused")  # sender: the e-mail address typed
signing_out = _events.signal("signing-out")  # sender: the therapist, still signed in
therapist_created = _events.signal("therapist-created")  # sender: the new therapist
password_changed = _events.signal("password-changed")  # sender: the therapist
account_disabled = _events.signal("account-disabled")  # sender: the therapist
language_changed = _events.signal("language-changed")  # sender: the therapist
# sender: the therapist; session_ids: the ended rows; reason: a clinic.enums.SessionEnd
sessions_ended = _events.signal("sessions-ended")


def page_after_password(therapist: Therapist) -> ResponseReturnValue:
    """The page that follows a right password, as the one receiver of ``password_accepted``
    answers; a second receiver or none would be a wiring mistake, so it raises."""
    ((_receiver, page),) = password_accepted.send(therapist)
    return page
