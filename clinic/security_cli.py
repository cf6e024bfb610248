"""Operator commands: ``flask --app clinic keys ...``, ``backup``, ``restore`` and
``therapist reset-two-factor``."""

import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from clinic import audit
from clinic.auth import service as accounts
from clinic.auth import sessions
from clinic.cli import therapist_cli
from clinic.data_rights import keys
from clinic.data_rights.backup import BackupError, backup, restore
from clinic.enums import SessionEnd
from clinic.extensions import db
from clinic.storage import (
    FernetCipher,
    current_cipher,
    key_file,
    keys_from_environment,
    new_key,
    read_key_file,
    write_key_file,
)
from clinic.twofactor import service as two_factor

keys_cli = AppGroup("keys", help="Encryption keys for client text at rest.")


@keys_cli.command("status")
def keys_status() -> None:
    """Count stored values sealed under the newest key, an older key, or not at all."""
    counts = keys.seal_status(current_cipher())
    for state in ("newest key", "older key", "not sealed"):
        click.echo(f"{state}: {counts.get(state, 0)}")


@keys_cli.command("generate")
def keys_generate() -> None:
    """Print a new key, e.g. to put first in CLINIC_ENCRYPTION_KEYS."""
    click.echo(new_key())


@keys_cli.command("rotate")
@click.option(
    "--grace",
    default=2.0,
    show_default=True,
    help="Seconds for running app "
    "processes to pick up a changed key file before and after re-encrypting.",
)
@click.option("--batch-size", default=keys.BATCH_SIZE, show_default=True)
def keys_rotate(grace: float, batch_size: int) -> None:
    """Re-encrypt every sealed value under a new key, without stopping the app.

    With a key file: a new key is added first (running processes read it within a second),
    every row is re-encrypted in batches, then the old keys are dropped. With
    CLINIC_ENCRYPTION_KEYS: put the new key first yourself, restart, run this, then remove the
    old keys.
    """
    cipher = current_cipher()
    if keys_from_environment(current_app):
        changed = _rotate_until_current(cipher, batch_size)
        click.echo(
            f"Re-encrypted {changed} values under the first key of CLINIC_ENCRYPTION_KEYS. "
            "You may now remove the other keys from it."
        )
    else:
        path = key_file(current_app)
        old_keys = read_key_file(path)
        write_key_file(path, [new_key(), *old_keys])
        cipher.reload(force=True)
        time.sleep(grace)
        changed = _rotate_until_current(cipher, batch_size)
        time.sleep(grace)
        changed += _rotate_until_current(cipher, batch_size)  # written by a slow process meanwhile
        write_key_file(path, read_key_file(path)[:1])
        cipher.reload(force=True)
        click.echo(f"Re-encrypted {changed} values under a new key; the old key is gone.")
    audit.record("keys_rotated", "encryption_key", detail=f"values={changed}")
    db.session.commit()  # a command has no request to commit for it


def _rotate_until_current(cipher: FernetCipher, batch_size: int) -> int:
    changed = 0
    for _attempt in range(5):
        changed += keys.rotate_all(cipher, batch_size)
        counts = keys.seal_status(cipher)
        if not counts.get("older key") and not counts.get("not sealed"):
            return changed
    raise click.ClickException("Some values kept changing; run `keys rotate` again.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Back up the database to PATH (safe while the app runs). The key is not included."""
    try:
        backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    audit.record("backup_made", "database")
    db.session.commit()  # a command has no request to commit for it
    click.echo(f"Backup written to {path}. Keep the encryption key apart from it.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.confirmation_option(prompt="Replace everything in the database with this backup?")
def restore_command(path: Path) -> None:
    """Replace the database's contents with the backup at PATH."""
    db.session.remove()
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    audit.record("backup_restored", "database")
    db.session.commit()  # a command has no request to commit for it
    click.echo(f"Restored from {path}.")


@therapist_cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email: str) -> None:
    """Turn off two-factor sign-in for a therapist who lost their phone and recovery codes."""
    therapist = accounts.find_therapist(email)
    if therapist is None:
        raise click.ClickException("No therapist with that e-mail address.")
    two_factor.disable(therapist)
    audit.record("two_factor_reset", "therapist", therapist.id, owner_id=therapist.id)
    sessions.end_all(therapist, SessionEnd.TWO_FACTOR_CHANGED)
    db.session.commit()  # a command has no request to commit for it
    click.echo(f"Two-factor sign-in is off for {therapist.email}; they set it up again.")


def init_app(app: Flask) -> None:
    app.cli.add_command(keys_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
