"""The private check-in as a partner sends it, and what the tests read back afterwards."""

from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Answer, SafetyAlert
from tests.client.browser_form import filled, open_form

# Words found nowhere in the app or the worksheet: wherever they show up, the answer leaked.
SECRET = "Quokka lighthouse"
RAISING = {  # urgent (afraid), soon (controls), review (email-safe, anything-else)
    "a.afraid": "often",
    "a.controls": ["phone", "money"],
    "a.email-safe": "no",
    "a.best-way": f"Call me at work, {SECRET} desk",
    "a.anything-else": f"The {SECRET} is where I feel safe.",
}
CALM = {"a.safe-at-home": "safe", "a.afraid": "never", "a.controls": ["none"]}


def send(client, token: str, answers: dict, action: str = "submit", number: int = 1):
    """A partner fills in the worksheet on their link and presses a button (no JavaScript)."""
    url = f"/w/{token}/{number}"
    form = filled(open_form(client, url), answers)
    form["action"] = action
    return client.post(url, data=form)


def alerts() -> list[SafetyAlert]:
    return list(db.session.scalars(select(SafetyAlert).order_by(SafetyAlert.id)))


def stored_answers() -> dict[str, tuple]:
    return {a.item_id: (a.value, a.shareable) for a in db.session.scalars(select(Answer))}
