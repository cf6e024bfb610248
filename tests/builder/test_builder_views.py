"""The builder pages as a therapist without JavaScript uses them: plain forms, post, redirect."""

import io
import re

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Assignment, CustomWorksheet, WorksheetDraft
from clinic.worksheets.loader import builtin_library, load_text
from tests import factories
from tests.client.browser_form import browser_form, filled

BUILDER = "/worksheets/builder"
LINK_URL = re.compile(r'value="https?://[^"]*/w/([A-Za-z0-9_-]{43})"')


def start(client, **fields) -> str:
    response = client.post(f"{BUILDER}/new", data=fields)
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def press(client, url: str, action: str, **changes) -> str:
    """Open the builder page, type ``changes`` (field path -> value), press one button."""
    page = client.get(url)
    assert page.status_code == 200
    form = filled(browser_form(page.data, "builder-form"), changes)
    form["action"] = action
    response = client.post(url.split("#")[0], data=form)
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def test_builder_is_linked_from_the_library_and_lists_starts(signed_in):
    library = signed_in.get("/worksheets/").get_data(as_text=True)
    assert f'href="{BUILDER}/"' in library
    page = signed_in.get(f"{BUILDER}/").get_data(as_text=True)
    assert "Start from a blank worksheet" in page and "Copy and edit" in page


def test_a_three_section_worksheet_built_from_nothing_with_plain_forms(signed_in, therapist):
    url = start(signed_in, start="blank")
    url = press(
        signed_in,
        url,
        "add:sections",
        title="Our week together",
        purpose="A short look back at the week.",
        minutes="10",
        themes=["check-in", "boundaries"],
        answered_by="couple",  # an agreement is made together
        instructions="Answer together. There are no wrong answers.",
        **{
            "guide.how_to_use": "Use it at the start of a session.",
            "guide.look_for": "Where the two answers differ.",
            "guide.when_not_to_use": "Not in a crisis.",
            "discussion_prompts": "What went well?\nWhat would you change?",
            "sections.0.title": "Limits",
            "sections.0.items.0.prompt": "One word for this week",
        },
    )
    url = press(signed_in, url, "add:sections")
    url = press(
        signed_in, url, "add:sections.0.items", **{"sections.0.items.new_type": "boundary_grid"}
    )
    url = press(signed_in, url, "add:sections.0.items.1.rows")
    url = press(
        signed_in, url, "add:sections.1.items", **{"sections.1.items.new_type": "agreement"}
    )
    url = press(signed_in, url, "remove:sections.1.items.0")
    url = press(signed_in, url, "add:sections.2.items", **{"sections.2.items.new_type": "scale"})
    url = press(signed_in, url, "up:sections.2.items.1")
    page = signed_in.get(url).get_data(as_text=True)
    assert "Move question 2 up" in page and "Before you can publish" in page

    response = signed_in.post(
        url.split("#")[0],
        data=filled(
            browser_form(page, "builder-form"),
            {
                "action": "publish",
                "sections.0.items.1.prompt": "What feels right this week?",
                "sections.0.items.1.rows.0.label": "Holding hands in public",
                "sections.0.items.1.rows.1.label": "A long talk at night",
                "sections.1.title": "Our plan",
                "sections.1.items.0.prompt": "What we agree on",
                "sections.1.items.0.clauses.0.text": "We pause when one of us asks.",
                "sections.2.title": "How close",
                "sections.2.items.0.prompt": "How close did you feel?",
                "sections.2.items.0.min_label": "Far apart",
                "sections.2.items.0.max_label": "Very close",
                "sections.2.items.1.prompt": "Anything else?",
            },
        ),
    )
    assert response.status_code == 302
    assert re.fullmatch(r".*/worksheets/own/\d+", response.headers["Location"])
    custom = db.session.scalar(select(CustomWorksheet))
    ws = load_text(custom.source_yaml)
    assert [s.title for s in ws.sections] == ["Limits", "Our plan", "How close"]
    assert [i.type for s in ws.sections for i in s.items] == [
        "short_text",
        "boundary_grid",
        "agreement",
        "scale",
        "short_text",
    ]
    assert db.session.scalar(select(WorksheetDraft)) is None

    couple = factories.make_couple(therapist)
    assigned = signed_in.post(
        f"/couples/{couple.id}/assign",
        data={"who_answers": "design", "link_days": "14", "worksheets": [f"custom:{custom.id}"]},
        follow_redirects=True,  # to the page that shows the new links once
    )
    assert assigned.status_code == 200
    token = LINK_URL.findall(assigned.get_data(as_text=True))[0]
    assert db.session.scalar(select(Assignment)) is not None
    overview = signed_in.get(f"/w/{token}").get_data(as_text=True)
    number = re.findall(rf"/w/{token}/(\d+)", overview)[0]
    sheet = signed_in.get(f"/w/{token}/{number}").get_data(as_text=True)
    assert "Holding hands in public" in sheet and "Very close" in sheet
    assert "We pause when one of us asks." in sheet


def test_a_problem_shows_beside_its_field_and_keeps_what_was_typed(signed_in):
    url = start(signed_in, start="builtin", worksheet="small-wins")
    url = press(signed_in, url, "save", minutes="ten", title="Wins, “small” & big")
    page = signed_in.get(url).get_data(as_text=True)
    field = re.search(
        r'<div class="field has-error">\s*<label for="f-minutes">.*?</div>', page, re.S
    )
    assert field is not None
    assert 'value="ten"' in field.group(0) and "Please give a whole number." in field.group(0)
    assert 'aria-invalid="true"' in field.group(0)
    assert 'value="Wins, “small” &amp; big"' in page
    assert 'href="#f-minutes"' in page  # the list at the top leads to the field
    assert "sections[" not in page and "minutes: expected" not in page


def test_publishing_with_problems_keeps_the_draft(signed_in):
    url = start(signed_in, start="blank")
    form = filled(browser_form(signed_in.get(url).data, "builder-form"), {"title": "Half done"})
    response = signed_in.post(url, data={**form, "action": "publish"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#problems")
    page = signed_in.get(url).get_data(as_text=True)
    assert "Not published yet" in page and 'value="Half done"' in page
    assert db.session.scalar(select(CustomWorksheet)) is None


def test_a_stale_button_changes_nothing_and_says_so(signed_in):
    url = start(signed_in, start="blank")
    url = press(signed_in, url, "remove:sections.9", title="Kept")
    page = signed_in.get(url).get_data(as_text=True)
    assert "no longer fits" in page and 'value="Kept"' in page


def test_edit_an_own_worksheet_publishes_version_2_and_counts_old_assignments(signed_in, therapist):
    url = start(signed_in, start="builtin", worksheet="small-wins")
    signed_in.post(
        url, data={**browser_form(signed_in.get(url).data, "builder-form"), "action": "publish"}
    )
    custom = db.session.scalar(select(CustomWorksheet))
    factories.make_assignment_of(factories.make_couple(therapist), [load_text(custom.source_yaml)])
    response = signed_in.post(f"{BUILDER}/own/{custom.id}")
    url = response.headers["Location"]
    page = signed_in.get(url).get_data(as_text=True)
    assert "Publishing makes version 2" in page and "1 assignment uses an earlier version" in page
    press(signed_in, url, "publish", title="Small wins, take two")
    db.session.expire_all()
    ws = load_text(db.session.get(CustomWorksheet, custom.id).source_yaml)
    assert (ws.version, ws.title) == (2, "Small wins, take two")


def test_preview_is_the_client_page_allowed_in_the_builder_frame_only(signed_in):
    url = start(signed_in, start="builtin", worksheet="boundary-inventory")
    page = signed_in.get(url).get_data(as_text=True)
    assert f'src="{url}/preview"' in page and 'width="390"' in page
    preview = signed_in.get(f"{url}/preview")
    assert "frame-ancestors 'self'" in preview.headers["Content-Security-Policy"]
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    text = preview.get_data(as_text=True)
    assert 'id="worksheet-form"' in text and "Boundary inventory (my version)" in text
    assert signed_in.get(url).headers["X-Frame-Options"] == "DENY"


def test_preview_waits_for_a_draft_that_does_not_pass(signed_in):
    url = start(signed_in, start="blank")
    assert b"once the problems" in signed_in.get(f"{url}/preview").data


def test_reading_level_is_shown_with_the_grade_8_target(signed_in):
    url = start(signed_in, start="builtin", worksheet="small-wins")
    page = signed_in.get(url).get_data(as_text=True)
    assert re.search(
        r"Grade \d+(\.\d)?</strong> for everything partners read; the target is grade 8", page
    )


def test_export_gives_yaml_that_loads_to_the_same_worksheet(signed_in):
    url = start(signed_in, start="builtin", worksheet="conflict-pre-agreement")
    response = signed_in.get(f"{url}/export.yaml")
    assert response.headers["Content-Disposition"].endswith('.yaml"')
    ws = load_text(response.get_data(as_text=True))
    original = builtin_library()["conflict-pre-agreement"]
    assert ws.sections == original.sections and ws.id == "conflict-pre-agreement-own"


def test_start_from_an_uploaded_file(signed_in):
    text = factories.own_worksheet_yaml()
    response = signed_in.post(
        f"{BUILDER}/new",
        data={"start": "upload", "file": (io.BytesIO(text.encode()), "mine.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert load_text(text).title in page


def upload(client, text: bytes) -> str:
    response = client.post(
        f"{BUILDER}/new",
        data={"start": "upload", "file": (io.BytesIO(text), "mine.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    return response.headers["Location"]


def test_an_upload_with_a_yaml_slip_opens_what_came_before_it_with_the_line(signed_in):
    text = factories.own_worksheet_yaml().replace("minutes: 5", "minutes: [oops", 1)
    slip = text.splitlines().index("minutes: [oops") + 1
    url = upload(signed_in, text.encode())
    assert re.fullmatch(rf"{BUILDER}/\d+", url)
    page = signed_in.get(url).get_data(as_text=True)
    assert "The file opened with problems" in page
    said = re.search(r"Line (\d+), column \d+: Malformed YAML", page)
    assert said is not None and int(said.group(1)) >= slip
    assert f'value="{load_text(factories.own_worksheet_yaml()).title}"' in page  # kept


def test_an_upload_that_does_not_pass_opens_with_its_problems_beside_the_fields(signed_in):
    text = factories.own_worksheet_yaml().replace("minutes: ", "minutes: ten #", 1)
    text += "\ncolour: blue\n"
    url = upload(signed_in, text.encode())
    page = signed_in.get(url).get_data(as_text=True)
    assert "“colour”: Unknown field" in page  # said once, with the field's name
    field = re.search(
        r'<div class="field has-error">\s*<label for="f-minutes">.*?</div>', page, re.S
    )
    assert field is not None and "Please give a whole number." in field.group(0)
    assert "sections[" not in page


@pytest.mark.parametrize("junk", [b"", b"- just\n- a list\n", b"title: [oops", b"\xff\xfe\x00"])
def test_an_upload_of_anything_never_fails(signed_in, junk):
    response = signed_in.post(
        f"{BUILDER}/new",
        data={"start": "upload", "file": (io.BytesIO(junk), "bad.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert signed_in.get(response.headers["Location"]).status_code == 200


def test_discard_needs_the_box_ticked(signed_in):
    url = start(signed_in, start="blank")
    signed_in.post(f"{url}/discard", data={})
    assert db.session.scalar(select(WorksheetDraft)) is not None
    signed_in.post(f"{url}/discard", data={"confirm": "yes"})
    assert db.session.scalar(select(WorksheetDraft)) is None


def test_another_therapists_draft_is_not_found(client):
    draft = factories.make_draft(factories.make_therapist())
    factories.sign_in(client, factories.make_therapist())
    assert client.get(f"{BUILDER}/{draft.id}").status_code == 404
    assert client.post(f"{BUILDER}/{draft.id}", data={"action": "save"}).status_code == 404


@pytest.mark.parametrize("key", ["builtin:small-wins", "builtin:boundary-inventory"])
def test_print_blank_from_the_library(signed_in, key):
    library = signed_in.get("/worksheets/").get_data(as_text=True)
    assert library.count(">Print blank<") == len(builtin_library())
    response = signed_in.get(f"/worksheets/blank.pdf?worksheet={key}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_print_blank_of_an_unknown_worksheet_goes_back_to_the_library(signed_in):
    response = signed_in.get("/worksheets/blank.pdf?worksheet=builtin:nope")
    assert response.status_code == 302 and response.headers["Location"].endswith("/worksheets/")


@pytest.mark.parametrize("slug", sorted(builtin_library()))
def test_every_builtin_posted_back_from_the_builder_page_is_unchanged(signed_in, slug):
    url = start(signed_in, start="builtin", worksheet=slug)
    press(signed_in, url, "save")
    response = signed_in.get(f"{url}/export.yaml")
    assert response.status_code == 200, f"{slug} no longer passes after a round trip"
    again = load_text(response.get_data(as_text=True))
    original = builtin_library()[slug]
    fresh = {"id": f"{slug}-own", "title": f"{original.title} (my version)", "version": 1}
    assert (again.id, again.title, again.version) == tuple(fresh.values())
    assert again.model_dump(exclude=set(fresh)) == original.model_dump(exclude=set(fresh))


def test_alert_rules_pick_the_question_by_its_prompt_and_the_answers_from_its_options(signed_in):
    url = start(signed_in, start="builtin", worksheet="safety-check-in")
    page = signed_in.get(url).get_data(as_text=True)
    original = builtin_library()["safety-check-in"]
    rule = original.alerts[0]
    watched = original.item(rule.item)
    select = re.search(r'<select id="f-alerts-0-item" name="alerts.0.item".*?</select>', page, re.S)
    assert select is not None
    assert re.search(rf'<option value="{rule.item}" selected>[0-9.]+ [^<]*', select.group(0))
    assert watched.prompt[:40] in select.group(0)  # shown by its prompt, not its name
    if rule.any_of:
        for value, label in watched.answer_choices():
            box = f'name="alerts.0.any_of" value="{value}"'
            assert box in page and label in page
    assert 'name="alerts.0.item" value=' not in page  # never a text box to type a name into


def test_show_if_picks_the_earlier_question_and_one_of_its_answers(signed_in):
    url = start(signed_in, start="blank")
    url = press(signed_in, url, "add:sections.0.items", **{"sections.0.items.new_type": "scale"})
    url = press(
        signed_in,
        url,
        "save",
        **{
            "sections.0.items.1.prompt": "How close did you feel?",
            "sections.0.items.1.min_label": "Far",
            "sections.0.items.1.max_label": "Near",
            "sections.0.items.0.prompt": "Anything to add?",
        },
    )
    url = press(
        signed_in, url, "add:sections.0.items", **{"sections.0.items.new_type": "long_text"}
    )
    url = press(signed_in, url, "add:sections.0.items.2.show_if.all")
    page = signed_in.get(url).get_data(as_text=True)
    assert "1.2 How close did you feel?" in page
    answer = re.search(
        r'<select id="f-sections-0-items-2-show-if-all-0-equals".*?</select>', page, re.S
    )
    assert answer is not None and "Choose the question first" in answer.group(0)
    url = press(signed_in, url, "save", **{"sections.0.items.2.show_if.all.0.item": "question-2"})
    page = signed_in.get(url).get_data(as_text=True)
    answer = re.search(
        r'<select id="f-sections-0-items-2-show-if-all-0-equals".*?</select>', page, re.S
    )
    assert '<option value="10">10 (Near)</option>' in answer.group(0)
    press(signed_in, url, "save", **{"sections.0.items.2.show_if.all.0.equals": "10"})
    draft = db.session.scalar(select(WorksheetDraft))
    db.session.refresh(draft)
    condition = service_content(draft)["sections"][0]["items"][2]["show_if"]["all"][0]
    assert condition == {"item": "question-2", "equals": 10}  # the scale's number, not text


def service_content(draft):
    from clinic.builder import service

    return service.content(draft)


@pytest.mark.parametrize(
    ("action", "lands_on"),
    [
        ("add:sections.0.items", "f-sections-0-items-2"),
        ("down:sections.0.items.0", "f-sections-0-items-1-up"),
        ("up:sections.0.items.1", "f-sections-0-items-0-down"),
        ("remove:sections.0.items.1", "f-sections-0-items-0"),
        ("copy:sections.0", "f-sections-1"),
    ],
)
def test_after_a_button_the_page_opens_where_it_acted(signed_in, action, lands_on):
    url = start(signed_in, start="blank")
    url = press(signed_in, url, "add:sections.0.items", **{"sections.0.items.new_type": "scale"})
    url = press(signed_in, url, action)
    assert url.endswith(f"#{lands_on}")
    assert f'id="{lands_on}"' in signed_in.get(url).get_data(as_text=True)


def test_translations_are_carried_through_untouched(signed_in, therapist):
    from clinic.builder import service

    data = service.from_builtin(therapist, builtin_library()["small-wins"])
    data["translations"] = {"de": {"Small wins": "Kleine Erfolge"}}
    draft = service.new_draft(therapist, data)
    db.session.commit()
    url = f"{BUILDER}/{draft.id}"
    press(signed_in, url, "save", title="Small wins, again")
    db.session.refresh(draft)
    assert service.content(draft)["translations"] == {"de": {"Small wins": "Kleine Erfolge"}}
    assert "translations" not in browser_form(signed_in.get(url).data, "builder-form")


def test_publishing_says_how_many_assignments_keep_the_old_version(signed_in, therapist):
    url = start(signed_in, start="builtin", worksheet="small-wins")
    press(signed_in, url, "publish")
    custom = db.session.scalar(select(CustomWorksheet))
    ws = load_text(custom.source_yaml)
    for _ in range(2):
        factories.make_assignment_of(factories.make_couple(therapist), [ws])
    url = signed_in.post(f"{BUILDER}/own/{custom.id}").headers["Location"]
    shown = signed_in.get(press(signed_in, url, "publish")).get_data(as_text=True)
    assert "2 assignments use an earlier version and keep it." in shown
