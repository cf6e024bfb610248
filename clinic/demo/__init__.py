"""Demo data so a new user sees every feature at once."""

from clinic.auth import service as accounts
from clinic.couples import service as couples
from clinic.demo.links import add_link_demo
from clinic.demo.review import add_review_demo
from clinic.demo.safety import add_safety_demo

DEMO_EMAIL = "demo@tandem.example"
DEMO_PASSWORD = "demo-tandem-2026"  # noqa: S105 - printed on purpose; demo only


def load_demo() -> list[str]:
    """Create the demo therapist and couples; returns lines worth printing."""
    therapist = accounts.find_therapist(DEMO_EMAIL) or accounts.create_therapist(
        DEMO_EMAIL, DEMO_PASSWORD, display_name="Demo Therapist", is_admin=True
    )
    created = [
        couples.create_couple(
            therapist,
            "Couple A (demo)",
            [("Alex", "alex@example.org"), ("Sam", None)],
            notes="First session next week. Both want more balance in who starts conversations.",
        ),
        couples.create_couple(
            therapist,
            "Couple B (demo)",
            [("Robin", None), ("Jordan", "jordan@example.org")],
            notes="Recently moved in together.",
        ),
    ]
    return (
        [f"Demo couple: {c.label}" for c in created]
        + add_review_demo(created[0])
        + add_link_demo(created)
        + add_safety_demo(created[1])
    )
