"""One slow PDF render never holds the others behind it; a process renders a bounded number."""

import threading
from pathlib import Path

import pytest

from clinic.handouts.pdf import HandoutRenderer, RefusedURL, RendererPool, StaticOnlyFetcher
from clinic.handouts.service import pdf_renderer
from tests.helpers import pdf_text

WAIT_LIMIT = 30  # seconds; only reached when the behaviour under test is broken


class SlowFetcher(StaticOnlyFetcher):
    """Holds any render that loads ``slow.svg`` until the test lets it go."""

    def __init__(self, started: threading.Semaphore, release: threading.Event):
        super().__init__()
        self.started, self.release = started, release

    def fetch(self, url: str, headers=None):
        if Path(url).name == "slow.svg":
            self.started.release()
            assert self.release.wait(WAIT_LIMIT), "the test never released the slow render"
            raise RefusedURL("no such static file")  # WeasyPrint skips it and goes on
        return super().fetch(url, headers)


def document(text: str, slow: bool = False) -> str:
    image = "<img src='slow.svg' alt=''>" if slow else ""
    return f"<!doctype html><html lang='en'><body><p>{text}</p>{image}</body></html>"


class Render(threading.Thread):
    def __init__(self, pool: RendererPool, text: str, slow: bool = False):
        super().__init__(daemon=True)
        self.pool, self.html, self.text, self.pdf = pool, document(text, slow), text, b""

    def run(self) -> None:
        self.pdf = self.pool.render(self.html, "Test")


@pytest.fixture
def slow_pool():
    started, release = threading.Semaphore(0), threading.Event()
    pool = RendererPool(2, make=lambda: HandoutRenderer(fetcher=SlowFetcher(started, release)))
    yield pool, started, release
    release.set()


def test_a_slow_render_does_not_hold_the_next_one_behind_it(slow_pool):
    pool, started, release = slow_pool
    slow = Render(pool, "A very long handout", slow=True)
    slow.start()
    assert started.acquire(timeout=WAIT_LIMIT)

    quick = Render(pool, "A short card")
    quick.start()
    quick.join(WAIT_LIMIT)

    assert not quick.is_alive(), "the quick render waited for the slow one"
    assert slow.is_alive(), "the slow render is still going"
    assert "A short card" in pdf_text(quick.pdf)
    release.set()
    slow.join(WAIT_LIMIT)
    assert "A very long handout" in pdf_text(slow.pdf)


def test_renders_beyond_the_bound_wait_for_a_free_renderer(slow_pool):
    pool, started, release = slow_pool
    slow = [Render(pool, f"Slow handout {n}", slow=True) for n in (1, 2)]
    for render in slow:
        render.start()
    for _ in slow:
        assert started.acquire(timeout=WAIT_LIMIT), "two slow renders run at once"

    third = Render(pool, "The third render")
    third.start()
    third.join(0.5)
    assert third.is_alive(), "a third render ran while both renderers were busy"

    release.set()
    for render in [*slow, third]:
        render.join(WAIT_LIMIT)
    assert "The third render" in pdf_text(third.pdf)
    assert all(render.pdf.startswith(b"%PDF-") for render in slow)


def test_the_pool_never_makes_more_renderers_than_its_bound():
    made = []

    def make() -> HandoutRenderer:
        made.append(HandoutRenderer())
        return made[-1]

    pool = RendererPool(2, make=make)
    renders = [Render(pool, f"Card {n}") for n in range(5)]
    for render in renders:
        render.start()
    for render in renders:
        render.join(WAIT_LIMIT)
    assert all(f"Card {n}" in pdf_text(r.pdf) for n, r in enumerate(renders))
    assert 1 <= len(made) <= 2


def test_the_apps_pool_is_sized_by_the_setting(app):
    assert app.config["PDF_RENDER_CONCURRENCY"] == 2
    assert pdf_renderer().size == 2
    app.config["PDF_RENDER_CONCURRENCY"] = 3
    assert pdf_renderer().size == 3


def test_a_bound_below_one_is_refused():
    with pytest.raises(ValueError, match="PDF_RENDER_CONCURRENCY"):
        RendererPool(0)
