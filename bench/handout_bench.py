"""How fast session handouts render, what the app adds to WeasyPrint, and peak memory.

    .venv/bin/python bench/handout_bench.py                # 15 warm rounds, a 50-page run
    .venv/bin/python bench/handout_bench.py --rounds 30 --big-pages 80
    .venv/bin/python bench/handout_bench.py --parts five --profile 40   # where the time goes

Builds a throwaway SQLite database with the realistic session the handout tests use (two
partners, three worksheets, private and shared answers, earlier rounds for a trend) and
prints, for the joint and the therapist copy:

* the median warm time of the whole download (database, handout rules, template, PDF);
* the median time of WeasyPrint rendering the same final HTML alone, with the same parsed
  stylesheets (the app's user-agent stylesheet too), fonts, options, collector setting and
  room on the frame stack (``pdf.call_with_stack_room``), and the ratio of the two (the
  target is <= 1.05);
* the median time of a naive render that parses the CSS and loads the fonts every time,
  which is what reusing them saves.

Then:

* the first download in a fresh process, after ``service.prepare()`` as gunicorn.conf.py and
  the jobs worker call it, and without it, each against the warm median of the same process
  (two child processes, ``--first prepared`` and ``--first cold``);
* a warm therapist copy of five assignments (15 worksheets);
* a repeat download of an unchanged handout through the app (signed in, the test client),
  which the per-therapist cache answers (clinic.handouts.cache), against its first download;
* one handout of about 50 pages and its peak memory: the Python heap high-water mark
  (tracemalloc) and the process's peak resident size (getrusage).
Runs alternate between the pipeline and the baseline, so load from other processes on a
shared machine falls on both alike.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repository's tests package (sample data), not another one

from weasyprint import CSS  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from clinic import create_app  # noqa: E402
from clinic.extensions import db  # noqa: E402
from clinic.handouts import cache, pdf, service  # noqa: E402
from tests import factories  # noqa: E402
from tests.handouts import sample  # noqa: E402
from tests.helpers import TEST_ENCRYPTION_KEY, TandemClient  # noqa: E402


def timed(call) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of this process) for one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def ms(pair: tuple[float, float]) -> str:
    return f"{pair[0] * 1000:.0f} ms ({pair[1] * 1000:.0f})"


def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def page_count(data: bytes) -> int:
    import io

    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def bench_version(couple, assignment_ids: list[int], version: str, rounds: int) -> dict:
    renderer = pdf.HandoutRenderer()  # set up as each renderer of the app's pool is
    paper = "A4"

    def pipeline() -> bytes:
        return service.session_handout_pdf(service.build_handout(couple, assignment_ids, version))

    html = service.session_handout_html(service.build_handout(couple, assignment_ids, version))

    def weasyprint_alone() -> bytes:
        fetcher = renderer.fetcher

        def write() -> bytes:
            document = pdf.HandoutHTML(
                string=html, base_url=fetcher.base_url(), url_fetcher=fetcher
            )
            return document.write_pdf(
                stylesheets=renderer.stylesheets(paper),
                font_config=renderer.font_config,
                **pdf.PDF_OPTIONS,
            )

        # The collector, user-agent stylesheet and frame-stack room as the app's: without the
        # room, what a layout costs would depend on this function's depth in the stack.
        with pdf.collector_paused:
            return pdf.call_with_stack_room(write)

    def naive() -> bytes:
        fonts = FontConfiguration()
        fetcher = pdf.StaticOnlyFetcher()
        css = CSS(
            string=pdf.HANDOUT_CSS.read_text() + f"@page {{ size: {paper}; }}",
            base_url=fetcher.base_url(),
            url_fetcher=fetcher,
            font_config=fonts,
        )
        document = pdf.HandoutHTML(string=html, base_url=fetcher.base_url(), url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[css], font_config=fonts, **pdf.PDF_OPTIONS)

    pages = page_count(pipeline())  # warm: fonts, templates, worksheet definitions
    weasyprint_alone()
    ours, alone, cold = [], [], []
    for round_number in range(rounds):
        if round_number % 2:  # alternate who goes first, so neither always runs on a warm cache
            alone.append(timed(weasyprint_alone))
            ours.append(timed(pipeline))
        else:
            ours.append(timed(pipeline))
            alone.append(timed(weasyprint_alone))
    for _ in range(max(3, rounds // 5)):
        cold.append(timed(naive))
    return {
        "version": version,
        "pages": pages,
        "ours": medians(ours),
        "alone": medians(alone),
        "naive": medians(cold),
    }


def add_round(couple) -> int:
    """Another assignment of the sample worksheets, answered by both; returns its id."""
    alex, sam = couple.partners
    assignment = factories.make_assignment(couple, sample.WORKSHEETS)
    for sheet in assignment.worksheets:
        slug = sheet.worksheet_version.slug
        if slug in sample.TOGETHER:  # answered together, each clause confirmed by both
            values = sample.confirmed_by_both(slug, sample.TOGETHER[slug], couple.partners)
            factories.answer_worksheet(sheet, None, values, shared=all)
            continue
        for partner, answers in ((alex, sample.ALEX), (sam, sample.SAM)):
            values, shared = answers[slug]
            factories.answer_worksheet(sheet, partner, values, shared=shared)
    return assignment.id


def five_assignments(therapist, rounds: int, profile: int = 0) -> tuple[int, tuple[float, float]]:
    """(pages, median warm time) of a therapist copy of five assignments; with ``profile``,
    first prints that many lines of a cProfile of one warm download, by cumulative time and
    by time spent in each function itself."""
    couple, first = sample.make_session(therapist, label="Couple C (bench)")
    ids = [first.id] + [add_round(couple) for _ in range(4)]

    def download() -> bytes:
        return service.session_handout_pdf(service.build_handout(couple, ids, service.THERAPIST))

    pages = page_count(download())
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(download)
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(profile)
        stats.sort_stats("tottime").print_stats(profile)
    return pages, medians([timed(download) for _ in range(max(3, rounds // 3))])


def repeat_download(app, therapist, couple, assignment_id: int, rounds: int):
    """(first download, median repeat download) through the app, signed in as the therapist."""
    app.test_client_class = TandemClient  # sends the form token a browser would
    client = app.test_client()
    factories.sign_in(client, therapist)
    url = f"/couples/{couple.id}/handouts/session.pdf?version=therapist&assignment={assignment_id}"

    def download() -> None:
        assert client.get(url).status_code == 200

    cache.pdfs.clear()
    first = timed(download)
    return first, medians([timed(download) for _ in range(rounds)])


def first_download(mode: str, rounds: int) -> None:
    """In a fresh process: the first download after start-up, then the warm median."""
    with tempfile.TemporaryDirectory() as tmp:
        app = bench_app(tmp)
        with app.app_context():
            db.create_all()
            couple, assignment = sample.make_session(factories.make_therapist())
            db.session.commit()
            if mode == "prepared":
                service.prepare()  # what gunicorn.conf.py does before the first request

            def download() -> bytes:
                handout = service.build_handout(couple, [assignment.id], service.THERAPIST)
                return service.session_handout_pdf(handout)

            first = timed(download)
            warm = medians([timed(download) for _ in range(rounds)])
    print(f"{first[0]} {first[1]} {warm[0]} {warm[1]}")


def bench_app(tmp: str):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        }
    )


def first_downloads(rounds: int) -> None:
    for mode in ("prepared", "cold"):
        out = subprocess.run(
            [sys.executable, __file__, "--first", mode, "--rounds", str(rounds)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-4:]
        first, first_cpu, warm, warm_cpu = (float(x) for x in out)
        label = "after prepare()" if mode == "prepared" else "not prepared"
        print(
            f"First therapist copy in a new process, {label:<15}: "
            f"{ms((first, first_cpu))} against warm {ms((warm, warm_cpu))}: "
            f"{first / warm:.2f}x ({first_cpu / warm_cpu:.2f}x CPU)"
        )


def big_handout(therapist, pages_wanted: int) -> tuple[int, float, float]:
    """Render a therapist copy of at least ``pages_wanted`` pages.

    Returns (pages, Python heap peak in MiB during the render, process peak RSS in MiB).
    """
    couple, first = sample.make_session(therapist, label="Couple B (bench)")
    ids = [first.id]
    per_round = page_count(
        service.session_handout_pdf(service.build_handout(couple, ids, service.THERAPIST))
    )

    while len(ids) * per_round < pages_wanted:
        ids.append(add_round(couple))
    while True:
        handout = service.build_handout(couple, ids, service.THERAPIST)
        tracemalloc.start()
        data = service.session_handout_pdf(handout)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        if page_count(data) >= pages_wanted:
            break
        ids.append(add_round(couple))
    max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return page_count(data), peak / 2**20, max_rss_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="warm renders per measurement")
    parser.add_argument("--big-pages", type=int, default=50, help="size of the memory run")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="LINES",
        help="with five: print a cProfile of one warm download first (LINES lines a table)",
    )
    parser.add_argument("--first", choices=["prepared", "cold"], help=argparse.SUPPRESS)
    parser.add_argument(
        "--parts",
        default="first,ratio,five,repeat,memory",
        help="comma-separated: first, ratio, five, repeat, memory (default: all)",
    )
    args = parser.parse_args()

    if args.first:
        first_download(args.first, args.rounds)
        return
    parts = set(args.parts.split(","))
    if "first" in parts:
        first_downloads(args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        app = bench_app(tmp)
        with app.app_context():
            db.create_all()
            therapist = factories.make_therapist()
            couple, assignment = sample.make_session(therapist)
            db.session.commit()

            if "ratio" in parts:
                ratios(couple, assignment.id, args.rounds)
            if "five" in parts:
                pages, five = five_assignments(therapist, args.rounds, args.profile)
                print(f"\nTherapist copy of five assignments ({pages} pages), warm: {ms(five)}")
            if "repeat" in parts:
                first, repeat = repeat_download(app, therapist, couple, assignment.id, args.rounds)
                print(
                    f"Download through the app: first {ms(first)}, repeat of the unchanged "
                    f"handout {ms(repeat)} (cache)"
                )
            if "memory" in parts:
                pages, heap_mib, rss_mib = big_handout(therapist, args.big_pages)
                print(
                    f"\nPeak memory rendering a {pages}-page therapist copy: "
                    f"{heap_mib:.0f} MiB Python heap (tracemalloc), "
                    f"{rss_mib:.0f} MiB peak resident size of the process"
                )


def ratios(couple, assignment_id: int, rounds: int) -> None:
    """The whole download against WeasyPrint alone, for both versions."""
    print(
        f"Session handout, 2 partners, {len(sample.WORKSHEETS)} worksheets, A4, "
        f"{rounds} warm rounds each; medians, wall clock (CPU time of this process)"
    )
    print(
        f"{'version':<10} {'pages':>5} {'whole download':>18} "
        f"{'WeasyPrint alone':>18} {'ratio':>11} {'naive, no reuse':>18}"
    )
    for version in service.VERSIONS:
        r = bench_version(couple, [assignment_id], version, rounds)
        (ours, ours_cpu), (alone, alone_cpu) = r["ours"], r["alone"]
        print(
            f"{r['version']:<10} {r['pages']:>5} {ms(r['ours']):>18} {ms(r['alone']):>18} "
            f"{ours / alone:>5.2f} ({ours_cpu / alone_cpu:.2f}) {ms(r['naive']):>18}"
        )


if __name__ == "__main__":
    main()
