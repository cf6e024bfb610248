"""The queue: SQLite by default, Redis when set; the tick runs in a real consumer; status."""

import time
import uuid

import pytest
import redis

from clinic.jobs.engine import jobs


@pytest.fixture
def queue_app(app, tmp_path):
    app.config["JOBS_SQLITE_FILE"] = str(tmp_path / "jobs.sqlite3")
    return app


def _run_consumer_until(queue, done, workers: int = 1, seconds: float = 20) -> None:
    """A real Huey consumer (threads, no signal handlers) until ``done()`` or the time is up."""
    consumer = queue.huey.create_consumer(workers=workers, periodic=False, initial_delay=0.05)
    consumer.start()
    try:
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
    assert done()


def test_the_queue_is_a_sqlite_file_by_default(queue_app, tmp_path):
    runner = queue_app.test_cli_runner()
    result = runner.invoke(args=["jobs", "status"])
    assert result.exit_code == 0, result.output
    assert f"Queue: SQLite at {tmp_path / 'jobs.sqlite3'}" in result.output
    assert "Scheduler last ran: never" in result.output
    assert (tmp_path / "jobs.sqlite3").exists()


def test_status_lists_a_queued_tick_and_then_when_the_scheduler_ran(queue_app):
    queue = jobs(queue_app)
    queue.tick()  # queued, not run: no consumer yet
    status = queue_app.test_cli_runner().invoke(args=["jobs", "status"]).output
    assert "Queued: 1" in status
    assert "  tick (retries left: 2)" in status

    _run_consumer_until(queue, lambda: queue.last_tick() is not None)

    status = queue_app.test_cli_runner().invoke(args=["jobs", "status"]).output
    assert "Queued: 0" in status
    assert "Scheduler last ran: never" not in status
    assert f"Scheduler last ran: {queue.last_tick():%Y-%m-%d %H:%M:%S} UTC" in status


def test_a_redis_url_puts_the_queue_in_redis_without_showing_its_password(app):
    server = redis.Redis.from_url("redis://127.0.0.1:6379/13")
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    app.config["JOBS_REDIS_URL"] = "redis://:hunter2@127.0.0.1:6379/13"
    queue = jobs(app)
    queue.huey.flush()
    try:
        status = app.test_cli_runner().invoke(args=["jobs", "status"]).output
        assert "Queue: Redis at 127.0.0.1:6379/13" in status
        assert "hunter2" not in status
        queue.tick()
        assert queue.huey.pending_count() == 1
        _run_consumer_until(queue, lambda: queue.last_tick() is not None)
    finally:
        queue.huey.flush()


def test_a_failing_task_writes_nothing(queue_app):
    from clinic.extensions import db
    from clinic.jobs.engine import in_app_context
    from clinic.models import Therapist
    from tests import factories

    @in_app_context(queue_app)
    def half_done() -> None:
        factories.make_therapist(email=f"{uuid.uuid4().hex}@x.example")
        raise RuntimeError("the mail server went away")

    with pytest.raises(RuntimeError):
        half_done()
    assert db.session.query(Therapist).count() == 0
