"""Builder pages: start a worksheet, edit it field by field, preview it, publish it.

Every button posts the whole form, so nothing typed is lost whichever button is pressed;
the post saves the draft and redirects back (no JavaScript needed).
"""

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
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


@bp.get("/")
def index():
    builtins = [entry for entry in library.entries(current_user) if entry.is_builtin]
    return render_template(
        "builder/index.html", drafts=service.drafts(current_user), builtins=builtins
    )


@bp.post("/new")
def start():
    """A new draft: blank, a copy of a built-in, or an uploaded file."""
    how = request.form.get("start", "")
    if how == "builtin":
        entry = library.builtin_entry(request.form.get("worksheet", ""))
        if entry is None:
            flash("Choose a worksheet to start from.", "error")
            return redirect(url_for("builder.index"))
        data = service.from_builtin(current_user, entry.builtin)
    elif how == "upload":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash("Choose a worksheet file to upload.", "error")
            return redirect(url_for("builder.index"))
        try:
            text = library.decode_upload(upload.read(), "upload")
            data = service.from_upload(text, "upload")
        except WorksheetError as error:
            problems = "; ".join(p.message for p in error.problems[:3])
            flash(f"That file could not be opened in the builder: {problems}.", "error")
            return redirect(url_for("builder.index"))
    else:
        data = service.blank(current_user)
    draft = service.new_draft(current_user, data)
    return redirect(url_for("builder.edit", draft_id=draft.id))


@bp.post("/own/<int:custom_id>")
def edit_own(custom_id: int):
    """A draft of the next version of an own worksheet."""
    entry = library.own_entry(current_user, custom_id)
    if entry is None:
        abort(404)
    if entry.worksheet is None:
        flash("This worksheet no longer passes the checks; fix it as text first.", "error")
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
        problems=_with_problems(top, fields),
        reading=service.reading_level(data),
        grade_target=service.GRADE_TARGET,
        custom=custom,
        in_use=in_use,
        type_choices=service.type_choices(),
    )


@bp.post("/<int:draft_id>")
def change(draft_id: int):
    """Save what was typed, then do what the pressed button says."""
    draft = _draft_or_404(draft_id)
    data = service.update(draft, request.form)
    action = request.form.get("action", "save")
    anchor = ""
    if action not in ("save", "publish"):
        path = action.partition(":")[2]
        new_type = request.form.get(path + ".new_type", "")
        if not service.apply(data, action, new_type):
            flash("That button no longer fits this worksheet. What you typed is saved.", "error")
        anchor = "f-" + path.replace(".", "-").replace("_", "-")
    service.save(draft, data)
    if action == "publish":
        try:
            custom = service.publish(current_user, draft)
        except service.BuilderError:
            flash("Not published yet: please fix the problems marked below.", "error")
            return redirect(url_for("builder.edit", draft_id=draft.id, _anchor="problems"))
        flash(f"Published “{custom.title}”. Only you can see it.", "info")
        return redirect(url_for("worksheets.show", custom_id=custom.id))
    return redirect(url_for("builder.edit", draft_id=draft.id, _anchor=anchor or None))


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
        flash("Fix the problems marked below, then export.", "error")
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
        flash("Tick the box to confirm, then press Discard again.", "error")
        return redirect(url_for("builder.edit", draft_id=draft.id))
    service.discard(draft)
    flash("The draft was discarded. Published worksheets are unchanged.", "info")
    return redirect(url_for("builder.index"))


def _draft_or_404(draft_id: int):
    draft = service.own_draft(current_user, draft_id)
    if draft is None:
        abort(404)
    return draft


def _with_problems(top: service.Node, fields: list[service.Node]) -> list[service.Node]:
    """Every node with a problem, in page order, for the list at the top."""
    out = [top] if top.problems else []
    stack = list(reversed(fields))
    while stack:
        node = stack.pop()
        if node.problems:
            out.append(node)
        stack.extend(reversed(node.children))
    return out
