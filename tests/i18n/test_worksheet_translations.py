"""Worksheet definitions carry translations: checked, reported, and read in each language."""

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from clinic.worksheets.cli import worksheets_cli
from clinic.worksheets.items import AgreementItem
from clinic.worksheets.loader import WorksheetError, builtin_library, load_file, load_text

TRANSLATED = Path(__file__).with_name("translated-worksheet.yaml")


def source_data() -> dict:
    return yaml.safe_load(TRANSLATED.read_text(encoding="utf-8"))


def problems(data: dict) -> list[str]:
    with pytest.raises(WorksheetError) as caught:
        load_text(yaml.safe_dump(data, allow_unicode=True), "t.yaml")
    return [str(p) for p in caught.value.problems]


def marked(ws):
    """The worksheet with a made-up translation of every client text: "xx:" before it."""
    table = {text: f"xx:{text}" for text in ws.translatable_texts()}
    return ws.model_copy(update={"translations": {"xx": table}})


@pytest.mark.parametrize("slug", sorted(builtin_library()))
def test_every_client_text_of_every_builtin_reads_in_the_other_language(slug):
    """Each item type rebuilds itself with its texts translated; nothing is left in English."""
    ws = marked(builtin_library()[slug])
    spanish = ws.in_language("xx")
    assert list(spanish.client_texts()) == [f"xx:{text}" for text in ws.client_texts()]
    assert spanish.discussion_prompts == [f"xx:{text}" for text in ws.discussion_prompts]


@pytest.mark.parametrize("slug", sorted(builtin_library()))
def test_ids_values_and_the_therapist_guide_stay_as_written(slug):
    """Answers compare across partners and languages: names and stored values are the same."""
    ws = marked(builtin_library()[slug])
    shown = ws.in_language("xx")

    def shape(node):
        dump = node.model_dump(mode="json")
        return [_without_texts(section) for section in dump["sections"]], dump["guide"]

    assert shape(shown) == shape(ws)


def _without_texts(node):
    text_keys = {"title", "intro", "prompt", "help", "label", "text", "min_label", "max_label"}
    if isinstance(node, dict):
        return {k: _without_texts(v) for k, v in node.items() if k not in text_keys}
    if isinstance(node, list):
        return [_without_texts(v) for v in node]
    return node


def test_a_clause_confirmed_in_spanish_is_the_same_clause_in_english():
    ws = marked(builtin_library()["conflict-pre-agreement"])
    english = next(i for _, i in ws.items() if isinstance(i, AgreementItem))
    spanish = ws.in_language("xx").item(english.id)
    assert spanish.clauses[0].text != english.clauses[0].text
    fields = {f.id: "5" for f in english.clauses[0].fields}
    assert spanish.clauses[0].fingerprint(fields) == english.clauses[0].fingerprint(fields)


def test_a_worksheet_is_offered_only_in_languages_whose_translation_is_complete():
    ws = load_file(TRANSLATED)
    assert ws.complete_languages() == ("en", "es")
    assert ws.missing_translations("es") == []
    assert "Every day" in ws.missing_translations("fr")
    assert ws.stale_translations("fr") == ["A step no longer asked about"]
    assert ws.in_language("es").title == "Pequeños pasos"
    assert ws.in_language("de") is ws  # no translation: as written


def test_an_english_edit_leaves_the_old_translation_stale_and_the_new_text_missing():
    data = source_data()
    data["sections"][0]["items"][0]["prompt"] = "What tiny step would help?"
    ws = load_text(yaml.safe_dump(data, allow_unicode=True))
    assert ws.missing_translations("es") == ["What tiny step would help?"]
    assert ws.stale_translations("es") == ["What small step would help?"]
    assert ws.complete_languages() == ("en",)


def test_check_reports_missing_and_stale_translations_in_plain_words(tmp_path):
    (tmp_path / "translated-sample.yaml").write_text(TRANSLATED.read_text(encoding="utf-8"))
    result = CliRunner().invoke(worksheets_cli, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(
        "translated-sample: translations.fr: 13 texts not translated, so it is not offered "
        "in 'fr' yet: 'A few questions about small steps.', 'Answer on your own.', 'Steps' "
        "and 10 more"
    )
    assert lines[1] == (
        "translated-sample: translations.fr: 1 text no longer in the worksheet (changed or "
        "removed in English; translate the new text): 'A step no longer asked about'"
    )
    assert not any("translations.es" in line for line in lines)
    assert lines[-1] == "1 worksheet OK"

    strict = CliRunner().invoke(worksheets_cli, ["check", "--complete-translations", str(tmp_path)])
    assert strict.exit_code == 1


def test_a_complete_translation_passes_even_the_strict_check(tmp_path):
    data = source_data()
    del data["translations"]["fr"]
    (tmp_path / "ws.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    result = CliRunner().invoke(worksheets_cli, ["check", "--complete-translations", str(tmp_path)])
    assert (result.exit_code, result.output) == (0, "1 worksheet OK\n")


@pytest.mark.parametrize(
    ("translations", "message"),
    [
        (
            {"Spanish": {"Steps": "Pasos"}},
            "'Spanish' is not a language code; use one like 'es' or 'pt_BR'",
        ),
        (
            {"en": {"Steps": "Steps"}},
            "'en' is the language worksheets are written in; translations are for other languages",
        ),
        ({"es": {"Steps": "  "}}, "the 'es' translation of 'Steps' is empty"),
        (
            {"es": {"Steps": "x" * 4001}},
            "the 'es' translation of 'Steps' is too long (4001 characters, limit 4000)",
        ),
        ({"es": {"Steps": 3}}, "expected text, got the number 3"),
        ({"es": ["Pasos"]}, "expected a mapping (key: value lines), got a list"),
    ],
)
def test_broken_translations_are_explained(translations, message):
    data = source_data() | {"translations": translations}
    found = problems(data)
    assert len(found) == 1 and found[0].startswith("t.yaml:translations")
    assert found[0].endswith(message)


def test_texts_are_matched_as_the_fields_keep_them_without_surrounding_spaces():
    data = source_data()
    data["translations"]["es"] = {f"{k}\n": f" {v} " for k, v in data["translations"]["es"].items()}
    ws = load_text(yaml.safe_dump(data, allow_unicode=True))
    assert ws.complete_languages() == ("en", "es")
    assert ws.in_language("es").purpose == "Unas preguntas sobre pequeños pasos."


def test_a_worksheet_without_translations_keeps_its_content_hash():
    data = source_data()
    del data["translations"]
    plain = load_text(yaml.safe_dump(data, allow_unicode=True))
    spelled_out = load_text(yaml.safe_dump(data | {"translations": {}}, allow_unicode=True))
    assert plain.content_hash() == spelled_out.content_hash()
    assert load_file(TRANSLATED).content_hash() != plain.content_hash()
