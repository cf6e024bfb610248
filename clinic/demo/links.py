"""Demo assignments with working client links, one partner halfway through a worksheet."""

from datetime import timedelta

from werkzeug.datastructures import MultiDict

from clinic.assignments import service as assignments
from clinic.client import service as client
from clinic.models import Couple
from clinic.storage import utcnow
from clinic.worksheets.loader import builtin_library

HALF_DONE: dict[str, str | list[str]] = {  # check-in-ground-rules, as the first partner left it
    "a.good-times": ["calm-evening", "walk"],
    "a.bad-times": "In bed, or when one of us is tired.",
    "a.talk-length": "twenty",
}


def add_link_demo(couples: list[Couple]) -> list[str]:
    """Assign worksheets to each demo couple; returns each partner's link, to print."""
    library = builtin_library()
    plans = [
        (["check-in-ground-rules", "conflict-pre-agreement"], "Please try these before we meet."),
        (["power-patterns"], "Answer on your own, in a quiet moment."),
    ]
    lines = []
    for couple, (slugs, note) in zip(couples, plans, strict=False):
        due = (utcnow() + timedelta(days=7)).date()
        _, issued = assignments.create_assignment(
            couple, [library[slug] for slug in slugs], due_date=due, note=note, link_days=14
        )
        for link in issued:
            name = link.partner.display_name
            lines.append(f"Client link for {name} ({couple.label}): {link.url}")
        if couple is couples[0]:
            _answer_half(issued[0].link)
    return lines


def _answer_half(link) -> None:
    """Save part of the first worksheet through the same path a partner's browser takes."""
    sheet = client.link_worksheets(link)[0]
    form = MultiDict([("revision", str(sheet.response.revision))])
    for name, value in HALF_DONE.items():
        form.add("items", name.removeprefix("a."))
        form.setlist(name, value if isinstance(value, list) else [value])
    client.mark_opened(link, sheet)
    client.save(link, sheet, client.read_posted(sheet.worksheet, form))
