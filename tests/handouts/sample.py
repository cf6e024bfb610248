"""A realistic session: two partners, three built-in worksheets, some answers kept private.

Used by the handout tests, bench/handout_bench.py and the README pictures. Every private
answer carries a marker word (PRIVATE-...) so tests can prove it never reaches a joint copy.
"""

from datetime import timedelta

from clinic.extensions import db
from clinic.storage import utcnow
from tests import factories

WORKSHEETS = ("check-in-ground-rules", "boundary-inventory", "power-patterns")


def grid(**rows):
    """``grid(kissing="yes", oral=("no", True, "not yet"))`` -> a stored boundary-grid value."""
    value = {}
    for row_id, spec in rows.items():
        spec = spec if isinstance(spec, tuple) else (spec,)
        answer, firm, note = spec + (False, "")[len(spec) - 1 :]
        value[row_id.replace("_", "-")] = {"answer": answer, "non_negotiable": firm} | (
            {"note": note} if note else {}
        )
    return value


# Written together on one shared form; both partners confirmed the pause plan.
TOGETHER = {
    "check-in-ground-rules": {
        "good-times": ["calm-evening", "walk"],
        "bad-times": "In bed, or when one of us has been drinking.",
        "talk-length": "twenty",
        "rules": ["own-feelings", "no-always", "say-back", "kind-end"],
        "own-rule": "We don't bring up old fights. Either of us can ask to continue another day.",
        "pause-plan": {
            "signal": {"fields": {"word": "Yellow card"}},
            "break": {"fields": {"length": "20"}},
            "return": {"fields": {"when": "same-day"}},
            "respect": {"fields": {}},
        },
    },
}

ALEX = {
    "boundary-inventory": (
        {
            "activities": grid(
                kissing="yes",
                cuddling="yes",
                massage="yes",
                naked="yes",
                oral="maybe",
                penetration="yes",
                toys="maybe",
                new_places="not_now",
                sexy_talk="yes",
                photos=("no", True, "Never photos. Trust thing."),
                role_play="maybe",
                rough_play="no",
            ),
            "pacing": grid(
                slow_start="yes",
                check_during="yes",
                planned="maybe",
                unplanned="yes",
                morning="not_now",
                late_night="yes",
                after_fight=("no", True),
                tired="maybe",
            ),
            "emotional": grid(
                ask_first="yes",
                say_likes="maybe",
                talk_after="yes",
                fantasies="not_now",
                past_partners="no",
                humour="yes",
                being_seen="maybe",
                holding_after="yes",
            ),
            "depends-on": ["stress", "privacy", "getting-along"],
            "depends-example": "Yes on a weekend away, but not when the kids are home.",
            "understand": "PRIVATE-ALEX When I say not now it is not a rejection of you. "
            "You always take it personally and then I feel I have to make it up to you.",
        },
        {"activities", "pacing", "emotional", "depends-on", "depends-example"},
    ),
    "power-patterns": (
        {
            "felt-small": "PRIVATE-ALEX-SMALL Last month I asked to slow down and Sam sighed "
            "and turned away. I felt like my no cost something.",
            "had-more-say": "When I decide we are too tired, we just stop. I never ask Sam.",
            "who-decides": "partner",
            "trust": 6,
            "desire": "mixed",
            "reactions": ["tense", "go-along"],
            "feelings": "Lonely, a bit scared.",
            "small-change": "Ask each other once a week how the week felt, without fixing it.",
            "need-from-partner": "Say it out loud when you are disappointed.",
        },
        {"had-more-say", "who-decides", "trust", "desire", "reactions", "small-change"},
    ),
}

SAM = {
    "boundary-inventory": (
        {
            "activities": grid(
                kissing="yes",
                cuddling="yes",
                massage="yes",
                naked="maybe",
                oral="yes",
                penetration="yes",
                toys="yes",
                new_places="maybe",
                sexy_talk="maybe",
                photos="maybe",
                role_play="not_now",
                rough_play=("no", True),
            ),
            "pacing": grid(
                slow_start="yes",
                check_during="maybe",
                planned="yes",
                unplanned="yes",
                morning="yes",
                late_night="not_now",
                after_fight="maybe",
                tired="no",
            ),
            "emotional": grid(
                ask_first="yes",
                say_likes="yes",
                talk_after="maybe",
                fantasies="maybe",
                past_partners=("no", True),
                humour="yes",
                being_seen="yes",
                holding_after="yes",
            ),
            "depends-on": ["mood", "stress", "privacy"],
            "depends-example": "PRIVATE-SAM-DEPENDS If I had a hard day at work I need an "
            "hour alone first.",
            "understand": "I want to hear about your limits before we are in bed, not during.",
        },
        {"activities", "pacing", "emotional", "depends-on", "understand"},
    ),
    "power-patterns": (
        {
            "felt-small": "When I bring up sex you change the subject, and I end up feeling "
            "like the problem.",
            "had-more-say": "PRIVATE-SAM I sulk when Alex says no. I know it makes it harder "
            "for Alex to say no next time.",
            "who-decides": "partner",
            "trust": 5,
            "desire": "less",
            "reactions": ["push", "quiet"],
            "feelings": "Rejected, then guilty.",
            "small-change": "Plan one calm check-in on Sunday walks.",
            "need-from-partner": "Tell me what you want, not only what you don't.",
        },
        {"felt-small", "who-decides", "trust", "desire", "reactions", "small-change"},
    ),
}

PRIVATE_MARKERS = ("PRIVATE-ALEX", "PRIVATE-ALEX-SMALL", "PRIVATE-SAM", "PRIVATE-SAM-DEPENDS")


EARLIER_TRUST = ((42, 3, 4), (21, 4, 4))  # (days ago, Alex, Sam) on the power-patterns scale


def make_history(couple) -> None:
    """Two earlier rounds of the power-patterns worksheet, so the trust scale has a trend."""
    alex, sam = couple.partners
    for days_ago, alex_trust, sam_trust in EARLIER_TRUST:
        when = utcnow() - timedelta(days=days_ago)
        assignment = factories.make_assignment(couple, ("power-patterns",))
        assignment.created_at = when
        db.session.commit()
        sheet = assignment.worksheets[0]
        factories.answer_worksheet(sheet, alex, {"trust": alex_trust}, when=when)
        factories.answer_worksheet(sheet, sam, {"trust": sam_trust}, when=when)


def make_session(therapist, *, label: str = "Couple A (demo)", notes: str | None = None):
    """A couple with the three worksheets answered and submitted; returns (couple, assignment)."""
    couple = factories.make_couple(
        therapist,
        label=label,
        partners=[("Alex", "alex@example.org"), ("Sam", None)],
        notes=notes
        if notes is not None
        else "Second session. Alex tends to go along to keep the peace; Sam pursues. "
        "Start with the shared yes answers before the limits.",
    )
    make_history(couple)
    assignment = factories.make_assignment(couple, WORKSHEETS)
    factories.make_session_note(
        couple,
        "Sam named the sulking himself: build on that. Check in with Alex alone about the "
        "photos limit before the joint session.",
        assignment=assignment,
    )
    alex, sam = couple.partners
    for sheet in assignment.worksheets:
        slug = sheet.worksheet_version.slug
        if slug in TOGETHER:
            values = confirmed_by_both(slug, TOGETHER[slug], couple.partners)
            factories.answer_worksheet(sheet, None, values, shared=all)
            continue
        for partner, answers in ((alex, ALEX), (sam, SAM)):
            values, shared = answers[slug]
            factories.answer_worksheet(sheet, partner, values, shared=shared)
    return couple, assignment


def confirmed_by_both(slug: str, values: dict, partners) -> dict:
    """The couple's answers with every clause of every agreement confirmed by each partner."""
    from clinic.worksheets.loader import builtin_library

    values = dict(values)
    ids = [p.id for p in partners]
    for _, item in builtin_library()[slug].items():
        if item.made_together and item.id in values:
            value = item.clean(values[item.id])
            for clause in item.clauses:
                for partner_id in ids:
                    value = item.confirm(value, clause.id, partner_id, ids, utcnow())
            values[item.id] = value
    return values
