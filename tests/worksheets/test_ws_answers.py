"""Answers as partners give them: cleaned, counted, and read back from the HTML form."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from clinic.worksheets.answers import (
    AnswerError,
    clean_answer,
    is_answered,
    missing_required,
    parse_form,
    progress,
)
from clinic.worksheets.conditions import shown_items
from clinic.worksheets.items.grid import FIRM_ANSWERS as FIRM
from clinic.worksheets.items.grid import GRID_ANSWERS, NOTE_MAX
from clinic.worksheets.loader import builtin_library

LIBRARY = builtin_library()
ALL_ITEMS = [(ws, item) for ws in LIBRARY.values() for _, item in ws.items()]
fuzz = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))

# --- strategies ---------------------------------------------------------------------------

plain_text = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)


def valid_answer(item):
    """A normalised answer for ``item``: what clean_answer returns and the form round-trips."""
    if item.type in ("short_text", "long_text"):
        return plain_text
    if item.type == "single_choice":
        return st.sampled_from([o.value for o in item.options])
    if item.type == "multiple_choice":
        values = [o.value for o in item.options]
        return st.sets(st.sampled_from(values), min_size=1).map(
            lambda picked: [v for v in values if v in picked]
        )
    if item.type == "scale":
        return st.integers(item.min, item.max)
    if item.type == "boundary_grid":
        row = (
            st.fixed_dictionaries(
                {"non_negotiable": st.booleans()},
                optional={
                    "answer": st.sampled_from(list(GRID_ANSWERS)),
                    "note": plain_text,
                    "shared": st.just(True),
                },
            )
            .filter(lambda entry: entry != {"non_negotiable": False})
            # A firm limit is offered beside maybe, not now and no only.
            .filter(lambda entry: not entry["non_negotiable"] or entry.get("answer") in FIRM)
        )
        return st.dictionaries(st.sampled_from([r.id for r in item.rows]), row, min_size=1)
    if item.type == "reframe":
        parts = {p.id: st.fixed_dictionaries({"rewrite": plain_text}) for p in item.phrases}
        if item.allow_own:
            parts["own"] = st.fixed_dictionaries(
                {}, optional={"original": plain_text, "rewrite": plain_text}
            ).filter(bool)
        return st.fixed_dictionaries({}, optional=parts).filter(bool)
    clauses = {}
    for clause in item.clauses:
        fields = {}
        for field in clause.fields:
            if field.kind == "choice":
                fields[field.id] = st.sampled_from([o.value for o in field.options])
            elif field.kind == "minutes":
                fields[field.id] = st.integers(0, 1440).map(str)
            else:
                fields[field.id] = plain_text
        clauses[clause.id] = st.fixed_dictionaries(
            {"fields": st.fixed_dictionaries({}, optional=fields)}
        ).filter(lambda c: c["fields"])
    return st.fixed_dictionaries({}, optional=clauses).filter(bool)


@st.composite
def filled_worksheet(draw):
    ws = draw(st.sampled_from(list(LIBRARY.values())))
    items = [item for _, item in ws.items()]
    chosen = draw(st.lists(st.sampled_from(items), unique_by=lambda i: i.id))
    answers = {item.id: draw(valid_answer(item)) for item in chosen}
    if ws.answered_by != "each_partner" or ws.private_only:  # no row is offered to share
        answers = {k: strip_row_shares(v) for k, v in answers.items()}
    shared = draw(st.sets(st.sampled_from([i.id for i in items])))
    return ws, answers, shared


def strip_row_shares(value):
    if not isinstance(value, dict):
        return value
    return {
        k: {p: x for p, x in v.items() if p != "shared"} if isinstance(v, dict) else v
        for k, v in value.items()
    }


junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)

# --- examples -----------------------------------------------------------------------------


def test_boundary_inventory_form_is_read_into_the_documented_shape():
    ws = LIBRARY["boundary-inventory"]
    form = MultiDict(
        [
            ("a.activities.kissing", "yes"),
            ("a.activities.rough-play", "no"),
            ("a.activities.rough-play.nn", "1"),
            ("a.activities.rough-play.note", "  Not with my hands held.\r\n "),
            ("a.activities.toys.note", ""),
            ("a.depends-on", "stress"),
            ("a.depends-on", "mood"),
            ("a.depends-on", "stress"),
            ("a.understand", "Go slowly with me."),
            ("share.activities", "1"),
            ("share.understand", ""),
            ("a.nope", "ignored"),
            ("share.nope", "1"),
            ("csrf_token", "x"),
            ("a.activities.x.y.z", "1"),
        ]
    )
    answers, shareable, errors = parse_form(ws, form)
    assert errors == {}
    assert shareable == {"activities"}
    assert answers == {
        "activities": {
            "kissing": {"answer": "yes", "non_negotiable": False},
            "rough-play": {
                "answer": "no",
                "non_negotiable": True,
                "note": "Not with my hands held.",
            },
        },
        "depends-on": ["mood", "stress"],
        "understand": "Go slowly with me.",
    }
    # Progress counts grid rows: 2 of the 28 rows, plus the two other answered items.
    assert progress(ws, answers) == (4, 28 + 3)
    assert missing_required(ws, answers) == ["activities"]


def test_tampered_values_become_errors_for_that_item_only():
    ws = LIBRARY["conflict-pre-agreement"]
    form = MultiDict(
        {
            "a.warning-signs": "smashing-plates",
            "a.plan.time-out.length": "forever",
            "a.plan.pause.word": "Pineapple",
            "a.hot-topics": "x" * 5001,
            "a.ended-well": "We laughed.",
        }
    )
    answers, _, errors = parse_form(ws, form)
    assert answers == {"ended-well": "We laughed."}
    assert errors == {
        "warning-signs": "Please pick one of the choices shown.",
        "plan": "Please pick a number.",
        "hot-topics": "This answer is too long: 5001 characters (the limit is 5000).",
    }


def test_an_agreement_counts_as_answered_once_its_fields_are_filled():
    plan = LIBRARY["conflict-pre-agreement"].item("plan")
    value = {
        c.id: {
            "fields": {
                f.id: "10"
                if f.kind == "minutes"
                else (f.options[0].value if f.options else "words")
                for f in c.fields
            }
        }
        for c in plan.clauses
    }
    assert is_answered(plan, value)
    value["repair"]["fields"] = {}
    assert not is_answered(plan, value)


def test_a_grid_counts_once_every_row_has_an_answer():
    grid = LIBRARY["boundaries-after-change"].item("quick-check")
    value = {row.id: {"answer": "maybe"} for row in grid.rows}
    assert is_answered(grid, value)
    del value["rest"]["answer"]
    assert not is_answered(grid, value)


@pytest.mark.parametrize(
    ("item_id", "raw", "message"),
    [
        ("closeness", 11, "Please pick a number from 0 to 10."),
        ("closeness", True, "Please pick a number."),
        ("ritual-kept", "maybe", "Please pick one of the choices shown."),
        ("small-win", ["a list"], "This answer should be text."),
    ],
)
def test_clean_answer_explains_what_is_wrong(item_id, raw, message):
    with pytest.raises(AnswerError, match=message):
        clean_answer(LIBRARY["monthly-check-in"].item(item_id), raw)


def test_unknown_rows_phrases_and_parts_are_refused():
    grid = LIBRARY["boundary-inventory"].item("activities")
    phrases = LIBRARY["language-reframing"].item("phrases")
    with pytest.raises(AnswerError, match="unknown part: 'skydiving'"):
        clean_answer(grid, {"skydiving": {"answer": "yes"}})
    with pytest.raises(AnswerError, match="unknown part: 'colour'"):
        clean_answer(grid, {"kissing": {"answer": "yes", "colour": "red"}})
    with pytest.raises(AnswerError, match="unknown part: 'made-up'"):
        clean_answer(phrases, {"made-up": {"rewrite": "hello"}})


# --- properties ---------------------------------------------------------------------------


@fuzz
@given(st.sampled_from(ALL_ITEMS), junk)
def test_clean_answer_raises_only_answer_error(pair, raw):
    _, item = pair
    try:
        value = clean_answer(item, raw)
    except AnswerError as exc:
        assert str(exc)
    else:
        assert clean_answer(item, value) == value


@fuzz
@given(st.data())
def test_valid_answers_are_kept_as_they_are(data):
    _, item = data.draw(st.sampled_from(ALL_ITEMS))
    value = data.draw(valid_answer(item))
    assert clean_answer(item, value) == value
    assert is_answered(item, value) in (True, False)


def form_names(ws):
    """Every name the documented convention defines for this worksheet."""
    for _, item in ws.items():
        base = f"a.{item.id}"
        yield base
        yield f"share.{item.id}"
        for row in getattr(item, "rows", ()):
            yield from (f"{base}.{row.id}", f"{base}.{row.id}.nn", f"{base}.{row.id}.note")
            yield f"{base}.{row.id}.share"
        for phrase in getattr(item, "phrases", ()):
            yield f"{base}.{phrase.id}"
        if getattr(item, "allow_own", False):
            yield from (f"{base}.own.original", f"{base}.own.rewrite")
        for clause in getattr(item, "clauses", ()):
            yield f"{base}.{clause.id}.ok"
            yield from (f"{base}.{clause.id}.{field.id}" for field in clause.fields)


@fuzz
@given(st.data())
def test_parse_form_never_raises_on_random_submissions(data):
    ws = data.draw(st.sampled_from(list(LIBRARY.values())))
    names = st.sampled_from(sorted(form_names(ws))) | st.text(max_size=20)
    values = st.text(max_size=30) | st.sampled_from(["yes", "no", "not_now", "1", "10", "own"])
    form = MultiDict(data.draw(st.lists(st.tuples(names, values), max_size=40)))
    answers, shareable, errors = parse_form(ws, form)
    ids = {item.id for _, item in ws.items()}
    assert set(answers) <= ids and shareable <= ids and set(errors) <= ids
    assert not set(answers) & set(errors)
    for item_id, value in answers.items():
        assert clean_answer(ws.item(item_id), value) == value


@fuzz
@given(st.sampled_from(list(LIBRARY.values())), st.dictionaries(st.text(max_size=20), junk))
def test_parse_form_accepts_a_plain_dict_of_anything(ws, form):
    answers, _, errors = parse_form(ws, form)
    assert all(isinstance(message, str) for message in errors.values())
    for item_id, value in answers.items():
        assert clean_answer(ws.item(item_id), value) == value


# --- the rendered form and parse_form agree ------------------------------------------------


class SubmittedFields(HTMLParser):
    """What a browser would submit for a rendered form: checked boxes, texts, selections."""

    def __init__(self):
        super().__init__()
        self.fields, self._textarea, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") in ("radio", "checkbox"):
            if "checked" in a:
                self.fields.append((a["name"], a["value"]))
        elif tag == "input":
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a["value"]))

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            self._select = None


@fuzz
@given(filled_worksheet())
def test_a_rendered_form_submits_back_the_same_answers(form_macro, filled):
    ws, answers, shared = filled
    parser = SubmittedFields()
    parser.feed(str(form_macro(ws, answers, shared)))
    parsed, shareable, errors = parse_form(ws, MultiDict(parser.fields))
    assert errors == {}
    shown = shown_items(ws, answers)  # answers to questions show_if hides are never kept
    assert parsed == {item_id: value for item_id, value in answers.items() if item_id in shown}
    offered = ws.answered_by == "each_partner" and not ws.private_only
    assert shareable == (shared & shown if offered else set())


# --- long worksheets on a phone: progress by parts, firm limits, rows shared one by one ------


def test_progress_moves_with_every_grid_row_and_agreement_clause():
    inventory = LIBRARY["boundary-inventory"]
    assert progress(inventory, {}) == (0, 12 + 8 + 8 + 3)
    rows = {"kissing": {"answer": "yes"}, "cuddling": {"answer": "no"}, "massage": {"note": "?"}}
    assert progress(inventory, {"activities": rows}) == (2, 31)

    agreement = LIBRARY["conflict-pre-agreement"]
    plan = agreement.item("plan")
    _, total = progress(agreement, {})
    one_clause = plan.clauses[0]
    fields = {
        f.id: f.options[0].value if f.options else "10" if f.kind == "minutes" else "words"
        for f in one_clause.fields
    }
    filled = plan.clean({one_clause.id: {"fields": fields}})
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    by_one = plan.confirm(filled, one_clause.id, 7, [7, 8], now)
    assert progress(agreement, {"plan": by_one}) == (0, total)  # one partner is not both
    by_both = plan.confirm(by_one, one_clause.id, 8, [7, 8], now)
    assert progress(agreement, {"plan": by_both}) == (1, total)
    assert plan.answer_units(clean_answer(plan, by_both)) == (1, len(plan.clauses))


def test_a_malformed_answer_counts_as_no_part_answered():
    inventory = LIBRARY["boundary-inventory"]
    assert progress(inventory, {"activities": {"kissing": {"answer": "perhaps"}}}) == (0, 31)


def test_a_firm_limit_cannot_go_with_yes():
    item = LIBRARY["boundary-inventory"].item("activities")
    with pytest.raises(AnswerError, match="a firm limit goes with Maybe, Not now or No"):
        clean_answer(item, {"kissing": {"answer": "yes", "non_negotiable": True}})
    for answer in FIRM:
        value = {"kissing": {"answer": answer, "non_negotiable": True}}
        assert clean_answer(item, value) == value


def test_a_grid_note_that_is_too_long_or_not_text_names_its_row():
    item = LIBRARY["boundary-inventory"].item("activities")
    with pytest.raises(AnswerError, match="The note on “Kissing” is too long"):
        clean_answer(item, {"kissing": {"answer": "no", "note": "x" * (NOTE_MAX + 1)}})
    with pytest.raises(AnswerError, match="The note on “Kissing” should be text"):
        clean_answer(item, {"kissing": {"answer": "no", "note": 5}})


def test_a_firm_limit_box_left_ticked_beside_yes_is_not_read():
    """The form hides the box beside a yes, so a tick left from an earlier "no" is not sent on."""
    ws = LIBRARY["boundary-inventory"]
    form = MultiDict(
        [
            ("a.activities.kissing", "yes"),
            ("a.activities.kissing.nn", "1"),
            ("a.activities.oral", "not_now"),
            ("a.activities.oral.nn", "1"),
            ("a.activities.toys.nn", "1"),  # no answer picked: nothing to be firm about
        ]
    )
    answers, _, errors = parse_form(ws, form)
    assert errors == {}
    assert answers["activities"] == {
        "kissing": {"answer": "yes", "non_negotiable": False},
        "oral": {"answer": "not_now", "non_negotiable": True},
    }


def test_grid_rows_are_shared_one_by_one_and_never_on_a_private_worksheet():
    form = MultiDict(
        [
            ("a.activities.kissing", "yes"),
            ("a.activities.kissing.share", "1"),
            ("a.activities.oral", "no"),
        ]
    )
    answers, shareable, _ = parse_form(LIBRARY["boundary-inventory"], form)
    assert shareable == set()  # the whole grid is not shared ...
    assert answers["activities"] == {  # ... but this one row is
        "kissing": {"answer": "yes", "non_negotiable": False, "shared": True},
        "oral": {"answer": "no", "non_negotiable": False},
    }
    private = LIBRARY["boundary-inventory"].model_copy(update={"private_only": True})
    answers, _, _ = parse_form(private, form)
    assert "shared" not in answers["activities"]["kissing"]


def test_a_grid_shares_all_its_rows_or_only_those_shared_on_their_own():
    item = LIBRARY["boundary-inventory"].item("activities")
    value = {
        "kissing": {"answer": "yes", "non_negotiable": False, "shared": True},
        "oral": {"answer": "no", "non_negotiable": True, "note": "Only mine"},
    }
    assert item.shared_part(value, shareable=True) == value
    assert item.shared_part(value, shareable=False) == {"kissing": value["kissing"]}
    assert item.shared_part({"oral": value["oral"]}, shareable=False) is None
