"""Pages run a fixed number of SQL queries, however many couples, assignments and answers."""

from datetime import UTC, datetime, timedelta

from tests import factories
from tests.review.sample import full_answers, sample_worksheet


def queries_for(client, count_queries, url: str) -> list[str]:
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


def assert_same_count(small: list[str], large: list[str]) -> None:
    assert len(small) == len(large), "\n".join(["-- small:", *small, "-- large:", *large])


def answered_assignment(couple, days_ago: int = 0):
    """The sample worksheet and a monthly check-in, answered in full by both partners."""
    when = datetime(2026, 3, 2, tzinfo=UTC) - timedelta(days=days_ago)
    assignment = factories.make_assignment_of(couple, [sample_worksheet()], created_at=when)
    check_in = factories.make_assignment(couple, ("monthly-check-in",)).worksheets[0]
    for partner in couple.partners:
        answers = full_answers(partner.display_name)
        factories.answer_worksheet(
            assignment.worksheets[0], partner, answers, shared=all, when=when
        )
        factories.answer_worksheet(check_in, partner, {"closeness": 5, "heard": 6}, when=when)
    return assignment


def test_the_couple_list_does_not_grow_with_couples(signed_in, therapist, count_queries):
    factories.make_couple(therapist)
    signed_in.get("/couples/")
    small = queries_for(signed_in, count_queries, "/couples/")
    for _ in range(19):
        answered_assignment(factories.make_couple(therapist))
    assert_same_count(small, queries_for(signed_in, count_queries, "/couples/"))


def test_the_dashboard_does_not_grow_with_assignments(signed_in, therapist, count_queries):
    factories.make_assignment(factories.make_couple(therapist))
    signed_in.get("/assignments/")
    small = queries_for(signed_in, count_queries, "/assignments/")
    for _ in range(19):
        answered_assignment(factories.make_couple(therapist))
    assert_same_count(small, queries_for(signed_in, count_queries, "/assignments/"))


def test_the_couple_page_does_not_grow_with_assignments(signed_in, couple, count_queries):
    answered_assignment(couple)
    url = f"/couples/{couple.id}"
    signed_in.get(url)
    small = queries_for(signed_in, count_queries, url)
    for days in range(1, 20):
        answered_assignment(couple, days)
    assert_same_count(small, queries_for(signed_in, count_queries, url))


def test_review_pages_do_not_grow_with_assignments_and_answers(signed_in, couple, count_queries):
    first = answered_assignment(couple, days_ago=30)
    urls = [
        f"/review/couples/{couple.id}",
        f"/review/assignments/{first.id}",
        f"/review/assignments/{first.id}/session",
    ]
    for url in urls:
        signed_in.get(url)
    small = [queries_for(signed_in, count_queries, url) for url in urls]
    for days in range(1, 20):
        answered_assignment(couple, days)
        factories.make_session_note(couple, f"note {days}", assignment=first)
    large = [queries_for(signed_in, count_queries, url) for url in urls]
    for before, after in zip(small, large, strict=True):
        assert_same_count(before, after)
    # A handful (one is the safety banner, one the navigation's counts), not one per row.
    assert max(len(q) for q in large) <= 14


def test_the_review_draws_trends_from_the_larger_history(signed_in, couple):
    for days in (0, 30, 60):
        answered_assignment(couple, days)
    html = signed_in.get(f"/review/couples/{couple.id}").text
    assert "How close did you feel to your partner?" in html
