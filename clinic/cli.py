"""Command-line tools: ``flask --app clinic therapist ...`` and ``flask --app clinic demo``."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from clinic.auth import service as accounts
from clinic.extensions import db
from clinic.models import Therapist

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
    therapist.is_disabled = True
    db.session.commit()  # a command has no request to commit for it
    click.echo(f"Disabled {therapist.email}.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no therapist yet.")
def demo_command(if_empty: bool) -> None:
    """Create a demo therapist with demo couples, and print how to sign in."""
    from clinic.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo

    if if_empty and db.session.scalar(select(Therapist.id).limit(1)) is not None:
        click.echo("The database already has data; demo data not added.")
    else:
        for line in load_demo():
            click.echo(line)
        db.session.commit()  # a command has no request to commit for it
    click.echo(f"Demo sign-in: {DEMO_EMAIL} / {DEMO_PASSWORD}")


def init_app(app: Flask) -> None:
    from clinic.jobs.cli import jobs_cli
    from clinic.worksheets.cli import worksheets_cli

    app.cli.add_command(worksheets_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(therapist_cli)
    app.cli.add_command(demo_command)
