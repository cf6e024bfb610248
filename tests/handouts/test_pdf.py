"""The rendering core: the locked-down URL fetcher and the renderer's PDF properties.

These need no database: they render HTML straight through ``HandoutRenderer``.
"""

import base64
import gc
import os
import resource
import subprocess
import sys
import zlib
from pathlib import Path

import pydyf
import pytest
from weasyprint.urls import URLFetcher

from clinic.handouts.pdf import (
    STATIC_DIR,
    HandoutRenderer,
    RefusedURL,
    StaticOnlyFetcher,
    call_with_stack_room,
    collector_paused,
    handout_ua_css,
    paper_size,
    patch_pydyf,
    renderer,
)
from tests.handouts.hostile import PIXEL, hostile_text
from tests.helpers import image_count, pdf_text, read_pdf

A4 = (595, 842)  # points, rounded
LETTER = (612, 792)
ROOT = Path(__file__).resolve().parents[2]


def page(body: str, head: str = "") -> str:
    return f"<!doctype html><html lang='en'><head>{head}</head><body>{body}</body></html>"


def size_of(pdf_page) -> tuple[int, int]:
    box = pdf_page.mediabox
    return round(float(box.width)), round(float(box.height))


# --- the fetcher -------------------------------------------------------------------------


def test_the_fetcher_is_a_weasyprint_url_fetcher_with_no_urllib_handlers():
    fetcher = StaticOnlyFetcher()
    assert isinstance(fetcher, URLFetcher)
    assert fetcher.handlers == [] and fetcher.handle_open == {}


def test_the_fetcher_serves_the_apps_own_static_files():
    response = StaticOnlyFetcher().fetch(StaticOnlyFetcher().base_url() + "fonts/DejaVuSans.ttf")
    assert response.read() == (STATIC_DIR / "fonts" / "DejaVuSans.ttf").read_bytes()
    assert response.content_type == "font/ttf"


def test_the_fetcher_decodes_data_uris_in_memory():
    encoded = base64.b64encode(PIXEL).decode()
    response = StaticOnlyFetcher().fetch(f"data:image/png;base64,{encoded}")
    assert response.read() == PIXEL
    assert response.content_type == "image/png"
    plain = StaticOnlyFetcher().fetch("data:text/css,body%20%7B%7D")
    assert plain.read() == b"body {}"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://example.org/share/secret",
        "http://127.0.0.1:9/",
        "https://example.org/tracker.png",
        "http://169.254.169.254/latest/meta-data/",
        "ftp://127.0.0.1/file",
        "gopher://127.0.0.1:6379/_INFO",
        "data:image/png;base64,not base64!",
        "data:no-comma",
    ],
)
def test_the_fetcher_refuses_every_other_url(url):
    with pytest.raises(RefusedURL):
        StaticOnlyFetcher().fetch(url)


@pytest.mark.parametrize(
    "relative",
    [
        "../config.py",
        "../../pyproject.toml",
        "fonts/../../models.py",
        "%2e%2e/config.py",
        "fonts/%2E%2E/%2E%2E/models.py",
        "fonts/",
        "no-such-file.css",
    ],
)
def test_the_fetcher_refuses_anything_outside_the_static_folder(relative):
    fetcher = StaticOnlyFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(fetcher.base_url() + relative)


def test_a_symlink_out_of_the_static_folder_is_refused(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "style.css").write_text("body {}")
    secret = tmp_path / "secret.txt"
    secret.write_text("not for printing")
    os.symlink(secret, root / "innocent.css")
    fetcher = StaticOnlyFetcher(root)
    assert fetcher.fetch(fetcher.base_url() + "style.css").read() == b"body {}"
    with pytest.raises(RefusedURL):
        fetcher.fetch(fetcher.base_url() + "innocent.css")


def test_urllib_style_calls_go_through_the_same_rules():
    with pytest.raises(RefusedURL):
        StaticOnlyFetcher().open("file:///etc/passwd")


# --- rendering ----------------------------------------------------------------------------


def test_markup_in_a_rendered_page_loads_nothing_but_static_files(http_server):
    """Even raw markup (which client text never becomes) cannot reach a file or a server."""
    head = (
        f"<link rel='stylesheet' href='{http_server.url}/linked.css'>"
        f"<style>@import url({http_server.url}/imported.css);"
        f" body {{ background: url({http_server.url}/bg.png) }}"
        f" @font-face {{ font-family: X; src: url(file:///usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf),"
        f" local(DejaVu Serif) }}</style>"
    )
    body = (
        f"<p style='font-family: X'>Hello</p>{hostile_text(http_server.url)}"
        f"<img src='../config.py'><img src='{http_server.url}/img.png'>"
        f"<object data='{http_server.url}/object.png'></object>"
        f"<embed src='{http_server.url}/embed.png'>"
        f"<svg><image href='{http_server.url}/svg.png' width='9' height='9'/></svg>"
        f"<link rel='attachment' href='file:///etc/passwd'>"
    )
    pdf = HandoutRenderer().render(page(body, head), "Test")
    assert http_server.hits == []
    assert image_count(pdf) == 0
    assert "root:" not in pdf_text(pdf)
    assert b"/EmbeddedFiles" not in pdf


def test_the_recording_server_notices_weasyprints_default_fetcher(http_server):
    """The control for the test above: without our fetcher the same markup does fetch."""
    from weasyprint import HTML

    HTML(string=page(hostile_text(http_server.url))).write_pdf()
    assert "/answer.png" in http_server.hits


def test_an_image_in_a_data_uri_does_render():
    encoded = base64.b64encode(PIXEL).decode()
    pdf = HandoutRenderer().render(page(f"<img src='data:image/png;base64,{encoded}'>"), "Test")
    assert image_count(pdf) == 1


def test_metadata_is_the_neutral_title_and_nothing_from_the_page():
    head = (
        "<title>Alex and Sam</title><meta name='author' content='Dr Who'>"
        "<meta name='description' content='Alex limits'><meta name='keywords' content='sex'>"
    )
    reader = read_pdf(HandoutRenderer().render(page("<p>Body</p>", head), "Session handout"))
    info = reader.metadata
    assert info.title == "Session handout"
    assert info.author is None and info.subject is None and info.get("/Keywords") is None
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    for word in (b"Alex", b"Dr Who", b"limits", b"sex"):
        assert word not in xmp


def test_pages_are_a4_by_default_and_letter_on_request():
    render = HandoutRenderer().render
    assert size_of(read_pdf(render(page("<p>x</p>"), "T")).pages[0]) == A4
    assert size_of(read_pdf(render(page("<p>x</p>"), "T", "Letter")).pages[0]) == LETTER
    assert size_of(read_pdf(render(page("<p>x</p>"), "T", "legal-ish")).pages[0]) == A4


def test_paper_size_setting_is_read_leniently():
    assert paper_size("letter") == "letter"
    assert paper_size(" A4 ") == "A4"
    assert paper_size(None) == "A4"


def test_pages_count_themselves_and_copies_restart_at_page_one():
    body = "".join(
        f"<div class='item'><p>Item {n}</p><div style='height: 60mm'></div></div>" for n in range(9)
    )
    pdf = HandoutRenderer().render(page(body), "T", copies=2)
    reader = read_pdf(pdf)
    per_copy = len(reader.pages) // 2
    assert per_copy >= 2 and len(reader.pages) == 2 * per_copy
    assert f"Page 1 of {per_copy}" in reader.pages[0].extract_text()
    assert f"Page 1 of {per_copy}" in reader.pages[per_copy].extract_text()


def test_fonts_are_embedded_and_the_pdf_is_tagged():
    reader = read_pdf(HandoutRenderer().render(page("<h1>Title</h1><p>Text</p>"), "T"))
    fonts = reader.pages[0]["/Resources"]["/Font"].values()
    for font in fonts:
        descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert {"/FontFile2", "/FontFile3"} & set(descriptor.get_object())
    assert any("Handout-Sans" in font.get_object()["/BaseFont"] for font in fonts)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en"


def test_the_process_wide_renderer_is_created_once():
    assert renderer() is renderer()


def test_renders_pause_the_collector_and_leave_it_as_they_found_it():
    assert gc.isenabled()
    HandoutRenderer().render(page("<p>Body</p>"), "Session handout")
    assert gc.isenabled()
    with collector_paused:  # one render on a thread, another one starting on a second
        with collector_paused:
            assert not gc.isenabled()
        assert not gc.isenabled()  # one still runs
    assert gc.isenabled()
    gc.disable()  # a process that runs without the collector keeps it off
    try:
        HandoutRenderer().render(page("<p>Body</p>"), "Session handout")
        assert not gc.isenabled()
    finally:
        gc.enable()


def bounce(depth: int, height: int, times: int) -> None:
    """Go ``depth`` calls down, then ``times`` times ``height`` calls further down and back,
    as a layout does."""
    if depth:
        return bounce(depth - 1, height, times)
    for _ in range(times):
        climb(height)


def climb(height: int) -> None:
    if height:
        climb(height - 1)


def stack_faults(run) -> int:
    """The page faults this thread took while ``run`` ran: memory mapped afresh."""
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    run()
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before


@pytest.mark.skipif(
    sys.implementation.name != "cpython" or not hasattr(resource, "RUSAGE_THREAD"),
    reason="CPython's frame stack, counted by Linux's per-thread page faults",
)
def test_a_deep_layout_maps_its_frame_stack_once_however_deep_the_caller_is():
    # From 200 caller depths, one of which straddles the edge of one of the interpreter's
    # frame-stack chunks, whatever this test's own depth: only room made beforehand keeps
    # each bounce from mapping that chunk again.
    def bounces() -> None:
        for depth in range(200):
            bounce(depth, 20, 50)

    call_with_stack_room(bounces)  # the pages are touched once
    assert stack_faults(lambda: call_with_stack_room(bounces)) < 50
    assert call_with_stack_room(divmod, 7, 2) == (3, 1)


def test_renders_lay_out_with_room_on_the_frame_stack(monkeypatch):
    calls = []

    def spy(function, *args):
        calls.append(function.__name__)
        return function(*args)

    monkeypatch.setattr("clinic.handouts.pdf.call_with_stack_room", spy)
    HandoutRenderer().render(page("<p>Body</p>"), "Session handout")
    assert calls == ["_render"]


def test_lists_keep_their_bullets_and_numbers_under_the_narrowed_user_agent_stylesheet():
    body = "<ul><li>Apples</li></ul><ol><li>Pears</li><li>Plums</li></ol>"
    text = pdf_text(HandoutRenderer().render(page(body), "T"))
    assert "Apples Pears Plums" in text
    assert "• 1. 2." in text  # the markers, drawn after the items' text


def test_a_weasyprint_whose_user_agent_stylesheet_changed_is_noticed():
    narrowed = handout_ua_css()  # None here means: a new WeasyPrint, look at UA_MARKER_RULE
    assert narrowed is not None and "\n::" not in narrowed and "\nli::marker {" in narrowed
    changed = "li { display: list-item }\n::marker { white-space: pre }\n"
    assert handout_ua_css(changed) is None  # rendered with WeasyPrint's own: slower, not wrong


def test_a_worker_that_prepared_its_renderers_exits_cleanly(tmp_path):
    """Every gunicorn and jobs worker died of SIGSEGV on its way out once it had renderers."""
    script = (
        "import sys\n"
        "from clinic import create_app\n"
        "from clinic.handouts import service\n"
        "from tests.helpers import TEST_ENCRYPTION_KEY\n"
        "app = create_app({'TESTING': True, 'SECRET_KEY': 'test', 'ENCRYPTION_KEYS':"
        " TEST_ENCRYPTION_KEY, 'SQLALCHEMY_DATABASE_URI': 'sqlite:///' + sys.argv[1]})\n"
        "with app.app_context():\n"
        "    service.prepare()\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "db.sqlite3")],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr.decode()[-2000:]


# --- pydyf, as the renderer changes it ----------------------------------------------------


def test_a_pydyf_that_still_reads_as_expected_is_changed_in_both_places():
    # An empty set here means: a new pydyf, look at PYDYF_COMPRESSION / PYDYF_PAGE_REFERENCES.
    assert patch_pydyf() == {"compression", "page references"}


def test_streams_are_compressed_at_zlibs_default_level_and_still_read_back():
    body = "".join(f"<p>Paragraph {n}: the same words again and again.</p>" for n in range(40))
    reader = read_pdf(HandoutRenderer().render(page(body), "T"))
    contents = reader.pages[0]["/Contents"].get_object()
    raw, plain = contents._data, contents.get_data()  # as stored, and inflated
    assert contents["/Filter"] == "/FlateDecode" and b"BT" in plain
    assert raw == zlib.compress(plain, 6) and raw != zlib.compress(plain, 9)
    assert "Paragraph 39: the same words" in pdf_text(HandoutRenderer().render(page(body), "T"))


def test_page_references_follow_the_pages_added():
    document = pydyf.PDF()
    for _ in range(2):
        document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    first = document.page_references
    assert len(first) == 2 and document.page_references is first  # built once, then reused
    document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert document.page_references[:2] == first and len(document.page_references) == 3
    assert document.page_references[2] == f"{document.objects[-1].number} 0 R".encode()


def test_each_tagged_paragraph_points_at_the_page_it_is_on():
    body = "".join(f"<p style='break-after: page'>Page text {n}</p>" for n in range(3))
    reader = read_pdf(HandoutRenderer().render(page(body), "T"))
    pages = [p.indirect_reference.idnum for p in reader.pages]
    found = []
    todo = [reader.trailer["/Root"].raw_get("/StructTreeRoot")]
    while todo:
        node = todo.pop().get_object()
        if node.get("/S") == "/P":
            found.append(node.raw_get("/Pg").idnum)
        kids = node.raw_get("/K") if "/K" in node else []
        kids = kids.get_object() if hasattr(kids, "get_object") else kids
        todo.extend(k for k in (kids if isinstance(kids, list) else [kids]) if hasattr(k, "idnum"))
    assert sorted(found) == pages


def test_a_pydyf_that_changed_is_left_as_it_is(monkeypatch):
    monkeypatch.setattr(pydyf, "zlib", zlib)
    monkeypatch.setattr(pydyf.Stream, "data", property(lambda self: b""))
    monkeypatch.setattr(pydyf.PDF, "page_references", property(lambda self: ()))
    assert patch_pydyf() == set()  # handouts are then written by pydyf's own code
    assert pydyf.zlib is zlib and pydyf.PDF().page_references == ()
