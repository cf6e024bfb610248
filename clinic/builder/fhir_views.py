"""Builder pages for a FHIR R4 Questionnaire: upload one, and it opens as a builder draft.

The draft holds everything the Questionnaire said (clinic.worksheets.fhir_import) and
placeholders for what only Tandem has (minutes, who answers, the guide, alert rules), which
the therapist completes in the builder before publishing. A Questionnaire that cannot be
carried whole opens nothing: its problems are listed on the upload page.
"""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user

from clinic.builder import service
from clinic.builder.views import bp
from clinic.worksheets import library
from clinic.worksheets.fhir_import import FhirImportError, import_questionnaire, read_json

PROBLEMS_KEY = "fhir_import_problems"
SHOWN_PROBLEMS = 30  # a session cookie holds the list between the post and the page


@bp.get("/fhir")
def fhir_upload():
    problems = session.pop(PROBLEMS_KEY, [])
    return render_template("builder/fhir_upload.html", problems=problems)


@bp.post("/fhir")
def fhir_import():
    """A draft of the uploaded Questionnaire, or back to the upload page with its problems."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(gettext("Choose a FHIR Questionnaire file (.json) to upload."), "error")
        return redirect(url_for("builder.fhir_upload"))
    try:
        imported = import_questionnaire(read_json(upload.read()), library.taken_slugs(current_user))
    except FhirImportError as error:
        session[PROBLEMS_KEY] = [p[:300] for p in error.problems[:SHOWN_PROBLEMS]]
        return redirect(url_for("builder.fhir_upload"))
    draft = service.new_draft(current_user, imported.definition())
    if imported.filled_in:
        flash(
            gettext(
                "Imported as a draft. Tandem filled in placeholders for: %(fields)s. "
                "Please complete them, and add alert rules or scoring if the measure has them, "
                "before you publish.",
                fields=", ".join(imported.filled_in),
            ),
            "info",
        )
    else:
        flash(gettext("Imported as a draft. Check it, then publish."), "info")
    return redirect(url_for("builder.edit", draft_id=draft.id))
