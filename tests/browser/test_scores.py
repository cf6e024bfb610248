"""The closeness check-in in a real browser: the follow-up section appears only after an answer
that calls for it, its hidden answer is not kept, and the therapist sees the score card."""

import pytest

from tests import factories
from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser


def a_couple_with_the_check_in():
    therapist = factories.make_therapist()
    couple = factories.make_couple(therapist, label="Couple C")
    assignment = factories.make_assignment(couple, ("closeness-check-in",))
    return {
        "email": therapist.email,
        "assignment_id": assignment.id,
        "links": factories.client_tokens(assignment),
    }


def test_the_follow_up_shows_after_a_low_answer_and_the_review_shows_the_scores(
    live_server, phone, desktop, shoot, assert_accessible
):
    setup = live_server.run(a_couple_with_the_check_in)
    alex = phone
    alex.goto(f"{live_server.url}/w/{setup['links'][0]}/1")
    follow_up = alex.locator("section[data-show-if]")
    assert follow_up.is_hidden()
    assert alex.locator(".ws-show-if").first.is_hidden()  # the no-JavaScript hint
    for item_id, value in (("close", "7"), ("heard", "6"), ("touch", "3"), ("pressure", "2")):
        alex.locator(f"#ws-item-{item_id}").get_by_label(value, exact=True).check()
    alex.locator("#ws-item-ask").get_by_label("2", exact=True).check()
    follow_up.wait_for(state="visible")
    alex.get_by_label("What would make it easier to say no, or to say what you want?").fill(
        "Typed, then I changed my mind"
    )
    shoot(alex, "follow-up-shown")
    assert_accessible(alex, "check-in with the follow-up")
    alex.locator("#ws-item-ask").get_by_label("8", exact=True).check()
    assert follow_up.is_hidden()
    alex.get_by_role("button", name="Send to my therapist").click()
    alex.get_by_text("Your answers were sent to your therapist").first.wait_for()

    therapist = desktop
    sign_in(therapist, live_server, setup["email"], factories.PASSWORD)
    therapist.goto(f"{live_server.url}/review/assignments/{setup['assignment_id']}")
    card = therapist.locator(".score-card")
    card.get_by_text("32 of 50 (Mixed)").wait_for()  # 7 + 6 + 3 + 8 + (10 - 2)
    assert "Typed, then I changed my mind" not in therapist.content()
    shoot(therapist, "score-card")
    assert_accessible(therapist, "review with the score card")
