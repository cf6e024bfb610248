"""The format's rules as an author meets them, and the content hash that pins answered text."""

import pytest
import yaml

from clinic.worksheets.loader import BUILTIN_DIR, WorksheetError, load_text

SOURCE = (BUILTIN_DIR / "consent-check-in.yaml").read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    with pytest.raises(WorksheetError) as caught:
        load_text(text, "t.yaml")
    return [str(p) for p in caught.value.problems]


def edited(**changes) -> str:
    data = yaml.safe_load(SOURCE)
    data.update(changes)
    return yaml.safe_dump(data, sort_keys=False)


def test_items_come_in_reading_order_with_their_section():
    ws = load_text(SOURCE)
    pairs = [(section.id, item.id) for section, item in ws.items()]
    assert pairs[0] == ("right-now", "feels-good")
    assert pairs[-1] == ("changing-mind", "after-no")
    assert ws.item("saying-no").type == "single_choice"
    with pytest.raises(KeyError):
        ws.item("no-such-item")


def test_content_hash_is_stable_across_loads_and_formatting():
    reformatted = yaml.safe_dump(yaml.safe_load(SOURCE), sort_keys=True, width=60)
    assert load_text(SOURCE).content_hash() == load_text(SOURCE).content_hash()
    assert load_text(reformatted).content_hash() == load_text(SOURCE).content_hash()
    assert len(load_text(SOURCE).content_hash()) == 64


def test_content_hash_ignores_spelled_out_defaults():
    data = yaml.safe_load(SOURCE)
    data["sections"][0]["items"][0]["required"] = False
    assert load_text(yaml.safe_dump(data)).content_hash() == load_text(SOURCE).content_hash()


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(version=2),
        lambda d: d.update(title=d["title"] + "!"),
        lambda d: d["sections"][1]["items"][2]["options"][0].update(label="Easy enough"),
        lambda d: d["sections"][0]["items"].reverse(),
        lambda d: d["guide"].update(look_for="Something else."),
    ],
)
def test_content_hash_changes_with_any_content(change):
    data = yaml.safe_load(SOURCE)
    change(data)
    assert load_text(yaml.safe_dump(data)).content_hash() != load_text(SOURCE).content_hash()


def test_values_are_never_coerced():
    assert problems(edited(version="1")) == ["t.yaml:version: expected a whole number, got text"]
    assert problems(edited(minutes=2.5)) == [
        "t.yaml:minutes: expected a whole number, got the number 2.5"
    ]


def test_limits_have_plain_messages():
    assert problems(edited(minutes=500)) == ["t.yaml:minutes: must be at most 180, got 500"]
    assert problems(edited(discussion_prompts=[])) == [
        "t.yaml:discussion_prompts: needs at least 1 entries, found 0"
    ]
    assert problems(edited(title="   ")) == ["t.yaml:title: must not be empty"]


def test_item_ids_may_not_hold_dots_used_by_form_field_names():
    data = yaml.safe_load(SOURCE)
    data["sections"][0]["items"][0]["id"] = "feels.good"
    [message] = problems(yaml.safe_dump(data))
    assert message.startswith("t.yaml:sections[0].items[0].id: 'feels.good' is not a valid id")


def test_agreement_choice_fields_need_options_and_reserved_ids_are_refused():
    data = yaml.safe_load(SOURCE)
    data["sections"][0]["items"].append(
        {
            "id": "plan",
            "type": "agreement",
            "prompt": "Agree.",
            "clauses": [
                {
                    "id": "c",
                    "text": "We agree.",
                    "fields": [
                        {"id": "ok", "label": "Reserved", "kind": "text"},
                        {"id": "pick", "label": "Pick", "kind": "choice"},
                    ],
                }
            ],
        }
    )
    found = problems(yaml.safe_dump(data))
    assert (
        "t.yaml:sections[0].items[4].clauses[0].fields[0]: field id 'ok' is reserved; "
        "pick another id" in found
    )
    assert (
        "t.yaml:sections[0].items[4].clauses[0].fields[1]: a 'choice' field needs options; "
        "other kinds must not have them" in found
    )


def test_a_worksheet_reporting_many_problems_is_cut_short():
    data = yaml.safe_load(SOURCE)
    data["sections"] = [{"id": f"s{i}", "title": 1, "items": 2} for i in range(25)]
    found = problems(yaml.safe_dump(data))
    assert len(found) == 31
    assert found[-1] == "t.yaml: ... and 20 more problems"


def test_a_worksheet_survives_storage_as_json(library):
    """Assignments store the validated definition as JSON and read it back strictly."""
    for ws in library.values():
        again = type(ws).model_validate_json(ws.model_dump_json())
        assert again == ws and again.content_hash() == ws.content_hash()


def test_an_agreement_needs_a_worksheet_the_couple_answers_together():
    data = yaml.safe_load(SOURCE)
    assert data["answered_by"] == "each_partner"
    data["sections"][0]["items"].append(
        {
            "id": "plan",
            "type": "agreement",
            "prompt": "Agree.",
            "clauses": [{"id": "c", "text": "We agree."}],
        }
    )
    found = problems(yaml.safe_dump(data))
    assert any(
        "answered_by: item 'plan' (sections[0].items[4]) is an agreement, which needs every "
        "partner's confirmation on one shared form; use 'couple'" in p
        for p in found
    ), found
    data["answered_by"] = "couple"
    assert load_text(yaml.safe_dump(data)).item("plan").made_together
