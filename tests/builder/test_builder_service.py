"""The builder's plain-data side: fields from the schema, edits, checks, export and publishing."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug.datastructures import MultiDict

from clinic.builder import service
from clinic.builder.schema_forms import MANAGED, item_specs
from clinic.models import CustomWorksheet
from clinic.worksheets import library
from clinic.worksheets.cli import worksheets_cli
from clinic.worksheets.items import item_class, type_names
from clinic.worksheets.loader import builtin_library, load_text
from tests import factories

BUILTINS = list(builtin_library().values())


def flatten(data) -> MultiDict:
    """Builder data as the builder page's form would post it (field names are paths)."""
    return service.as_form(data)


@pytest.mark.parametrize("ws", BUILTINS, ids=lambda ws: ws.id)
def test_every_builtin_survives_builder_and_export_unchanged(ws):
    data = service.from_worksheet(ws)
    posted = service.read_form(flatten(data))
    # What the draft keeps beside the form, as ``service.update`` carries it.
    posted["version"], posted["translations"] = ws.version, data["translations"]
    again, problems = service.check(posted)
    assert problems == {}
    exported = load_text(service.export_yaml(again), f"{ws.id}.yaml")
    assert exported.translations == ws.translations
    assert exported == ws
    assert exported.content_hash() == ws.content_hash()


def test_worksheets_check_accepts_an_exported_file(tmp_path: Path):
    for ws in BUILTINS[:3]:
        (tmp_path / f"{ws.id}.yaml").write_text(service.export_yaml(ws), encoding="utf-8")
    result = CliRunner().invoke(worksheets_cli, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "3 worksheets OK" in result.output


@pytest.mark.parametrize("name", type_names())
def test_every_field_of_every_item_type_has_a_builder_field(name):
    shown = {spec.name for spec in item_specs(name)}
    assert shown == set(item_class(name).model_fields) - MANAGED


def test_a_field_added_to_a_type_appears_without_builder_changes():
    from typing import ClassVar, Literal

    from pydantic import Field

    from clinic.worksheets.items import Item, register, unregister
    from clinic.worksheets.items.base import Hint

    class ToyCount(Item):
        type: Literal["toy_count"]
        most: int = Field(3, ge=1, le=9)
        hints: ClassVar[dict[str, Hint]] = {"most": Hint("Most a partner may pick")}

    register(ToyCount)
    try:
        most = next(s for s in item_specs("toy_count") if s.name == "most")
        assert (most.kind, most.label, most.required) == (
            "number",
            "Most a partner may pick",
            False,
        )
        prompt = next(s for s in item_specs("toy_count") if s.name == "prompt")
        assert prompt.label == "Question"  # the base class's hint, inherited
    finally:
        unregister("toy_count")


def test_blank_worksheet_starts_with_one_section_and_one_question(app, therapist):
    data = service.blank(therapist)
    assert data["id"] == "my-worksheet"
    assert len(data["sections"]) == 1 and len(data["sections"][0]["items"]) == 1
    ws, problems = service.check(data)
    assert ws is None
    assert problems["title"] == ["Please fill this in."]
    assert problems["sections.0.items.0.prompt"] == ["Please fill this in."]


def test_adding_each_type_of_question_gives_fresh_ids_and_the_fewest_entries(app, therapist):
    data = service.blank(therapist)
    for name in type_names():
        assert service.apply(data, "add:sections.0.items", name)
    items = data["sections"][0]["items"]
    assert [i["type"] for i in items[1:]] == list(type_names())
    assert len({i["id"] for i in items}) == len(items)
    choice = next(i for i in items if i["type"] == "single_choice")
    assert [o["value"] for o in choice["options"]] == ["choice-1", "choice-2"]
    scale = next(i for i in items if i["type"] == "scale")
    assert (scale["min"], scale["max"]) == (0, 10)


def test_move_duplicate_and_remove(app, therapist):
    data = service.blank(therapist)
    service.apply(data, "add:sections.0.items", "scale")
    first, second = (i["id"] for i in data["sections"][0]["items"])
    assert service.apply(data, "down:sections.0.items.0")
    assert [i["id"] for i in data["sections"][0]["items"]] == [second, first]
    assert service.apply(data, "up:sections.0.items.1")
    assert service.apply(data, "copy:sections.0")
    copied = data["sections"][1]
    assert copied["id"] != data["sections"][0]["id"]
    ids = [i["id"] for s in data["sections"] for i in s["items"]]
    assert len(set(ids)) == 4
    assert service.apply(data, "remove:sections.1")
    assert len(data["sections"]) == 1


@pytest.mark.parametrize(
    "action",
    [
        "add:title",
        "remove:sections.7",
        "explode:sections.0",
        "add:nothing",
        "up:sections.0.x",
        "remove:../etc",
        "add:sections.0.items",
    ],
)
def test_a_button_that_no_longer_fits_changes_nothing(app, therapist, action):
    data = service.blank(therapist)
    before = repr(data)
    assert service.apply(data, action, new_type="no_such_type") is False
    assert repr(data) == before


def test_problems_are_plain_words_at_the_field_they_concern(app, therapist):
    data = service.blank(therapist)
    data["minutes"] = "ten"
    service.apply(data, "add:sections.0.items", "scale")
    data["sections"][0]["items"][1].update(min=7, max=3, prompt="How close?")
    data["sections"][0]["items"][1].update(min_label="Far", max_label="Near")
    _ws, problems = service.check(data)
    assert problems["minutes"] == ["Please give a whole number."]
    assert problems["sections.0.items.1"] == ["Min (7) must be smaller than max (3)."]
    fields, _top = service.nodes(data, problems)
    minutes = next(n for n in fields if n.path == "minutes")
    assert minutes.problems == ["Please give a whole number."] and minutes.value == "ten"
    every = " ".join(m for ms in problems.values() for m in ms)
    assert "sections[" not in every and "Value error" not in every


def test_problem_about_a_hidden_field_shows_at_its_entry(app, therapist):
    data = service.blank(therapist)
    data["sections"][0]["items"][0]["type"] = "no_such_type"
    _ws, problems = service.check(data)
    fields, _top = service.nodes(data, problems)
    sections = next(node for node in fields if node.path == "sections")
    item = sections.children[0].children[-1].children[0]
    assert item.path == "sections.0.items.0" and item.problems


def test_reading_level_of_client_text_with_the_grade_8_target():
    easy = service.reading_level(service.from_worksheet(builtin_library()["small-wins"]))
    assert easy.grade is not None and easy.ok and service.GRADE_TARGET == 8
    hard_text = (
        "Institutional considerations notwithstanding, interpersonal communication "
        "necessitates comprehensive acknowledgement of asymmetrical relational dynamics."
    )
    hard = service.reading_level({"title": "Hard", "purpose": hard_text, "sections": []})
    assert not hard.ok and hard.hardest[0][0] == hard_text
    assert service.reading_level({}).grade is None


def test_guide_and_ids_do_not_count_as_client_text():
    data = {
        "title": "T",
        "guide": {"look_for": "secret"},
        "sections": [
            {
                "id": "s1",
                "items": [
                    {"id": "q1", "type": "scale", "prompt": "How close?", "min_label": "Far"}
                ],
            }
        ],
    }
    assert service.client_texts(data) == ["T", "How close?", "Far"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("conflict", "conflict-pre-agreement"),
        ("reframing", "language-reframing"),
        ("agreement", "check-in-ground-rules"),
        ("pre-agreement", "conflict-pre-agreement"),
    ],
)
def test_library_search_finds_worksheets_by_alias(query, expected):
    found = library.search([library.Entry(ws) for ws in BUILTINS], query)
    assert expected in [entry.worksheet.id for entry in found]


def test_search_covers_themes_and_question_prompts():
    entries = [library.Entry(ws) for ws in BUILTINS]
    prompt = builtin_library()["boundary-inventory"].sections[0].items[0].prompt
    assert "boundary-inventory" in [e.worksheet.id for e in library.search(entries, prompt)]
    themed = {e.worksheet.id for e in library.search(entries, "life changes")}
    assert themed == {ws.id for ws in BUILTINS if "life-changes" in ws.themes}


def test_publishing_makes_a_new_version_and_counts_assignments_of_the_old(app, therapist):
    from clinic.extensions import db

    data = service.from_builtin(therapist, builtin_library()["small-wins"])
    draft = service.new_draft(therapist, data)
    custom = service.publish(therapist, draft)
    db.session.commit()
    first = load_text(custom.source_yaml)
    assert (first.id, first.version) == ("small-wins-own", 1)
    couple = factories.make_couple(therapist)
    factories.make_assignment_of(couple, [first])
    assert service.assignments_using(therapist, custom.slug) == 1

    data = service.from_worksheet(first)
    data["title"] = "Small wins, our way"
    draft = service.new_draft(therapist, data, custom)
    again = service.publish(therapist, draft)
    db.session.commit()
    assert again.id == custom.id
    second = load_text(again.source_yaml)
    assert (second.title, second.version) == ("Small wins, our way", 2)
    assert service.assignments_using(therapist, custom.slug) == 1  # still the old version
    assert service.own_draft(therapist, draft.id) is None


def test_publishing_refuses_a_draft_with_problems_and_keeps_it(app, therapist):
    draft = service.new_draft(therapist, service.blank(therapist))
    with pytest.raises(service.BuilderError) as caught:
        service.publish(therapist, draft)
    assert caught.value.problems["title"] == ["Please fill this in."]
    assert service.own_draft(therapist, draft.id) is not None
    assert CustomWorksheet.query.count() == 0


def test_publishing_with_a_builtin_id_names_the_id_field(app, therapist):
    data = service.from_worksheet(builtin_library()["small-wins"])
    draft = service.new_draft(therapist, data)
    with pytest.raises(service.BuilderError) as caught:
        service.publish(therapist, draft)
    assert "built-in" in caught.value.problems["id"][0]


def test_drafts_are_only_the_therapists_own(app, therapist):
    other = factories.make_therapist()
    draft = service.new_draft(therapist, service.blank(therapist))
    assert service.own_draft(other, draft.id) is None
    assert [title for _d, title in service.drafts(therapist)] == ["Untitled worksheet"]
