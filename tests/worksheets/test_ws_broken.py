"""Broken worksheet files fail the way an author can act on: one clear line, never a traceback.

Each file in broken/ states on its first line, ``# expect: <fragment>``, what the check must say.
"""

import shutil

import pytest
from click.testing import CliRunner
from flask import Flask

from clinic.worksheets.cli import worksheets_cli
from clinic.worksheets.loader import BUILTIN_DIR, WorksheetError, load_directory
from tests.worksheets.broken_files import BROKEN, BROKEN_FILES, expected_fragment


def check(*args: str):
    return CliRunner().invoke(worksheets_cli, ["check", *args])


def test_there_are_broken_examples_of_every_kind():
    names = {p.stem for p in BROKEN_FILES}
    assert {
        "malformed-yaml",
        "unknown-type",
        "duplicate-item-ids",
        "missing-field",
        "oversized",
        "absurd-item-count",
        "wrong-types",
        "alias-bomb",
        "not-a-mapping",
        "duplicate-key",
    } <= names


@pytest.mark.parametrize("path", BROKEN_FILES, ids=lambda p: p.name)
def test_check_reports_the_problem_and_exits_1(path):
    result = check(str(path))
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"{path.name}:" in result.output
    assert expected_fragment(path) in result.output
    assert "worksheets OK" not in result.output


def test_problems_print_as_file_location_message():
    result = check(str(BROKEN / "unknown-type.yaml"))
    assert result.output.startswith(
        "unknown-type.yaml:sections[0].items[1].type: unknown item type 'slider'; use one of: "
    )


def test_a_directory_reports_every_broken_file_not_just_the_first():
    with pytest.raises(WorksheetError) as caught:
        load_directory(BROKEN)
    assert {p.file for p in caught.value.problems} == {p.name for p in BROKEN_FILES}


def test_two_files_with_the_same_id_are_refused(tmp_path):
    source = BUILTIN_DIR / "consent-check-in.yaml"
    shutil.copy(source, tmp_path / "a.yaml")
    shutil.copy(source, tmp_path / "b.yaml")
    result = check(str(tmp_path))
    assert result.exit_code == 1
    assert "b.yaml:id: worksheet id 'consent-check-in' is already used by a.yaml" in result.output


def test_the_same_id_in_two_given_paths_is_refused(tmp_path):
    shutil.copy(BUILTIN_DIR / "small-wins.yaml", tmp_path / "copy.yaml")
    result = check(str(BUILTIN_DIR), str(tmp_path / "copy.yaml"))
    assert result.exit_code == 1
    assert "worksheet id 'small-wins' is already used in" in result.output


def test_a_missing_path_is_a_problem_not_a_crash(tmp_path):
    result = check(str(tmp_path / "nowhere.yaml"))
    assert result.exit_code == 1
    assert "nowhere.yaml: cannot read the file" in result.output


def test_check_of_good_files_counts_them(tmp_path):
    shutil.copy(BUILTIN_DIR / "small-wins.yaml", tmp_path / "small-wins.yaml")
    result = check(str(tmp_path / "small-wins.yaml"))
    assert (result.exit_code, result.output) == (0, "1 worksheet OK\n")


def test_under_flask_the_default_directory_is_worksheets_dir(tmp_path):
    shutil.copy(BROKEN / "missing-field.yaml", tmp_path / "missing-field.yaml")
    app = Flask("worksheets-check-test")
    app.config["WORKSHEETS_DIR"] = str(tmp_path)
    app.cli.add_command(worksheets_cli)
    result = app.test_cli_runner().invoke(args=["worksheets", "check"])
    assert result.exit_code == 1
    assert "missing-field.yaml:sections[0].items[0].prompt: required field is missing" in (
        result.output
    )
