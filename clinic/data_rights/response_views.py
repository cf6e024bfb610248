"""Pages for storing a FHIR QuestionnaireResponse as a partner's answers (paper, other tools).

Upload, then a preview of what would be stored (a POST that stores nothing, so it shows its
page instead of redirecting), then a confirmation that stores it all and redirects to the
review. The preview carries the uploaded text in its form: nothing waits on the server.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from clinic.couples.service import own_couple_or_404
from clinic.data_rights import response_import
from clinic.data_rights.views import bp
from clinic.enums import AnsweredBy
from clinic.worksheets import library
from clinic.worksheets.fhir_import import MAX_BYTES


@bp.get("/<int:couple_id>/responses/import")
def response_upload(couple_id: int):
    couple = own_couple_or_404(current_user, couple_id)
    return render_template(
        "data_rights/response_upload.html", couple=couple, entries=library.entries(current_user)
    )


@bp.post("/<int:couple_id>/responses/import/preview")
def response_preview(couple_id: int):
    """What would be stored, for the therapist to check and confirm; stores nothing."""
    couple = own_couple_or_404(current_user, couple_id)
    upload = request.files.get("file")
    raw = upload.read(MAX_BYTES + 1) if upload is not None and upload.filename else b""
    if not raw:
        flash(gettext("Choose a FHIR QuestionnaireResponse file (.json) to upload."), "error")
        return redirect(url_for("data_rights.response_upload", couple_id=couple.id))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(gettext("The file is not text (UTF-8), so it is not FHIR JSON."), "error")
        return redirect(url_for("data_rights.response_upload", couple_id=couple.id))
    catalogue = library.catalogue(current_user)
    key = request.form.get("worksheet") or response_import.guess_worksheet(catalogue, text)
    worksheet = catalogue.get(key or "")
    if worksheet is None:
        flash(gettext("Choose the worksheet these answers belong to."), "error")
        return redirect(url_for("data_rights.response_upload", couple_id=couple.id))
    try:
        seen = response_import.preview(worksheet, text)
    except response_import.ImportRefused as refused:
        for problem in refused.problems:
            flash(problem, "error")
        return redirect(url_for("data_rights.response_upload", couple_id=couple.id))
    return render_template(
        "data_rights/response_preview.html",
        couple=couple,
        preview=seen,
        key=key,
        source=text,
        joint=worksheet.answered_by == AnsweredBy.COUPLE,
        couple_choice=response_import.COUPLE,
    )


@bp.post("/<int:couple_id>/responses/import")
def response_store(couple_id: int):
    couple = own_couple_or_404(current_user, couple_id)
    worksheet = library.catalogue(current_user).get(request.form.get("worksheet", ""))
    if worksheet is None:
        abort(404)
    try:
        response = response_import.store(
            couple, worksheet, request.form.get("source", ""), request.form.get("partner", "")
        )
    except response_import.ImportRefused as refused:
        for problem in refused.problems:
            flash(problem, "error")
        flash(gettext("Nothing was stored."), "error")
        return redirect(url_for("data_rights.response_upload", couple_id=couple.id))
    flash(gettext("The answers were stored."), "info")
    assignment_id = response.assigned_worksheet.assignment_id
    return redirect(url_for("review.assignment", assignment_id=assignment_id))
