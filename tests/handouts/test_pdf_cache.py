"""Downloading the same handout again is not laid out again; any change, or another therapist,
is (clinic.handouts.cache). The renderers are prepared before the first PDF."""

import pytest

from clinic.handouts import cache, service
from clinic.handouts.pdf import RendererPool
from clinic.worksheets.items import type_names
from tests import factories
from tests.helpers import pdf_text


@pytest.fixture
def layouts(monkeypatch):
    """Counts the PDFs WeasyPrint lays out, in order, by the HTML they were made from."""
    cache.pdfs.clear()
    made: list[str] = []
    real = RendererPool.render

    def counted(pool, html, *args, **kwargs):
        made.append(html)
        return real(pool, html, *args, **kwargs)

    monkeypatch.setattr(RendererPool, "render", counted)
    yield made
    cache.pdfs.clear()


def handout_url(couple, assignment, version="therapist") -> str:
    return f"/couples/{couple.id}/handouts/session.pdf?version={version}&assignment={assignment.id}"


def test_a_repeat_download_of_an_unchanged_handout_is_not_rendered_again(
    signed_in, session, layouts
):
    couple, assignment = session
    first = signed_in.get(handout_url(couple, assignment))
    again = signed_in.get(handout_url(couple, assignment))
    assert first.status_code == again.status_code == 200
    assert again.data == first.data
    assert len(layouts) == 1
    joint = signed_in.get(handout_url(couple, assignment, "joint"))
    assert joint.status_code == 200 and joint.data != first.data
    assert len(layouts) == 2, "the joint copy is another PDF"


def test_a_new_session_note_renders_the_handout_anew(signed_in, session, layouts):
    couple, assignment = session
    signed_in.get(handout_url(couple, assignment))
    response = signed_in.post(
        f"/review/assignments/{assignment.id}/notes", data={"body": "Ask about the weekend."}
    )
    assert response.status_code == 302
    changed = signed_in.get(handout_url(couple, assignment))
    assert len(layouts) == 2
    assert "Ask about the weekend." in pdf_text(changed.data)


def test_a_changed_answer_renders_the_handout_anew(signed_in, session, layouts):
    couple, assignment = session
    before = signed_in.get(handout_url(couple, assignment)).data
    sheet = next(s for s in assignment.worksheets if s.worksheet_version.slug == "power-patterns")
    alex = couple.partners[0]
    factories.answer_worksheet(sheet, alex, {"had-more-say": "A brand new answer"}, shared=all)
    after = signed_in.get(handout_url(couple, assignment)).data
    assert len(layouts) == 2 and after != before


def test_the_cache_is_never_shared_between_therapists(client, layouts):
    """A blank worksheet prints the same for everyone, and is still made for each therapist."""
    first, second = factories.make_therapist(), factories.make_therapist()
    pdfs = []
    for therapist in (first, second):
        factories.sign_in(client, therapist)
        response = client.get("/worksheets/blank.pdf?worksheet=builtin:consent-check-in")
        assert response.status_code == 200
        pdfs.append(response.data)
        client.post("/logout")
    assert len(layouts) == 2
    assert pdf_text(pdfs[0]) == pdf_text(pdfs[1])


def test_old_and_least_recently_used_entries_go_first():
    kept = cache.PdfCache(limit_bytes=10, lifetime=60)
    kept.put("a", b"12345")
    kept.put("b", b"12345")
    assert kept.get("a") == b"12345"  # now the most recently used
    kept.put("c", b"123")
    assert kept.get("b") is None and kept.get("a") == b"12345" and kept.get("c") == b"123"
    kept.put("huge", b"x" * 11)
    assert kept.get("huge") is None, "larger than the whole cache: not kept"
    expired = cache.PdfCache(lifetime=0)
    expired.put("a", b"1")
    assert expired.get("a") is None


def test_the_key_covers_the_therapist_and_everything_the_pdf_is_made_from():
    base = cache.key(1, "<p>x</p>", "Handout", "A4", 1)
    assert base == cache.key(1, "<p>x</p>", "Handout", "A4", 1)
    others = {
        cache.key(2, "<p>x</p>", "Handout", "A4", 1),
        cache.key(1, "<p>y</p>", "Handout", "A4", 1),
        cache.key(1, "<p>x</p>", "Worksheet", "A4", 1),
        cache.key(1, "<p>x</p>", "Handout", "letter", 1),
        cache.key(1, "<p>x</p>", "Handout", "A4", 2),
    }
    assert base not in others and len(others) == 5


def test_preparing_makes_every_renderer_before_the_first_pdf(app):
    made = []

    def make():
        from clinic.handouts.pdf import HandoutRenderer

        made.append(HandoutRenderer())
        return made[-1]

    pool = RendererPool(2, make)
    pool.prepare()
    assert len(made) == 2
    with pool.borrowed() as first, pool.borrowed() as second:
        assert {id(first), id(second)} == {id(r) for r in made}, "no renderer made on first need"
    service.prepare()  # the app's own pool, as gunicorn.conf.py and `flask jobs worker` call it


def test_preparing_compiles_every_item_types_template_before_the_first_pdf(app):
    app.jinja_env.cache.clear()
    service.prepare()
    compiled = {name for _loader, name in app.jinja_env.cache}
    assert {f"items/{kind}.html" for kind in type_names()} <= compiled
    assert "handouts/pdf/session.html" in compiled
