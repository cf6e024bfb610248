"""What each handout contains, as plain data for the PDF templates.

Views stay thin: they check ownership, call one function here and send the bytes.

Who sees what (the rule the joint handout is built on):

* The **joint** handout, printed for both partners, shows an item only when every partner has
  *submitted* the worksheet and *each* of them answered the item and ticked "my partner may
  see this answer". An item one partner shared and the other did not is left out entirely,
  so the page never shows who chose not to share, and nothing (no count, no comparison) is
  derived from a private answer: private answers are dropped before anything is compared
  (``clinic.review.compare.session_rows``). Answers a couple writes together on one shared
  form were written in front of each other; the client pages store them as shareable, so
  they are printed once submitted.
* The **therapist** copy shows every answer, submitted or not, each marked "shared" or
  "therapist only", with the worksheet's guide, session notes, language marks and trends.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, has_request_context, render_template
from flask_babel import force_locale, gettext, lazy_gettext
from flask_login import current_user
from markupsafe import Markup, escape

from clinic import localtime
from clinic.assignments.links import IssuedLink
from clinic.assignments.service import STATUS_LABELS
from clinic.client.sessions import PageCouple
from clinic.enums import AnsweredBy, ResponseStatus
from clinic.handouts import cache
from clinic.handouts.pdf import RendererPool, paper_size, renderer
from clinic.i18n import page_language, reader_language
from clinic.models import AssignedWorksheet, Assignment, Couple, SessionNote
from clinic.review import language
from clinic.review import service as review
from clinic.review.compare import (
    GridSummary,
    ItemRow,
    Respondent,
    pair_answers,
    session_rows,
    summarize,
)
from clinic.review.scores import ScoreCard, ScoreTrend, score_card
from clinic.review.trends import describe, describe_scores, render_score_svg, render_svg
from clinic.safety.privacy import is_private_worksheet
from clinic.worksheets.items import Item, type_names
from clinic.worksheets.items.grid import CATEGORIES
from clinic.worksheets.schema import Worksheet
from clinic.worksheets.versions import worksheet_of

JOINT, THERAPIST = "joint", "therapist"
VERSIONS = (JOINT, THERAPIST)
# Neutral PDF titles: the only words a file's metadata ever carries (in the page's language).
PDF_TITLES = {
    JOINT: lazy_gettext("Session handout"),
    THERAPIST: lazy_gettext("Session handout"),
    "blank": lazy_gettext("Worksheet"),
    "cards": lazy_gettext("Worksheet link"),
    "alone": lazy_gettext("Worksheet"),
}


def is_long_item(item: Item) -> bool:
    """Whether an item may break across pages between its rows, phrases or clauses."""
    return item.breaks_across_pages()


def _paper() -> str:
    return current_app.config["PAPER_SIZE"]


def pdf_renderer() -> RendererPool:
    """The pool this process renders through, sized by PDF_RENDER_CONCURRENCY."""
    return renderer(int(current_app.config["PDF_RENDER_CONCURRENCY"]))


def prepare() -> None:
    """Get this process ready for its first PDF: compile the PDF templates, make the pool's
    renderers and lay out a small page on each (fonts, stylesheets, WeasyPrint's imports).

    Called before a web or background worker takes its first request (gunicorn.conf.py,
    ``flask jobs worker``): otherwise the first download after a start pays for all of it.
    """
    # The item types' templates are imported while a handout renders, one per type in it:
    # compiling them was most of what the first download still paid for.
    pdf_templates = ("session.html", "blank.html", "alone.html", "cards.html")
    names = [f"handouts/pdf/{name}" for name in pdf_templates]
    names += [f"items/{kind}.html" for kind in type_names()]
    for name in names:
        current_app.jinja_env.get_template(name)
    pdf_renderer().prepare(paper_size(_paper()))


def prepare_in_background(app: Flask) -> threading.Thread:
    """:func:`prepare` on a thread of its own, so a web worker answers at once while it
    prepares; a PDF asked for meanwhile waits for a prepared renderer."""

    def run() -> None:
        try:
            with app.app_context():
                prepare()
        except Exception:  # a PDF renders all the same, only slower the first time
            logging.getLogger(__name__).exception("Preparing the PDF renderers failed")

    thread = threading.Thread(target=run, name="prepare-pdfs", daemon=True)
    thread.start()
    return thread


def _render(
    html: str, title: str, copies: int = 1, *, owner: int | None = None, lang: str | None = None
) -> bytes:
    """The PDF for ``html`` written in ``lang``, from this process's cache when ``owner`` (the
    therapist who downloads it) had exactly this one made already (clinic.handouts.cache)."""
    paper = _paper()
    if owner is None:
        return pdf_renderer().render(html, title, paper, copies, lang)
    cache_key = cache.key(owner, html, title, paper, copies, lang)
    data = cache.pdfs.get(cache_key)
    if data is None:
        data = pdf_renderer().render(html, title, paper, copies, lang)
        cache.pdfs.put(cache_key, data)
    return data


def _therapist_id() -> int | None:
    """The signed-in therapist of this request; None for a partner's link or no request."""
    if has_request_context() and current_user.is_authenticated:
        return int(current_user.id)
    return None


def _day(moment: datetime | date) -> str:
    return localtime.format_day(moment, long=True)


def _today(couple: Couple | PageCouple) -> str:
    """The date a handout is printed, as it is where the couple lives."""
    return _day(localtime.today_in(localtime.couple_zone_name(couple)))


# --- blank worksheets ----------------------------------------------------------------------


def blank_worksheet_pdf(
    ws: Worksheet, partner_count: int = 2, language: str | None = None
) -> bytes:
    """A worksheet to fill in by hand: one copy per partner, or one shared copy with room
    for every partner when the couple answers it together; in ``language`` (default: the
    page's) when the worksheet's translation is complete, else as written."""
    lang = ws.language_for(language or page_language())
    with force_locale(lang):
        together = ws.answered_by == AnsweredBy.COUPLE
        if together:
            who = [gettext("Partner %(number)s", number=n) for n in range(1, partner_count + 1)]
        else:
            who = [gettext("Name")]
        title = str(PDF_TITLES["blank"])
        html = render_template(
            "handouts/pdf/blank.html",
            ws=ws.in_language(lang),
            who=who,
            pdf_title=title,
            pdf_lang=lang,
        )
    copies = 1 if together else partner_count
    return _render(html, title, copies, owner=_therapist_id(), lang=lang)


def couple_language(couple: Couple) -> str:
    """The language a couple's printouts default to: their partners' when all share one
    the practice offers, else the practice's own."""
    spoken = {reader_language(p.language) for p in couple.partners}
    return spoken.pop() if len(spoken) == 1 else current_app.config["DEFAULT_LANGUAGE"]


def printout_language(code: str | None, couple: Couple) -> str:
    """The language a therapist picked for a printout, if the practice offers it."""
    if code and code in current_app.config["LANGUAGES"]:
        return code
    return couple_language(couple)


# --- one item on its own page ("Our agreement") ---------------------------------------------


def item_alone_pdf(
    item: Item,
    value: Any,
    couple: Couple | PageCouple,
    viewer: int | None = None,
    lang: str | None = None,
) -> bytes:
    """An item that prints alone (``Item.prints_alone``) on a page of its own; ``viewer``
    is the partner printing it from their link ("you"), None for the therapist's copy;
    ``lang`` the language ``item`` is written in."""
    title = str(PDF_TITLES["alone"])
    html = render_template(
        "handouts/pdf/alone.html",
        item=item,
        value=value,
        viewer=viewer,
        date=_today(couple),
        pdf_title=title,
        pdf_lang=lang,
    )
    owner = None if viewer is not None else _therapist_id()
    return _render(html, title, owner=owner, lang=lang)


def item_alone(assigned: AssignedWorksheet, item_id: str) -> bytes | None:
    """The therapist's copy of a jointly answered item that prints alone; None if none."""
    try:
        ws = worksheet_of(assigned.worksheet_version)
    except ValueError:
        return None
    item = next((i for _, i in ws.items() if i.id == item_id), None)
    if item is None or not item.prints_alone or assigned.answered_by != AnsweredBy.COUPLE:
        return None
    review.name_partners(assigned.assignment.couple.partners)
    response = next((r for r in assigned.responses if r.partner_id is None), None)
    answer = next((a for a in response.answers if a.item_id == item_id), None) if response else None
    return item_alone_pdf(item, answer.value if answer else None, assigned.assignment.couple)


# --- assignment cards ----------------------------------------------------------------------

CARD_LAYOUTS = ("page", "cut")  # one card per page, or four cut-out cards per sheet


def assignment_cards_pdf(issued: Sequence[IssuedLink], layout: str = "page") -> bytes:
    """Each partner's link and QR code with short, neutral instructions.

    The raw links exist only in ``issued`` (fresh from clinic.assignments.links); they are
    rendered straight into the PDF and kept nowhere else.
    """
    if layout not in CARD_LAYOUTS:
        raise ValueError(f"unknown card layout {layout!r}")
    cards = []
    for link in issued:
        # Each card speaks its partner's language (the rest of the sheet has no words).
        language = reader_language(link.partner.language)
        with force_locale(language):
            card = {
                "name": link.partner.display_name,
                "url": link.url,
                "qr": link.qr_data_uri(),
                "expires": localtime.format_day(
                    link.link.expires_at,
                    localtime.couple_zone_name(link.link.assignment.couple),
                    True,
                ),
            }
            html = render_template("handouts/pdf/_card.html", card=card, lang=language)
            cards.append(Markup(html))  # noqa: S704  # nosec B704: autoescaped template output
    title = str(PDF_TITLES["cards"])
    html = render_template("handouts/pdf/cards.html", cards=cards, layout=layout, pdf_title=title)
    return pdf_renderer().render(html, title, _paper())


# --- session handouts ----------------------------------------------------------------------


@dataclass(frozen=True)
class PrintedItem:
    row: ItemRow
    note: str | None = None  # how the answers compare (``Item.compare_note``)


@dataclass(frozen=True)
class FiredRule:
    title: str
    explanation: str
    count: int


@dataclass(frozen=True)
class Chart:
    title: str  # the scale item's prompt
    description: str  # what the chart shows, in words (the image's alt text)
    image: str  # the SVG as a data: URI, which the renderer decodes in memory


@dataclass
class HandoutWorksheet:
    """One assigned worksheet as a handout prints it."""

    ws: Worksheet
    assigned_on: str
    respondents: list[Respondent]
    items: list[PrintedItem]
    summary: GridSummary | None
    unanswered: list[str] = field(default_factory=list)  # prompts nobody answered (therapist)
    show_guide: bool = False  # the guide once per worksheet, however often it was assigned
    show_prompts: bool = True  # the discussion prompts under its newest copy only
    language: list[FiredRule] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    scores: ScoreCard | None = None  # joint copy: only scores their partner shared, no flags


@dataclass
class SessionHandout:
    couple: Couple
    version: str
    worksheets: list[HandoutWorksheet]
    notes: list[SessionNote] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # titles of worksheets left out
    date: str = ""
    language: str = "en"  # what the handout's own words speak; answers stay as given

    @property
    def therapist(self) -> bool:
        return self.version == THERAPIST


def build_handout(
    couple: Couple, assignment_ids: Iterable[int], version: str, language: str | None = None
) -> SessionHandout:
    """:func:`_built_handout`, its dates and comparison notes in the joint handout's language
    like the rest of its words (the therapist copy speaks the therapist's pages' language)."""
    if version == THERAPIST or not language:
        return _built_handout(couple, assignment_ids, version, language)
    with force_locale(language):
        return _built_handout(couple, assignment_ids, version, language)


def _built_handout(
    couple: Couple, assignment_ids: Iterable[int], version: str, language: str | None = None
) -> SessionHandout:
    """Everything one version of the session handout prints, following the rule above.

    Ids that are not this couple's assignments are ignored, so a tampered form shows nothing
    of anyone else's. Worksheets come in assignment order, oldest first. The joint handout
    prints each worksheet in ``language`` where its translation is complete (answers as
    they were given); the therapist copy stays in the practice's language.
    """
    if version not in VERSIONS:
        raise ValueError(f"unknown handout version {version!r}")
    therapist = version == THERAPIST
    default = current_app.config["DEFAULT_LANGUAGE"]
    printed_in = default if therapist or not language else language
    wanted = set(assignment_ids)
    # Newest first, answers loaded in a fixed few queries; the joint copy draws no trends,
    # so it loads and decrypts the picked assignments only.
    history = review.history(couple, None if therapist else wanted)
    assignments = [a for a in reversed(history) if a.id in wanted]
    names = review.partner_names(couple.partners)
    score_trends = review.score_trends_for(history, couple.partners) if therapist else []
    printed_worksheets: list[HandoutWorksheet] = []
    unreadable: list[str] = []
    for assignment, assigned in ((a, w) for a in assignments for w in a.worksheets):
        if not therapist and is_private_worksheet(assigned):
            continue  # never printed for both partners, not even its title
        try:
            ws = worksheet_of(assigned.worksheet_version)
        except ValueError:  # pydantic's ValidationError too: a definition that no longer loads
            unreadable.append(assigned.worksheet_version.title)
            continue
        ws = ws.in_language(ws.language_for(printed_in))
        people = review.respondents_of(assigned, couple.partners, names)
        if therapist:
            rows = pair_answers(ws, people)
            scores = score_card(ws, people, score_trends)
        else:
            rows = session_rows(ws, [_submitted_only(p) for p in people])
            scores = score_card(ws, [_submitted_only(p) for p in people], shared_only=True)
        answered: list[ItemRow] = []
        unanswered: list[ItemRow] = []
        for row in rows:
            has_answer = any(c.answered or c.unreadable for c in row.cells)
            (answered if has_answer else unanswered).append(row)
        summary = summarize(r.grid for r in answered) if any(r.grid for r in answered) else None
        printed = HandoutWorksheet(
            ws, _day(assignment.created_at), people, [_printed(r) for r in answered], summary
        )
        printed.unanswered = [row.item.prompt for row in unanswered]
        printed.scores = scores
        printed.show_guide = therapist and all(p.ws.id != ws.id for p in printed_worksheets)
        printed_worksheets.append(printed)
    newest = {p.ws.id: p for p in printed_worksheets}
    for printed in printed_worksheets:
        printed.show_prompts = printed is newest[printed.ws.id]
    handout = SessionHandout(
        couple,
        version,
        printed_worksheets,
        unreadable=unreadable,
        date=_today(couple),
        language=printed_in,
    )
    review.name_partners(couple.partners)
    if therapist:
        handout.notes = _session_notes(couple, assignments)
        _add_trend_charts(handout, history)
        _add_score_charts(handout, score_trends)
    return handout


def _submitted_only(person: Respondent) -> Respondent:
    """A respondent whose answers count for the joint copy only once submitted."""
    if person.status == ResponseStatus.SUBMITTED:
        return person
    return dataclasses.replace(person, answers={})


def _session_notes(couple: Couple, assignments: Sequence[Assignment]) -> list[SessionNote]:
    """Notes on the picked assignments, and general notes written since the first of them."""
    ids = {a.id for a in assignments}
    since = min((a.created_at for a in assignments), default=None)
    return [
        note
        for note in review.notes_for(couple)
        if note.assignment_id in ids
        or (note.assignment_id is None and since is not None and note.created_at >= since)
    ]


def _add_trend_charts(handout: SessionHandout, history: Sequence[Assignment]) -> None:
    """Chart each worksheet's scale answers over time, under its newest copy in the handout."""
    newest = {printed.ws.id: printed for printed in handout.worksheets}
    for slug, printed in newest.items():
        trends = review.trends_for(history, handout.couple.partners, {slug})
        printed.charts = [
            Chart(t.title, describe(t), _svg_data_uri(render_svg(t, f"{slug}-{n}")))
            for n, t in enumerate(trends)
        ]


def _add_score_charts(handout: SessionHandout, trends: Sequence[ScoreTrend]) -> None:
    """Each respondent's scores over time, under the worksheet's newest copy."""
    newest = {printed.ws.id: printed for printed in handout.worksheets}
    for n, trend in enumerate(trends):
        printed = newest.get(trend.slug)
        if printed is None:
            continue
        for m, series in enumerate(trend.series):
            svg = render_score_svg(trend, series, f"score-{n}-{m}")
            title = f"{trend.score.label}: {series.name}"
            printed.charts.append(Chart(title, describe_scores(trend, series), _svg_data_uri(svg)))


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def session_handout_html(handout: SessionHandout) -> str:
    """The handout as the HTML the renderer lays out (the benchmark renders it on its own)."""
    reviews: dict[tuple[str, str], language.TextReview] = {}
    if handout.therapist:
        for printed in handout.worksheets:
            printed.language = _language_notes(printed.items, reviews)
    with force_locale(handout.language):
        return render_template(
            "handouts/pdf/session.html",
            handout=handout,
            categories=CATEGORIES,
            status_labels=STATUS_LABELS,
            mark=functools.partial(_marked, reviews),
            pdf_title=str(PDF_TITLES[handout.version]),
            pdf_lang=handout.language,
        )


def session_handout_source(handout: SessionHandout) -> tuple[str, str]:
    """The HTML and neutral title a session handout is rendered from (here or by the
    background worker, clinic.handouts.prepared)."""
    with force_locale(handout.language):
        title = str(PDF_TITLES[handout.version])
    return session_handout_html(handout), title


def session_handout_pdf(handout: SessionHandout) -> bytes:
    html, title = session_handout_source(handout)
    return _render(html, title, owner=_therapist_id(), lang=handout.language)


def _printed(row: ItemRow) -> PrintedItem:
    return PrintedItem(row, note=agreement_note(row))


def agreement_note(row: ItemRow) -> str | None:
    """A plain line on how two or more answers compare, when every one of them is given."""
    values = [c.value for c in row.cells]
    if len(values) < 2 or any(v is None for v in values):
        return None
    return row.item.compare_note(values)


# --- language marks (therapist copy only) ---------------------------------------------------


def _texts(printed: PrintedItem) -> Iterable[str]:
    """Every piece of free text in an item's answers, for the language review."""
    item = printed.row.item
    for cell in printed.row.cells:
        if cell.value is not None:
            yield from item.texts(cell.value)


def _language_notes(
    items: Sequence[PrintedItem], reviews: dict[tuple[str, str], language.TextReview]
) -> list[FiredRule]:
    """Review every text once and count, per rule, the answers it marked."""
    counts: dict[str, tuple[language.Rule, int]] = {}
    for printed in items:
        item_type = printed.row.item.type
        for text in _texts(printed):
            if not text:
                continue
            key = (text, item_type)
            if key not in reviews:
                reviews[key] = language.review(text, item_type)
            for rule in reviews[key].fired:
                counts[rule.id] = (rule, counts.get(rule.id, (rule, 0))[1] + 1)
    return [FiredRule(rule.title, rule.explanation, n) for rule, n in counts.values()]


def _marked(
    reviews: dict[tuple[str, str], language.TextReview], text: str, item_type: str
) -> Markup:
    """The text with its language marks (therapist copy) or simply escaped (joint copy)."""
    found = reviews.get((text, item_type))
    return found.html if found is not None else escape(text)
