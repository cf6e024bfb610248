"""Boundary grids compared row by row, and answers paired side by side."""

from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.review.compare import (
    GridSummary,
    Respondent,
    StoredAnswer,
    pair_answers,
    session_rows,
    summarize,
)
from clinic.worksheets.items.grid import (
    BOTH_NO,
    BOTH_YES,
    CATEGORIES,
    EXPLORE,
    INCOMPLETE,
    LIMIT,
    GridAnswer,
    classify_row,
)
from tests.review.sample import full_answers, grid, sample_worksheet

WS = sample_worksheet()
GRID = WS.item("grid")
MONDAY = datetime(2026, 3, 2, 18, 30, tzinfo=UTC)


def row(answer, firm=False):
    return GridAnswer(answer, firm)


def respondent(name, answers, shareable=()):
    stored = {
        item_id: StoredAnswer(value, item_id in shareable, MONDAY)
        for item_id, value in answers.items()
    }
    return Respondent(name, stored, "submitted", MONDAY)


@pytest.mark.parametrize(
    ("first", "second", "category"),
    [
        (row("yes"), row("yes"), BOTH_YES),
        (row("yes"), row("maybe"), EXPLORE),
        (row("not_now"), row("yes"), EXPLORE),
        (row("maybe"), row("maybe"), EXPLORE),
        (row("maybe"), row("not_now"), EXPLORE),
        (row("no"), row("yes"), LIMIT),
        (row("maybe"), row("no"), LIMIT),
        (row("not_now", firm=True), row("yes"), LIMIT),
        (row("yes", firm=True), row("yes"), LIMIT),  # a firm mark is read as a limit
        (row(None, firm=True), row("maybe"), LIMIT),
        (row("no"), row("no"), BOTH_NO),
        (row("no"), row("not_now"), BOTH_NO),
        (row("not_now"), row("not_now"), BOTH_NO),
        (row("yes"), None, INCOMPLETE),
        (row(None), row("yes"), INCOMPLETE),  # only a note, no answer
    ],
)
def test_each_pair_of_row_answers_falls_in_one_category(first, second, category):
    assert classify_row([first, second]) == category
    assert classify_row([second, first]) == category


def test_one_respondent_alone_is_never_compared():
    assert classify_row([row("yes")]) == INCOMPLETE


def test_a_limit_row_names_whose_limit_it_is():
    comparison = GRID.comparison([grid(kiss="yes"), grid(kiss=("not_now", True))])
    kiss = comparison.rows[0]
    assert (kiss.category, kiss.limit_holders) == (LIMIT, (1,))
    assert kiss.answers[1].label == "Not now (firm limit)"


def test_limits_are_worded_as_boundaries_to_respect_never_as_gaps_to_negotiate():
    assert CATEGORIES[LIMIT][0] == "A limit to respect"
    wording = " ".join(" ".join(pair) for pair in CATEGORIES.values()).lower()
    for word in ("gap", "mismatch", "disagree", "negotiat", "convince", "compromise"):
        assert word not in wording


def test_compare_grid_goes_row_by_row_in_the_worksheet_order():
    comparison = GRID.comparison(
        [grid(kiss="yes", hold="yes", bath="yes", film="no"), grid(kiss="yes", hold="maybe")],
    )
    assert [(r.row.id, r.category) for r in comparison.rows] == [
        ("kiss", BOTH_YES),
        ("hold", EXPLORE),
        ("bath", INCOMPLETE),
        ("film", INCOMPLETE),
    ]


def test_summary_line_counts_what_heads_the_page():
    counts = Counter({BOTH_YES: 9, EXPLORE: 4, LIMIT: 2})
    assert GridSummary(counts).text == "9 both yes, 4 to explore, 2 limits to respect"
    counts = Counter({BOTH_YES: 1, LIMIT: 1, BOTH_NO: 1, INCOMPLETE: 3})
    assert GridSummary(counts).text == (
        "1 both yes, 0 to explore, 1 limit to respect, 1 both no, 3 not compared yet"
    )


def test_summarize_adds_up_every_grid_and_skips_missing_ones():
    one = GRID.comparison([grid(kiss="yes", hold="no"), grid(kiss="yes", hold="yes")])
    summary = summarize([one, None, one])
    assert summary.counts == Counter({BOTH_YES: 2, LIMIT: 2, INCOMPLETE: 4})
    assert summary.total == 8


def test_pair_answers_puts_every_item_of_every_type_side_by_side_with_who_and_when():
    alex = respondent("Alex", full_answers("alex"))
    sam = respondent("Sam", {"word": "sam-word"})
    rows = pair_answers(WS, [alex, sam])

    assert [r.item.id for r in rows] == [item.id for _, item in WS.items()]
    word = rows[0]
    assert [(c.respondent.name, c.value, c.answered_at) for c in word.cells] == [
        ("Alex", "alex-word", MONDAY),
        ("Sam", "sam-word", MONDAY),
    ]
    story = rows[1]
    assert [c.answered for c in story.cells] == [True, False]
    grid_row = next(r for r in rows if r.item.id == "grid")
    assert grid_row.grid is not None
    assert {r.category for r in grid_row.grid.rows} == {INCOMPLETE}
    assert all(r.grid is None for r in rows if r.item.type != "boundary_grid")


def test_a_stored_value_that_no_longer_fits_its_item_is_flagged_not_raised():
    alex = respondent("Alex", {"who": "somebody-else", "closeness": 99})
    rows = {r.item.id: r for r in pair_answers(WS, [alex])}
    assert rows["who"].cells[0].unreadable and not rows["who"].cells[0].answered
    assert rows["closeness"].cells[0].unreadable


def test_a_joint_worksheet_has_one_column_and_no_comparison():
    together = respondent("Together", full_answers("joint"))
    rows = pair_answers(WS, [together])
    assert all(len(r.cells) == 1 and r.grid is None for r in rows)


class TestSessionRows:
    def test_shows_only_items_both_partners_shared(self):
        alex = respondent("Alex", full_answers("alex"), shareable={"word", "grid", "story"})
        sam = respondent("Sam", full_answers("sam"), shareable={"word", "grid", "who"})
        rows = session_rows(WS, [alex, sam])
        assert [r.item.id for r in rows] == ["word", "grid"]
        assert [c.value for c in rows[0].cells] == ["alex-word", "sam-word"]

    def test_compares_a_grid_only_from_shared_answers(self):
        alex = respondent("Alex", {"grid": grid(kiss="yes", film="no")}, shareable={"grid"})
        sam = respondent("Sam", {"grid": grid(kiss="yes", film="yes")})
        assert session_rows(WS, [alex, sam]) == []
        sam = respondent("Sam", {"grid": grid(kiss="yes", film="yes")}, shareable={"grid"})
        (grid_row,) = session_rows(WS, [alex, sam])
        # Rows only one partner answered are left out: nothing shows who left one out.
        assert [r.category for r in grid_row.grid.rows] == [BOTH_YES, LIMIT]

    def test_a_grid_row_shared_on_its_own_reaches_the_session_and_no_other_row_does(self):
        alex_grid = grid(kiss="yes", hold="no", film="maybe")
        alex_grid["kiss"]["shared"] = alex_grid["film"]["shared"] = True
        alex_grid["hold"]["note"] = "Private reason"
        sam_grid = grid(kiss="yes", hold="yes", film="no")
        sam_grid["kiss"]["shared"] = True
        alex = respondent("Alex", {"grid": alex_grid})  # the whole grid is not shared
        sam = respondent("Sam", {"grid": sam_grid})
        (grid_row,) = session_rows(WS, [alex, sam])
        # Only "kiss" was shared by both; "film" only by Alex, "hold" by nobody.
        assert [r.row.id for r in grid_row.grid.rows] == ["kiss"]
        assert [set(c.value) for c in grid_row.cells] == [{"kiss"}, {"kiss"}]
        assert "Private reason" not in repr(grid_row)
        assert grid_row.grid.counts() == Counter({BOTH_YES: 1})

    def test_the_whole_grid_shared_shares_every_row(self):
        sam_grid = grid(kiss="yes", hold="yes", bath="no", film="no")
        sam_grid["kiss"]["shared"] = True
        alex = respondent("Alex", {"grid": grid(kiss="yes", hold="no")}, shareable={"grid"})
        sam = respondent("Sam", {"grid": sam_grid}, shareable={"grid"})
        (grid_row,) = session_rows(WS, [alex, sam])
        assert [r.row.id for r in grid_row.grid.rows] == ["kiss", "hold"]

    def test_no_row_shared_by_both_leaves_the_grid_out(self):
        alex_grid, sam_grid = grid(kiss="yes"), grid(hold="yes")
        alex_grid["kiss"]["shared"] = sam_grid["hold"]["shared"] = True
        people = [respondent("Alex", {"grid": alex_grid}), respondent("Sam", {"grid": sam_grid})]
        assert session_rows(WS, people) == []

    @given(
        shared=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=4, max_size=4),
        whole=st.tuples(st.booleans(), st.booleans()),
    )
    def test_no_row_kept_private_ever_reaches_the_session(self, shared, whole):
        rows = [r.id for r in GRID.rows]
        people = []
        for person, name in enumerate(("Alex", "Sam")):
            value = grid(**dict.fromkeys(rows, "maybe"))
            for row_id, flags in zip(rows, shared, strict=True):
                value[row_id]["note"] = f"{name}-{row_id}-private"
                if flags[person]:
                    value[row_id]["shared"] = True
            people.append(respondent(name, {"grid": value}, {"grid"} if whole[person] else ()))
        found = session_rows(WS, people)
        seen = {r.row.id for row in found for r in row.grid.rows}
        visible = {
            row_id
            for row_id, flags in zip(rows, shared, strict=True)
            if all(w or f for w, f in zip(whole, flags, strict=True))
        }
        assert seen == visible
        for row in found:
            assert all(set(c.value) == visible for c in row.cells)

    def test_answers_written_together_follow_the_same_flag(self):
        answers = {"word": "joint-word", "story": "joint-story"}
        together = respondent("Together", answers, shareable={"word"})
        assert [r.item.id for r in session_rows(WS, [together])] == ["word"]

    @given(
        flags=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=7, max_size=7),
        answered=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=7, max_size=7),
    )
    def test_no_private_answer_ever_reaches_the_session_rows(self, flags, answered):
        item_ids = [item.id for _, item in WS.items()]
        people = []
        for person, name in enumerate(("alex", "sam")):
            answers = {
                item_id: value
                for (item_id, value), has in zip(full_answers(name).items(), answered, strict=True)
                if has[person]
            }
            shared = {i for i, flag in zip(item_ids, flags, strict=True) if flag[person]}
            people.append(respondent(name.title(), answers, shareable=shared))

        rows = session_rows(WS, people)

        expected = [
            item_id
            for item_id, flag, has in zip(item_ids, flags, answered, strict=True)
            if all(flag) and all(has)
        ]
        assert [r.item.id for r in rows] == expected
        assert all(cell.shareable for r in rows for cell in r.cells)
