"""The safe PDF rendering core: a locked-down URL fetcher and a renderer that reuses its setup.

WeasyPrint's default fetcher reads any local file and any URL on the network, so a handout
built from client text or an uploaded worksheet could otherwise leak server files or probe
internal addresses. Everything here renders through :class:`StaticOnlyFetcher`, which serves
the app's own ``clinic/static`` files and ``data:`` URIs and refuses everything else.

Parsing stylesheets and loading fonts costs more than laying out a short handout, so each
:class:`HandoutRenderer` keeps its font configuration and parsed CSS. A process renders
through a :class:`RendererPool` of at most PDF_RENDER_CONCURRENCY of them, so one therapist's
long handout does not hold everyone else's behind it, and the process never runs more renders
at once than the setting allows.
"""

from __future__ import annotations

import atexit
import base64
import functools
import gc
import inspect
import logging
import mimetypes
import queue
import re
import sys
import threading
import types
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from urllib import request
from urllib.parse import unquote_to_bytes, urlsplit

import pydyf  # type: ignore[import-untyped]  # no hints or stubs, like weasyprint
from flask import has_app_context
from weasyprint import CSS, HTML
from weasyprint import html as weasyprint_html
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from clinic.i18n import page_language_tag

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
HANDOUT_CSS = Path(__file__).resolve().parent / "static" / "handout.css"
PAPER_SIZES = {"a4": "A4", "letter": "letter"}
# Tagged PDF/UA-1: a structure tree for screen readers, the language and a displayed title.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True, "custom_metadata": False}

logger = logging.getLogger(__name__)

# What a handout uses, in little: every face of the font, a table, a list, an SVG chart.
WARM_UP_HTML = """<!doctype html><html lang="en"><head><title>Tandem</title></head><body>
<p class="doc-kind">Handout</p><h1>Tandem</h1><h2>Part</h2><h3>Item</h3>
<p>Regular, <strong>bold</strong> and <em>italic</em> text: 0123456789 &ndash;
&ldquo;quoted&rdquo; &hellip;</p>
<table class="grid"><thead><tr><th>Row</th><th>Yes</th></tr></thead>
<tbody><tr><th scope="row">A row</th><td><span class="note">A note</span></td></tr></tbody></table>
<ul class="answer-list"><li>An answer</li></ul>
<img alt="" src="data:image/svg+xml;base64,{svg}">
</body></html>""".format(
    svg=base64.b64encode(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
        b'<rect width="9" height="9"/></svg>'
    ).decode("ascii")
)


# WeasyPrint's user-agent stylesheet styles six pseudo-elements of *every* element: ::marker
# and five for footnotes and notes. Computing those styles was most of the cascade's work
# (seven styles per element instead of one) and about a tenth of a long handout's CPU time.
# Only <li> makes a marker in a handout and handouts have no footnotes or notes, so the
# renderer uses that stylesheet with the marker rule narrowed to <li> and the note rules left
# out; the pages come out pixel for pixel the same.
UA_MARKER_RULE = ("\n::marker {", "\nli::marker {")
UA_NOTE_RULES = re.compile(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}\n", re.MULTILINE)


def handout_ua_css(text: str = weasyprint_html.UA) -> str | None:
    """WeasyPrint's user-agent stylesheet, narrowed as above; None if a newer WeasyPrint
    words those rules differently (handouts then render with its own, only slower, and a
    test says the narrowing needs a look)."""
    old, new = UA_MARKER_RULE
    text, notes = UA_NOTE_RULES.subn("", text.replace(old, new))
    if new not in text or notes != 5 or "\n::" in text:
        return None
    return text


_NARROWED_UA = handout_ua_css()
if _NARROWED_UA is None:
    logger.warning("WeasyPrint's user-agent stylesheet has changed: handouts use it unnarrowed")
_HANDOUT_UA = (
    None
    if _NARROWED_UA is None
    else CSS(string=_NARROWED_UA, counter_style=weasyprint_html.UA_COUNTER_STYLE)
)


class HandoutHTML(HTML):
    """A document parsed for a handout: WeasyPrint's, with the narrowed user-agent stylesheet
    (overrides WeasyPrint's hook for it; handouts have no forms)."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        if _HANDOUT_UA is None:
            return super()._ua_stylesheets(forms)
        return [_HANDOUT_UA, weasyprint_html.UA_FORM_STYLESHEET] if forms else [_HANDOUT_UA]


# Two costs of writing a PDF in pydyf 0.13 that grow with a handout for nothing:
#
# * every stream (page contents, fonts, the object stream) is compressed at zlib's level 9:
#   111 ms of a 27-page handout, against 26 ms at zlib's default level 6 for a file 3 % larger;
# * ``PDF.page_references`` builds a tuple of every page's reference each time it is read,
#   and WeasyPrint's PDF/UA tagging reads it once per tagged box: the square of the page count.
#
# clinic.handouts.pdf therefore points pydyf's ``zlib`` at a shim that compresses at level 6,
# and caches ``page_references`` per PDF until a page is added (the tuple only depends on the
# page list, which pydyf only appends to). Both are installed only if pydyf still reads as
# expected; otherwise handouts are written by pydyf's own code, slower but the same, a warning
# is logged and a test in tests/handouts/test_pdf.py fails so that someone looks.
PYDYF_COMPRESSION = "compressobj = zlib.compressobj(level=9)"
PYDYF_PAGE_REFERENCES = "for object_number in self.pages['Kids'][::3])"
STREAM_COMPRESSION_LEVEL = 6


def _compressobj(level: int = -1, *args: object, **kwargs: object) -> zlib._Compress:
    """zlib.compressobj, at most at STREAM_COMPRESSION_LEVEL."""
    if level < 0 or level > STREAM_COMPRESSION_LEVEL:
        level = STREAM_COMPRESSION_LEVEL
    return zlib.compressobj(level, *args, **kwargs)  # type: ignore[arg-type]


class _FasterZlib(types.ModuleType):
    """zlib as pydyf sees it: the same module but for the level of ``compressobj``."""

    compressobj = staticmethod(_compressobj)

    def __getattr__(self, name: str) -> object:
        return getattr(zlib, name)


def _cached_page_references(pdf_file: pydyf.PDF) -> tuple[bytes, ...]:
    """pydyf's page references, built again only after a page was added."""
    kids = pdf_file.pages["Kids"]
    cached = pdf_file.__dict__.get("_handout_page_references")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), _PYDYF_PAGE_REFERENCES.fget(pdf_file))
        pdf_file.__dict__["_handout_page_references"] = cached
    return cached[1]


def _source(function: object) -> str:
    try:
        return inspect.getsource(function)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return ""


def patch_pydyf() -> set[str]:
    """Install both changes described above where pydyf still reads as expected; returns
    which are in place ("compression", "page references")."""
    installed = set()
    data = getattr(pydyf.Stream, "data", None)
    if isinstance(pydyf.zlib, _FasterZlib) or (
        pydyf.zlib is zlib
        and isinstance(data, property)
        and PYDYF_COMPRESSION in _source(data.fget)
    ):
        pydyf.zlib = _FasterZlib("zlib")
        installed.add("compression")
    references = pydyf.PDF.__dict__.get("page_references")
    if references is _CACHED_PAGE_REFERENCES or (
        isinstance(references, property) and PYDYF_PAGE_REFERENCES in _source(references.fget)
    ):
        pydyf.PDF.page_references = _CACHED_PAGE_REFERENCES
        installed.add("page references")
    return installed


_PYDYF_PAGE_REFERENCES = pydyf.PDF.__dict__.get("page_references")
_CACHED_PAGE_REFERENCES = property(_cached_page_references)
PYDYF_CHANGES = frozenset({"compression", "page references"})
PYDYF_PATCHES = patch_pydyf()
if PYDYF_PATCHES != PYDYF_CHANGES:
    logger.warning("pydyf has changed: handout PDFs are written by its own, slower code")


class RefusedURL(ValueError):
    """A URL the handout renderer will not load; WeasyPrint skips the resource and goes on."""


class StaticOnlyFetcher(URLFetcher):
    """Serves files strictly inside one directory and ``data:`` URIs; refuses every other URL.

    WeasyPrint 70 calls ``fetcher(url)`` and reads attributes that only ``URLFetcher`` sets,
    so this must be a subclass (a plain function breaks rendering). Its urllib handlers are
    removed, so even a call that bypassed :meth:`fetch` could not open a file or a socket.
    """

    def __init__(self, root: Path = STATIC_DIR):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        request.OpenerDirector.__init__(self)  # drop every urllib handler (http, ftp, file...)
        self.root = root.resolve()

    def base_url(self) -> str:
        """The base that relative URLs in templates and stylesheets resolve against."""
        return self.root.as_uri() + "/"

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return self._data(url)
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL("only the app's static files and data: URIs are loaded")
        path = self._inside_root(Path(request.url2pathname(parts.path)))
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})

    def open(self, url, data=None, timeout=None):
        """urllib's entry point; routed through the same rules as :meth:`fetch`."""
        return self.fetch(url.full_url if isinstance(url, request.Request) else url)

    def _inside_root(self, path: Path) -> Path:
        """The real file, after following ``..`` and symlinks, if it lies inside the root."""
        try:
            resolved = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise RefusedURL("no such static file") from None
        if not resolved.is_relative_to(self.root) or not resolved.is_file():
            raise RefusedURL("only files inside the app's static folder are loaded")
        return resolved

    @staticmethod
    def _data(url: str) -> URLFetcherResponse:
        """Decode a ``data:`` URI (RFC 2397) in memory; nothing is opened."""
        meta, comma, payload = url.removeprefix("data:").partition(",")
        if not comma:
            raise RefusedURL("malformed data: URI")
        is_base64 = meta.lower().endswith(";base64")
        content_type = meta[: -len(";base64")] if is_base64 else meta
        try:
            body = unquote_to_bytes(payload)
            body = base64.b64decode(body) if is_base64 else body
        except ValueError:  # binascii.Error
            raise RefusedURL("malformed data: URI") from None
        return URLFetcherResponse(url, body, {"Content-Type": content_type or "text/plain"})


@functools.lru_cache(maxsize=16)
def paper_size(setting: str | None) -> str:
    """The CSS page size for the PAPER_SIZE setting; an unknown value falls back to A4.

    Cached, so a misconfigured setting is logged once, not on every render.
    """
    size = PAPER_SIZES.get((setting or "A4").strip().lower())
    if size is None:
        logger.warning("PAPER_SIZE %r is not A4 or Letter; using A4", setting)
        return "A4"
    return size


class _CollectorPaused:
    """Python's cyclic garbage collector off while any render runs in this process.

    A layout makes hundreds of thousands of boxes and text objects that live until the PDF
    is written, so each collection during a render traverses them again and frees next to
    nothing: even collecting only every 50,000 new objects cost 100 to 400 ms of a 27-page
    render, and the process peaked higher. The last render to finish (renders on other
    threads may overlap) turns the collector back on, if it was on, and collects the
    youngest generation once: what the render left behind is looked at then, as part of the
    render, rather than by whatever code happens to allocate next.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._was_enabled = gc.isenabled()

    def __enter__(self) -> None:
        with self._lock:
            if self._running == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._running += 1

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self._running -= 1
            if self._running == 0 and self._was_enabled:
                gc.enable()
                gc.collect(0)


collector_paused = _CollectorPaused()


_T = TypeVar("_T")


def call_with_stack_room(function: Callable[..., _T], *args: object) -> _T:
    """``function(*args)`` with room for a deep layout on the interpreter's frame stack.

    CPython keeps Python frames in 16 KiB chunks of memory and unmaps a chunk as soon as the
    last frame in it returns. A layout recurses deeply and keeps crossing a chunk's edge, so a
    7-page render mapped, page-faulted and unmapped a chunk 2,000 to 7,000 times (4 to 9 % of
    its CPU time), how often depending only on how deep the caller's stack happened to be.
    This function's code claims a large unused stack (below), so its frame gets a 512 KiB
    chunk of its own and everything it calls fits in the rest: mapped once per render.
    """
    return function(*args)


if sys.implementation.name == "cpython":  # elsewhere a plain call
    call_with_stack_room.__code__ = call_with_stack_room.__code__.replace(co_stacksize=32_768)


class HandoutRenderer:
    """Turns handout HTML into PDF bytes, reusing fonts and parsed stylesheets across renders.

    One renderer renders one document at a time (a lock): its font configuration belongs to
    Pango, which is not safe to use from two threads at once. Concurrent renders each take
    their own renderer from a :class:`RendererPool`.
    """

    def __init__(self, fetcher: StaticOnlyFetcher | None = None, css_path: Path = HANDOUT_CSS):
        self.fetcher = fetcher or StaticOnlyFetcher()
        self.font_config = FontConfiguration()
        self._lock = threading.Lock()
        self._base_css = self._css(css_path.read_text(encoding="utf-8"))
        self._page_css: dict[str, CSS] = {}

    def render(
        self, html: str, title: str, paper: str = "A4", copies: int = 1, lang: str | None = None
    ) -> bytes:
        """PDF bytes for trusted template output ``html``; ``title`` is the neutral PDF title,
        ``lang`` the language the document is written in (default: the page's).

        The metadata is overwritten here rather than trusted to the template, so no client
        name can reach the title, subject, keywords or author fields. ``copies`` repeats the
        laid-out pages, so every copy counts "page 1 of N" on its own, at no extra layout cost.
        """
        with collector_paused:
            return call_with_stack_room(self._render, html, title, paper, copies, lang)

    def _render(self, html: str, title: str, paper: str, copies: int, lang: str | None) -> bytes:
        base_url = self.fetcher.base_url()
        document_html = HandoutHTML(string=html, base_url=base_url, url_fetcher=self.fetcher)
        with self._lock:
            stylesheets = [self._base_css, self._paper_css(paper)]
            document = document_html.render(
                font_config=self.font_config, stylesheets=stylesheets, **PDF_OPTIONS
            )
            metadata = document.metadata
            metadata.title, metadata.description, metadata.generator = title, None, "Tandem"
            metadata.authors, metadata.keywords, metadata.attachments = [], [], []
            metadata.lang = lang or (page_language_tag() if has_app_context() else "en")
            if copies > 1:
                document = document.copy(document.pages * copies)
            return document.write_pdf(**PDF_OPTIONS)

    def stylesheets(self, paper: str = "A4") -> list[CSS]:
        """The parsed stylesheets a render uses (the benchmark renders with them directly)."""
        with self._lock:
            return [self._base_css, self._paper_css(paper)]

    def _paper_css(self, paper: str) -> CSS:
        size = paper_size(paper)
        if size not in self._page_css:
            self._page_css[size] = self._css(f"@page {{ size: {size}; }}")
        return self._page_css[size]

    def _css(self, text: str) -> CSS:
        return CSS(
            string=text,
            base_url=self.fetcher.base_url(),
            url_fetcher=self.fetcher,
            font_config=self.font_config,
        )


class RendererPool:
    """At most ``size`` renders at once, each on a renderer of its own, made on first need.

    A render waits only while all ``size`` renderers are busy; a slow one holds its own
    renderer and nobody else's.
    """

    def __init__(self, size: int, make: Callable[[], HandoutRenderer] = HandoutRenderer):
        if size < 1:
            raise ValueError("PDF_RENDER_CONCURRENCY must be at least 1")
        self.size = size
        self._make = make
        self._slots = threading.BoundedSemaphore(size)
        self._idle: queue.LifoQueue[HandoutRenderer] = queue.LifoQueue()

    @contextmanager
    def borrowed(self) -> Iterator[HandoutRenderer]:
        """A renderer for this thread alone until the block ends."""
        with self._slots:
            try:
                renderer = self._idle.get_nowait()
            except queue.Empty:
                renderer = self._make()  # at most ``size`` exist: each holds a slot or is idle
            try:
                yield renderer
            finally:
                self._idle.put(renderer)

    def render(
        self, html: str, title: str, paper: str = "A4", copies: int = 1, lang: str | None = None
    ) -> bytes:
        """:meth:`HandoutRenderer.render` on a free renderer."""
        with self.borrowed() as renderer:
            return renderer.render(html, title, paper, copies, lang)

    def prepare(self, paper: str = "A4") -> None:
        """Make every renderer now and lay out a small page on each, so that the first real
        render finds fonts loaded, stylesheets parsed and WeasyPrint's code imported."""
        made: list[HandoutRenderer] = []
        while len(made) < self.size and self._slots.acquire(blocking=False):
            try:
                one = self._idle.get_nowait()
            except queue.Empty:
                one = self._make()
            made.append(one)
        try:
            for one in made:
                one.render(WARM_UP_HTML, "Tandem", paper)
        finally:
            for one in made:
                self._idle.put(one)
                self._slots.release()


_pools: dict[int, RendererPool] = {}
_pools_lock = threading.Lock()


def renderer(concurrency: int = 2) -> RendererPool:
    """The process-wide pool for ``concurrency`` renders at once (fonts load once per renderer)."""
    with _pools_lock:
        if concurrency not in _pools:
            _pools[concurrency] = RendererPool(concurrency)
        return _pools[concurrency]


@atexit.register
def _release_renderers() -> None:
    """Free every renderer's fonts while the interpreter is still whole.

    Left to the interpreter's last collection, Pango's objects were released after what
    their finalizers need, and every process that had made a renderer (each gunicorn worker,
    the jobs worker) died of SIGSEGV on its way out.
    """
    with _pools_lock:
        _pools.clear()
    gc.collect()
