"""CPU time of a partner's page and autosave in one process, next to a bare Flask route.

    .venv/bin/python bench/client_cpu.py                 # SQLite, 300 requests of each
    .venv/bin/python bench/client_cpu.py --postgres      # a fresh database on 127.0.0.1:5432
    .venv/bin/python bench/client_cpu.py --profile page  # cProfile of the page, top 40

Through the Flask test client (no network, no gunicorn): a partner with an open session on
their link opens worksheet 1 ("Consent check-in", as bench/client_load.py) and worksheet 2
(the boundary inventory, a grid of 36 rows), and autosaves a new text each time. A bare Flask
app with one route answers in the same process. Rounds alternate between the scenarios, so
load from other processes falls on all alike; prints the median CPU milliseconds per request
of each round, the ratio to the bare route, and the SQL statements of one request.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repository's tests package (partners, helpers)


def database(postgres: bool, cleanup: list[Callable[[], None]]) -> str:
    from sqlalchemy import create_engine, text

    from tests.helpers import PG_SERVER_URL, migrate_to_head

    if not postgres:
        folder = tempfile.TemporaryDirectory(prefix="tandem-cpu-")
        cleanup.append(folder.cleanup)
        url = f"sqlite:///{Path(folder.name) / 'cpu.sqlite3'}"
    else:
        server = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
        name = f"tandem_cpu_{uuid.uuid4().hex[:8]}"
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))

        def drop() -> None:
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            server.dispose()

        cleanup.append(drop)
        url = PG_SERVER_URL.rsplit("/", 1)[0] + "/" + name
    migrate_to_head(url)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="per scenario")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--profile", choices=["page", "grid", "autosave"])
    args = parser.parse_args()

    from flask import Flask
    from sqlalchemy import event
    from werkzeug.datastructures import MultiDict

    from clinic.auth import service as accounts
    from clinic.extensions import db
    from tests.helpers import make_app
    from tests.slow.partners import adopt_autosave_reply, autosave_form, hidden_fields

    cleanup: list[Callable[[], None]] = []
    try:
        url = database(args.postgres, cleanup)
        app = make_app(url, WTF_CSRF_ENABLED=True)
        with app.app_context():
            from clinic.assignments import service as assignments
            from clinic.couples import service as couples
            from clinic.worksheets.loader import builtin_library

            therapist = accounts.create_therapist("cpu@example.org", "cpu password x")
            library = builtin_library()
            couple = couples.create_couple(therapist, "CPU", [("A", None), ("B", None)])
            _, issued = assignments.create_assignment(
                couple, [library["consent-check-in"], library["boundary-inventory"]], link_days=14
            )
            token = issued[0].token
            db.session.commit()
            engine = db.engine
        page_path, grid_path = f"/w/{token}/1", f"/w/{token}/2"
        client = app.test_client()
        opened = client.get(page_path)
        assert opened.status_code == 200, opened.status_code
        fields = hidden_fields(opened.get_data(as_text=True))
        saves = itertools.count(1)

        bare_app = Flask("bare")
        bare_app.add_url_rule("/ping", "ping", lambda: "ok")
        bare = bare_app.test_client()

        def ping() -> None:
            assert bare.get("/ping").status_code == 200

        def page() -> None:
            assert client.get(page_path).status_code == 200

        def grid() -> None:
            assert client.get(grid_path).status_code == 200

        def autosave() -> None:
            text = f"Draft {next(saves)}: " + "what I would like us to try next. " * 6
            form = MultiDict(autosave_form(fields, {"feels-good": text}))
            reply = client.post(f"{page_path}/autosave", data=form)
            assert reply.status_code == 200, reply.status_code
            adopt_autosave_reply(fields, reply.get_json())

        scenarios = {
            "bare Flask route": ping,
            "client page": page,
            "client page, grid": grid,
            "autosave": autosave,
        }
        statements: list[str] = []
        event.listen(
            engine, "before_cursor_execute", lambda *a: statements.append(a[2]), named=False
        )
        counts = {}
        for name, one in scenarios.items():
            for _ in range(20):  # warm: templates, definitions, statement caches
                one()
            statements.clear()
            one()
            counts[name] = len(statements)
        if args.profile:
            profile = cProfile.Profile(time.process_time)  # CPU, not waiting on the database
            one = scenarios[
                {"page": "client page", "grid": "client page, grid"}.get(args.profile, args.profile)
            ]
            profile.runcall(lambda: [one() for _ in range(100)])
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
            return

        per_round = max(1, args.requests // args.rounds)
        cpu: dict[str, list[float]] = {name: [] for name in scenarios}
        for _ in range(args.rounds):
            for name, one in scenarios.items():
                started = time.process_time()
                for _ in range(per_round):
                    one()
                cpu[name].append((time.process_time() - started) / per_round * 1000)
        engine_name = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"\n{engine_name}, in one process (Flask test client), {per_round} requests x "
            f"{args.rounds} rounds; load average {os.getloadavg()[0]:.1f}; "
            "median CPU ms per request"
        )
        bare_ms = statistics.median(cpu["bare Flask route"])
        print(f"{'scenario':<22}{'CPU ms':>9}{'vs bare':>9}{'SQL':>6}")
        for name, samples in cpu.items():
            median = statistics.median(samples)
            print(f"{name:<22}{median:>9.2f}{median / bare_ms:>9.1f}{counts[name]:>6}")
        page_ms = statistics.median(cpu["client page"])
        print(
            f"client page: {page_ms:.2f} ms CPU (target: at most 2 ms); at a quiet machine's "
            f"0.12 ms for the bare route, {page_ms / bare_ms * 0.12:.2f} ms"
        )
    finally:
        for undo in reversed(cleanup):
            undo()


if __name__ == "__main__":
    main()
