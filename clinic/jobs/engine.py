"""The Huey instance of an app, its tasks, and how a task runs inside the app.

Huey wants its instance when a task is declared, but the queue's place depends on the app's
settings, so each app builds its own :class:`Jobs` on first use (a test app that never queues
anything never opens a queue file).
"""

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper

from clinic.extensions import db
from clinic.handouts import prepared
from clinic.jobs import tick as ticking
from clinic.storage import utcnow

QUEUE_NAME = "tandem"
LAST_TICK_KEY = "tandem:last-tick"
_EXTENSION = "tandem_jobs"

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Jobs:
    """One app's queue and the tasks declared on it."""

    huey: Huey
    tick: TaskWrapper
    prepare_pdf: TaskWrapper

    def last_tick(self) -> datetime | None:
        """When the scheduler's tick last finished (any worker), or None if never."""
        stamp = self.huey.get(LAST_TICK_KEY, peek=True)
        return datetime.fromisoformat(stamp) if stamp else None


def jobs(app: Flask | None = None) -> Jobs:
    """The app's queue and tasks, built on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    built = app.extensions.get(_EXTENSION)
    if built is None:
        built = app.extensions[_EXTENSION] = _build(app)
    return built


def queue_description(app: Flask) -> str:
    """Where the queue lives, without a password that a Redis URL may carry."""
    url = app.config["JOBS_REDIS_URL"]
    if url:
        return "Redis at " + url.rpartition("@")[2]
    return "SQLite at " + _sqlite_path(app)


def _sqlite_path(app: Flask) -> str:
    return app.config["JOBS_SQLITE_FILE"] or os.path.join(app.instance_path, "jobs.sqlite3")


def _build(app: Flask) -> Jobs:
    url = app.config["JOBS_REDIS_URL"]
    huey: Huey
    if url:
        huey = RedisHuey(QUEUE_NAME, url=url)
    else:
        huey = SqliteHuey(QUEUE_NAME, filename=_sqlite_path(app))
    minutes = app.config["JOBS_TICK_MINUTES"]

    # No Huey lock: a lock left by a killed worker would stop every tick. Two ticks at once are
    # safe because each step claims its work through a unique row (see clinic.jobs.tick).
    @huey.periodic_task(crontab(minute=f"*/{minutes}"), retries=2, retry_delay=30)
    @in_app_context(app)
    def tick() -> None:
        """Create due check-ins; then note when the scheduler ran."""
        ticking.run(utcnow())
        huey.put(LAST_TICK_KEY, datetime.now(UTC).isoformat())

    # A few retries for a lost worker; a rendering error is recorded on the row, not raised.
    @huey.task(retries=2, retry_delay=10)
    @in_app_context(app)
    def prepare_pdf(prepared_id: int) -> None:
        """Render one long PDF a therapist asked for (clinic.handouts.prepared)."""
        prepared.render(prepared_id)

    return Jobs(huey=huey, tick=tick, prepare_pdf=prepare_pdf)


def in_app_context(app: Flask) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run a task inside the app, committing what it wrote, or nothing if it fails."""

    def decorate(task: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(task)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with app.app_context():
                try:
                    result = task(*args, **kwargs)
                    # A background job has no request to commit for it (clinic.transaction):
                    # it commits its own work once, like a command.
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()

        return run

    return decorate


def describe_task(task: Any) -> str:
    """A queued task as its name and when it is due: never its arguments."""
    eta = getattr(task, "eta", None)
    when = f" at {eta:%Y-%m-%d %H:%M} UTC" if eta else ""
    return f"{task.name}{when} (retries left: {task.retries})"
