"""``flask --app clinic jobs status`` and ``flask --app clinic jobs worker``."""

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from clinic.handouts import service as pdfs
from clinic.jobs.engine import describe_task, jobs, queue_description

jobs_cli = AppGroup("jobs", help="Background work: check-ins and reminders.")


@jobs_cli.command("status")
def status() -> None:
    """Show what is queued and scheduled, and when the scheduler last ran."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue = jobs(app)
    click.echo(f"Queue: {queue_description(app)}")
    last = queue.last_tick()
    click.echo(
        f"Scheduler last ran: {last:%Y-%m-%d %H:%M:%S} UTC" if last else "Scheduler last ran: never"
    )
    click.echo(f"Tick: every {app.config['JOBS_TICK_MINUTES']} minutes")
    pending = queue.huey.pending()
    click.echo(f"Queued: {len(pending)}")
    for task in pending:
        click.echo(f"  {describe_task(task)}")
    scheduled = queue.huey.scheduled()
    click.echo(f"Scheduled: {len(scheduled)}")
    for task in scheduled:
        click.echo(f"  {describe_task(task)}")


@jobs_cli.command("worker")
@click.option("--workers", default=1, show_default=True, help="Threads that run tasks.")
def worker(workers: int) -> None:
    """Run the consumer: the scheduler tick and queued tasks, until stopped (Ctrl-C, SIGTERM)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue = jobs(app)
    click.echo(f"Worker on {queue_description(app)}; stop with Ctrl-C.")
    # Huey logs task names and ids (never arguments, which are ids and times only).
    huey_log = logging.getLogger("huey")
    huey_log.setLevel(logging.INFO)
    huey_log.addHandler(logging.StreamHandler())
    with app.app_context():
        pdfs.prepare()  # fonts and stylesheets before the first handout it renders
    consumer = queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()
