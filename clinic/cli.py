"""Command-line tools: ``flask --app clinic therapist ...``, ``flask --app clinic demo`` and
``flask --app clinic worksheets score`` (here, not in clinic.worksheets, because a score's flags
come from the safety rules, which sit above worksheets)."""

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from clinic.auth import service as accounts
from clinic.extensions import db
from clinic.models import Therapist
from clinic.safety.alerts import raised_alerts
from clinic.worksheets.loader import Problem, WorksheetError, builtin_library, load_file
from clinic.worksheets.response_reader import answers_from_response
from clinic.worksheets.schema import Worksheet
from clinic.worksheets.scoring import score_answers

therapist_cli = AppGroup("therapist", help="Manage therapist accounts.")


@therapist_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
@click.option("--admin", is_flag=True, help="May add therapists in the web UI.")
@click.password_option(help="Asked for when not given.")
def create_therapist(email: str, name: str, admin: bool, password: str) -> None:
    """Create a therapist account."""
    try:
        therapist = accounts.create_therapist(email, password, display_name=name, is_admin=admin)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()  # a command has no request to commit for it
    click.echo(f"Created {therapist.email}{' (admin)' if admin else ''}.")


@therapist_cli.command("list")
def list_therapists() -> None:
    """List therapist accounts."""
    for t in db.session.scalars(select(Therapist).order_by(Therapist.email)):
        flags = ", ".join(f for f, on in (("admin", t.is_admin), ("disabled", t.is_disabled)) if on)
        click.echo(f"{t.email}\t{t.display_name}{f'  [{flags}]' if flags else ''}")


@therapist_cli.command("disable")
@click.argument("email")
def disable_therapist(email: str) -> None:
    """Disable an account: it can no longer sign in, and its sessions end."""
    therapist = accounts.find_therapist(email)
    if therapist is None:
        raise click.ClickException("No therapist with that e-mail address.")
    accounts.disable_therapist(therapist)
    db.session.commit()  # a command has no request to commit for it
    click.echo(f"Disabled {therapist.email}.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no therapist yet.")
def demo_command(if_empty: bool) -> None:
    """Create a demo therapist with demo couples, and print how to sign in."""
    from clinic.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo

    if current_app.config["ENV_NAME"] == "production":
        # The start-up check would refuse the next start, but the running workers would let
        # the published sign-in in until then.
        raise click.ClickException(
            "Refusing to load demo data in production: the demo sign-in is published. Give"
            " the demo a database of its own (ENV_NAME=development, another CLINIC_DATABASE_URL)."
        )
    if if_empty and db.session.scalar(select(Therapist.id).limit(1)) is not None:
        click.echo("The database already has data; demo data not added.")
    else:
        for line in load_demo():
            click.echo(line)
        db.session.commit()  # a command has no request to commit for it
    click.echo(f"Demo sign-in: {DEMO_EMAIL} / {DEMO_PASSWORD}")


@click.command("score")
@click.argument("worksheet")
@click.argument("response", type=click.Path(path_type=Path, dir_okay=False))
def score_command(worksheet: str, response: Path) -> None:
    """Score a FHIR QuestionnaireResponse (JSON) with a worksheet (a built-in id or a file).

    Prints totals, subscales, bands and flags as JSON; problems and exit status 1 otherwise.
    The flags name items only, never an answer.
    """
    problems: list[str] = []
    try:
        ws = _worksheet(worksheet)
        resource = json.loads(response.read_text(encoding="utf-8"))
    except WorksheetError as exc:
        problems = [str(p) for p in exc.problems]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        problems = [f"{response}: cannot read the file as JSON ({type(exc).__name__})"]
    else:
        answers, problems = answers_from_response(ws, resource)
        if ws.scoring is None:
            problems.append(f"worksheet {ws.id!r} has no scoring")
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise SystemExit(1)
    click.echo(json.dumps(score_report(ws, answers), indent=2, ensure_ascii=False))


def score_report(ws: Worksheet, answers: dict) -> dict:
    """Scores and flags of these answers as plain JSON-ready data."""
    return {
        "worksheet": ws.id,
        "version": ws.version,
        "scores": [
            {
                "id": r.score.id,
                "label": r.score.label,
                "value": r.value,
                "complete": r.complete,
                "answered": r.answered,
                "of": len(r.score.items),
                "prorated": r.prorated,
                "range": [r.low, r.high],
                "band": r.band.label if r.band else None,
                "cutoff": r.score.cutoff,
                "meets_cutoff": r.meets_cutoff,
            }
            for r in score_answers(ws, answers)
        ],
        "flags": [
            {"item": a.item_id, "urgency": str(a.urgency)} for a in raised_alerts(ws, answers)
        ],
    }


def _worksheet(name: str) -> Worksheet:
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return load_file(path)
    found = builtin_library().get(name)
    if found is None:
        raise WorksheetError([Problem(name, "", "no built-in worksheet with this id or file")])
    return found


def init_app(app: Flask) -> None:
    from clinic.jobs.cli import jobs_cli
    from clinic.worksheets.cli import worksheets_cli

    worksheets_cli.add_command(score_command)
    app.cli.add_command(worksheets_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(therapist_cli)
    app.cli.add_command(demo_command)
