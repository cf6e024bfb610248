"""A live Tandem server on 127.0.0.1 and Debian's chromium driven by Playwright.

Screenshots of every step land in ``test-artifacts/browser/<test>/`` (gitignored), so a failed
run in CI leaves pictures of what the user saw. The few chosen for the README go to
``test-artifacts/browser/readme/``, or replace those in ``docs/images/`` when the run is
started with ``TANDEM_UPDATE_IMAGES=1``.
"""

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from clinic.extensions import db
from tests.helpers import make_app
from tests.slow.servers import PrivatePostgres, private_postgres_or_skip

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
README_IMAGES = (
    ROOT / "docs" / "images"
    if os.environ.get("TANDEM_UPDATE_IMAGES") == "1"
    else ARTIFACTS / "readme"
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1200, "height": 800}
SEVERE_IMPACTS = {"serious", "critical"}


@dataclass
class LiveServer:
    """The app served by werkzeug in a thread, as a browser sees it."""

    app: Flask
    url: str
    database: PrivatePostgres | None = None  # when the test may stop and start it

    def run(self, fn: Callable, *args, **kwargs):
        """Run ``fn`` against the server's database, in its own app context."""
        with self.app.app_context():
            try:
                result = fn(*args, **kwargs)
                db.session.commit()  # services only flush; the request or command commits
                return result
            finally:
                db.session.remove()


def serve(app: Flask, database: PrivatePostgres | None = None) -> Iterator[LiveServer]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}", database)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(sqlite_template, tmp_path) -> Iterator[LiveServer]:
    """A fresh, migrated SQLite database served on a free port; errors render as in production."""
    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", TESTING=False)
    yield from serve(app)


@pytest.fixture
def private_postgres():
    """A PostgreSQL cluster of this test's own, which it may stop and start."""
    yield from private_postgres_or_skip()


@pytest.fixture
def postgres_live_server(private_postgres) -> Iterator[LiveServer]:
    """The app served on the private PostgreSQL cluster (``.database`` stops and starts it)."""
    app = make_app(private_postgres.url, TESTING=False)
    yield from serve(app, database=private_postgres)


@pytest.fixture
def demo_server(live_server) -> LiveServer:
    """A live server holding the demo therapist and couples, as after ``make run``."""
    from clinic.demo import load_demo

    live_server.run(load_demo)
    return live_server


@pytest.fixture(scope="session")
def playwright():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; CI must run the browser tests.")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; these tests run in CI)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def browser_with_back_forward_cache(playwright):
    """Chromium as a phone runs it: Playwright turns the back-forward cache off by default,
    which would hide whether a page brought back by Back still shows what it showed."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    yield browser
    browser.close()


def _new_page(browser, request, **context_options):
    context = browser.new_context(**context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda error: request.node.stash.setdefault(_JS_ERRORS, []).append(error))
    return context, page


_JS_ERRORS = pytest.StashKey[list]()


@pytest.fixture
def phone(browser, request):
    """A page in a phone-sized, touch-enabled browser context (a partner's phone)."""
    context, page = _new_page(
        browser, request, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield page
    context.close()
    _fail_on_js_errors(request)


@pytest.fixture
def desktop(browser, request):
    """A page in a desktop-sized browser context (the therapist's computer)."""
    context, page = _new_page(browser, request, viewport=DESKTOP)
    yield page
    context.close()
    _fail_on_js_errors(request)


@pytest.fixture
def new_phone(browser, request):
    """Opens further phone pages, each in its own context (another partner, another device)."""
    contexts = []

    def open_phone():
        context, page = _new_page(
            browser, request, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
        )
        contexts.append(context)
        return page

    yield open_phone
    for context in contexts:
        context.close()
    _fail_on_js_errors(request)


def _fail_on_js_errors(request) -> None:
    errors = request.node.stash.get(_JS_ERRORS, [])
    if errors:
        pytest.fail(f"JavaScript errors on the page: {errors}")


@pytest.fixture
def shoot(request) -> Callable:
    """``shoot(page, "step")`` saves a numbered full-page screenshot as a test artifact.

    ``readme="name.png"`` also keeps one screen of it for the README in docs/images/: from the
    top, or from the element ``start_at`` when given."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    counter = iter(range(1, 1000))

    def take(page, step: str, readme: str | None = None, start_at=None) -> Path:
        path = folder / f"{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        if readme:
            README_IMAGES.mkdir(parents=True, exist_ok=True)
            if start_at is None:
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(README_IMAGES / readme), clip=_content_box(page))
            else:
                start_at.evaluate("element => element.scrollIntoView({block: 'start'})")
                page.evaluate("window.scrollBy(0, -24)")  # a little air above it
                page.screenshot(path=str(README_IMAGES / readme))
        return path

    return take


def _content_box(page) -> dict:
    """The top of the page down to the end of the content, at most one screen."""
    bottom = page.evaluate("document.querySelector('main').getBoundingClientRect().bottom")
    viewport = page.viewport_size
    return {"x": 0, "y": 0, "width": viewport["width"], "height": min(bottom, viewport["height"])}


@pytest.fixture
def assert_accessible() -> Callable:
    """Runs axe-core on a page and fails on any serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, what: str) -> None:
        results = axe.run(page)
        severe = [v for v in results.response["violations"] if v["impact"] in SEVERE_IMPACTS]
        details = "\n".join(
            f"  {v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(" ".join(node["target"]) for node in v["nodes"])
            for v in severe
        )
        assert not severe, f"axe found serious or critical problems on {what}:\n{details}"

    return check
