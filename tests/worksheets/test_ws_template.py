"""The form macro: accessible, CSP-safe, escaped, and named as docs/worksheet-format.md says."""

import re
from html.parser import HTMLParser

import pytest
import yaml

from clinic.worksheets.items.agreement import FIELD_MAX, MAX_MINUTES_FIELD
from clinic.worksheets.items.grid import NOTE_MAX
from clinic.worksheets.items.reframe import REWRITE_MAX
from clinic.worksheets.loader import BUILTIN_DIR, builtin_library, load_text

LIBRARY = builtin_library()
WORKSHEETS = list(LIBRARY.values())
CONTROLS = {"input", "select", "textarea"}


class Page(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.tags, self.stack, self.legends_in_fieldsets = [], [], 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "legend" and self.stack and self.stack[-1] == "fieldset":
            self.legends_in_fieldsets += 1
        if tag not in ("input",):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass

    def controls(self):
        return [a for tag, a in self.tags if tag in CONTROLS]


@pytest.mark.parametrize("ws", WORKSHEETS, ids=lambda ws: ws.id)
def test_every_control_has_a_label_and_a_unique_id(form_macro, ws):
    page = Page(str(form_macro(ws)))
    ids = [a["id"] for a in page.controls()]
    assert len(ids) == len(set(ids))
    labelled = {a["for"] for tag, a in page.tags if tag == "label"}
    assert set(ids) <= labelled
    fieldsets = sum(1 for tag, _ in page.tags if tag == "fieldset")
    assert page.legends_in_fieldsets == fieldsets


@pytest.mark.parametrize("ws", WORKSHEETS, ids=lambda ws: ws.id)
def test_no_inline_script_style_or_handlers(form_macro, ws):
    html = str(form_macro(ws))
    page = Page(html)
    assert not [t for t, _ in page.tags if t in ("script", "style")]
    attributes = {name for _, attrs in page.tags for name in attrs}
    assert "style" not in attributes
    assert not [name for name in attributes if name.startswith("on")]


@pytest.mark.parametrize("ws", WORKSHEETS, ids=lambda ws: ws.id)
def test_field_names_follow_the_documented_convention(form_macro, ws):
    names = {a["name"] for a in Page(str(form_macro(ws))).controls()}
    share = {f"share.{item.id}" for _, item in ws.items()}
    if ws.answered_by == "couple" or ws.private_only:
        assert not names & share
    else:
        assert share <= names
    for name in names - share:
        item_id, *rest = name.removeprefix("a.").split(".")
        item = ws.item(item_id)
        allowed = {
            "boundary_grid": r"[^.]+(\.nn|\.note|\.share)?",
            "reframe": r"[^.]+|own\.original|own\.rewrite",
            "agreement": r"[^.]+\.[^.]+|_again",
        }.get(item.type, "")
        assert re.fullmatch(allowed, ".".join(rest)), name


def test_grid_rows_offer_yes_maybe_not_now_no_a_firm_limit_box_a_note_and_sharing(form_macro):
    ws = LIBRARY["boundary-inventory"]
    page = Page(str(form_macro(ws)))
    row = [(tag, a) for tag, a in page.tags if a.get("name", "").startswith("a.activities.kiss")]
    radios = [a["value"] for _, a in row if a.get("type") == "radio"]
    assert radios == ["yes", "maybe", "not_now", "no"]
    assert {(tag, a["name"]) for tag, a in row if a.get("type") != "radio"} == {
        ("input", "a.activities.kissing.nn"),
        ("textarea", "a.activities.kissing.note"),  # shows every line that was typed
        ("input", "a.activities.kissing.share"),
    }


def test_grid_rows_are_not_offered_for_sharing_where_nothing_may_be_shared(form_macro, library):
    private = library["boundary-inventory"].model_copy(update={"private_only": True})
    joint = library["boundary-inventory"].model_copy(update={"answered_by": "couple"})
    for ws in (private, joint):
        names = {a["name"] for a in Page(str(form_macro(ws))).controls()}
        assert not {n for n in names if n.endswith(".share")}


def test_a_long_grid_shows_one_group_of_rows_at_a_time(form_macro):
    """12 rows fold into three groups of four; opening one closes the others (details name),
    and the first group with a row still to answer is the one open."""
    ws = LIBRARY["boundary-inventory"]
    answers = {
        "activities": {
            r: {"answer": "yes"} for r in ("kissing", "cuddling", "massage", "naked", "oral")
        }
    }
    page = Page(str(form_macro(ws, answers)))
    groups = [a for tag, a in page.tags if tag == "details" and a["name"] == "g.a.activities"]
    assert len(groups) == 3
    assert ["open" in a for a in groups] == [False, True, False]
    html = str(form_macro(ws, answers))
    assert "Part 1 of 3: Kissing … Being naked together" in html
    assert "4 of 4 answered" in html and "1 of 4 answered" in html


def test_a_short_grid_is_not_folded(form_macro):
    ws = LIBRARY["boundaries-after-change"]
    assert len(ws.item("quick-check").rows) == 6  # FOLD_AFTER
    page = Page(str(form_macro(ws)))
    assert not [a for tag, a in page.tags if tag == "details" and "quick-check" in a["name"]]


def test_answers_show_as_checked_and_filled_in(form_macro):
    ws = LIBRARY["monthly-check-in"]
    html = str(form_macro(ws, {"closeness": 7, "small-win": "We <walked>"}, {"closeness"}))
    assert re.search(r'name="a\.closeness" value="7" checked', html)
    assert re.search(r'name="share\.closeness" value="1" checked', html)
    assert "We &lt;walked&gt;</textarea>" in html


def test_read_only_preview_disables_every_control_and_hides_sharing(form_macro):
    ws = LIBRARY["consent-check-in"]
    page = Page(str(form_macro(ws, show_share=False, disabled=True)))
    assert page.controls() and all("disabled" in a for a in page.controls())
    assert not [a for a in page.controls() if a["name"].startswith("share.")]


def test_errors_are_shown_next_to_their_item(form_macro):
    ws = LIBRARY["monthly-check-in"]
    html = str(form_macro(ws, errors={"small-win": "This answer is too long."}))
    assert '<p class="error" id="e-small-win">This answer is too long.</p>' in html
    assert 'aria-describedby="e-small-win" aria-invalid="true"' in html


def test_text_from_an_uploaded_file_is_escaped(form_macro):
    data = yaml.safe_load((BUILTIN_DIR / "small-wins.yaml").read_text("utf-8"))
    data["sections"][0]["title"] = "<script>alert(1)</script>"
    data["sections"][0]["items"][0]["prompt"] = '"><img src=x onerror=alert(1)>'
    html = str(form_macro(load_text(yaml.safe_dump(data))))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&#34;&gt;&lt;img" in html


def test_browser_limits_match_what_clean_answer_accepts(form_macro):
    controls = {
        a["name"]: a
        for ws in ("boundary-inventory", "language-reframing", "conflict-pre-agreement")
        for a in Page(str(form_macro(LIBRARY[ws]))).controls()
    }
    assert controls["a.activities.kissing.note"]["maxlength"] == str(NOTE_MAX)
    assert controls["a.phrases.owe-me"]["maxlength"] == str(REWRITE_MAX)
    assert controls["a.phrases.own.original"]["maxlength"] == str(REWRITE_MAX)
    assert controls["a.plan.pause.word"]["maxlength"] == str(FIELD_MAX)
    assert controls["a.plan.time-out.length"]["max"] == str(MAX_MINUTES_FIELD)
    assert controls["a.hot-topics"]["maxlength"] == "5000"
