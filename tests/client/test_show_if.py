"""Conditional questions on a partner's link without JavaScript: every question shows with a
line saying when to answer it, and the server keeps no answer to a question that is hidden."""

from tests import factories
from tests.safety.check_in import send, stored_answers

FOLLOW_UP = "a.what-helps"


def test_without_javascript_the_follow_up_shows_with_when_to_answer_it(client, couple):
    assignment = factories.make_assignment(couple, ("closeness-check-in",))
    token = factories.client_tokens(assignment)[0]
    page = client.get(f"/w/{token}/1").get_data(as_text=True)
    assert 'data-show-if="' in page and "show-if.js" in page
    assert "Only if you answered less than 4 to “How free do you feel to ask" in page
    assert 'name="a.what-helps"' in page  # not hidden by the server: no JavaScript may run


def test_an_answer_to_a_question_an_earlier_answer_hides_is_not_kept(client, couple):
    assignment = factories.make_assignment(couple, ("closeness-check-in",))
    token = factories.client_tokens(assignment)[0]
    send(client, token, {"a.ask": "2", FOLLOW_UP: "Words I wrote"}, action="save")
    assert stored_answers()["what-helps"] == ("Words I wrote", False)
    response = send(client, token, {"a.ask": "9", FOLLOW_UP: "Words I wrote"}, action="submit")
    assert response.status_code in (200, 302, 303)
    assert "what-helps" not in stored_answers() and stored_answers()["ask"] == (9, False)


def test_the_lowest_number_of_a_scale_is_kept_as_an_answer(client, couple):
    assignment = factories.make_assignment(couple, ("closeness-check-in",))
    token = factories.client_tokens(assignment)[0]
    send(client, token, {"a.close": "0", "a.ask": "0"}, action="save")
    assert stored_answers()["close"] == (0, False)
    page = client.get(f"/w/{token}/1").get_data(as_text=True)
    assert '<input type="radio" id="f.a.close.0" name="a.close" value="0" checked>' in page
    assert "Only if you answered less than 4" in page and stored_answers()["ask"] == (0, False)
