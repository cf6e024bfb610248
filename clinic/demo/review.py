"""Demo answers, so the review page shows a comparison, language marks and trends at once."""

from datetime import timedelta
from typing import Any

from clinic.assignments import service as assignments
from clinic.enums import ResponseStatus
from clinic.models import Answer, AssignedWorksheet, Couple
from clinic.storage import utcnow
from clinic.worksheets.answers import clean_answer
from clinic.worksheets.loader import builtin_library
from clinic.worksheets.versions import worksheet_of


def _grid(rows: str) -> dict[str, Any]:
    """``"kissing=yes photos=no! toys=maybe"``; a trailing ``!`` marks a firm limit."""
    value = {}
    for part in rows.split():
        row, answer = part.split("=")
        value[row] = {"answer": answer.rstrip("!"), "non_negotiable": answer.endswith("!")}
    return value


FIRST = {
    "activities": _grid(
        "kissing=yes cuddling=yes massage=yes naked=maybe oral=not_now penetration=maybe "
        "toys=no new-places=maybe sexy-talk=yes photos=no! role-play=maybe rough-play=no!"
    ),
    "pacing": _grid(
        "slow-start=yes check-during=yes planned=yes unplanned=maybe morning=no "
        "late-night=not_now after-fight=no! tired=no"
    ),
    "emotional": _grid(
        "ask-first=yes say-likes=maybe talk-after=yes fantasies=not_now past-partners=no "
        "humour=yes being-seen=maybe holding-after=yes"
    ),
    "understand": "I want to be close again. I need it to be slow, and I need a no to be okay.",
    "phrases": {
        "never-start": {
            "rewrite": "I feel lonely when I am the one who starts. I would love "
            "it if you started sometimes."
        },
        "always-tired": {"rewrite": "You always say you are tired."},
        "own": {
            "original": "You make me feel like a chore.",
            "rewrite": "You have to tell me earlier when you are not in the mood.",
        },
    },
    "say-back": "You want more time for us, and you feel hurt when I go to bed early.",
}
SECOND = {
    "activities": _grid(
        "kissing=yes cuddling=yes massage=yes naked=yes oral=yes penetration=yes toys=maybe "
        "new-places=yes sexy-talk=maybe photos=yes role-play=not_now rough-play=maybe"
    ),
    "pacing": _grid(
        "slow-start=maybe check-during=yes planned=maybe unplanned=yes morning=yes "
        "late-night=yes after-fight=maybe tired=not_now"
    ),
    "emotional": _grid(
        "ask-first=yes say-likes=yes talk-after=maybe fantasies=yes past-partners=not_now "
        "humour=yes being-seen=yes holding-after=yes"
    ),
    "understand": "Sometimes I push because I am scared we are drifting apart.",
    "phrases": {
        "whats-wrong": {"rewrite": "I'm worried about us. Can we talk tonight?"},
        "overreacting": {"rewrite": "It's your fault we never talk about it."},
    },
    "say-back": "You never tell me what you want, so I have to guess every time.",
}
SHARED = {"activities", "pacing", "phrases", "understand"}
CHECK_INS = [  # (days ago, first partner's scales, second partner's scales)
    (84, (3, 2, 3, 4, 3), (6, 6, 7, 8, 5)),
    (56, (4, 3, 4, 5, 4), (6, 7, 6, 8, 6)),
    (28, (5, 4, 5, 6, 4), (7, 7, 7, 8, 6)),
    (2, (6, 5, 6, 7, 5), (7, 7, 7, 8, 6)),
]
SCALES = ("closeness", "heard", "fairness", "safety", "satisfaction")


def add_review_demo(couple: Couple) -> list[str]:
    """Monthly check-ins and a boundary inventory with reframes, answered by both partners."""
    library = builtin_library()
    first, second = couple.partners[:2]
    for days_ago, mine, theirs in CHECK_INS:
        when = utcnow() - timedelta(days=days_ago, hours=3)
        assignment, _links = assignments.create_assignment(
            couple, [library["monthly-check-in"]], link_days=14
        )
        assignment.created_at = when - timedelta(days=5)
        assigned = assignment.worksheets[0]
        _answer(assigned, first.id, dict(zip(SCALES, mine, strict=True)), {"closeness"}, when)
        _answer(assigned, second.id, dict(zip(SCALES, theirs, strict=True)), {"closeness"}, when)
    when = utcnow() - timedelta(days=1)
    assignment, _links = assignments.create_assignment(
        couple,
        [library["boundary-inventory"], library["language-reframing"]],
        note="Before the session on limits and language.",
        link_days=14,
    )
    assignment.created_at = when - timedelta(days=6)
    for assigned in assignment.worksheets:
        _answer(assigned, first.id, FIRST, SHARED, when)
        _answer(assigned, second.id, SECOND, SHARED, when + timedelta(hours=5))
    return [f"Demo answers for {couple.label}: four monthly check-ins, boundaries, reframes"]


def _answer(
    assigned: AssignedWorksheet, partner_id: int, answers: dict, shared: set[str], when
) -> None:
    """Store a submitted response through clean_answer, as the client pages would."""
    worksheet = worksheet_of(assigned.worksheet_version)
    response = next(r for r in assigned.responses if r.partner_id == partner_id)
    for _, item in worksheet.items():
        value = clean_answer(item, answers.get(item.id))
        if value is not None:
            response.answers.append(
                Answer(item_id=item.id, value=value, shareable=item.id in shared, updated_at=when)
            )
    response.status = ResponseStatus.SUBMITTED
    response.opened_at = when - timedelta(minutes=40)
    response.updated_at = response.submitted_at = when
