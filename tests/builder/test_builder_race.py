"""Saves that cross each other: an autosave still on its way when a button is pressed, or a
second window on the same draft. A save from an older page never overwrites newer work, and
what the therapist typed is never lost."""

import json

from sqlalchemy import func, select

from clinic.builder import service
from clinic.extensions import db
from clinic.models import WorksheetDraft
from tests.client.browser_form import browser_form, filled

BUILDER = "/worksheets/builder"
JSON = {"Accept": "application/json"}


def open_page(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return browser_form(page.data, "builder-form")


def start(client) -> str:
    response = client.post(f"{BUILDER}/new", data={"start": "builtin", "worksheet": "small-wins"})
    return response.headers["Location"]


def autosave(client, url, form, dirty):
    """What builder.js sends: the whole page, the fields typed since its last save."""
    return client.post(
        url, data={**filled(form, {"dirty": ",".join(dirty)}), "action": "save"}, headers=JSON
    )


def press(client, url, form, action, dirty=None):
    data = filled(
        form, {"action": action} | ({"dirty": ",".join(dirty)} if dirty is not None else {})
    )
    return client.post(url, data=data)


def draft_data(url):
    db.session.expire_all()
    draft = db.session.get(WorksheetDraft, int(url.rsplit("/", 1)[1]))
    return draft, service.content(draft)


def drafts():
    return db.session.scalar(select(func.count(WorksheetDraft.id)))


def test_an_autosave_answers_with_the_new_revision_and_the_problems(signed_in):
    url = start(signed_in)
    form = filled(open_page(signed_in, url), {"minutes": "ten"})
    reply = autosave(signed_in, url, form, ["minutes"])
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["state"] == "saved" and body["revision"] == int(form["revision"]) + 1
    assert body["problems"] == [
        {
            "id": "f-minutes",
            "where": "Minutes it takes",
            "messages": ["Please give a whole number."],
        }
    ]
    assert "1 problem to fix before publishing" in body["message"]
    assert "Grade" in body["reading"]
    assert "sections[" not in json.dumps(body)


def test_an_autosave_that_arrives_after_a_button_overwrites_nothing(signed_in):
    url = start(signed_in)
    page = open_page(signed_in, url)
    sections = len(draft_data(url)[1]["sections"])
    typed = filled(page, {"title": "Typed before the click"})
    # The button's post (with everything typed) lands first and adds a section ...
    assert press(signed_in, url, typed, "add:sections").status_code == 302
    # ... then the autosave sent just before the click arrives, from the older page.
    late = autosave(signed_in, url, typed, ["title"])
    assert late.status_code == 409 and late.get_json()["state"] == "stale"
    assert "What you typed is still here" in late.get_json()["message"]
    _draft, data = draft_data(url)
    assert len(data["sections"]) == sections + 1 and data["title"] == "Typed before the click"
    assert drafts() == 1


def test_a_button_pressed_while_an_autosave_was_on_its_way_keeps_both(signed_in):
    url = start(signed_in)
    page = open_page(signed_in, url)
    sections = len(draft_data(url)[1]["sections"])
    typed = filled(page, {"title": "First words"})
    assert autosave(signed_in, url, typed, ["title"]).status_code == 200  # lands first
    more = filled(typed, {"purpose": "Typed while it was on its way."})
    # The button's page still carries the revision from before the autosave.
    assert (
        press(signed_in, url, more, "add:sections", dirty=["title", "purpose"]).status_code == 302
    )
    draft, data = draft_data(url)
    assert len(data["sections"]) == sections + 1  # the button did what it says
    assert (data["title"], data["purpose"]) == ("First words", "Typed while it was on its way.")
    assert draft.revision == int(page["revision"]) + 2 and drafts() == 1


def test_a_second_window_merges_field_by_field(signed_in):
    url = start(signed_in)
    one, two = open_page(signed_in, url), open_page(signed_in, url)
    assert (
        autosave(signed_in, url, filled(one, {"title": "From window one"}), ["title"]).status_code
        == 200
    )
    reply = autosave(signed_in, url, filled(two, {"purpose": "From window two"}), ["purpose"])
    assert reply.status_code == 200 and reply.get_json()["state"] == "merged"
    _draft, data = draft_data(url)
    assert (data["title"], data["purpose"]) == ("From window one", "From window two")


def test_a_stale_page_without_javascript_is_kept_as_a_separate_draft(signed_in):
    url = start(signed_in)
    one, two = open_page(signed_in, url), open_page(signed_in, url)
    assert press(signed_in, url, one, "remove:sections.0.items.0").status_code == 302
    response = press(signed_in, url, filled(two, {"title": "Typed in window two"}), "add:sections")
    assert response.status_code == 302
    copy_url = response.headers["Location"]
    assert copy_url != url and drafts() == 2
    page = signed_in.get(copy_url).get_data(as_text=True)
    assert "saved as a separate draft" in page and 'value="Typed in window two"' in page
    _draft, original = draft_data(url)
    assert original["title"] != "Typed in window two"  # window one's work stands
    _copy, copied = draft_data(copy_url)
    assert len(copied["sections"]) == len(original["sections"]) + 1


def test_two_saves_from_the_same_revision_land_once(app, therapist):
    draft = service.new_draft(therapist, {"title": "A"})
    db.session.commit()
    twin = WorksheetDraft(
        id=draft.id, therapist_id=therapist.id, content="{}", revision=draft.revision
    )
    service.save(draft, {"title": "B"})
    try:
        service.save(twin, {"title": "C"})  # read the same revision, saves second
    except service.StaleDraft:
        pass
    else:
        raise AssertionError("a save from an old revision landed")
    db.session.commit()
    db.session.expire_all()
    assert service.content(db.session.get(WorksheetDraft, draft.id)) == {"title": "B"}
