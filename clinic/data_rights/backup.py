"""Backups that are safe while the app runs, and restores that check what they are given.

SQLite uses the online backup API (a consistent copy even while requests write); PostgreSQL
uses pg_dump/pg_restore in their custom format. Sealed text stays sealed in a backup: keep the
encryption key (instance/encryption_keys or CLINIC_ENCRYPTION_KEYS) in a separate, safe place.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    """A plain message for the operator."""


def backup(database_url: str, path: str | Path) -> Path:
    """Write a backup of the database to ``path`` (mode 0600); returns the path."""
    url = make_url(database_url)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        _sqlite_backup(_sqlite_path(url), path)
    elif url.get_backend_name() == "postgresql":
        _run(
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={path}",
            f"--dbname={_libpq_url(url)}",
            env=_pg_env(url),
        )
        path.chmod(0o600)
    else:
        raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
    return path


def restore(database_url: str, path: str | Path) -> None:
    """Replace the database's contents with the backup at ``path``."""
    url = make_url(database_url)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    if url.get_backend_name() == "sqlite":
        _check_sqlite_backup(path)
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        _run(
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_libpq_url(url)}",
            str(path),
            env=_pg_env(url),
        )
    else:
        raise BackupError(f"Restores of {url.get_backend_name()} databases are not supported.")


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return url.database


def _sqlite_backup(source_path: str, path: Path) -> None:
    """Copy page by page into a private temporary file, then move it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".backup-")  # mode 0600
    os.close(fd)
    try:
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            target.close()
            source.close()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_sqlite_backup(path: Path) -> None:
    try:
        check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            has_schema = check.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
            ).fetchone()
        finally:
            check.close()
    except sqlite3.DatabaseError:
        ok, has_schema = False, None
    if not ok or not has_schema:
        raise BackupError(f"{path} is not a Tandem SQLite backup.")


def _libpq_url(url: URL) -> str:
    """The URL for libpq tools, without the password (that goes in PGPASSWORD)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _pg_env(url: URL) -> dict[str, str]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client tools.")
    return found


def _run(*args: str, env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - a fixed tool with an argument list, no shell
        list(args), env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()[:2000]}")
