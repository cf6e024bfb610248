"""Therapist pages of the worksheet library: browse, read the guide, preview, export, add own.

Built-ins are named by their id (``/worksheets/builtin/<slug>``), a therapist's own worksheets
by row id (``/worksheets/own/<custom_id>``), and every page that shows one serves both.
An own worksheet that is not the signed-in therapist's answers 404, like any missing page.
"""

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from clinic import i18n
from clinic.auth.guards import therapists_only
from clinic.enums import AnsweredBy
from clinic.errors import render_error
from clinic.worksheets import form_cache, library
from clinic.worksheets.answers import NEEDS_ANSWER, missing_required, parse_form, progress
from clinic.worksheets.fhir import to_questionnaire
from clinic.worksheets.forms import SourceForm, UploadForm
from clinic.worksheets.items.jinja import item_templates
from clinic.worksheets.loader import Problem, WorksheetError
from clinic.worksheets.schema import MAX_FILE_BYTES

bp = therapists_only(
    Blueprint("worksheets", __name__, url_prefix="/worksheets", template_folder="templates")
)
bp.register_blueprint(item_templates)  # items/<type>.html of types defined outside clinic/
bp.add_app_template_global(form_cache.form_items, "form_items")
bp.add_app_template_global(form_cache.item_fields, "item_fields")

SEARCH_MAX = 200
PREVIEW_NOT_SAVED = lazy_gettext(
    "Preview: nothing was saved. This is what a partner sees after pressing that button."
)
TOO_LARGE = lazy_gettext(
    "the file is larger than the limit of %(size)s KiB", size=MAX_FILE_BYTES // 1024
)


@bp.context_processor
def _labels():
    return {
        "theme_labels": library.THEME_NAMES,
        "lengths": library.LENGTHS,
        "who_answers": library.WHO_ANSWERS,
        "alert_lines": library.alert_lines,
    }


@bp.get("/")
def index():
    text = request.args.get("q", "")[:SEARCH_MAX]
    theme, length = request.args.get("theme", ""), request.args.get("length", "")
    found = library.entries(current_user)
    return render_template(
        "worksheets/library.html",
        shown=library.search(found, text, theme, length),
        total=len(found),
        q=text,
        theme=theme if theme in library.THEME_LABELS else "",
        length=length if length in library.LENGTHS else "",
    )


@bp.get("/builtin/<slug>")
@bp.get("/own/<int:custom_id>")
def show(slug: str | None = None, custom_id: int | None = None):
    entry = _entry_or_404(slug, custom_id)
    if entry.worksheet is None:
        return _needs_fixing(entry)
    return render_template("worksheets/show.html", entry=entry, ws=entry.worksheet)


@bp.route("/builtin/<slug>/preview", methods=["GET", "POST"])
@bp.route("/own/<int:custom_id>/preview", methods=["GET", "POST"])
def preview(slug: str | None = None, custom_id: int | None = None):
    """The partner's page for this worksheet; posting it shows the messages, saving nothing."""
    entry = _entry_or_404(slug, custom_id)
    source = entry.worksheet
    if source is None:
        return _needs_fixing(entry)
    # Any language the worksheet is complete in (and the practice offers), as a partner who
    # reads it would see the page: ?language=es; by default the therapist's own, if complete.
    offered = current_app.config["LANGUAGES"]
    languages = [code for code in source.complete_languages() if code in offered]
    language = request.args.get("language", "")
    if language not in languages:
        language = source.language_for(i18n.page_language())
    i18n.use_language(language)
    ws = source.in_language(language)
    answers: dict[str, Any] = {}
    shareable: set[str] = set()
    errors: dict[str, str] = {}
    message = None
    if request.method == "POST":
        answers, shareable, errors = parse_form(ws, request.form)
        if request.form.get("action") == "submit":
            for item_id in missing_required(ws, answers):
                errors.setdefault(item_id, gettext(NEEDS_ANSWER))
        message = str(PREVIEW_NOT_SAVED)
    answered, total = progress(ws, answers)
    return render_template(
        "worksheets/preview.html",
        entry=entry,
        ws=ws,
        language=language,
        languages=languages,
        joint=ws.answered_by == AnsweredBy.COUPLE,
        answers=answers,
        shareable=shareable,
        errors=errors,
        message=message,
        answered=answered,
        total=total,
    )


@bp.get("/builtin/<slug>/questionnaire.json")
@bp.get("/own/<int:custom_id>/questionnaire.json")
def questionnaire(slug: str | None = None, custom_id: int | None = None):
    """The worksheet as a FHIR R4 Questionnaire, downloaded as a file."""
    entry = _entry_or_404(slug, custom_id)
    if entry.worksheet is None:
        return _needs_fixing(entry)
    body = json.dumps(to_questionnaire(entry.worksheet), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/fhir+json",
        headers={"Content-Disposition": f'attachment; filename="{entry.worksheet.id}.fhir.json"'},
    )


@bp.route("/new", methods=["GET", "POST"])
def upload():
    form = UploadForm()
    problems: list[Problem] = []
    if form.validate_on_submit():
        try:
            # The whole file: MAX_CONTENT_LENGTH bounds it, and the loader then checks its size.
            text = library.decode_upload(form.file.data.read(), "upload")
            custom = library.save_own(current_user, text, "upload")
        except WorksheetError as error:
            problems = error.problems
        else:
            flash(
                gettext(
                    "“%(title)s” is now in your library. Only you can see it.", title=custom.title
                ),
                "info",
            )
            return redirect(url_for("worksheets.show", custom_id=custom.id))
    status = 422 if problems or form.errors else 200
    return render_template("worksheets/upload.html", form=form, problems=problems), status


@bp.route("/builtin/<slug>/copy", methods=["GET", "POST"])
def duplicate(slug: str):
    """A built-in's text in an editor; saved as a new own worksheet, nothing before that."""
    entry = _entry_or_404(slug, None)
    form = SourceForm()
    if request.method == "GET":
        form.source.data = library.copy_source(current_user, entry.builtin)
    return _save_source(form, entry, custom=None)


@bp.route("/own/<int:custom_id>/edit", methods=["GET", "POST"])
def edit(custom_id: int):
    entry = _entry_or_404(None, custom_id)
    form = SourceForm()
    if request.method == "GET":
        form.source.data = entry.own.source_yaml
    return _save_source(form, entry, custom=entry.custom, problems=list(entry.problems))


@bp.post("/own/<int:custom_id>/delete")
def delete(custom_id: int):
    entry = _entry_or_404(None, custom_id)
    if request.form.get("confirm") != "yes":
        flash(gettext("Tick the box to confirm, then press Remove again."), "error")
        return redirect(url_for("worksheets.show", custom_id=custom_id))
    library.delete_own(entry.own)
    flash(
        gettext(
            "“%(title)s” was removed from your library. "
            "Assignments already made with it keep their copy.",
            title=entry.title,
        ),
        "info",
    )
    return redirect(url_for("worksheets.index"))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """A file over the request limit: the upload page says so; other pages give the error page."""
    # The CSRF check reads the body before the sign-in check runs, so both are checked here.
    if request.endpoint != "worksheets.upload" or not current_user.is_authenticated:
        return render_error(413)
    form = UploadForm(formdata=None)  # the request body is not read again
    problems = [Problem("upload", "", str(TOO_LARGE))]
    return render_template("worksheets/upload.html", form=form, problems=problems), 413


def _save_source(form, entry, custom, problems=()):
    """Validate and save the edited text; on problems, show them with the text kept."""
    problems = list(problems) if request.method == "GET" else []
    if form.validate_on_submit():
        try:
            saved = library.save_own(current_user, form.source.data, "worksheet", custom)
        except WorksheetError as error:
            problems = error.problems
        else:
            flash(gettext("Saved “%(title)s”. Only you can see it.", title=saved.title), "info")
            return redirect(url_for("worksheets.show", custom_id=saved.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "worksheets/edit.html", form=form, entry=entry, problems=problems
    ), status


def _entry_or_404(slug: str | None, custom_id: int | None) -> library.Entry:
    if custom_id is not None:
        entry = library.own_entry(current_user, custom_id)
    elif slug is not None:
        entry = library.builtin_entry(slug)
    else:  # every route names one of the two
        entry = None
    if entry is None:
        abort(404)
    return entry


def _needs_fixing(entry: library.Entry):
    flash(
        gettext("This worksheet no longer passes the checks. Fix the problems below to use it."),
        "error",
    )
    return redirect(url_for("worksheets.edit", custom_id=entry.own.id))
