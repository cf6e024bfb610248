"""Demo: one partner's private check-in that raised an alert, waiting for the therapist."""

from werkzeug.datastructures import MultiDict

from clinic.assignments import service as assignments
from clinic.client import service as client
from clinic.models import Couple
from clinic.worksheets.loader import builtin_library

CHECK_IN = "safety-check-in"
DEMO_ANSWERS: dict[str, str | list[str]] = {  # as the first partner sent them
    "safe-at-home": "mostly",
    "afraid": "sometimes",
    "pressure": "1",
    "forced": "no",
    "controls": ["phone"],
    "email-safe": "no",
    "text-safe": "yes",
    "best-way": "A text on weekday mornings, or in person at the practice.",
}


def add_safety_demo(couple: Couple) -> list[str]:
    """Assign the private check-in; the first partner sends answers that raise an alert."""
    _, issued = assignments.create_assignment(couple, [builtin_library()[CHECK_IN]], link_days=14)
    link = issued[0].link
    sheet = client.link_worksheets(link)[0]
    form = MultiDict([("revision", str(sheet.response.revision))])
    for item_id, value in DEMO_ANSWERS.items():
        form.add("items", item_id)
        form.setlist(f"a.{item_id}", value if isinstance(value, list) else [value])
    client.mark_opened(link, sheet)
    client.save(link, sheet, client.read_posted(sheet.worksheet, form), submit=True)
    name = link.partner.display_name
    return [f"Private check-in sent by {name} ({couple.label}): an alert waits for review"]
