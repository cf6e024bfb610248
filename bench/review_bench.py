"""Median response times of the couple list and the review pages with a large practice.

    .venv/bin/python bench/review_bench.py                 # 10,000 couples, 100,000 answers
    .venv/bin/python bench/review_bench.py --couples 2000 --rounds 5

Builds a throwaway SQLite database in a temporary directory (bulk inserts, a few seconds),
signs in through the Flask test client and prints, per page, the median and slowest time and
the number of SQL queries. All couples belong to one therapist, the worst case for the list.
Each couple has two monthly check-ins and a boundary inventory, answered by both partners:
10 answers per couple, sealed with a fresh encryption key as in production.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
from cryptography.fernet import Fernet
from sqlalchemy import event, insert

from clinic import create_app
from clinic.auth import service as accounts
from clinic.enums import AnsweredBy, ContactPreference, ResponseStatus
from clinic.extensions import db
from clinic.models import (
    Answer,
    AssignedWorksheet,
    Assignment,
    Couple,
    Partner,
    Response,
)
from clinic.worksheets.loader import builtin_library
from clinic.worksheets.versions import snapshot

PASSWORD = "benchmark password"  # noqa: S105 - a throwaway account in a temporary database
ANSWER_CHOICES = ("yes", "maybe", "not_now", "no")
BATCH = 5_000


def build(couples: int, seed: int = 7) -> int:
    """Fill the database; returns the therapist's id."""
    rng = random.Random(seed)
    therapist = accounts.create_therapist("bench@example.org", PASSWORD, display_name="Bench")
    library = builtin_library()
    check_in = snapshot(library["monthly-check-in"])
    inventory = snapshot(library["boundary-inventory"])
    db.session.commit()
    grid_rows = [row.id for row in library["boundary-inventory"].item("activities").rows]
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)

    rows: dict[type, list[dict]] = {
        m: [] for m in (Couple, Partner, Assignment, AssignedWorksheet, Response, Answer)
    }
    ids = dict.fromkeys(rows, 0)

    def add(model, **values) -> int:
        ids[model] += 1
        rows[model].append({"id": ids[model], **values})
        if len(rows[model]) >= BATCH:
            flush()
        return ids[model]

    def flush() -> None:
        """Every pending batch, parents before children (the dict keeps that order)."""
        for model, pending in rows.items():
            if pending:
                db.session.execute(insert(model), pending)
                pending.clear()

    for number in range(1, couples + 1):
        couple_id = add(
            Couple,
            therapist_id=therapist.id,
            label=f"Couple {number:05d}",
            notes="",
            created_at=start,
            updated_at=start,
        )
        partners = [
            add(
                Partner,
                couple_id=couple_id,
                position=p,
                display_name=name,
                email=None,
                contact_preference=ContactPreference.ANY,
            )
            for p, name in enumerate(("Alex", "Sam"))
        ]
        for round_number, version in enumerate((check_in, check_in, inventory)):
            when = start + timedelta(days=28 * round_number)
            assignment_id = add(
                Assignment,
                couple_id=couple_id,
                note="",
                due_date=None,
                link_days=14,
                locked_at=when,
                created_at=when,
            )
            sheet_id = add(
                AssignedWorksheet,
                assignment_id=assignment_id,
                worksheet_version_id=version.id,
                position=0,
                answered_by=AnsweredBy.EACH_PARTNER,
            )
            for partner_id in partners:
                response_id = add(
                    Response,
                    assigned_worksheet_id=sheet_id,
                    partner_id=partner_id,
                    status=ResponseStatus.SUBMITTED,
                    opened_at=when,
                    updated_at=when,
                    submitted_at=when,
                    revision=1,
                )
                if version is inventory:
                    grid = {
                        row: {"answer": rng.choice(ANSWER_CHOICES), "non_negotiable": False}
                        for row in grid_rows
                    }
                    answers = {"activities": grid}
                else:
                    answers = {"closeness": rng.randint(0, 10), "heard": rng.randint(0, 10)}
                for item_id, value in answers.items():
                    add(
                        Answer,
                        response_id=response_id,
                        item_id=item_id,
                        value=value,
                        shareable=rng.random() < 0.5,
                        updated_at=when,
                    )
    flush()
    db.session.commit()
    print(
        f"built {ids[Couple]:,} couples, {ids[Assignment]:,} assignments, {ids[Answer]:,} answers"
    )
    return therapist.id


@contextmanager
def counting_queries():
    statements: list[str] = []

    def record(*_args) -> None:
        statements.append("")

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def measure(client, urls: list[str]) -> tuple[float, float, int]:
    """(median ms, slowest ms, queries of the last request) over ``urls``, after a warm-up."""
    client.get(urls[0])
    times, queries = [], 0
    for url in urls:
        with counting_queries() as statements:
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        queries = len(statements)
    return statistics.median(times), max(times), queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--couples", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15, help="requests per page")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                "SECRET_KEY": "bench",
                "ENCRYPTION_KEYS": Fernet.generate_key().decode("ascii"),
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            flask_migrate.upgrade()
            began = time.perf_counter()
            build(args.couples)
            print(f"(in {time.perf_counter() - began:.1f} s)")

            client = app.test_client()
            client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
            rng = random.Random(11)
            sample = [rng.randint(1, args.couples) for _ in range(args.rounds)]
            inventories = [3 * couple_id for couple_id in sample]  # the third assignment
            pages = {
                "couple list": ["/couples/"] * args.rounds,
                "couple page": [f"/couples/{c}" for c in sample],
                "couple review": [f"/review/couples/{c}" for c in sample],
                "assignment review": [f"/review/assignments/{a}" for a in inventories],
                "session view": [f"/review/assignments/{a}/session" for a in inventories],
            }
            print(f"\n{'page':<20}{'median ms':>11}{'slowest ms':>12}{'queries':>9}")
            for name, urls in pages.items():
                median, slowest, queries = measure(client, urls)
                print(f"{name:<20}{median:>11.1f}{slowest:>12.1f}{queries:>9}")
            db.engine.dispose()


if __name__ == "__main__":
    main()
