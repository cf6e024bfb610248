"""``flask --app clinic worksheets check [PATH...]``: validate worksheet files like an upload would;
``worksheets import-fhir FILE``: make a worksheet of a FHIR Questionnaire.

Register with ``app.cli.add_command(worksheets_cli)``. The command also runs without a Flask
app (in CI, or a ``CliRunner``), then checking the built-in directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click
from flask import current_app, has_app_context
from flask.cli import AppGroup, NoAppException, ScriptInfo
from flask_babel import force_locale

from clinic.auth.service import find_therapist
from clinic.extensions import db
from clinic.worksheets import library
from clinic.worksheets.fhir_import import FhirImportError, import_questionnaire, read_json
from clinic.worksheets.loader import BUILTIN_DIR, Problem, WorksheetError, load_directory, load_file
from clinic.worksheets.schema import Worksheet

worksheets_cli = AppGroup("worksheets", help="Check, import and score worksheet definitions.")


@worksheets_cli.command("check", with_appcontext=False)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--complete-translations",
    is_flag=True,
    help="Fail when a translation leaves a text out or keeps one no longer used.",
)
def check_command(paths: tuple[Path, ...], complete_translations: bool) -> None:
    """Validate worksheet files or directories (default: the app's WORKSHEETS_DIR).

    Translations that leave texts out are reported but pass: such a worksheet is simply not
    offered in that language until its translation is complete.
    """
    with force_locale("en"):  # for files written against the English docs, and CI logs
        worksheets, problems = check_paths(paths or (_default_directory(),))
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise SystemExit(1)
    notes = [line for ws in worksheets for line in translation_report(ws)]
    for line in notes:
        click.echo(line)
    click.echo(f"{len(worksheets)} worksheet{'' if len(worksheets) == 1 else 's'} OK")
    if notes and complete_translations:
        raise SystemExit(1)


def translation_report(ws: Worksheet, shown: int = 3) -> list[str]:
    """Plain lines on each language's missing and stale translations; none when all is well."""
    lines = []
    for code in sorted(ws.translations):
        missing, stale = ws.missing_translations(code), ws.stale_translations(code)
        if missing:
            lines.append(
                f"{ws.id}: translations.{code}: {_texts(len(missing))} not translated, so it is "
                f"not offered in {code!r} yet: {_examples(missing, shown)}"
            )
        if stale:
            lines.append(
                f"{ws.id}: translations.{code}: {_texts(len(stale))} no longer in the worksheet "
                f"(changed or removed in English; translate the new text): "
                f"{_examples(stale, shown)}"
            )
    return lines


def _texts(count: int) -> str:
    return f"{count} text{'' if count == 1 else 's'}"


def _examples(texts: list[str], shown: int) -> str:
    quoted = ", ".join(repr(t if len(t) <= 50 else t[:47] + "...") for t in texts[:shown])
    more = len(texts) - shown
    return quoted + (f" and {more} more" if more > 0 else "")


def check_paths(paths: tuple[Path, ...]) -> tuple[list[Worksheet], list[Problem]]:
    """Load every path (file or directory) and find ids used twice across them."""
    worksheets: list[Worksheet] = []
    problems: list[Problem] = []
    owners: dict[str, str] = {}
    for path in paths:
        try:
            loaded = load_directory(path) if path.is_dir() else [load_file(path)]
        except WorksheetError as exc:
            problems.extend(exc.problems)
            continue
        for ws in loaded:
            if ws.id in owners:
                message = f"worksheet id {ws.id!r} is already used in {owners[ws.id]}"
                problems.append(Problem(str(path), "id", message))
            else:
                owners[ws.id] = str(path)
                worksheets.append(ws)
    return worksheets, problems


def _default_directory() -> Path:
    """WORKSHEETS_DIR from the app's config when there is an app, else the built-ins."""
    if has_app_context():
        return Path(current_app.config["WORKSHEETS_DIR"] or BUILTIN_DIR)
    info = click.get_current_context().find_object(ScriptInfo)
    if info is not None:
        try:
            app = info.load_app()
        except NoAppException:
            return BUILTIN_DIR
        return Path(app.config["WORKSHEETS_DIR"] or BUILTIN_DIR)
    return BUILTIN_DIR


@worksheets_cli.command("import-fhir")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--therapist", "email", help="Add it to this therapist's own worksheets.")
@click.option(
    "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the YAML here."
)
def import_fhir_command(path: Path, email: str | None, output: Path | None) -> None:
    """Make a worksheet of a FHIR R4 Questionnaire (JSON) and print its id.

    Problems are printed instead, with exit status 1, and nothing is stored. Fields FHIR has
    no place for (minutes, who answers, the guide...) get placeholders to complete.
    """
    therapist = find_therapist(email) if email is not None else None
    if email is not None and therapist is None:
        _fail([f"no therapist with the e-mail {email}"])
    try:
        imported = import_questionnaire(
            read_json(path.read_bytes()), library.taken_slugs(therapist)
        )
    except OSError as exc:
        _fail([f"{path}: cannot read the file ({exc.strerror})"])
    except FhirImportError as exc:
        _fail(exc.problems)
    text = imported.source_yaml()
    if therapist is not None:
        try:
            library.save_own(therapist, text, path.name)
        except WorksheetError as exc:
            _fail([str(p) for p in exc.problems])
        db.session.commit()  # a command has no request to commit for it
    if output is not None:
        output.write_text(text, encoding="utf-8")
    for label in imported.filled_in:
        click.echo(f"placeholder to complete: {label}", err=True)
    click.echo(imported.worksheet.id)


def _fail(problems: list[str]) -> NoReturn:
    for problem in problems:
        click.echo(problem, err=True)
    raise SystemExit(1)
