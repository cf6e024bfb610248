"""What a partner's link opens, and saving answers so that nothing typed or saved is lost.

Every save is a per-item three-way merge. The form carries, for each item, a short hash of
the answer it was rendered with (its *base*). For each item the posted value (*mine*) is
compared with the stored one (*theirs*):

* mine equals base: this tab did not touch the item, so a newer stored answer is kept;
* theirs equals base: nobody else changed it, so mine is written;
* all three differ: a real conflict. Nothing is overwritten, and the partner is shown both.

Writes are guarded by ``Response.revision`` (compare-and-set), so two saves racing each other
are serialised and the loser merges again against what the winner stored.
"""

import dataclasses
import functools
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask import current_app, g
from flask_babel import gettext
from sqlalchemy import Integer, Select, String, Update, and_, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from clinic import localtime
from clinic.client import sessions
from clinic.client.sessions import PageAssignment, PageLink
from clinic.enums import AnsweredBy, ResponseStatus, SaveOutcome
from clinic.extensions import db
from clinic.i18n import page_language, reader_language
from clinic.models import (
    Answer,
    AssignedWorksheet,
    Assignment,
    ClientLink,
    Partner,
    Response,
    WorksheetVersion,
)
from clinic.safety import service as safety
from clinic.storage import utcnow
from clinic.worksheets.answers import NEEDS_ANSWER, missing_required, parse_form, progress
from clinic.worksheets.items import Fields, unanswered
from clinic.worksheets.schema import SOURCE_LANGUAGE, Item, Worksheet
from clinic.worksheets.versions import worksheet_of

BASE_LENGTH = 16
PART_LENGTH = 8
BASE_LIMIT = 4000  # a base with its parts' fingerprints (a long agreement or grid)
_BASE = re.compile(r"[0-9a-f]{16}(?:~[a-z0-9._-]{0,130}=[0-9a-f]{8})*")
MERGE_ATTEMPTS = 10
OPENED_EVERY = timedelta(seconds=60)  # how often a link's "last opened" time is written
# A partner's pages and saves read their link as plain columns (PageLink); the demo and
# tests hand these functions the ORM link, which has the same attributes.
Link = PageLink | ClientLink


class Stored(NamedTuple):
    value: Any
    shareable: bool


class Saved(NamedTuple):
    """An answer as stored, read as plain columns (no ORM object): a page reads and a save
    rewrites it, by its row's id, and neither needs more."""

    id: int
    item_id: str
    value: Any
    shareable: bool


class PageVersion(NamedTuple):
    """A worksheet version as pages read it: its definition is parsed once per process (by
    content hash), so a page does not read it again."""

    id: int
    content_hash: str


class PageSheet(NamedTuple):
    """An assigned worksheet as pages and saves read it, plain columns (no ORM object)."""

    id: int
    answered_by: AnsweredBy
    worksheet_version: PageVersion


@dataclass
class PageResponse:
    """A response as pages and saves read it: plain columns of the row that found the sheet.
    A save's revision claim returns the new revision, status and submission time into it."""

    id: int
    assigned_worksheet_id: int
    partner_id: int | None
    status: ResponseStatus
    submitted_at: datetime | None
    revision: int


@dataclass
class LinkWorksheet:
    """One worksheet as this link sees it: the definition and the response it writes to.

    ``worksheet`` is the definition as written (English), which reading and saving answers
    use; ``shown`` is what the partner reads: the same worksheet in ``language``, the
    partner's own when its translation is complete, else English.
    """

    number: int
    assigned: PageSheet
    worksheet: Worksheet
    response: PageResponse
    language: str = SOURCE_LANGUAGE
    # The response's stored answers when they came in the same query as the response (one
    # snapshot, so its revision guards them): saves and pages use them instead of asking again.
    preloaded: dict[str, Saved] | None = None
    shown: Worksheet = field(init=False)

    def __post_init__(self) -> None:
        self.shown = self.worksheet.in_language(self.language)

    @property
    def joint(self) -> bool:
        return self.assigned.answered_by == AnsweredBy.COUPLE

    @property
    def form_key(self) -> tuple[str, ...]:
        """What this form's HTML depends on besides the answers and the form's flags: the
        version, who answers, the worksheet's language and the page's (worksheets/form_cache)."""
        version = self.assigned.worksheet_version.content_hash
        return (version, self.assigned.answered_by, self.language, page_language())

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the partner may switch between here: complete and offered."""
        offered = current_app.config["LANGUAGES"]
        complete = _complete_languages(self.assigned.worksheet_version.content_hash, self.worksheet)
        return tuple(c for c in complete if c in offered)


def read_in(sheet: LinkWorksheet, code: str) -> LinkWorksheet:
    """The same worksheet and response as shown to a reader of ``code`` (after a language
    switch); the sheet saves keep the language the partner read while typing."""
    return dataclasses.replace(sheet, language=sheet.worksheet.language_for(code), preloaded=None)


def reading_language(link: Link) -> str:
    """The language a partner's pages speak: theirs if the practice offers it, else its own."""
    return reader_language(link.partner.language)


def set_reading_language(link: PageLink, code: str) -> bool:
    """The partner's own choice of language; False (nothing changed) for one not offered."""
    if code not in current_app.config["LANGUAGES"]:
        return False
    language = None if code == current_app.config["DEFAULT_LANGUAGE"] else code
    if language != link.partner.language:
        db.session.execute(
            update(Partner)
            .where(Partner.id == link.partner_id)
            .values(language=language)
            .execution_options(synchronize_session=False)
        )
        link.partner.language = language
    return True


@dataclass
class Posted:
    """A worksheet form as sent by a browser, already validated item by item."""

    answers: dict[str, Any]
    shareable: set[str]
    errors: dict[str, str]
    listed: list[str]
    bases: dict[str, str]
    revision: int | None
    # The form as sent, to hand back every item as typed when it is not stored (as_typed).
    form: Fields = field(repr=False)

    def as_typed(self, item: Item, stored: Stored | None) -> Any:
        """The item exactly as the partner sent it, invalid parts included."""
        return item.as_posted(self.form, f"a.{item.id}", None if stored is None else stored.value)


@dataclass
class Conflict:
    item: Item
    mine: Any
    theirs: Any

    @property
    def their_base(self) -> str:
        """The base that keeps "my version" over exactly this other version, nothing newer."""
        return base_of(self.item, self.theirs)


@dataclass
class Outcome:
    status: SaveOutcome
    revision: int
    state: dict[str, Stored]
    kept_newer: set[str] = field(default_factory=set)
    conflicts: list[Conflict] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    already_submitted: bool = False
    # Items merged part by part with someone else's change: the base the form now carries
    # (its own version), since the form does not show the other change until reloaded.
    merged: dict[str, str] = field(default_factory=dict)


@dataclass
class FormView:
    """What a worksheet form shows: values, share ticks, messages and the merge bases."""

    answers: dict[str, Any]
    shareable: set[str]
    errors: dict[str, str]
    bases: dict[str, str]
    revision: int


# --- finding what a link may open ------------------------------------------------------------


def link_worksheets(link: Link) -> list[LinkWorksheet]:
    """The assignment's worksheets, each with this partner's own response (or the couple's).

    Responses are selected by the link's partner alone, so no link can reach another
    partner's answers whatever is put into the URL or the form.
    """
    return _link_worksheets(link, None)


def link_worksheet_by_number(link: Link, number: str) -> LinkWorksheet | None:
    """One worksheet of the link, its response and its stored answers, in one query (none
    when :func:`find_link_with_sheet` read them with the link)."""
    wanted = _sheet_number(number)
    if wanted is None:
        return None
    return next((s for s in _link_worksheets(link, wanted) if s.number == wanted), None)


def find_link_with_sheet(token: str, number: str) -> PageLink | None:
    """:func:`clinic.client.sessions.find_link`, and in the same statement what
    :func:`link_worksheet_by_number` then reads for worksheet ``number``: a worksheet's page
    and its autosave, the busiest requests, so ask the database once instead of twice.

    The rows wait in ``g`` for this request's link_worksheet_by_number, which the view calls
    only once the link's session lets it; a link that is not active leaves nothing there.
    """
    wanted = _sheet_number(number)
    if wanted is None:
        return sessions.find_link(token)
    found = sessions.find_link_rows(token, _LINK_AND_SHEETS, {"skip": wanted - 1})
    if found is None:
        return None
    link, rows = found
    g.client_sheet_rows = (link.id, wanted, rows)
    return link


def _sheet_number(number: str) -> int | None:
    if not (isinstance(number, str) and number.isdecimal() and len(number) < 4):
        return None
    wanted = int(number)
    return wanted if wanted >= 1 else None


def _link_worksheets(link: Link, with_answers: int | None) -> list[LinkWorksheet]:
    """Every worksheet of the link with its version and response, and the stored answers of
    worksheet number ``with_answers``: one statement, the busiest pages' main query, read as
    plain columns (the ORM's objects cost more than the statement itself).
    """
    rows: Sequence[Any]
    read = g.pop("client_sheet_rows", None)  # find_link_with_sheet's rows: used once, as a read
    if read is not None and read[:2] == (link.id, with_answers):
        rows, first = read[2], sessions.LINK_COLUMNS
    else:
        params = {"assignment": link.assignment_id, "partner": link.partner_id}
        if with_answers is not None:
            params["skip"] = with_answers - 1
        statement = _SHEETS_WITH_ANSWERS if with_answers is not None else _SHEETS
        rows, first = db.session.connection().execute(statement, params).all(), 0
    assigned: dict[int, PageSheet] = {}
    responses: dict[tuple[int, int | None], PageResponse] = {}
    answers: dict[int, dict[str, Saved]] = {}
    for row in rows:
        columns = row[first:]  # (sheet, version, response[, answer])
        sheet_id = columns[0]
        if sheet_id is None:
            continue  # a link's row with no worksheet (none are assigned)
        if sheet_id not in assigned:
            assigned[sheet_id] = PageSheet(sheet_id, columns[1], PageVersion(*columns[2:4]))
        if columns[4] is not None:
            found = responses.get((sheet_id, columns[5]))
            if found is None:
                found = PageResponse(columns[4], sheet_id, *columns[5:9])
                responses[(sheet_id, found.partner_id)] = found
            stored = answers.setdefault(found.id, {})
            if len(columns) > 9 and columns[9] is not None:
                stored[columns[10]] = Saved(*columns[9:13])
    worksheets = []
    wanted = reading_language(link)
    for number, one in enumerate(assigned.values(), start=1):
        owner = None if one.answered_by == AnsweredBy.COUPLE else link.partner_id
        response = responses.get((one.id, owner))
        preloaded = answers.get(response.id) if response is not None else None
        if response is None:
            response, preloaded = _new_response(one, owner), {}
        worksheet = _definition(one)
        complete = _complete_languages(one.worksheet_version.content_hash, worksheet)
        worksheets.append(
            LinkWorksheet(
                number,
                one,
                worksheet,
                response,
                wanted if wanted in complete else SOURCE_LANGUAGE,  # Worksheet.language_for
                preloaded if number == with_answers else None,
            )
        )
    return worksheets


def _sheets_statement(with_answers: bool) -> Select:
    """The statement of :func:`_link_worksheets`, built once: its values are bound parameters,
    so SQLAlchemy neither builds nor compiles it again on each page. Only the columns pages
    read (no definition, no sealed language), in the order :func:`_link_worksheets` reads."""
    assignment = bindparam("assignment", type_=Integer)
    statement = (
        select(*_sheet_columns())
        .join(WorksheetVersion, WorksheetVersion.id == AssignedWorksheet.worksheet_version_id)
        .outerjoin(Response, _response_of_sheet(bindparam("partner", type_=Integer)))
        .where(AssignedWorksheet.assignment_id == assignment)
        .order_by(AssignedWorksheet.position, AssignedWorksheet.id)
    )
    if not with_answers:
        return statement
    return statement.add_columns(*_SAVED).outerjoin(Answer, _answers_of_numbered(assignment))


def _sheet_columns() -> tuple[Any, ...]:
    """A worksheet's columns in a page's rows, in the order :func:`_link_worksheets` reads."""
    return (
        AssignedWorksheet.id,
        AssignedWorksheet.answered_by,
        WorksheetVersion.id,
        WorksheetVersion.content_hash,
        *_RESPONSE,
    )


def _response_of_sheet(partner_id: Any) -> Any:
    """The join to a worksheet's response: the partner's own, or the couple's joint one."""
    return and_(
        Response.assigned_worksheet_id == AssignedWorksheet.id,
        (Response.partner_id == partner_id) | Response.partner_id.is_(None),
    )


def _answers_of_numbered(assignment_id: Any) -> Any:
    """The join to the stored answers of the assignment's worksheet number ``skip + 1`` only,
    numbered as pages number them."""
    other = aliased(AssignedWorksheet)
    numbered = (
        select(other.id)
        .where(other.assignment_id == assignment_id)
        .order_by(other.position, other.id)
        .offset(bindparam("skip", type_=Integer))
        .limit(1)
        .correlate_except(other)
        .scalar_subquery()
    )
    return and_(Answer.response_id == Response.id, Response.assigned_worksheet_id == numbered)


def _definition(one: PageSheet) -> Worksheet:
    """The version's definition as assigned, parsed (and copied) once per process."""
    key = (one.worksheet_version.content_hash, one.answered_by)
    worksheet = _definitions.get(key)
    if worksheet is None:
        version = db.session.get(WorksheetVersion, one.worksheet_version.id)
        assert version is not None  # the sheet's row was just read with it
        worksheet = worksheet_of(version)  # reads the definition this once
        if worksheet.answered_by != one.answered_by:
            worksheet = worksheet.model_copy(update={"answered_by": one.answered_by})
        if len(_definitions) < 1024:
            _definitions[key] = worksheet
    return worksheet


_definitions: dict[tuple[str, AnsweredBy], Worksheet] = {}


def _complete_languages(content_hash: str, worksheet: Worksheet) -> tuple[str, ...]:
    """The version's complete languages, worked out once per process: the content hash
    covers its translations, and checking every text of every language is not cheap."""
    complete = _languages.get(content_hash)
    if complete is None:
        complete = worksheet.complete_languages()
        if len(_languages) < 1024:
            _languages[content_hash] = complete
    return complete


_languages: dict[str, tuple[str, ...]] = {}


def _new_response(sheet: PageSheet, partner_id: int | None) -> PageResponse:
    """A response a partner had none of (added after the assignment); safe against a race."""
    response = Response(assigned_worksheet_id=sheet.id, partner_id=partner_id)
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:  # the other request's response is stored now
        response = db.session.execute(
            select(Response).where(
                Response.assigned_worksheet_id == sheet.id, Response.partner_id == partner_id
            )
        ).scalar_one()
    return PageResponse(
        response.id,
        sheet.id,
        partner_id,
        response.status,
        response.submitted_at,
        response.revision,
    )


def mark_opened(link: Link, sheet: LinkWorksheet | None = None) -> None:
    """Record that the link (and a worksheet on it) was opened, for the therapist's status."""
    now = utcnow()
    # At most once a minute, as a session's idle clock: a partner moving between pages or
    # reloading one writes nothing, so those pages never wait for SQLite's one writer.
    if link.last_opened_at is None or now - link.last_opened_at >= OPENED_EVERY:
        db.session.execute(
            update(ClientLink)
            .where(ClientLink.id == link.id)
            .values(last_opened_at=now)
            .execution_options(synchronize_session=False)
        )
    if sheet is not None and sheet.response.status == ResponseStatus.NOT_OPENED:
        db.session.execute(
            update(Response)
            .where(Response.id == sheet.response.id, Response.status == ResponseStatus.NOT_OPENED)
            .values(status=ResponseStatus.OPENED, opened_at=now)
            .execution_options(synchronize_session=False)
        )


def assignment_note(link: Link) -> str:
    """The therapist's note on the assignment, which only the link's overview shows."""
    return (
        db.session.scalar(select(Assignment.note).where(Assignment.id == link.assignment_id)) or ""
    )


def closed_reason(assignment: Assignment | PageAssignment, response: PageResponse) -> str | None:
    """Why answers can no longer be changed, or None while they can."""
    if assignment.locked_at is not None:
        return gettext(
            "Your therapist has closed these answers, so they can no longer be changed. "
            "Please contact your therapist if you want to change something."
        )
    if (
        response.submitted_at is not None
        and current_app.config["REVISE_UNTIL"] == "due_date"
        and assignment.due_date is not None
        and assignment.due_date < localtime.today_in(localtime.couple_zone_name(assignment.couple))
    ):
        return gettext(
            "You sent these answers and the due date has passed, so they can no longer be "
            "changed. Please contact your therapist if you want to change something."
        )
    return None


# --- reading and showing answers ----------------------------------------------------------------


def stored_state(response: PageResponse) -> dict[str, Stored]:
    return {a.item_id: Stored(a.value, a.shareable) for a in _answers(response).values()}


def sheet_state(sheet: LinkWorksheet) -> dict[str, Stored]:
    """The sheet's stored answers, from the query that found the sheet when it had them."""
    answers = sheet.preloaded if sheet.preloaded is not None else _answers(sheet.response)
    return {a.item_id: Stored(a.value, a.shareable) for a in answers.values()}


def stored_states(sheets: list[LinkWorksheet]) -> dict[int, dict[str, Stored]]:
    """Every sheet's stored answers by response id, in one query."""
    states: dict[int, dict[str, Stored]] = {s.response.id: {} for s in sheets}
    rows = db.session.execute(
        select(Answer.response_id, Answer.item_id, Answer.value, Answer.shareable).where(
            Answer.response_id.in_(states)
        )
    )
    for response_id, item_id, value, shareable in rows:
        states[response_id][item_id] = Stored(value, shareable)
    return states


def values(state: dict[str, Stored]) -> dict[str, Any]:
    return {item_id: stored.value for item_id, stored in state.items()}


def progress_of(sheet: LinkWorksheet, answers: dict[str, Any]) -> tuple[int, int]:
    """(answered, all) items, for "4 of 9 answered"."""
    return progress(sheet.worksheet, answers)


def base_of(item: Item, stored: Stored | None) -> str:
    """A short fingerprint of the answer the form showed (absent counts as empty), followed,
    for a type with several parts, by each part's fingerprint: ``<16 hex>~<part>=<8 hex>...``.
    """
    whole = _whole_base(item, stored)
    parts = item.merge_parts(None if stored is None else stored.value)
    if len(parts) < 2:
        return whole
    return whole + "".join(f"~{key}={_part_hash(part)}" for key, part in parts.items())


def _whole_base(item: Item, stored: Stored | None) -> str:
    if stored is None:
        return _EMPTY_BASE  # most items of a form, on every page
    return _hash([item.editable(stored.value), stored.shareable])[:BASE_LENGTH]


def _part_hash(part: Any) -> str:
    return _hash(part)[:PART_LENGTH]


def _hash(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_EMPTY_BASE = _hash(None)[:BASE_LENGTH]


def _base_parts(base: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in base.split("~")[1:])


def view_of(sheet: LinkWorksheet, state: dict[str, Stored], revision: int) -> FormView:
    """The form for what is stored, e.g. on opening a worksheet."""
    return FormView(
        answers=values(state),
        shareable={item_id for item_id, s in state.items() if s.shareable},
        errors={},
        bases={item.id: base_of(item, state.get(item.id)) for _, item in sheet.worksheet.items()},
        revision=revision,
    )


def view_after(sheet: LinkWorksheet, outcome: Outcome, posted: Posted) -> FormView:
    """The form after a save that needs the partner's attention (conflicts, errors).

    What is stored is shown, except where the partner's own answers were not stored: their
    conflicting answers stay in the form to choose from, and an answer with a message comes
    back exactly as sent, the part that did not fit included.
    """
    view = view_of(sheet, outcome.state, outcome.revision)
    for conflict in outcome.conflicts:
        _show_mine(view, conflict.item.id, conflict.mine)
    for item_id in posted.listed:
        if item_id in outcome.errors:
            _hand_back(view, sheet.worksheet.item(item_id), posted, outcome.state.get(item_id))
    view.errors = dict(outcome.errors)
    return view


def view_as_posted(sheet: LinkWorksheet, posted: Posted, state: dict[str, Stored]) -> FormView:
    """The form exactly as the partner sent it, for a request that saved nothing.

    The posted bases are kept, so saving this form again later merges as it would have.
    """
    view = view_of(sheet, state, posted.revision if posted.revision is not None else -1)
    for item_id in posted.listed:
        _hand_back(view, sheet.worksheet.item(item_id), posted, state.get(item_id))
        if item_id in posted.bases:
            view.bases[item_id] = posted.bases[item_id]
    view.errors = dict(posted.errors)
    return view


def view_of_post(worksheet: Worksheet, posted: Posted) -> FormView:
    """The form as sent, when nothing stored can be read (the database is unreachable)."""
    return FormView(
        answers={i: posted.as_typed(worksheet.item(i), None) for i in posted.listed},
        shareable=set(posted.shareable),
        errors=dict(posted.errors),
        bases=dict(posted.bases),
        revision=posted.revision if posted.revision is not None else -1,
    )


def _hand_back(view: FormView, item: Item, posted: Posted, stored: Stored | None) -> None:
    """Show the item, share box included, as the partner sent it (none of it was stored)."""
    view.answers[item.id] = posted.as_typed(item, stored)
    view.shareable.discard(item.id)
    if item.id in posted.shareable:
        view.shareable.add(item.id)


def _show_mine(view: FormView, item_id: str, mine: Stored | None) -> None:
    view.shareable.discard(item_id)
    if mine is None:
        view.answers.pop(item_id, None)
        return
    view.answers[item_id] = mine.value
    if mine.shareable:
        view.shareable.add(item_id)


def read_posted(worksheet: Worksheet, form: Any, joint: bool = False) -> Posted:
    """Validate a posted worksheet form; only names the worksheet defines are read."""
    answers, shareable, errors = parse_form(worksheet, form)
    known = {item.id: item for _, item in worksheet.items()}
    # "Keep the other version" leaves that answer as stored; "keep my version" saves it
    # over exactly the other version the page showed (a newer one is a conflict again).
    kept_theirs = set(form.getlist("keep_theirs"))
    listed = list(
        dict.fromkeys(i for i in form.getlist("items") if i in known and i not in kept_theirs)
    )
    bases = {}
    for item_id in listed:
        base = form.get(f"base.{item_id}", "")
        if item_id in form.getlist("keep_mine"):
            base = form.get(f"theirs.{item_id}", "")
        if len(base) <= BASE_LIMIT and _BASE.fullmatch(base):
            bases[item_id] = base
    revision = form.get("revision", "")
    return Posted(
        answers=answers,
        shareable=set() if joint or worksheet.private_only else shareable,
        errors={i: e for i, e in errors.items() if i in listed},
        listed=listed,
        bases=bases,
        revision=int(revision) if revision.isdecimal() and len(revision) < 10 else None,
        form=Fields(form),
    )


# --- saving ------------------------------------------------------------------------------------


def save(link: Link, sheet: LinkWorksheet, posted: Posted, submit: bool = False) -> Outcome:
    """Merge the posted answers into the stored ones and, if asked, submit; see the module doc.

    Repeating a request stores nothing twice: an unchanged answer is not written, and a
    submitted response stays submitted once, with its first submission time.
    """
    for attempt in range(MERGE_ATTEMPTS):
        response = sheet.response
        if attempt == 0 and sheet.preloaded is not None:
            current = sheet.preloaded  # read with the response, in this request
        else:
            current = _read_again(response)
        sheet.preloaded = None  # a save changes them; whatever asks next reads them anew
        state = {a.item_id: Stored(a.value, a.shareable) for a in current.values()}
        if reason := closed_reason(link.assignment, response):
            return Outcome(SaveOutcome.CLOSED, response.revision, state, errors={"": reason})
        plan = _merge(sheet, posted, state, response)
        was_submitted = response.submitted_at is not None
        finishing = (
            submit
            and not was_submitted
            and not plan.conflicts
            and not plan.errors
            and not missing_required(sheet.worksheet, values(plan.result))
        )
        if (plan.changes or finishing) and not _write(sheet, plan.changes, current, finishing):
            continue  # another save won the race: merge again against what it stored
        outcome = _outcome(sheet, submit, response, plan, was_submitted)
        safety.raise_alerts(response, sheet.worksheet, values(outcome.state))
        return outcome
    return Outcome(
        SaveOutcome.CONFLICT,
        sheet.response.revision,
        stored_state(sheet.response),
        errors={"": gettext("Too many saves at once. Your text is still here: please save again.")},
    )


def change_answer(
    link: Link,
    sheet: LinkWorksheet,
    item_id: str,
    change: Callable[[Any], Any],
    *,
    while_closed: bool = False,
) -> Outcome:
    """Store ``change(stored value)`` as the item's answer, compare-and-set like ``save``.

    For steps that are not typing (confirming or withdrawing an agreement): ``change`` is
    applied again to whatever another save stored meanwhile. ``while_closed`` lets a step
    through after the answers were closed (withdrawing consent is always possible).
    """
    for _ in range(MERGE_ATTEMPTS):
        response = sheet.response
        current = _read_again(response)
        state = {a.item_id: Stored(a.value, a.shareable) for a in current.values()}
        reason = closed_reason(link.assignment, response)
        if reason and not while_closed:
            return Outcome(SaveOutcome.CLOSED, response.revision, state, errors={"": reason})
        before = state.get(item_id)
        value = change(None if before is None else before.value)
        if before is not None and value == before.value:
            return Outcome(SaveOutcome.UNCHANGED, response.revision, state)
        stored = Stored(value, sheet.joint or (before is not None and before.shareable))
        if _write(sheet, {item_id: stored}, current, False):
            return Outcome(SaveOutcome.SAVED, response.revision, {**state, item_id: stored})
    return Outcome(
        SaveOutcome.CONFLICT,
        sheet.response.revision,
        stored_state(sheet.response),
        errors={"": gettext("Too many saves at once. Please try again.")},
    )


@dataclass
class _Plan:
    result: dict[str, Stored]
    changes: dict[str, Stored | None]
    kept_newer: set[str]
    conflicts: list[Conflict]
    errors: dict[str, str]
    merged: dict[str, str] = field(default_factory=dict)


def _merge(
    sheet: LinkWorksheet, posted: Posted, state: dict[str, Stored], response: PageResponse
) -> _Plan:
    fresh = posted.revision == response.revision
    now = utcnow()
    result = dict(state)
    changes: dict[str, Stored | None] = {}
    kept_newer: set[str] = set()
    conflicts: list[Conflict] = []
    merged: dict[str, str] = {}
    errors = dict(posted.errors)
    for item_id in posted.listed:
        if item_id in errors:
            continue
        item = sheet.worksheet.item(item_id)
        theirs = state.get(item_id)
        value = item.after_edit(
            None if theirs is None else theirs.value, posted.answers.get(item_id), now
        )
        mine = (
            None if unanswered(value) else Stored(value, sheet.joint or item_id in posted.shareable)
        )
        mine_base, their_base = _whole_base(item, mine), _whole_base(item, theirs)
        posted_base = posted.bases.get(item_id)
        base = posted_base[:BASE_LENGTH] if posted_base else None
        if mine_base == their_base:
            continue
        if base is None:
            if not fresh and theirs is not None:  # writing over nothing loses nothing
                conflicts.append(Conflict(item, mine, theirs))
                continue
        elif mine_base == base:
            kept_newer.add(item_id)  # this tab did not touch it; a newer answer is kept
            continue
        elif their_base != base:
            joined = _merge_parts(item, mine, theirs, _base_parts(posted_base or ""), now)
            if joined is None:
                conflicts.append(Conflict(item, mine, theirs))
                continue
            merged[item_id] = base_of(item, mine)
            mine = joined.stored
        changes[item_id] = mine
        if mine is None:
            result.pop(item_id, None)
        else:
            result[item_id] = mine
    if response.submitted_at is not None:
        # Sent answers may be revised, but a required one cannot be emptied again.
        missing = set(missing_required(sheet.worksheet, values(result)))
        for item_id in missing & set(changes):
            changes.pop(item_id)
            errors[item_id] = gettext(
                "This question needs an answer. Your answers were already sent, so it stays."
            )
            if item_id in state:
                result[item_id] = state[item_id]
    return _Plan(result, changes, kept_newer, conflicts, errors, merged)


@dataclass(frozen=True)
class _Joined:
    stored: Stored | None


def _merge_parts(
    item: Item, mine: Stored | None, theirs: Stored | None, base: dict[str, str], now: Any
) -> _Joined | None:
    """Both changed the same answer: merge it part by part (an agreement's fields, say).

    Each part takes the side that changed it; None when a part was changed on both sides
    in different ways (a real clash) or the form carried no part fingerprints.
    """
    ours = item.merge_parts(None if mine is None else mine.value)
    other = item.merge_parts(None if theirs is None else theirs.value)
    if len(ours) < 2 or not base:
        return None
    parts = {}
    for key in ours.keys() | other.keys():
        mine_hash, their_hash = _part_hash(ours.get(key)), _part_hash(other.get(key))
        if mine_hash == their_hash or their_hash == base.get(key):
            parts[key] = ours.get(key)
        elif mine_hash == base.get(key):
            parts[key] = other.get(key)
        else:
            return None
    value = item.after_edit(
        None if theirs is None else theirs.value, item.from_merge_parts(parts), now
    )
    shareable = (mine or theirs or Stored(None, False)).shareable
    return _Joined(None if unanswered(value) else Stored(value, shareable))


def _write(
    sheet: LinkWorksheet,
    changes: dict[str, Stored | None],
    current: dict[str, Saved],
    finishing: bool,
) -> bool:
    """Store the changes if nobody else saved since the sheet's response was read; commits
    at once. The answers are now written in the language the worksheet was shown in.

    Its own commit, not the request's: the revision claim holds the response's row lock
    until then, so it is released as soon as the answers are stored, and a partner's text
    is safe before anything else the request does (alerts, audit, the page) can fail.
    The claim returns the response's new columns: the rest of the request reads nothing
    again that it already knows.
    """
    response, language, now = sheet.response, sheet.language, utcnow()
    if finishing:
        status: ResponseStatus | None = ResponseStatus.SUBMITTED
    else:
        status = ResponseStatus.IN_PROGRESS if response.submitted_at is None else None
    params = {
        "response": response.id,
        "read": response.revision,
        "now": now,
        "written_in": language,
    }
    claimed = db.session.connection().execute(_claim_statement(status), params).one_or_none()
    if claimed is None:
        db.session.rollback()
        return False
    _write_answers(sheet, changes, current, now)
    response.revision, response.status, response.submitted_at = claimed
    db.session.commit()  # compare-and-set: the claimed revision and its answers land together
    return True


_tables = db.metadata.tables  # typed as tables, which plain INSERT and UPDATE statements need


@functools.cache
def _claim_statement(status: ResponseStatus | None) -> Update:
    """The revision claim of :func:`_write` for one new status (or none), built once with
    bound values: the busiest write there is, so a plain UPDATE of the table, which costs
    less than the ORM's. SUBMITTED also stamps the time."""
    table = _tables["responses"]
    values: dict[str, Any] = {
        "revision": table.c.revision + 1,
        "updated_at": bindparam("now", type_=table.c.updated_at.type),
        "language": bindparam("written_in", type_=table.c.language.type),
    }
    if status is not None:
        values["status"] = status
    if status == ResponseStatus.SUBMITTED:
        values["submitted_at"] = bindparam("now", type_=table.c.submitted_at.type)
    return (
        table.update()
        .where(table.c.id == bindparam("response"), table.c.revision == bindparam("read"))
        .values(values)
        .returning(table.c.revision, table.c.status, table.c.submitted_at)
    )


def _write_answers(
    sheet: LinkWorksheet, changes: dict[str, Stored | None], current: dict[str, Saved], now: Any
) -> None:
    """Write the changed answers as plain statements (one per kind: new, changed, emptied),
    which cost far less than the ORM's flush of the same rows.

    No flush sees these rows, so the rule clinic.safety.privacy holds for every flush is
    applied here too: an answer to a private_only worksheet is never shareable.
    """
    table = _tables["answers"]
    added, changed, emptied = [], [], []
    for item_id, stored in changes.items():
        if stored is not None and sheet.worksheet.private_only:
            stored = Stored(stored.value, False)
        answer = current.get(item_id)
        if answer is None:
            if stored is not None:
                added.append(
                    {"response": sheet.response.id, "item": item_id} | _answer_values(stored, now)
                )
        elif stored is None:
            emptied.append(answer.id)
        else:
            changed.append({"answer": answer.id} | _answer_values(stored, now))
    connection = db.session.connection()
    if added:
        connection.execute(_ADD_ANSWERS, added)
    if changed:
        connection.execute(_CHANGE_ANSWERS, changed)
    if emptied:
        connection.execute(table.delete().where(table.c.id.in_(emptied)))


def _answer_values(stored: Stored, now: Any) -> dict[str, Any]:
    return {"new_value": stored.value, "new_shareable": stored.shareable, "now": now}


def _answer_columns() -> dict[str, Any]:
    table = _tables["answers"]
    return {
        "value": bindparam("new_value", type_=table.c.value.type),
        "shareable": bindparam("new_shareable", type_=table.c.shareable.type),
        "updated_at": bindparam("now", type_=table.c.updated_at.type),
    }


_ADD_ANSWERS = (
    _tables["answers"]
    .insert()
    .values(
        response_id=bindparam("response", type_=Integer),
        item_id=bindparam("item", type_=String),
        **_answer_columns(),
    )
)
_CHANGE_ANSWERS = (
    _tables["answers"]
    .update()
    .where(_tables["answers"].c.id == bindparam("answer", type_=Integer))
    .values(**_answer_columns())
)


def _outcome(
    sheet: LinkWorksheet, submit: bool, response: PageResponse, plan: _Plan, was_submitted: bool
) -> Outcome:
    errors = dict(plan.errors)
    if plan.conflicts:
        status = SaveOutcome.CONFLICT
    elif submit and response.submitted_at is not None and not errors:
        status = SaveOutcome.SUBMITTED
    elif submit:
        for item_id in missing_required(sheet.worksheet, values(plan.result)):
            errors.setdefault(item_id, gettext(NEEDS_ANSWER))
        status = SaveOutcome.INCOMPLETE
    else:
        status = SaveOutcome.SAVED if plan.changes else SaveOutcome.UNCHANGED
    return Outcome(
        status=status,
        revision=response.revision,
        state=plan.result,
        kept_newer=plan.kept_newer,
        conflicts=plan.conflicts,
        errors=errors,
        already_submitted=submit and was_submitted,
        merged=plan.merged,
    )


def _answers(response: PageResponse) -> dict[str, Saved]:
    rows = db.session.connection().execute(_ANSWERS_OF, {"response": response.id})
    return {a.item_id: a for a in map(Saved._make, rows)}


def _read_again(response: PageResponse) -> dict[str, Saved]:
    """The response's columns and stored answers as they are now (a save raced this one, or
    a step that is not typing merges against the newest), in one statement."""
    answers: dict[str, Saved] = {}
    for row in db.session.connection().execute(_RESPONSE_AGAIN, {"response": response.id}):
        response.status, response.submitted_at, response.revision = row[:3]
        if row[3] is not None:
            answers[row[4]] = Saved(*row[3:])
    return answers


# The columns of PageResponse (but its worksheet's, which the row has already) and of Saved.
_RESPONSE = (
    Response.id,
    Response.partner_id,
    Response.status,
    Response.submitted_at,
    Response.revision,
)
_SAVED = (Answer.id, Answer.item_id, Answer.value, Answer.shareable)
_ANSWERS_OF = select(*_SAVED).where(Answer.response_id == bindparam("response", type_=Integer))
_RESPONSE_AGAIN = (
    select(Response.status, Response.submitted_at, Response.revision, *_SAVED)
    .outerjoin(Answer, Answer.response_id == Response.id)
    .where(Response.id == bindparam("response", type_=Integer))
)
_SHEETS = _sheets_statement(False)
_SHEETS_WITH_ANSWERS = _sheets_statement(True)


def _link_and_sheets_statement() -> Select:
    """The statement of :func:`find_link_with_sheet`: the link's, then in each row one of its
    worksheets as :func:`_sheets_statement` reads them (with the answers of the one numbered
    ``skip + 1``). Outer joins throughout, so that the link is found whatever it holds."""
    return (
        sessions.link_statement()
        .add_columns(*_sheet_columns(), *_SAVED)
        .outerjoin(AssignedWorksheet, AssignedWorksheet.assignment_id == ClientLink.assignment_id)
        .outerjoin(WorksheetVersion, WorksheetVersion.id == AssignedWorksheet.worksheet_version_id)
        .outerjoin(Response, _response_of_sheet(ClientLink.partner_id))
        .outerjoin(Answer, _answers_of_numbered(ClientLink.assignment_id))
        .order_by(AssignedWorksheet.position, AssignedWorksheet.id)
    )


_LINK_AND_SHEETS = _link_and_sheets_statement()
