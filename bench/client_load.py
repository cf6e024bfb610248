"""Client page and autosave load under gunicorn, next to a bare Flask endpoint served alike.

    .venv/bin/python bench/client_load.py                  # SQLite, 10,000 couples in the database
    .venv/bin/python bench/client_load.py --postgres       # a fresh database on 127.0.0.1:5432
    .venv/bin/python bench/client_load.py --requests 1000 --couples 0 --concurrency 8

Fills a throwaway database (10,000 couples with answered worksheets from bench/review_bench.py,
then 100 couples with live links to "Consent check-in"), starts Tandem and a one-route Flask
app under the same gunicorn settings (sync workers on 127.0.0.1) and sends each a bounded
number of requests from ``--concurrency`` threads:

* bare Flask endpoint: ``GET /ping`` answering "ok", the ceiling of this machine and server;
* client page: a partner opening a worksheet again with their session cookie
  (``GET /w/<token>/1``: link and session lookup, the stored answers decrypted, the form
  rendered, "opened" recorded);
* autosave: partners saving as they type (``POST /w/<token>/1/autosave``, each thread its own
  partner, every save a new text, so every request merges, encrypts and commits).

Scenarios take turns in rounds, so load from other processes on a shared machine falls on all
of them alike. Prints requests per second, median and 99th percentile latency, non-2xx
answers, and each scenario's throughput as a fraction of the bare endpoint's.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repository's tests package (servers, partners), not another


def bare_app():
    """The baseline: Flask with one route and nothing else, served by the same gunicorn."""
    from flask import Flask

    app = Flask("bare")
    app.add_url_rule("/ping", "ping", lambda: "ok")
    return app


@dataclass
class Figures:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def send(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    """One request on a fresh connection (gunicorn's sync workers close each one anyway)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie"), response.read()
    finally:
        connection.close()


class Partner:
    """A partner's phone for the load: its session cookie and the form's hidden fields."""

    def __init__(self, port: int, path: str):
        from tests.slow.partners import hidden_fields

        self.port, self.path = port, path
        status, cookie, body = send(port, "GET", path)
        if status != 200:
            raise SystemExit(f"opening a worksheet answered {status}")
        self.cookie = cookie.split(";", 1)[0]
        self.fields = hidden_fields(body.decode())
        self.saves = itertools.count(1)

    def autosave(self) -> int:
        from tests.slow.partners import adopt_autosave_reply, autosave_form

        text = f"Draft {next(self.saves)}: " + "what I would like us to try next. " * 6
        body = urllib.parse.urlencode(autosave_form(self.fields, {"feels-good": text}))
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie}
        status, _, reply = send(self.port, "POST", f"{self.path}/autosave", body.encode(), headers)
        if status == 200:
            adopt_autosave_reply(self.fields, json.loads(reply))
        return status


def hammer(figures: Figures, requests: int, concurrency: int, one: Callable[[int], int]) -> None:
    """``requests`` calls of ``one(thread number)`` from ``concurrency`` threads; bounded."""
    tickets = iter(range(requests))
    lock = threading.Lock()
    deadline = time.monotonic() + 300

    def worker(number: int) -> None:
        while time.monotonic() < deadline:
            with lock:
                if next(tickets, None) is None:
                    return
            started = time.perf_counter()
            status = one(number)
            elapsed = time.perf_counter() - started
            with lock:
                figures.latencies.append(elapsed)
                figures.errors += not 200 <= status < 300

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures.seconds += time.perf_counter() - began


def prepare_database(args, stack: list[Callable[[], None]]) -> str:
    from sqlalchemy import create_engine, text

    from tests.helpers import PG_SERVER_URL, migrate_to_head

    if not args.postgres:
        folder = tempfile.TemporaryDirectory(prefix="tandem-load-")
        stack.append(folder.cleanup)
        url = f"sqlite:///{Path(folder.name) / 'load.sqlite3'}"
    else:
        server = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
        name = f"tandem_load_{uuid.uuid4().hex[:8]}"
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))

        def drop() -> None:
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            server.dispose()

        stack.append(drop)
        url = PG_SERVER_URL.rsplit("/", 1)[0] + "/" + name
    migrate_to_head(url)
    return url


def fill(url: str, couples: int, partners: int) -> list[str]:
    """The practice in the database; returns the worksheet paths of partners with live links."""
    from bench.generate import fill_practice
    from clinic.auth import service as accounts
    from clinic.extensions import db
    from tests.helpers import make_app
    from tests.slow.partners import couples_with_links

    with make_app(url).app_context():
        began = time.perf_counter()
        if couples:
            fill_practice(couples)
        therapist = accounts.create_therapist(
            "load@example.org", "load password x", display_name="Load"
        )
        paths = [path for _, path in couples_with_links(therapist, (partners + 1) // 2)]
        print(f"(database filled in {time.perf_counter() - began:.1f} s)")
        db.engine.dispose()
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per scenario")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--couples", type=int, default=10_000, help="answered couples to add")
    parser.add_argument("--rounds", type=int, default=4, help="turns each scenario takes")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL, not SQLite")
    parser.add_argument(
        "--settle",
        type=float,
        default=2.0,
        help="seconds to wait after the warm-up, before measuring (0: measure at once)",
    )
    args = parser.parse_args()

    from tests.slow import servers
    from tests.slow.servers import Gunicorn

    # On a crowded machine four workers importing the app take longer than the tests' 30 s.
    patient = servers.wait_until
    servers.wait_until = lambda check, timeout, what: patient(check, max(timeout, 300), what)

    cleanup: list[Callable[[], None]] = []
    try:
        url = prepare_database(args, cleanup)
        paths = fill(url, args.couples, max(args.concurrency, 100))
        bare = Gunicorn("bench.client_load:bare_app()", {}, args.workers, ready="/ping")
        cleanup.append(bare.stop)
        tandem = Gunicorn.tandem(url, args.workers)
        cleanup.append(tandem.stop)

        # Every partner opens their link once, as from the therapist's message: a page opened
        # again needs that browser's session (the link's session cookie), or it is the
        # neutral gate page (a redirect) and not the worksheet.
        phones = [Partner(tandem.port, path) for path in paths]
        partners = phones[: args.concurrency]
        pages = itertools.cycle(phones)
        page_lock = threading.Lock()

        def open_page(_thread: int) -> int:
            with page_lock:
                phone = next(pages)
            return send(tandem.port, "GET", phone.path, headers={"Cookie": phone.cookie})[0]

        scenarios: dict[str, Callable[[int], int]] = {
            "bare Flask endpoint": lambda _thread: send(bare.port, "GET", "/ping")[0],
            "client page": open_page,
            "autosave": lambda thread: partners[thread].autosave(),
        }
        figures = {name: Figures(name) for name in scenarios}
        for name, one in scenarios.items():  # warm every worker: imports, templates, pools
            hammer(Figures(name), 4 * args.workers, args.concurrency, one)
        # Each Tandem worker prepares its PDF renderers on a thread once it has loaded the app
        # (gunicorn.conf.py). Until that ends, requests share the worker with it: when it took
        # 3.5 s of CPU (WOFF2 fonts), the first scenario's p99 measured at once was that
        # preparation (140 ms against 48 settled). It takes 0.35 s now; 0 and 15 s give the
        # same figures, so the default only leaves a margin.
        time.sleep(args.settle)
        for _ in range(args.rounds):
            for name, one in scenarios.items():
                hammer(figures[name], args.requests // args.rounds, args.concurrency, one)

        engine = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"\n{engine}, gunicorn {args.workers} sync workers, {args.concurrency} client "
            f"threads, {args.couples:,} answered couples + {len(paths)} partners with links; "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load average "
            f"{os.getloadavg()[0]:.1f} at the end (other processes compete for the CPUs)"
        )
        base = figures["bare Flask endpoint"].per_second
        print(f"{'scenario':<22}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
              f"{'non-2xx':>9}{'vs bare':>9}")  # fmt: skip
        for f in figures.values():
            print(
                f"{f.name:<22}{len(f.latencies):>9}{f.per_second:>9.1f}"
                f"{statistics.median(f.latencies) * 1000:>9.1f}{f.percentile(0.99):>9.1f}"
                f"{f.errors:>9}{f.per_second / base:>9.2f}"
            )
    finally:
        for undo in reversed(cleanup):
            undo()


if __name__ == "__main__":
    main()
