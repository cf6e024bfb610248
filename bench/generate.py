"""Fill a database with a large practice: 10,000 couples with answered worksheets by default.

    .venv/bin/python bench/generate.py                       # the configured database (instance/)
    CLINIC_DATABASE_URL=postgresql://root@127.0.0.1:5432/big .venv/bin/python bench/generate.py

Applies the migrations, then bulk-inserts into an empty database with the builder of
``bench/review_bench.py`` (and, on PostgreSQL, moves the id sequences past its rows): one
therapist (bench@example.org, password "benchmark password") with every couple, each with
three assignments answered by both partners, sealed with the app's encryption key. Sign in as
that therapist to try the pages with a full practice; ``bench/client_load.py`` uses the same
builder for its database.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # bench.review_bench

import flask_migrate  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.review_bench import PASSWORD, build  # noqa: E402
from clinic import create_app  # noqa: E402
from clinic.auth import service as accounts  # noqa: E402
from clinic.extensions import db  # noqa: E402
from clinic.models import Couple  # noqa: E402

EMAIL = "bench@example.org"


def fill_practice(couples: int) -> None:
    """Bulk-insert the practice into an empty database (inside an app context)."""
    if db.session.scalar(select(func.count()).select_from(Couple)):
        raise SystemExit("This database already has couples; the bulk builder needs an empty one.")
    build(couples)
    advance_sequences()


def advance_sequences() -> None:
    """The bulk inserts give explicit ids: move PostgreSQL's id sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c:
            highest = func.max(table.c.id)
            sequence = func.pg_get_serial_sequence(table.name, "id")
            db.session.execute(
                select(func.setval(sequence, func.coalesce(highest, 1), highest.is_not(None)))
            )
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--couples", type=int, default=10_000)
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        flask_migrate.upgrade()
        if accounts.find_therapist(EMAIL) is not None:
            raise SystemExit(f"{EMAIL} already exists in this database; nothing added.")
        began = time.perf_counter()
        fill_practice(args.couples)
        print(f"(in {time.perf_counter() - began:.1f} s) sign in as {EMAIL} / {PASSWORD}")
        db.engine.dispose()


if __name__ == "__main__":
    main()
