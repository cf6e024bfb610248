"""Pages a partner opens through their link (``/w/<token>``): no account, phone first.

Every page has the neutral title "Worksheet". Any link that is not active (unknown, expired
or revoked) gets the same neutral page, and only those misses count towards LINK_RATE_LIMIT:
an address whose misses are limited still opens valid links, so nobody who shares a network
with a partner (a coercive partner at home) can lock that partner out by guessing.
When a save cannot be stored (an expired form, a conflict, a closed assignment, text that
does not fit) the partner's text comes back in the form with a plain explanation.

Leaving no trail (clinic.client.sessions): a link shows worksheets only to a browser whose
session on it is open. Once that session ended (Quick exit, idle time, a new code), opening the
link again, from history, a bookmark or Back, shows only a page asking for the partner's code
or, without a code, a neutral "Continue" page. Every such page is the link's first page, so
that moving on replaces it in the history rather than adding to it.
"""

import contextlib
import dataclasses
import functools
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from wtforms.validators import ValidationError

from clinic import i18n, localtime
from clinic.audit import service as audit
from clinic.client import agreements, guessing, service, sessions
from clinic.enums import AnsweredBy, CodeCheck, SaveOutcome
from clinic.extensions import csrf, db, limiter
from clinic.i18n import N_
from clinic.safety import codes
from clinic.safety import service as safety
from clinic.security import content_security_policy
from clinic.storage import utcnow
from clinic.worksheets import versions
from clinic.worksheets.describe import describe

bp = Blueprint("client", __name__, template_folder="templates")
csrf.exempt(bp)  # checked in the views, so that an expired form keeps the partner's text

# Messages a partner reads; English here (tests compare them), gettext where shown.
INACTIVE = N_("This link is not active. Please contact your therapist.")
STALE_FORM = N_(
    "Your answers have not been saved yet, because this page was open for a long time or "
    "the browser forgot it. Everything you wrote is still below: please press Save again."
)
CONFLICT = N_(
    "Some answers were changed meanwhile in another tab or on another device. Both versions "
    "are shown below: keep the one you want (you can copy from the other), then save again."
)
STALE_GATE = N_("This page was open for a long time. Please try again.")
PARTNER_CONFLICT = N_(
    "Your partner changed some of the same answers at the same time. Nothing of theirs or "
    "yours was overwritten: both versions are shown below, so you can choose which to keep."
)
NOT_ALL_SAVED = N_(
    "Some answers could not be saved; see the messages below. Everything else is saved."
)
ERROR_MESSAGES = {
    404: INACTIVE,
    413: N_(
        "What you sent is too long to save. Please shorten your longest answer. "
        "Answers saved before are safe."
    ),
    429: N_("Too many tries. Please wait a minute and try again."),
    500: N_("Something went wrong. Answers saved before are safe; please try again."),
}
OTHER_ERROR = N_("Something was wrong with that request. Please go back and try again.")
TRY_AGAIN = N_(
    "Your answers could not be saved just now. Everything you wrote is still here: "
    "please try again in a moment."
)
WRONG_CODE = N_("That code is not right. Please try again.")
LOCKED = N_("This link is paused. Please contact your therapist.")
SESSION_ENDED = N_(
    "Your time on this page has ended, so this was not saved. Your text is still on this "
    "page: copy it, then open your link again."
)
SESSION_ENDED_PAGE = N_("Your time on that page had ended, so it was not saved.")


@limiter.request_filter
def _limited_in_the_views() -> bool:
    """Flask-Limiter skips client pages: they carry none of its limits (misses are counted
    in the views, and a limit on every request would refuse valid links too), and working
    out that none applies cost each page and autosave more than its own session check."""
    return request.blueprint == "client"


@bp.after_request
def _allow_quick_exit_redirect(response):
    """Quick exit without JavaScript is a form whose answer sends the browser on to
    QUICK_EXIT_URL; the browser follows only if the page's policy lets forms go there."""
    response.headers["Content-Security-Policy"] = _policy_with_exit(
        current_app.config["QUICK_EXIT_URL"]
    )
    return response


@functools.cache
def _policy_with_exit(exit_url: str) -> str:
    """The client pages' policy, worked out once per exit address, not on every page."""
    parts = urlsplit(exit_url)
    return content_security_policy(form_action=f"{parts.scheme}://{parts.netloc}")


@bp.post("/w/exit")
def quick_exit():
    """Quick exit ends this browser's sessions: a beacon from the script, or the plain form.

    It takes no form token: ending one's own session harms nobody, and the session cookie
    (SameSite=Lax) is not sent with another site's form anyway.
    """
    sessions.end_here()
    response = redirect(current_app.config["QUICK_EXIT_URL"], 303)
    response.headers["Clear-Site-Data"] = '"cache"'  # the back-forward cache too
    return response


@bp.post("/w/<token>")
def open_link(token: str):
    """The code page's or the Continue page's form: start a session, then show the link.

    Every outcome redirects to the link's first page (a wrong code with a message), so no
    history entry is a form result that Back or Reload would send again.
    """
    link = _active_link_or_404(token)
    first_page = redirect(url_for("client.overview", token=token), 303)
    if sessions.live(link):
        return first_page
    if not _csrf_valid():
        flash(gettext(STALE_GATE), "error")
        return first_page
    if link.partner.code_hash is not None:
        result = codes.check_code(sessions.partner_of(link), request.form.get("code", ""))
        if result == CodeCheck.WRONG:
            flash(gettext(WRONG_CODE), "error")
        if result != CodeCheck.OPENED:
            return first_page
    sessions.start(link)
    return first_page


@bp.post("/w/<token>/code")
def choose_code(token: str):
    """A partner chooses their own code, when the therapist allows it and none is set."""
    link = _active_link_or_404(token)
    if not sessions.live(link):
        return redirect(url_for("client.overview", token=token), 303)
    code, again = request.form.get("code", ""), request.form.get("code_again", "")
    if not _csrf_valid():
        problem: str | None = gettext(STALE_GATE)
    elif not codes.may_choose(link.partner):
        problem = gettext("Choosing a code is not offered on this link.")
    elif codes.normalise(code) != codes.normalise(again):
        problem = gettext("The two codes are not the same. Please type it twice.")
    else:
        problem = codes.code_problem(code)
    if problem:
        return _render_overview(token, link, code_problem=problem, status=422)
    codes.set_code(sessions.partner_of(link), code, by_partner=True)
    flash(
        gettext("Your personal code is set. This link will ask for it each time it opens."), "info"
    )
    return redirect(url_for("client.overview", token=token), 303)


@bp.get("/w/<token>")
def overview(token: str):
    link, gate = _admitted(token)
    if gate is not None:
        return gate
    return _render_overview(token, link)


def _render_overview(token: str, link, code_problem: str | None = None, status: int = 200):
    sheets = service.link_worksheets(link)
    states = service.stored_states(sheets)
    service.mark_opened(link)
    audit.record(
        "link_opened",
        "client_link",
        link.id,
        couple_id=link.assignment.couple_id,
        actor=audit.CLIENT_LINK,
    )
    rows = []
    for sheet in sheets:
        answers = service.values(states[sheet.response.id])
        again = agreements.asked_again(sheet, answers, link.partner_id)
        rows.append((sheet, service.progress_of(sheet, answers), again))
    body = render_template(
        "client/overview.html",
        token=token,
        link=link,
        note=service.assignment_note(link),
        rows=rows,
        may_choose_code=codes.may_choose(link.partner),
        code_problem=code_problem,
    )
    return body, status


@bp.get("/w/<token>/<number>")
def sheet(token: str, number: str):
    link, gate = _admitted(token, number)
    if gate is not None:
        return gate
    sheet = service.link_worksheet_by_number(link, number)
    if sheet is None:
        return _not_on_this_link(token)
    service.mark_opened(link, sheet)
    state = service.sheet_state(sheet)
    return _render_sheet(token, link, sheet, service.view_of(sheet, state, sheet.response.revision))


@bp.post("/w/<token>/<number>")
def save(token: str, number: str):
    """The form without JavaScript: "Save and finish later" and "Send to my therapist"."""
    link = _active_link_or_404(token, number)
    if not _may_save(link):
        flash(gettext(SESSION_ENDED_PAGE), "warning")
        return redirect(url_for("client.overview", token=token), 303)
    sheet = service.link_worksheet_by_number(link, number)
    if sheet is None:
        return _not_on_this_link(token)
    if not _csrf_valid():
        posted = service.read_posted(sheet.shown, request.form, sheet.joint)
        state = service.sheet_state(sheet)
        view = service.view_as_posted(sheet, posted, state)
        return _render_sheet(token, link, sheet, view, message=gettext(STALE_FORM), status=400)
    # A language button: the page that comes back (messages included) speaks the language
    # asked for, while what was typed is saved first, as written in the language it was read in.
    switch = request.form.get("language")
    shown = sheet
    if switch and switch in current_app.config["LANGUAGES"]:
        i18n.use_language(switch)
        shown = service.read_in(sheet, switch)
    posted = service.read_posted(shown.shown, request.form, sheet.joint)
    step = agreements.step_of(sheet, request.form)
    if step is not None:
        return _agreement_step(token, link, sheet, posted, step)
    outcome = service.save(link, sheet, posted, submit=request.form.get("action") == "submit")
    if switch:
        service.set_reading_language(link, switch)
        if outcome.status == SaveOutcome.CLOSED or not (outcome.errors or outcome.conflicts):
            return redirect(url_for("client.sheet", token=token, number=sheet.number), 303)
    sheet = shown
    if outcome.status == SaveOutcome.CLOSED:
        view = service.view_as_posted(sheet, posted, outcome.state)
        return _render_sheet(token, link, sheet, view, message=outcome.errors[""], status=403)
    if outcome.status == SaveOutcome.SUBMITTED:
        if not outcome.already_submitted:
            audit.record(
                "answers_submitted",
                "response",
                sheet.response.id,
                couple_id=link.assignment.couple_id,
                actor=audit.CLIENT_LINK,
            )
        flash(
            gettext("These answers were already sent to your therapist.")
            if outcome.already_submitted
            else gettext("Thank you. Your answers were sent to your therapist."),
            "info",
        )
        safety.offer_support(sheet.worksheet, service.values(outcome.state))
        return redirect(url_for("client.overview", token=token))
    if outcome.status == SaveOutcome.CONFLICT or outcome.errors:
        view = service.view_after(sheet, outcome, posted)
        message = _attention_message(outcome, sheet.joint)
        status = 409 if outcome.status == SaveOutcome.CONFLICT else 422
        return _render_sheet(
            token, link, sheet, view, message=message, conflicts=outcome.conflicts, status=status
        )
    flash(
        gettext("Saved. You can close this page and come back later with the same link.")
        + (_newer_note(sheet.joint) if outcome.kept_newer or outcome.merged else ""),
        "info",
    )
    return redirect(url_for("client.sheet", token=token, number=sheet.number))


def _agreement_step(token, link, sheet, posted, step):
    """Save the form, then confirm or withdraw one clause (see clinic.client.agreements).

    Withdrawing works even once the answers are closed; the form is then not saved.
    """
    closed = service.closed_reason(link.assignment, sheet.response)
    if not (closed and step.kind == agreements.WITHDRAW):
        outcome = service.save(link, sheet, posted)
        if outcome.status in (SaveOutcome.CLOSED, SaveOutcome.CONFLICT) or outcome.errors:
            view = service.view_after(sheet, outcome, posted)
            status = {SaveOutcome.CLOSED: 403, SaveOutcome.CONFLICT: 409}.get(outcome.status, 422)
            message = (
                _attention_message(outcome, sheet.joint)
                + " "
                + gettext("Nothing was confirmed or withdrawn yet.")
            )
            return _render_sheet(
                token,
                link,
                sheet,
                view,
                message=message,
                conflicts=outcome.conflicts,
                status=status,
            )
        if step.item.id in outcome.kept_newer:
            flash(gettext(agreements.CHANGED_MEANWHILE), "warning")
            return redirect(
                url_for("client.sheet", token=token, number=sheet.number, _anchor=step.anchor)
            )
    done, message = agreements.apply(link, sheet, step, posted)
    flash(message, "info" if done else "warning")
    return redirect(url_for("client.sheet", token=token, number=sheet.number, _anchor=step.anchor))


@bp.get("/w/<token>/<number>/agreement/<item_id>")
def agreement(token: str, number: str, item_id: str):
    """An agreement to read and print, once every partner confirmed all of it."""
    link, gate = _admitted(token, number)
    if gate is not None:
        return gate
    sheet = service.link_worksheet_by_number(link, number)
    if sheet is None:
        return _not_on_this_link(token)
    item = agreements.agreement_item(sheet, item_id)
    value = service.values(service.sheet_state(sheet)).get(item_id)
    if item is None or not item.is_agreed(value):
        flash(gettext("This agreement is not agreed by both of you yet."), "warning")
        return redirect(url_for("client.sheet", token=token, number=sheet.number))
    return render_template(
        "client/agreement.html",
        token=token,
        sheet=sheet,
        item=sheet.shown.item(item_id),
        value=value,
        viewer=link.partner_id,
    )


@bp.post("/w/<token>/<number>/autosave")
def autosave(token: str, number: str):
    """Saving as the partner types (static/client.js); answers JSON, never a page."""
    link = _active_link_or_404(token, number)
    if not _may_save(link):
        return jsonify({"status": "ended", "message": gettext(SESSION_ENDED)}), 401
    sheet = service.link_worksheet_by_number(link, number)
    if sheet is None:
        abort(404)
    posted = service.read_posted(sheet.shown, request.form, sheet.joint)
    if not _csrf_valid():
        body = {"status": "expired", "message": gettext(STALE_FORM), "csrf_token": generate_csrf()}
        return jsonify(body), 400
    outcome = service.save(link, sheet, posted)
    answered, total = service.progress_of(sheet, service.values(outcome.state))
    conflicted = {c.item.id for c in outcome.conflicts}
    settled = [
        item_id
        for item_id in posted.listed
        if item_id not in outcome.errors
        and item_id not in conflicted
        and item_id not in outcome.kept_newer
    ]
    body = {
        "status": outcome.status,
        "revision": outcome.revision,
        "answered": answered,
        "total": total,
        "bases": {
            i: outcome.merged.get(i)
            or service.base_of(sheet.worksheet.item(i), outcome.state.get(i))
            for i in settled
        },
        "errors": {i: e for i, e in outcome.errors.items() if i},
        "newer_elsewhere": sorted(outcome.kept_newer),
        "message": _autosave_message(outcome, sheet.joint),
        # The couple's clock, not the phone's: one save reads the same everywhere.
        "saved_at": f"{localtime.local(utcnow(), localtime.page_zone()):%H:%M}",
    }
    if outcome.status == SaveOutcome.CLOSED:
        return jsonify(body), 403
    if outcome.status == SaveOutcome.CONFLICT:
        body["conflict_html"] = render_template(
            "client/_conflicts.html",
            conflicts=_as_shown(sheet, outcome.conflicts),
            describe=_describe,
            joint=sheet.joint,
        )
        body["their_bases"] = {
            c.item.id: service.base_of(c.item, c.theirs) for c in outcome.conflicts
        }
        return jsonify(body), 409
    return jsonify(body), 200


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return _neutral_error(error.code or 500)


@bp.errorhandler(SQLAlchemyError)
def _database_error(error: SQLAlchemyError):
    """The database cannot be reached: say "try again", and hand back what was typed."""
    current_app.logger.warning("Database error on a client page: %s", type(error).__name__)
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    # The link (and so the partner's language) may not be readable: the form says which
    # languages its page spoke, so the page handed back speaks them too.
    i18n.use_language(request.form.get("page_language"))
    if request.endpoint == "client.autosave":
        return jsonify({"status": "error", "message": gettext(TRY_AGAIN)}), 503
    worksheet = versions.known_worksheet(request.form.get("definition", ""))
    if request.endpoint != "client.save" or worksheet is None or request.view_args is None:
        return render_template("client/message.html", message=gettext(TRY_AGAIN)), 503
    joint = request.form.get("answered_by") == AnsweredBy.COUPLE
    if joint:
        worksheet = worksheet.model_copy(update={"answered_by": AnsweredBy.COUPLE})
    language = request.form.get("worksheet_language", "")
    if language not in current_app.config["LANGUAGES"]:
        language = ""
    language = worksheet.language_for(language)
    worksheet = worksheet.in_language(language)
    posted = service.read_posted(worksheet, request.form, joint)
    body = render_template(
        "client/unsaved.html",
        token=request.view_args["token"],
        number=request.view_args["number"],
        worksheet=worksheet,
        shown_language=language,
        joint=joint,
        definition=request.form["definition"],
        view=service.view_of_post(worksheet, posted),
        message=gettext(TRY_AGAIN),
    )
    return body, 503


@bp.errorhandler(Exception)
def _unexpected_error(error: Exception):
    # Logged without request data: the path holds the token and the form holds client text.
    current_app.logger.error("Unhandled %s on a client page", type(error).__name__, exc_info=error)
    return _neutral_error(500)


def _neutral_error(code: int):
    message = gettext(ERROR_MESSAGES.get(code, OTHER_ERROR))
    if request.endpoint == "client.autosave":
        return jsonify({"status": "error", "message": message}), code
    return render_template("client/message.html", message=message), code


def _admitted(token: str, number: str | None = None):
    """(link, None) while this browser's session on the link is open, else (link, gate page).

    The very first opening of a link without a code starts a session at once; any later one
    needs the code or a tap on Continue (module doc).
    """
    link = _active_link_or_404(token, number)
    if sessions.live(link):
        return link, None
    if link.partner.code_hash is None and not sessions.ever_opened(link):
        sessions.start(link)
        return link, None
    if request.endpoint != "client.overview":
        return link, redirect(url_for("client.overview", token=token), 303)
    return link, _gate(token, link)


def _gate(token: str, link):
    """The neutral page in front of a link: it names no worksheet, note or answer."""
    partner = link.partner
    return render_template(
        "client/gate.html",
        token=token,
        needs_code=partner.code_hash is not None,
        locked=partner.code_locked_at is not None,
        message=gettext(LOCKED),
    )


def _may_save(link) -> bool:
    """A save is taken while the session is open, or from the same browser after it idled out
    (with a valid form token): the text typed before then must not be lost."""
    return sessions.live(link) or (sessions.ended_here(link) and _csrf_valid())


def _active_link_or_404(token: str, number: str | None = None):
    """The link; with a worksheet's number, that worksheet is read with it (one statement)."""
    link = (
        sessions.find_link(token) if number is None else service.find_link_with_sheet(token, number)
    )
    if link is None:
        guessing.count_link_miss()
        abort(404)
    # Times on a partner's pages read in the couple's zone, as the therapist's records do,
    # and the pages speak the partner's language.
    localtime.set_page_zone(localtime.couple_zone_name(link.assignment.couple))
    i18n.use_language(service.reading_language(link))
    return link


def _not_on_this_link(token: str):
    flash(gettext("That worksheet is not part of this link."), "warning")
    return redirect(url_for("client.overview", token=token))


def _csrf_valid() -> bool:
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return True
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


def _render_sheet(token, link, sheet, view, message=None, conflicts=(), status=200):
    closed = service.closed_reason(link.assignment, sheet.response)
    g.agreement_viewer = link.partner_id  # whose buttons an agreement's clauses show
    answered, total = service.progress_of(sheet, view.answers)
    body = render_template(
        "client/sheet.html",
        token=token,
        link=link,
        sheet=sheet,
        view=view,
        answered=answered,
        total=total,
        closed=closed,
        message=message,
        conflicts=_as_shown(sheet, conflicts),
        describe=_describe,
        wanted=service.reading_language(link),
    )
    return body, status


def _as_shown(sheet, conflicts):
    """Conflicts about the items as the partner reads them (their language)."""
    return [dataclasses.replace(c, item=sheet.shown.item(c.item.id)) for c in conflicts]


def _describe(conflict, which: str) -> str:
    value = getattr(conflict, which)
    return describe(conflict.item, None if value is None else value.value)


def _attention_message(outcome, joint: bool = False) -> str:
    if "" in outcome.errors:  # closed, or too many saves racing
        return outcome.errors[""]
    if outcome.status == SaveOutcome.CONFLICT:
        return gettext(PARTNER_CONFLICT if joint else CONFLICT)
    if outcome.status == SaveOutcome.INCOMPLETE:
        return gettext(
            "Not sent yet: please answer the questions marked below. Everything else is saved."
        )
    return gettext(NOT_ALL_SAVED)


def _newer_note(joint: bool) -> str:
    if joint:
        return " " + gettext(
            "Your partner had changed some answers meanwhile: their changes are kept and shown."
        )
    return " " + gettext(
        "Some answers had been changed on another device or tab: the newest are shown."
    )


def _autosave_message(outcome, joint: bool) -> str:
    if "" in outcome.errors:
        return outcome.errors[""]
    if outcome.status == SaveOutcome.CONFLICT:
        return gettext(
            "Not saved: %(reason)s", reason=gettext(PARTNER_CONFLICT if joint else CONFLICT)
        )
    if outcome.errors:
        return gettext("Saved, except the answers marked below.")
    if outcome.kept_newer or outcome.merged:
        if joint:
            return gettext(
                "Saved. Your partner changed some answers too: reload to see their changes."
            )
        return gettext(
            "Saved. Some answers were changed on another device or tab: reload to see them."
        )
    return gettext("All changes saved.")
