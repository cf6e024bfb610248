"""The therapist's worksheet library: browse, search, read the guide, preview, export, add own."""

import html
import io
import json
import re

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from sqlalchemy import func, select

from clinic.extensions import db
from clinic.models import Answer, CustomWorksheet, WorksheetVersion
from clinic.worksheets import library
from clinic.worksheets.loader import BUILTIN_DIR, builtin_library
from clinic.worksheets.versions import worksheet_of
from tests import factories
from tests.helpers import r4_item_rules_broken
from tests.worksheets.broken_files import BROKEN_FILES, expected_fragment

LIBRARY = builtin_library()
BUILTINS = list(LIBRARY.values())


def page_text(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(text).split())


def listed_keys(response) -> set[str]:
    """The library entries on a library page, as ``builtin-<id>`` / ``custom-<row id>``."""
    body = response.get_data(as_text=True)
    return set(re.findall(r'id="ws-((?:builtin|custom)-[a-z0-9-]+)"', body))


def own_count() -> int:
    return db.session.scalar(select(func.count(CustomWorksheet.id)))


def upload(client, content: bytes, filename: str = "mine.yaml"):
    return client.post(
        "/worksheets/new",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


# --- browsing ----------------------------------------------------------------------------------


def test_library_lists_every_builtin_with_its_facts(signed_in):
    response = signed_in.get("/worksheets/")
    assert response.status_code == 200
    assert listed_keys(response) == {f"builtin-{ws.id}" for ws in BUILTINS}
    text = page_text(response)
    assert f"{len(BUILTINS)} worksheets" in text
    for ws in BUILTINS:
        assert ws.title in text and " ".join(ws.purpose.split()) in text
        assert f"About {ws.minutes} minutes" in text
    assert "The couple together" in text and "Each partner on their own" in text
    assert "Life changes" in text  # theme labels read as words


def test_search_finds_words_in_title_or_purpose(signed_in):
    response = signed_in.get("/worksheets/?q=BOUNDAR")
    expected = {
        f"builtin-{ws.id}"
        for ws in BUILTINS
        if "boundar" in (ws.title + " " + ws.purpose).casefold()
    }
    assert "builtin-boundary-inventory" in expected
    assert listed_keys(response) == expected
    assert f"{len(expected)} of {len(BUILTINS)} worksheets" in page_text(response)


def test_every_word_of_a_search_must_match(signed_in):
    response = signed_in.get("/worksheets/?q=monthly+boundary")
    assert listed_keys(response) == set()
    assert "No worksheet matches" in page_text(response)


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("theme=consent", lambda ws: "consent" in ws.themes),
        ("length=short", lambda ws: ws.minutes <= 10),
        ("length=medium", lambda ws: 10 < ws.minutes <= 20),
        ("length=long", lambda ws: ws.minutes > 20),
        (
            "theme=communication&length=short",
            lambda ws: "communication" in ws.themes and ws.minutes <= 10,
        ),
        ("theme=no-such-theme&length=forever", lambda ws: True),
    ],
)
def test_filters_by_theme_and_length(signed_in, query, keep):
    response = signed_in.get(f"/worksheets/?{query}")
    expected = {f"builtin-{ws.id}" for ws in BUILTINS if keep(ws)}
    assert expected, "each filter should keep something, or the test proves nothing"
    assert listed_keys(response) == expected


def test_filters_keep_their_choices_on_the_page(signed_in):
    body = signed_in.get("/worksheets/?q=talk&theme=conflict&length=medium").get_data(as_text=True)
    assert 'value="talk"' in body
    assert '<option value="conflict" selected>' in body
    assert '<option value="medium" selected>' in body


def test_worksheet_page_shows_the_guide_and_discussion_prompts(signed_in):
    ws = LIBRARY["boundary-inventory"]
    response = signed_in.get(f"/worksheets/builtin/{ws.id}")
    assert response.status_code == 200
    text = page_text(response)
    for part in (
        ws.purpose,
        ws.instructions,
        ws.guide.how_to_use,
        ws.guide.look_for,
        ws.guide.when_not_to_use,
        *ws.discussion_prompts,
    ):
        assert " ".join(part.split()) in text
    assert "Duplicate and edit" in text and "Remove this worksheet" not in text


def test_a_private_worksheet_page_says_so_and_lists_its_alerts(signed_in):
    ws = next(ws for ws in BUILTINS if ws.alerts)
    text = page_text(signed_in.get(f"/worksheets/builtin/{ws.id}"))
    assert "Private: only you read the answers." in text
    first = ws.alerts[0]
    assert " ".join(ws.item(first.item).prompt.split()) in text
    assert first.urgency.capitalize() in text
    assert "Private: only you" not in page_text(signed_in.get("/worksheets/builtin/small-wins"))


def test_an_unknown_builtin_is_not_found(signed_in):
    assert signed_in.get("/worksheets/builtin/no-such-sheet").status_code == 404
    assert signed_in.get("/worksheets/builtin/no-such-sheet/preview").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in ("/worksheets/", "/worksheets/builtin/power-patterns/preview", "/worksheets/new"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- preview -----------------------------------------------------------------------------------


@pytest.mark.parametrize("ws", BUILTINS, ids=lambda ws: ws.id)
def test_preview_shows_every_item_and_nothing_for_the_therapist_only(signed_in, ws):
    response = signed_in.get(f"/worksheets/builtin/{ws.id}/preview")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<title>Worksheet</title>" in body
    assert 'class="client"' in body and "Quick exit" in body
    text = page_text(response)
    for _section, item in ws.items():
        assert " ".join(item.prompt.split()) in text, item.id
    for secret in (*ws.guide.model_dump().values(), *ws.discussion_prompts):
        assert " ".join(secret.split()) not in text


@pytest.mark.parametrize("ws", BUILTINS, ids=lambda ws: ws.id)
def test_preview_looks_like_the_partners_page(signed_in, couple, ws):
    """The same heading, instruction card, form and buttons as the page a partner opens."""
    assignment = factories.make_assignment(couple, slugs=(ws.id,))
    token = factories.client_tokens(assignment)[0]
    partner_page = signed_in.get(f"/w/{token}/1").get_data(as_text=True)
    preview = signed_in.get(f"/worksheets/builtin/{ws.id}/preview").get_data(as_text=True)

    def part(body, pattern):
        """The markup matching ``pattern``, hidden inputs left out, layout whitespace ignored."""
        found = re.search(pattern, body, re.DOTALL)
        assert found, pattern
        markup = re.sub(r'<input type="hidden"[^>]*>', "", found.group(0))
        return re.sub(r">\s+<", "><", " ".join(markup.split()))

    for pattern in (r"<h1>.*?<form", r'<div class="ws-form".*?</form>'):
        assert part(preview, pattern) == part(partner_page, pattern)


def test_preview_answers_can_be_tried_but_are_never_saved(signed_in, couple):
    factories.make_assignment(couple, slugs=("monthly-check-in",))
    response = signed_in.post(
        "/worksheets/builtin/monthly-check-in/preview",
        data={"a.closeness": "7", "a.heard": "eleven", "action": "submit"},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    text = page_text(response)
    assert "nothing was saved" in text
    assert 'value="7" checked' in body
    assert "This question needs an answer." in text  # the required ones left empty
    assert "1 of" in text  # progress counts what was tried
    assert db.session.scalar(select(func.count(Answer.id))) == 0


# --- FHIR --------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["boundary-inventory", "conflict-pre-agreement"])
def test_questionnaire_download_validates(signed_in, slug):
    response = signed_in.get(f"/worksheets/builtin/{slug}/questionnaire.json")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}.fhir.json"'
    resource = json.loads(response.get_data(as_text=True))
    assert Questionnaire.model_validate(resource).id == slug
    assert not list(r4_item_rules_broken(resource["item"]))


def test_own_worksheet_exports_too(signed_in, therapist):
    custom = factories.make_custom_worksheet(therapist, factories.own_worksheet_yaml())
    response = signed_in.get(f"/worksheets/own/{custom.id}/questionnaire.json")
    resource = json.loads(response.get_data(as_text=True))
    assert Questionnaire.model_validate(resource).title == "My check-in"


# --- own worksheets: upload --------------------------------------------------------------------


def test_uploading_a_good_file_adds_it_for_this_therapist(signed_in, therapist):
    response = upload(signed_in, factories.own_worksheet_yaml().encode())
    custom = db.session.scalar(select(CustomWorksheet))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/worksheets/own/{custom.id}")
    assert (custom.therapist_id, custom.slug) == (therapist.id, "my-check-in")
    assert custom.title == "My check-in"
    library_page = signed_in.get("/worksheets/")
    assert f"custom-{custom.id}" in listed_keys(library_page)
    assert "Your own" in page_text(library_page)
    preview = signed_in.get(f"/worksheets/own/{custom.id}/preview")
    assert "How was your week?" in page_text(preview)


def test_a_byte_order_mark_and_windows_line_ends_are_fine(signed_in):
    content = "\ufeff" + factories.own_worksheet_yaml().replace("\n", "\r\n")
    assert upload(signed_in, content.encode("utf-8")).status_code == 302
    assert "\r" not in db.session.scalar(select(CustomWorksheet.source_yaml))


@pytest.mark.parametrize("path", BROKEN_FILES, ids=lambda p: p.name)
def test_each_broken_file_is_refused_with_its_problem_listed(signed_in, path):
    response = upload(signed_in, path.read_bytes(), path.name)
    assert response.status_code == 422
    text = page_text(response)
    assert "Nothing was saved." in text
    assert expected_fragment(path) in text
    assert own_count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 40, "not UTF-8 text"),
        (factories.own_worksheet_yaml().encode("utf-16"), "not UTF-8 text"),
        (b"\x00\x01\x02binary", "malformed YAML"),
        (b"", "the file is empty"),
        (factories.own_worksheet_yaml(slug="boundary-inventory").encode(), "built-in worksheet"),
        (factories.own_worksheet_yaml(prompt="[unclosed").encode(), "malformed YAML"),
    ],
    ids=["binary", "utf-16", "control-bytes", "empty", "builtin-id", "bad-yaml"],
)
def test_junk_uploads_are_refused_clearly(signed_in, content, message):
    response = upload(signed_in, content, "junk.bin")
    assert response.status_code == 422
    assert message in page_text(response)
    assert own_count() == 0


def test_a_file_over_the_request_limit_gets_the_upload_page_not_an_error(signed_in, app):
    content = b"# padding\n" * (app.config["MAX_CONTENT_LENGTH"] // 10 + 10)
    response = upload(signed_in, content)
    assert response.status_code == 413
    text = page_text(response)
    assert "the file is larger than the limit of 256 KiB" in text
    assert "Upload your own worksheet" in text
    assert own_count() == 0


def test_an_edit_over_the_request_limit_gets_a_clear_error_page(signed_in, therapist, app):
    custom = factories.make_custom_worksheet(therapist, factories.own_worksheet_yaml())
    huge = "# padding\n" * (app.config["MAX_CONTENT_LENGTH"] // 10 + 10)
    response = signed_in.post(f"/worksheets/own/{custom.id}/edit", data={"source": huge})
    assert response.status_code == 413
    assert "larger than this app accepts" in page_text(response)
    db.session.refresh(custom)
    assert custom.source_yaml == factories.own_worksheet_yaml()


def test_uploading_without_a_file_asks_for_one(signed_in):
    response = signed_in.post("/worksheets/new", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a worksheet file to upload." in page_text(response)


def test_the_same_id_twice_is_refused(signed_in):
    assert upload(signed_in, factories.own_worksheet_yaml().encode()).status_code == 302
    response = upload(signed_in, factories.own_worksheet_yaml(title="Other").encode())
    assert response.status_code == 422
    assert "you already have a worksheet with the id 'my-check-in'" in page_text(response)
    assert own_count() == 1


# --- own worksheets: duplicate and edit --------------------------------------------------------


@pytest.mark.parametrize("ws", BUILTINS, ids=lambda ws: ws.id)
def test_every_builtin_duplicates_into_a_valid_own_worksheet(therapist, ws):
    text = library.copy_source(therapist, ws)
    copy = library.save_own(therapist, text, "copy")
    assert copy.slug == f"{ws.id}-own"
    assert copy.title == f"{ws.title} (my version)"
    original = (BUILTIN_DIR / f"{ws.id}.yaml").read_text(encoding="utf-8")
    assert text.count("\n") == original.count("\n")  # comments and layout are kept


def test_duplicate_and_edit_a_builtin(signed_in, therapist):
    form = signed_in.get("/worksheets/builtin/consent-check-in/copy")
    assert form.status_code == 200
    assert "id: consent-check-in-own" in html.unescape(form.get_data(as_text=True))
    assert own_count() == 0  # nothing is stored before saving

    source = library.copy_source(therapist, LIBRARY["consent-check-in"])
    first_prompt = next(item.prompt for _, item in LIBRARY["consent-check-in"].items())
    edited = source.replace(first_prompt.split()[0], "Honestly,", 1)
    response = signed_in.post("/worksheets/builtin/consent-check-in/copy", data={"source": edited})
    custom = db.session.scalar(select(CustomWorksheet))
    assert response.status_code == 302
    assert custom.slug == "consent-check-in-own" and custom.therapist_id == therapist.id
    assert "Honestly," in page_text(signed_in.get(f"/worksheets/own/{custom.id}"))
    # A second copy gets the next free id.
    assert "id: consent-check-in-own-2" in html.unescape(
        signed_in.get("/worksheets/builtin/consent-check-in/copy").get_data(as_text=True)
    )


def test_a_broken_edit_keeps_the_text_and_lists_the_problems(signed_in, therapist):
    custom = factories.make_custom_worksheet(therapist, factories.own_worksheet_yaml())
    broken = (
        factories.own_worksheet_yaml()
        .replace("type: long_text", "type: essay")
        .replace("minutes: 5", "minutes: lots")
        + "\n# <b>my note</b>\n"
    )
    response = signed_in.post(f"/worksheets/own/{custom.id}/edit", data={"source": broken})
    assert response.status_code == 422
    text = page_text(response)
    assert "Nothing was saved. Please fix these 2 problems:" in text
    assert "sections[0].items[0].type: unknown item type 'essay'" in text
    assert "minutes: expected a whole number, got text" in text
    body = response.get_data(as_text=True)
    assert "# &lt;b&gt;my note&lt;/b&gt;" in body  # the text is kept, escaped
    db.session.refresh(custom)
    assert custom.source_yaml == factories.own_worksheet_yaml()


def test_editing_can_rename_but_not_onto_another_own_worksheet(signed_in, therapist):
    first = factories.make_custom_worksheet(therapist, factories.own_worksheet_yaml())
    factories.make_custom_worksheet(therapist, factories.own_worksheet_yaml(slug="other-one"))
    clash = factories.own_worksheet_yaml(slug="other-one")
    response = signed_in.post(f"/worksheets/own/{first.id}/edit", data={"source": clash})
    assert response.status_code == 422
    assert "you already have a worksheet with the id 'other-one'" in page_text(response)
    renamed = factories.own_worksheet_yaml(slug="renamed", title="Renamed")
    response = signed_in.post(f"/worksheets/own/{first.id}/edit", data={"source": renamed})
    assert response.status_code == 302
    db.session.refresh(first)
    assert (first.slug, first.title) == ("renamed", "Renamed")


def test_editing_never_changes_answers_already_given(signed_in, therapist, couple):
    """Assignments keep the definition they were made with, so old answers keep their meaning."""
    upload(signed_in, factories.own_worksheet_yaml(prompt="How was your week?").encode())
    custom = db.session.scalar(select(CustomWorksheet))
    own = library.own_entry(therapist, custom.id).worksheet
    assignment = factories.make_assignment_of(couple, [own])
    sheet = assignment.worksheets[0]
    factories.answer_worksheet(sheet, couple.partners[0], {"week": "Calm", "mood": 6})

    new_text = factories.own_worksheet_yaml(prompt="What hurt this week?").replace(
        "      - id: mood", "      - id: mood-gone"
    )
    response = signed_in.post(f"/worksheets/own/{custom.id}/edit", data={"source": new_text})
    assert response.status_code == 302

    db.session.refresh(sheet)
    answered_with = worksheet_of(sheet.worksheet_version)
    assert answered_with.item("week").prompt == "How was your week?"
    assert answered_with.item("mood").type == "scale"
    answers = {a.item_id: a.value for r in sheet.responses for a in r.answers}
    assert answers == {"week": "Calm", "mood": 6}
    # New assignments use the edited text, stored as a version of its own.
    edited = library.own_entry(therapist, custom.id).worksheet
    later = factories.make_assignment_of(couple, [edited])
    assert worksheet_of(later.worksheets[0].worksheet_version).item("week").prompt == (
        "What hurt this week?"
    )
    assert db.session.scalar(select(func.count(WorksheetVersion.id))) == 2


def test_removing_needs_a_tick_and_keeps_assignments(signed_in, therapist, couple):
    custom = factories.make_custom_worksheet(therapist, factories.own_worksheet_yaml())
    own = library.own_entry(therapist, custom.id).worksheet
    assignment = factories.make_assignment_of(couple, [own])
    response = signed_in.post(f"/worksheets/own/{custom.id}/delete", data={})
    assert response.status_code == 302 and own_count() == 1
    response = signed_in.post(f"/worksheets/own/{custom.id}/delete", data={"confirm": "yes"})
    assert response.status_code == 302 and own_count() == 0
    db.session.refresh(assignment)
    assert worksheet_of(assignment.worksheets[0].worksheet_version).title == "My check-in"


def test_an_own_worksheet_that_no_longer_loads_is_listed_to_fix(signed_in, therapist):
    custom = factories.make_custom_worksheet(therapist, factories.own_worksheet_yaml())
    custom.source_yaml = custom.source_yaml.replace("minutes: 5", "minutes: 500")
    db.session.commit()
    text = page_text(signed_in.get("/worksheets/"))
    assert "Needs fixing" in text
    response = signed_in.get(f"/worksheets/own/{custom.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    edit = page_text(signed_in.get(f"/worksheets/own/{custom.id}/edit"))
    assert "This worksheet no longer passes the checks." in edit
    assert "minutes: must be at most 180, got 500" in edit
    assert f"custom:{custom.id}" not in library.catalogue(therapist)


# --- privacy -----------------------------------------------------------------------------------


def test_own_worksheets_are_visible_to_their_owner_alone(signed_in, therapist):
    other = factories.make_therapist()
    theirs = factories.make_custom_worksheet(other, factories.own_worksheet_yaml(title="Theirs"))
    assert f"custom-{theirs.id}" not in listed_keys(signed_in.get("/worksheets/"))
    assert "Theirs" not in page_text(signed_in.get("/worksheets/"))
    for url in ("", "/preview", "/questionnaire.json", "/edit"):
        assert signed_in.get(f"/worksheets/own/{theirs.id}{url}").status_code == 404, url
    for url in ("/preview", "/edit", "/delete"):
        response = signed_in.post(f"/worksheets/own/{theirs.id}{url}", data={"confirm": "yes"})
        assert response.status_code == 404, url
    assert library.own_entry(therapist, theirs.id) is None
    assert "my-check-in" not in {ws.id for ws in library.catalogue(therapist).values()}
    assert own_count() == 1
    # The same id is free for this therapist: libraries are separate.
    assert upload(signed_in, factories.own_worksheet_yaml().encode()).status_code == 302


# --- the library as other features use it ------------------------------------------------------


def test_the_catalogue_merges_builtins_and_own_in_title_order(therapist):
    custom = factories.make_custom_worksheet(
        therapist, factories.own_worksheet_yaml(title="1 Aardvark notes")
    )
    found = list(library.catalogue(therapist).values())
    assert [ws.title for ws in found] == sorted((ws.title for ws in found), key=str.casefold)
    assert found[0].id == "my-check-in"
    assert {ws.id for ws in found} == {*LIBRARY, "my-check-in"}
    assert any(ws is LIBRARY["boundary-inventory"] for ws in found)
    # Assigning chooses from the same list, by form key.
    keys = list(library.catalogue(therapist))
    assert keys[0] == f"custom:{custom.id}"
    assert set(keys[1:]) == {f"builtin:{slug}" for slug in LIBRARY}
