"""The built-in worksheets: they load, read plainly, and carry what the clinic relies on."""

import re

import pytest
from click.testing import CliRunner
from textstat.textstat import textstatistics

from clinic.worksheets.cli import worksheets_cli
from clinic.worksheets.loader import BUILTIN_DIR, load_file, worksheet_files

BUILTIN_FILES = worksheet_files(BUILTIN_DIR)
MAX_GRADE = 8
# "en-US" (not "en_US") makes textstat count syllables with pyphen, which ships with it:
# for "en_*" it downloads the CMU dictionary at run time, which CI cannot reach.
READABILITY = textstatistics()
READABILITY.set_lang("en-US")
GENDERED = re.compile(r"\b(he|she|him|her|his|hers|husband|wife|boyfriend|girlfriend)\b", re.I)


def as_sentence(text: str) -> str:
    """Labels have no full stop; counted as run-on text they would inflate the grade."""
    text = text.strip()
    return text if text[-1] in ".?!" else text + "."


def test_check_command_passes_on_the_builtin_directory():
    result = CliRunner().invoke(worksheets_cli, ["check"])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"\d+ worksheets OK\n", result.output)


def test_library_has_at_least_thirteen_worksheets(library):
    assert len(library) >= 13
    assert list(library) == sorted(library)


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.name)
def test_builtin_file_is_named_after_its_id(path):
    assert load_file(path).id == path.stem


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.name)
def test_client_text_is_at_most_grade_8(path):
    ws = load_file(path)
    text = " ".join(as_sentence(t) for t in ws.client_texts())
    grade = READABILITY.flesch_kincaid_grade(text)
    hardest = sorted(ws.client_texts(), key=lambda t: -READABILITY.flesch_kincaid_grade(t))[:3]
    assert grade <= MAX_GRADE, f"{path.name} reads at grade {grade:.1f}; hardest: {hardest}"


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.name)
def test_client_text_speaks_of_your_partner_not_he_or_she(path):
    found = [t for t in load_file(path).client_texts() if GENDERED.search(t)]
    assert not found, f"{path.name}: say 'your partner' instead in {found}"


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.name)
def test_guide_is_complete(path):
    ws = load_file(path)
    assert 2 <= len(ws.discussion_prompts) <= 4
    assert "safety planning" in ws.guide.when_not_to_use
    assert "individual" in ws.guide.when_not_to_use


def test_boundary_inventory_covers_activities_pacing_and_emotional_safety(library):
    grids = {i.id: i for _, i in library["boundary-inventory"].items() if i.type == "boundary_grid"}
    assert set(grids) == {"activities", "pacing", "emotional"}
    assert all(len(grid.rows) >= 8 for grid in grids.values())


def test_language_reframing_has_eight_phrases_and_room_for_your_own(library):
    reframe = library["language-reframing"].item("phrases")
    assert reframe.type == "reframe" and reframe.allow_own and len(reframe.phrases) >= 8


def test_conflict_pre_agreement_settles_pause_time_out_follow_up_and_repair(library):
    plan = library["conflict-pre-agreement"].item("plan")
    fields = {(c.id, f.id): f.kind for c in plan.clauses for f in c.fields}
    assert fields[("pause", "word")] == "text"
    assert fields[("time-out", "length")] == "minutes"
    assert fields[("follow-up", "who")] == fields[("follow-up", "when")] == "choice"
    assert fields[("repair", "phrase")] == "text"


@pytest.mark.parametrize(
    ("slug", "item_id", "clause_id"),
    [
        ("conflict-pre-agreement", "plan", "pause"),
        ("check-in-ground-rules", "pause-plan", "signal"),
        ("curiosity-experiment", "rules", "exit"),
    ],
)
def test_three_builtins_make_their_pacts_as_agreements_both_partners_confirm(
    library, slug, item_id, clause_id
):
    ws = library[slug]
    item = ws.item(item_id)
    assert item.type == "agreement" and item.made_together
    assert ws.answered_by == "couple"
    assert item.clause(clause_id) is not None


def test_curiosity_experiment_is_answered_together_with_an_exit(library):
    ws = library["curiosity-experiment"]
    assert ws.answered_by == "couple"
    assert "exit" in {c.id for c in ws.item("rules").clauses}


def test_monthly_check_in_keeps_its_trended_scales(library):
    ws = library["monthly-check-in"]
    for item_id in ("closeness", "heard", "fairness", "safety", "satisfaction"):
        item = ws.item(item_id)
        assert (item.type, item.min, item.max) == ("scale", 0, 10)
