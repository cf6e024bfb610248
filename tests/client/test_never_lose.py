"""Nothing typed is lost: expired forms, two tabs, replays, autosave, an unreachable database."""

import threading

from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Answer, Assignment
from tests.client.browser_form import browser_form, filled, open_form
from tests.helpers import sqlite_database_away


def stored(assignment) -> dict:
    partner = assignment.couple.partners[0]
    response = next(r for r in assignment.worksheets[0].responses if r.partner_id == partner.id)
    return {
        a.item_id: a.value
        for a in db.session.scalars(select(Answer).where(Answer.response_id == response.id))
    }


def autosave(client, sheet_url, form):
    return client.post(sheet_url + "/autosave", data=form)


def test_an_expired_form_keeps_the_text_and_saves_on_the_next_try(client, sheet_url, assignment):
    form = filled(open_form(client, sheet_url), {"a.story": "A long answer typed slowly."})
    stale = filled(form, {"csrf_token": "from-a-session-that-ended"})
    response = client.post(sheet_url, data=stale)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "have not been saved yet" in page
    assert browser_form(page)["a.story"] == "A long answer typed slowly."
    assert stored(assignment) == {}

    retried = client.post(sheet_url, data=browser_form(page))  # the page's fresh token
    assert retried.status_code == 302
    assert stored(assignment) == {"story": "A long answer typed slowly."}


def test_a_form_left_open_past_the_token_lifetime_keeps_the_text(
    app, client, sheet_url, assignment
):
    """WTF_CSRF_TIME_LIMIT ends form tokens after hours; the partner loses nothing to it."""
    lifetime = app.config["WTF_CSRF_TIME_LIMIT"]
    assert lifetime == 4 * 60 * 60
    form = open_form(client, sheet_url)
    still_fresh = filled(
        form, {"a.feeling": "hopeful", "csrf_token": client.csrf_token(age_seconds=lifetime - 60)}
    )
    assert client.post(sheet_url, data=still_fresh).status_code == 302

    form = open_form(client, sheet_url)
    typed = "Written over a whole afternoon, with pauses."
    expired = filled(
        form, {"a.story": typed, "csrf_token": client.csrf_token(age_seconds=lifetime + 60)}
    )
    response = client.post(sheet_url, data=expired)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Everything you wrote is still below" in page
    assert browser_form(page)["a.story"] == typed
    assert stored(assignment) == {"feeling": "hopeful"}

    retried = client.post(sheet_url, data=browser_form(page))  # the page's fresh token
    assert retried.status_code == 302
    assert stored(assignment) == {"feeling": "hopeful", "story": typed}


def test_autosave_past_the_token_lifetime_hands_a_fresh_token_and_then_saves(
    app, client, sheet_url, assignment
):
    expired_token = client.csrf_token(age_seconds=app.config["WTF_CSRF_TIME_LIMIT"] + 60)
    form = filled(
        open_form(client, sheet_url), {"a.story": "Typing...", "csrf_token": expired_token}
    )
    response = autosave(client, sheet_url, form)
    body = response.get_json()
    assert response.status_code == 400 and body["status"] == "expired"
    assert stored(assignment) == {}
    retried = autosave(client, sheet_url, filled(form, {"csrf_token": body["csrf_token"]}))
    assert retried.status_code == 200
    assert stored(assignment) == {"story": "Typing..."}


def test_a_form_without_a_token_is_refused_without_losing_anything(client, sheet_url, assignment):
    client.post(sheet_url, data=filled(open_form(client, sheet_url), {"a.feeling": "calm"}))
    form = filled(open_form(client, sheet_url), {"a.feeling": "tense"})
    del form["csrf_token"]
    response = client.post(sheet_url, data=form, csrf=False)
    assert response.status_code == 400
    assert browser_form(response.data)["a.feeling"] == "tense"
    assert stored(assignment) == {"feeling": "calm"}


def test_two_tabs_changing_the_same_answer_get_both_versions(client, sheet_url, assignment):
    first_tab = open_form(client, sheet_url)
    second_tab = open_form(client, sheet_url)
    client.post(sheet_url, data=filled(first_tab, {"a.story": "Newer text from tab one."}))

    response = client.post(sheet_url, data=filled(second_tab, {"a.story": "Older tab's text."}))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "changed meanwhile in another tab" in page
    assert browser_form(page)["a.story"] == "Older tab's text."  # mine, in the form
    assert "Newer text from tab one." in page  # theirs, beside it
    assert stored(assignment) == {"story": "Newer text from tab one."}

    chosen = client.post(sheet_url, data=browser_form(page))  # "keep mine", knowingly
    assert chosen.status_code == 302
    assert stored(assignment) == {"story": "Older tab's text."}


def test_two_tabs_changing_different_answers_both_keep_their_changes(client, sheet_url, assignment):
    first_tab = open_form(client, sheet_url)
    second_tab = open_form(client, sheet_url)
    client.post(sheet_url, data=filled(first_tab, {"a.story": "From the phone."}))
    response = client.post(sheet_url, data=filled(second_tab, {"a.feeling": "From the laptop."}))
    assert response.status_code == 302
    assert stored(assignment) == {"story": "From the phone.", "feeling": "From the laptop."}
    assert "changed on another device" in client.get(sheet_url).get_data(as_text=True)


def test_a_replayed_save_changes_nothing(client, sheet_url, assignment):
    form = filled(open_form(client, sheet_url), {"a.story": "First."})
    client.post(sheet_url, data=form)
    client.post(sheet_url, data=filled(open_form(client, sheet_url), {"a.story": "Second."}))
    replay = client.post(sheet_url, data=form)  # the first request again, arriving late
    assert replay.status_code == 409
    assert stored(assignment) == {"story": "Second."}


def test_autosave_answers_json_with_progress_and_fingerprints(client, sheet_url, assignment):
    form = open_form(client, sheet_url)
    response = autosave(client, sheet_url, filled(form, {"a.story": "Typing...", "a.trust": "5"}))
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "saved" and body["revision"] == 1
    assert (body["answered"], body["total"]) == (2, 6)
    assert body["bases"]["story"] != form["base.story"]
    assert stored(assignment) == {"story": "Typing...", "trust": 5}


def test_autosave_with_an_expired_token_hands_a_fresh_one_and_saves_nothing(
    client, sheet_url, assignment
):
    form = filled(open_form(client, sheet_url), {"a.story": "Typing...", "csrf_token": "old"})
    response = autosave(client, sheet_url, form)
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == "expired" and body["csrf_token"]
    assert stored(assignment) == {}
    retried = autosave(client, sheet_url, filled(form, {"csrf_token": body["csrf_token"]}))
    assert retried.status_code == 200
    assert stored(assignment) == {"story": "Typing..."}


def test_autosave_conflict_returns_both_versions_and_overwrites_nothing(
    client, sheet_url, assignment
):
    first_tab = open_form(client, sheet_url)
    second_tab = open_form(client, sheet_url)
    autosave(client, sheet_url, filled(first_tab, {"a.story": "Tab one."}))
    response = autosave(client, sheet_url, filled(second_tab, {"a.story": "Tab two."}))
    assert response.status_code == 409
    body = response.get_json()
    assert body["status"] == "conflict" and body["revision"] == 1
    assert "Tab one." in body["conflict_html"]
    assert stored(assignment) == {"story": "Tab one."}

    # The partner chooses to keep this tab's text: the script sends the saved fingerprint.
    chosen = filled(
        second_tab,
        {"a.story": "Tab two.", "base.story": body["their_bases"]["story"], "revision": "1"},
    )
    assert autosave(client, sheet_url, chosen).status_code == 200
    assert stored(assignment) == {"story": "Tab two."}


def test_text_over_the_limit_is_explained_and_kept_while_the_rest_saves(
    client, sheet_url, assignment
):
    too_long = "x" * 2001
    form = filled(open_form(client, sheet_url), {"a.story": too_long, "a.feeling": "fine"})
    response = client.post(sheet_url, data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "too long" in page
    assert browser_form(page)["a.story"] == too_long
    assert stored(assignment) == {"feeling": "fine"}

    body = autosave(client, sheet_url, filled(browser_form(page), {"a.story": too_long})).get_json()
    assert "too long" in body["errors"]["story"]


def test_while_the_database_is_unreachable_the_typed_text_comes_back(
    client, sheet_url, assignment, database_url
):
    assignment_id = assignment.id
    form = filled(open_form(client, sheet_url), {"a.story": "Typed during an outage."})
    with sqlite_database_away(database_url):
        response = client.post(sheet_url, data=form)
        page = response.get_data(as_text=True)
        assert response.status_code == 503
        assert "please try again" in page and "<title>Worksheet</title>" in page
        handed_back = browser_form(page)
        assert handed_back["a.story"] == "Typed during an outage."
        autosaved = client.post(sheet_url + "/autosave", data=form)
        assert autosaved.status_code == 503 and "try again" in autosaved.get_json()["message"]
        assert client.get(sheet_url).status_code == 503

    assert client.post(sheet_url, data=handed_back).status_code == 302
    assert stored(db.session.get(Assignment, assignment_id)) == {"story": "Typed during an outage."}


def test_simultaneous_saves_of_different_answers_all_arrive(client, sheet_url, assignment):
    form = open_form(client, sheet_url)
    changes = {
        "a.story": "From the first tab.",
        "a.feeling": "From the second tab.",
        "a.who-decides": "both",
        "a.trust": "8",
        "a.reactions": "quiet",
        "a.small-change": "From the sixth tab.",
    }
    statuses = []

    def save_one(name, value):  # the same browser, six tabs typing at once
        statuses.append(autosave(client, sheet_url, filled(form, {name: value})).status_code)

    threads = [threading.Thread(target=save_one, args=pair) for pair in changes.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * len(changes)
    assert stored(assignment) == {
        "story": "From the first tab.",
        "feeling": "From the second tab.",
        "who-decides": "both",
        "trust": 8,
        "reactions": ["quiet"],
        "small-change": "From the sixth tab.",
    }
