"""Median time of the couple list and its search with sealed labels and names, against the old
plaintext LIKE search, measured in the same run on the same data.

    .venv/bin/python bench/couple_search.py                    # 10,000 couples, SQLite and PG
    .venv/bin/python bench/couple_search.py --couples 500 --rounds 9

One therapist owns every couple (the worst case: the list opens the therapist's own couples
only). Each engine gets a throwaway database, migrated to head, holding the couples twice:

* sealed, as Tandem stores them, searched by ``clinic.couples.service.list_couples``: the
  labels (and, when searching, the partner names) are opened in Python, filtered, sorted;
* plaintext, in tables laid out as before 0011_seal (VARCHAR label and names, the same index),
  searched by the list code as it was before: ``ILIKE '%term%'``, ``ORDER BY label``,
  ``LIMIT 50``, through the ORM. The old code searched labels only; for a partner name it is
  given the plaintext equivalent, ``label ILIKE ... OR EXISTS (partner name ILIKE ...)``.

Each scenario runs ``--rounds`` times, the two implementations taking turns, after one warm-up
each. It prints the median wall-clock and CPU times, the sealed list's slowest time and the
ratio sealed / plaintext. PostgreSQL is
skipped when no server answers on 127.0.0.1:5432. Assertions: none; this only prints.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.helpers

from sqlalchemy import (  # noqa: E402
    ForeignKey,
    String,
    create_engine,
    exists,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.exc import OperationalError  # noqa: E402
from sqlalchemy.orm import (  # noqa: E402
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
    selectinload,
)

from clinic.auth import service as accounts  # noqa: E402
from clinic.couples import service as couples  # noqa: E402
from clinic.enums import ContactPreference  # noqa: E402
from clinic.extensions import db  # noqa: E402
from clinic.models import Couple, Partner, Therapist  # noqa: E402
from tests.helpers import PG_SERVER_URL, make_app, migrate_to_head  # noqa: E402

FIRST_NAMES = [
    "Alex", "Sam", "Robin", "Jordan", "Kai", "Noor", "Ines", "Ravi", "Zoë", "Mateo", "Amara",
    "Lior", "Sasha", "Femi", "Yuki", "Elif", "Dara", "Oskar", "Priya", "Tomás", "Wren", "Hana",
]  # fmt: skip
SYLLABLES = ["ka", "lo", "mir", "dan", "vel", "os", "tri", "ne", "bar", "sen", "qu", "ha", "ri"]
PER_PAGE = couples.COUPLES_PER_PAGE


class PlainBase(DeclarativeBase):
    """The couple tables as they were before 0011_seal, in plaintext, for the old search."""


class PlainCouple(PlainBase):
    __tablename__ = "bench_plain_couples"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(index=True)
    label: Mapped[str] = mapped_column(String(80))
    archived_at: Mapped[datetime | None]
    partners: Mapped[list[PlainPartner]] = relationship(order_by="PlainPartner.position")


class PlainPartner(PlainBase):
    __tablename__ = "bench_plain_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("bench_plain_couples.id"), index=True)
    position: Mapped[int]
    display_name: Mapped[str] = mapped_column(String(80))


def plaintext_list(therapist_id: int, search: str, with_names: bool) -> tuple[int, list]:
    """The list code before 0011_seal (count, then one page), on the plaintext tables."""
    conditions = [PlainCouple.therapist_id == therapist_id, PlainCouple.archived_at.is_(None)]
    if search.strip():
        pattern = f"%{search.strip()}%"
        matched = PlainCouple.label.ilike(pattern)
        if with_names:
            named = exists().where(
                PlainPartner.couple_id == PlainCouple.id, PlainPartner.display_name.ilike(pattern)
            )
            matched = or_(matched, named)
        conditions.append(matched)
    total = db.session.scalar(select(func.count(PlainCouple.id)).where(*conditions)) or 0
    page = db.session.scalars(
        select(PlainCouple)
        .where(*conditions)
        .options(selectinload(PlainCouple.partners))
        .order_by(PlainCouple.label, PlainCouple.id)
        .limit(PER_PAGE)
    ).all()
    return total, [(c.label, [p.display_name for p in c.partners]) for c in page]


def sealed_list(therapist: Therapist, search: str) -> tuple[int, list]:
    listing = couples.list_couples(therapist, search=search)
    return listing.total, [(c.label, [p.display_name for p in c.partners]) for c in listing.couples]


def surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def build(count: int, seed: int = 11) -> Therapist:
    """``count`` couples of one therapist, sealed and again in plaintext, with the same ids."""
    rng = random.Random(seed)
    therapist = accounts.create_therapist("bench@example.org", "bench password x")
    db.session.commit()
    now = datetime(2026, 1, 5, 9, tzinfo=UTC)
    couple_rows, partner_rows = [], []
    for number in range(1, count + 1):
        couple_rows.append({"id": number, "therapist_id": therapist.id, "label": surname(rng)})
        for position in range(2):
            partner_rows.append(
                {
                    "id": 2 * number - 1 + position,
                    "couple_id": number,
                    "position": position,
                    "display_name": rng.choice(FIRST_NAMES),
                }
            )
    db.session.execute(
        insert(Couple),
        [{**r, "notes": "", "created_at": now, "updated_at": now} for r in couple_rows],
    )
    db.session.execute(
        insert(Partner),
        [{**r, "email": None, "contact_preference": ContactPreference.ANY} for r in partner_rows],
    )
    db.session.execute(insert(PlainCouple), couple_rows)
    db.session.execute(insert(PlainPartner), partner_rows)
    db.session.commit()
    return therapist


@contextmanager
def database(engine_name: str) -> Iterator[str | None]:
    """A migrated throwaway database's URL, or None when PostgreSQL is not running."""
    if engine_name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tandem-search-") as folder:
            url = f"sqlite:///{Path(folder) / 'search.sqlite3'}"
            migrate_to_head(url)
            yield url
        return
    server = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    name = f"tandem_search_{uuid.uuid4().hex[:8]}"
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        server.dispose()
        yield None
        return
    try:
        url = PG_SERVER_URL.rsplit("/", 1)[0] + "/" + name
        migrate_to_head(url)
        yield url
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds: on a shared machine the CPU time moves far less."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


Timings = list[tuple[float, float]]


def measure(url: str, count: int, rounds: int) -> list[tuple[str, str, Timings, Timings]]:
    app = make_app(url)
    with app.app_context():
        PlainBase.metadata.create_all(db.engine)
        began = time.perf_counter()
        therapist = build(count)
        print(f"  built {count:,} couples in {time.perf_counter() - began:.1f} s")
        label_term = db.session.get(PlainCouple, count // 2).label[1:5].lower()
        name_term = "zoë"
        scenarios = [
            ("first page, no search", "", False),
            (f"label search {label_term!r}", label_term, False),
            (f"label or partner name {name_term!r}", name_term, True),
        ]
        results = []
        for title, term, with_names in scenarios:
            total, _ = plaintext_list(therapist.id, term, with_names)
            sealed_total, _ = sealed_list(therapist, term)
            if sealed_total != total:
                print(f"  note: {title}: sealed found {sealed_total}, plaintext {total}")
            sealed, plain = [], []
            for _ in range(rounds):
                plain.append(timed(lambda t=term, w=with_names: plaintext_list(therapist.id, t, w)))
                sealed.append(timed(lambda t=term: sealed_list(therapist, t)))
                db.session.rollback()  # a new transaction per "request", as the app has
            results.append((title, f"{total:,} found", sealed, plain))
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--couples", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    print(f"{args.couples:,} couples of one therapist, {args.rounds} rounds per scenario")
    rows = []
    for engine_name in engines:
        with database(engine_name) as url:
            if url is None:
                print(f"{engine_name}: no server on 127.0.0.1:5432, skipped")
                continue
            print(f"{engine_name}:")
            load = os.getloadavg()[0]
            for title, found, sealed, plain in measure(url, args.couples, args.rounds):
                rows.append((engine_name, title, found, sealed, plain, load))
    print()
    print("Medians in ms, wall clock with the process's CPU time in brackets.")
    print("| database | scenario | found | sealed | plaintext | ratio (CPU) | sealed slowest "
          "| load |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for engine_name, title, found, sealed, plain, load in rows:
        (s_wall, s_cpu), (p_wall, p_cpu) = medians(sealed), medians(plain)
        print(
            f"| {engine_name} | {title} | {found} | {s_wall:.1f} ({s_cpu:.1f}) "
            f"| {p_wall:.1f} ({p_cpu:.1f}) | {s_wall / p_wall:.1f} ({s_cpu / p_cpu:.1f}) "
            f"| {max(wall for wall, _ in sealed) * 1000:.1f} | {load:.1f} |"
        )


def medians(timings: Timings) -> tuple[float, float]:
    return (
        statistics.median(wall for wall, _ in timings) * 1000,
        statistics.median(cpu for _, cpu in timings) * 1000,
    )


if __name__ == "__main__":
    main()
