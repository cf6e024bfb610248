"""Builder pages: start a worksheet, edit it field by field, preview it, publish it.

Every button posts the whole form, so nothing typed is lost whichever button is pressed;
the post saves the draft and redirects back (no JavaScript needed). builder.js autosaves
through the same route and gets JSON back (the draft's revision and its problems).
"""

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user

from clinic.auth.guards import therapists_only
from clinic.builder import service
from clinic.enums import AnsweredBy
from clinic.worksheets import library
from clinic.worksheets.answers import progress
from clinic.worksheets.loader import WorksheetError

bp = therapists_only(
    Blueprint("builder", __name__, url_prefix="/worksheets/builder", template_folder="templates")
)
PREVIEW_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
SHOWN_UPLOAD_PROBLEMS = 8


@bp.get("/")
def index():
    builtins = [entry for entry in library.entries(current_user) if entry.is_builtin]
    return render_template(
        "builder/index.html", drafts=service.drafts(current_user), builtins=builtins
    )


@bp.post("/new")
def start():
    """A new draft: blank, a copy of a built-in, or an uploaded file (even one with problems)."""
    how = request.form.get("start", "")
    problems: list[str] = []
    if how == "builtin":
        entry = library.builtin_entry(request.form.get("worksheet", ""))
        if entry is None:
            flash(gettext("Choose a worksheet to start from."), "error")
            return redirect(url_for("builder.index"))
        data = service.from_builtin(current_user, entry.builtin)
    elif how == "upload":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(gettext("Choose a worksheet file to upload."), "error")
            return redirect(url_for("builder.index"))
        try:
            text = library.decode_upload(upload.read(), "upload")
        except WorksheetError:
            flash(
                gettext("That file is not a text file (UTF-8); save it as text and try again."),
                "error",
            )
            return redirect(url_for("builder.index"))
        data, problems = service.from_upload(text, "upload")
    else:
        data = service.blank(current_user)
    draft = service.new_draft(current_user, data)
    if problems:
        shown = problems[:SHOWN_UPLOAD_PROBLEMS]
        more = len(problems) - len(shown)
        flash(
            gettext("The file opened with problems; fix them here. Nothing is published yet.")
            + " "
            + " ".join(shown)
            + (" " + ngettext("…and %(num)d more.", "…and %(num)d more.", more) if more else ""),
            "error",
        )
    return redirect(url_for("builder.edit", draft_id=draft.id))


@bp.post("/own/<int:custom_id>")
def edit_own(custom_id: int):
    """A draft of the next version of an own worksheet."""
    entry = library.own_entry(current_user, custom_id)
    if entry is None:
        abort(404)
    if entry.worksheet is None:
        flash(gettext("This worksheet no longer passes the checks; fix it as text first."), "error")
        return redirect(url_for("worksheets.edit", custom_id=custom_id))
    draft = service.new_draft(current_user, service.from_worksheet(entry.worksheet), entry.own)
    return redirect(url_for("builder.edit", draft_id=draft.id))


@bp.get("/<int:draft_id>")
def edit(draft_id: int):
    draft = _draft_or_404(draft_id)
    data = service.content(draft)
    ws, problems = service.check(data)
    fields, top = service.nodes(data, problems)
    custom = service.custom_of(draft)
    in_use = service.assignments_using(current_user, custom.slug) if custom else 0
    return render_template(
        "builder/edit.html",
        draft=draft,
        data=data,
        ws=ws,
        fields=fields,
        top=top,
        problems=service.problem_nodes(top, fields),
        reading=service.reading_level(data),
        grade_target=service.GRADE_TARGET,
        custom=custom,
        in_use=in_use,
        type_choices=service.type_choices(),
        answer_lists=service.answer_lists(data),
    )


@bp.post("/<int:draft_id>")
def change(draft_id: int):
    """Save what was typed (checked against the draft's revision), then do what the button says."""
    draft = _draft_or_404(draft_id)
    autosave = request.accept_mimetypes.best == "application/json"
    action = request.form.get("action", "save")
    stored = service.store(current_user, draft, request.form, action, autosave)
    if autosave:
        return _autosave_reply(stored)
    if stored.how == service.COPIED:
        flash(
            gettext(
                "This draft was changed in another window after this page was opened. So that "
                "nothing is lost, this page was saved as a separate draft: compare the two in "
                "All drafts and discard the one you do not need."
            ),
            "error",
        )
        return redirect(url_for("builder.edit", draft_id=stored.draft.id))
    anchor = ""
    if action not in ("save", "publish"):
        if not stored.fitted:
            flash(
                gettext("That button no longer fits this worksheet. What you typed is saved."),
                "error",
            )
        anchor = service.landing(stored.data, action)
    if action == "publish":
        return _publish(stored.draft)
    return redirect(url_for("builder.edit", draft_id=stored.draft.id, _anchor=anchor or None))


def _publish(draft):
    custom = service.custom_of(draft)
    before = service.assignments_using(current_user, custom.slug) if custom else 0
    try:
        custom = service.publish(current_user, draft)
    except service.BuilderError:
        flash(gettext("Not published yet: please fix the problems marked below."), "error")
        return redirect(url_for("builder.edit", draft_id=draft.id, _anchor="problems"))
    message = gettext("Published “%(title)s”. Only you can see it.", title=custom.title)
    if before:
        message += " " + ngettext(
            "%(num)d assignment uses an earlier version and keeps it.",
            "%(num)d assignments use an earlier version and keep it.",
            before,
        )
    flash(message, "info")
    return redirect(url_for("worksheets.show", custom_id=custom.id))


def _autosave_reply(stored: service.Stored) -> tuple[Response, int]:
    """What builder.js needs after an autosave: the revision, the problems, the reading level."""
    if stored.how == service.STALE:
        message = gettext(
            "This draft was changed in another window or by a button. What you typed is still "
            "here: press “Save draft” to keep it as a separate draft, or reload the page to see "
            "the newer version."
        )
        return jsonify(state="stale", revision=stored.draft.revision, message=message), 409
    _ws, problems = service.check(stored.data)
    fields, top = service.nodes(stored.data, problems)
    found = service.problem_nodes(top, fields)
    count = sum(len(node.problems) for node in found)
    said = gettext("Draft saved.")
    if count:
        said += " " + ngettext(
            "%(num)d problem to fix before publishing.",
            "%(num)d problems to fix before publishing.",
            count,
        )
    reply = jsonify(
        state=stored.how,
        revision=stored.draft.revision,
        message=said,
        count=count,
        problems=[
            {"id": node.dom_id, "where": str(node.where), "messages": node.problems}
            for node in found
        ],
        answers=service.answer_lists(stored.data),
        reading=render_template(
            "builder/_reading.html",
            reading=service.reading_level(stored.data),
            grade_target=service.GRADE_TARGET,
        ),
    )
    return reply, 200


@bp.get("/<int:draft_id>/preview")
def preview(draft_id: int):
    """The partner's page for the draft, made by the same templates, for the phone frame."""
    draft = _draft_or_404(draft_id)
    ws, _problems = service.check(service.content(draft))
    answers: dict[str, Any] = {}
    if ws is None:
        body = render_template("builder/preview_waiting.html")
    else:
        answered, total = progress(ws, answers)
        body = render_template(
            "worksheets/preview.html",
            ws=ws,
            joint=ws.answered_by == AnsweredBy.COUPLE,
            answers=answers,
            shareable=set(),
            errors={},
            message=None,
            answered=answered,
            total=total,
            back_url=None,
            form_action="#",
        )
    return Response(
        body, headers={"Content-Security-Policy": PREVIEW_POLICY, "X-Frame-Options": "SAMEORIGIN"}
    )


@bp.get("/<int:draft_id>/export.yaml")
def export(draft_id: int):
    draft = _draft_or_404(draft_id)
    ws, _problems = service.check(service.content(draft))
    if ws is None:
        flash(gettext("Fix the problems marked below, then export."), "error")
        return redirect(url_for("builder.edit", draft_id=draft.id, _anchor="problems"))
    return Response(
        service.export_yaml(ws),
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{ws.id}.yaml"'},
    )


@bp.post("/<int:draft_id>/discard")
def discard(draft_id: int):
    draft = _draft_or_404(draft_id)
    if request.form.get("confirm") != "yes":
        flash(gettext("Tick the box to confirm, then press Discard again."), "error")
        return redirect(url_for("builder.edit", draft_id=draft.id))
    service.discard(draft)
    flash(gettext("The draft was discarded. Published worksheets are unchanged."), "info")
    return redirect(url_for("builder.index"))


def _draft_or_404(draft_id: int):
    draft = service.own_draft(current_user, draft_id)
    if draft is None:
        abort(404)
    return draft
