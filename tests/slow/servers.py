"""Real servers on this machine: Tandem under gunicorn, and a PostgreSQL cluster to break.

Shared by the slow tests and by ``bench/client_load.py``, so that the figures come from the
app served exactly as the tests serve it.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import gunicorn.config
import pytest

from tests.helpers import TEST_ENCRYPTION_KEY, free_port, migrate_to_head

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "slow-tests-secret-key"
TANDEM = "clinic:create_app()"
# gunicorn 25+ opens a control socket at one fixed path; servers side by side must not share it.
_NO_CONTROL_SOCKET = (
    ["--no-control-socket"] if hasattr(gunicorn.config, "ControlSocketDisable") else []
)


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not happen within {timeout} s")


def tandem_environment(database_url: str, **settings: str) -> dict[str, str]:
    """CLINIC_* variables as an operator would set them, for a load from one address."""
    return {
        "CLINIC_DATABASE_URL": database_url,
        "CLINIC_SECRET_KEY": SECRET_KEY,
        "CLINIC_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        # One load generator on 127.0.0.1 stands for many phones: lift the per-address limits.
        "CLINIC_LINK_RATE_LIMIT": "100000 per minute",
        "CLINIC_LOGIN_RATE_LIMIT": "100000 per minute",
        **{f"CLINIC_{key}": value for key, value in settings.items()},
    }


class Gunicorn:
    """A WSGI app served by gunicorn with sync workers on a free port of 127.0.0.1."""

    def __init__(self, app: str, environment: dict[str, str], workers: int = 4, ready: str = "/"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Open for the server's whole life; removed in stop().
        self.log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn",
                "--workers", str(workers),
                "--bind", f"127.0.0.1:{self.port}",
                "--graceful-timeout", "5",
                "--timeout", "30",
                *_NO_CONTROL_SOCKET,
                app,
            ],
            cwd=ROOT, env={**os.environ, **environment},
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(lambda: self._answers(ready), 30, "gunicorn answering")

    @classmethod
    def tandem(cls, database_url: str, workers: int = 4, **settings: str) -> "Gunicorn":
        return cls(TANDEM, tandem_environment(database_url, **settings), workers, ready="/login")

    def _answers(self, path: str) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{self.output()}")
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=2) as response:  # noqa: S310
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def kill_worker(self) -> int:
        """SIGKILL one worker, as the OOM killer would; the master starts a new one."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        """Kill the master, then its workers, at once: a graceful stop costs seconds per test."""
        workers = self.worker_pids() if self.process.poll() is None else []
        self.process.kill()  # first, so that it starts no new worker
        self.process.wait()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in its own folder and port, run as the ``postgres`` user.

    Restarting it disturbs nobody: the shared server on 5432 is never touched.
    """

    def __init__(self):
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not versions:
            raise FileNotFoundError("PostgreSQL server binaries (apt-get install postgresql)")
        self.bin = versions[-1].parent
        # Not under pytest's tmp_path: the ``postgres`` user must be able to reach the folder.
        self.folder = Path(tempfile.mkdtemp(prefix="tandem-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        user = "root" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
        self.url = f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", user, "--no-sync",
                  "-E", "UTF8")  # fmt: skip
        self._pg_ctl("start")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.folder, "postgres")
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def _pg_ctl(self, action: str, *args: str) -> None:
        # fsync off for speed: the tests crash the server process, never the machine.
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w",
                  "-o", options, action, *args)  # fmt: skip

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")

    def start(self) -> None:
        self._pg_ctl("start")

    def crash_restart(self) -> None:
        """Stop at once, as on a crash (no clean shutdown), then start again."""
        self._pg_ctl("restart", "-m", "immediate")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def private_postgres_or_skip() -> Iterator[PrivatePostgres]:
    """A migrated database on a private cluster, for one test; removed afterwards.

    Outside CI a machine without PostgreSQL's server binaries skips the test; in CI it fails.
    """
    try:
        server = PrivatePostgres()
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"cannot start a private PostgreSQL cluster: {error}")
    try:
        migrate_to_head(server.url)
        yield server
    finally:
        server.remove()
