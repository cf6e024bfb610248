"""PDF downloads for therapists: session handouts, blank worksheets and assignment cards.

Every download is recorded in the audit log (:func:`_record_download`) with machine words
only: which kind of PDF, never anything a client wrote.
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from clinic import audit, i18n, localtime
from clinic.assignments import links
from clinic.assignments import service as assignments
from clinic.auth.guards import therapists_only
from clinic.couples import pages as couple_pages
from clinic.couples.service import own_couple_or_404
from clinic.enums import PreparedStatus
from clinic.handouts import prepared, service
from clinic.handouts.service import SessionHandout
from clinic.models import Couple
from clinic.worksheets import library

bp = therapists_only(Blueprint("handouts", __name__, template_folder="templates"))
bp.add_app_template_test(service.is_long_item, "long_item")


@bp.get("/couples/<int:couple_id>/handouts")
def index(couple_id: int):
    couple = own_couple_or_404(current_user, couple_id)
    return render_template(
        "handouts/index.html",
        couple=couple,
        assignments=assignments.couple_assignments(couple),
        catalogue=library.catalogue(current_user),
        banners=couple_pages.banners(couple.id),
        languages=i18n.offered_languages(),
        couple_language=service.couple_language(couple),
    )


@bp.get("/couples/<int:couple_id>/handouts/session.pdf")
def session_handout(couple_id: int):
    couple = own_couple_or_404(current_user, couple_id)
    handout = _requested_handout(couple, request.args)
    if not isinstance(handout, SessionHandout):
        return handout
    version, ids = handout.version, request.args.getlist("assignment", type=int)
    if prepared.is_large(handout):
        # A GET writes nothing: the page offers the POST that queues it.
        return render_template(
            "handouts/large.html",
            couple=couple,
            version=version,
            ids=ids,
            language=handout.language,
        )
    pdf = service.session_handout_pdf(handout)
    _record_download(f"session_{version}", "couple", couple.id, couple.id)
    return _pdf(pdf, f"session-handout-{version}.pdf")


@bp.post("/couples/<int:couple_id>/handouts/prepare")
def prepare_session_handout(couple_id: int):
    """Queue a long session handout for the background worker, then show it preparing."""
    couple = own_couple_or_404(current_user, couple_id)
    handout = _requested_handout(couple, request.form)
    if not isinstance(handout, SessionHandout):
        return handout
    html, title = service.session_handout_source(handout)
    row = prepared.start(
        current_user.id, couple.id, f"session_{handout.version}", html, title, handout.language
    )
    return redirect(url_for("handouts.prepared_pdf", prepared_id=row.id))


def _requested_handout(
    couple: Couple, values: MultiDict[str, str]
) -> SessionHandout | BaseResponse:
    """The session handout the download link or the prepare form asks for, or the redirect
    back to the print page with what is wrong; both print it for the couple's zone."""
    localtime.set_page_zone(localtime.couple_zone_name(couple))
    version = values.get("version", service.JOINT)
    if version not in service.VERSIONS:
        flash(gettext("Choose the joint handout or the therapist copy."), "error")
        return redirect(url_for("handouts.index", couple_id=couple.id))
    language = service.printout_language(values.get("language"), couple)
    ids = values.getlist("assignment", type=int)
    handout = service.build_handout(couple, ids, version, language)
    if not handout.worksheets:
        flash(gettext("Pick at least one assignment to print."), "error")
        return redirect(url_for("handouts.index", couple_id=couple.id))
    return handout


@bp.get("/handouts/prepared/<int:prepared_id>")
def prepared_pdf(prepared_id: int):
    """Preparing (the page looks again by itself), ready to download, or failed."""
    row = prepared.own_or_404(current_user.id, prepared_id)
    if row is None:
        return render_template("handouts/prepared.html", row=None), 404
    return render_template(
        "handouts/prepared.html",
        row=row,
        statuses=PreparedStatus,
        can_retry=prepared.can_retry(row),
        refresh=prepared.REFRESH_SECONDS,
    )


@bp.post("/handouts/prepared/<int:prepared_id>/retry")
def retry_prepared_pdf(prepared_id: int):
    row = prepared.own_or_404(current_user.id, prepared_id)
    if row is not None:
        prepared.retry(row)
    return redirect(url_for("handouts.prepared_pdf", prepared_id=prepared_id))


@bp.get("/handouts/prepared/<int:prepared_id>/download")
def download_prepared_pdf(prepared_id: int):
    row = prepared.own_or_404(current_user.id, prepared_id)
    if row is None or row.status != PreparedStatus.READY:
        return redirect(url_for("handouts.prepared_pdf", prepared_id=prepared_id))
    if not row.kind.startswith("session_"):
        abort(404)
    _record_download(row.kind, "couple", row.couple_id, row.couple_id)
    return _pdf(prepared.pdf_bytes(row), f"session-handout-{row.kind.removeprefix('session_')}.pdf")


@bp.get("/couples/<int:couple_id>/handouts/blank.pdf")
def blank_worksheet(couple_id: int):
    couple = own_couple_or_404(current_user, couple_id)
    ws = library.catalogue(current_user).get(request.args.get("worksheet", ""))
    if ws is None:
        flash(gettext("Choose a worksheet to print."), "error")
        return redirect(url_for("handouts.index", couple_id=couple.id))
    language = service.printout_language(request.args.get("language"), couple)
    pdf = service.blank_worksheet_pdf(ws, max(2, len(couple.partners)), language)
    _record_download("blank_worksheet", "couple", couple.id, couple.id)
    return _pdf(pdf, "worksheet.pdf")


@bp.get("/assignments/<int:assignment_id>/worksheets/<int:assigned_id>/alone.pdf")
def item_alone(assignment_id: int, assigned_id: int):
    """One item (``?item=``) printed on a page of its own ("Our agreement"), if it offers it."""
    assignment = assignments.own_assignment_or_404(current_user, assignment_id)
    assigned = next((w for w in assignment.worksheets if w.id == assigned_id), None)
    item_id = request.args.get("item", "")
    found = service.item_alone(assigned, item_id) if assigned is not None else None
    if found is None:
        flash(gettext("That item cannot be printed on its own."), "error")
        return redirect(url_for("review.assignment", assignment_id=assignment.id))
    _record_download("item_alone", "assignment", assignment.id, assignment.couple_id)
    return _pdf(found, "our-agreement.pdf")


@bp.get("/worksheets/blank.pdf")
def library_blank():
    """ "Print blank" from the library: a worksheet to fill in by hand, for no couple yet."""
    ws = library.catalogue(current_user).get(request.args.get("worksheet", ""))
    if ws is None:
        flash(gettext("Choose a worksheet to print."), "error")
        return redirect(url_for("worksheets.index"))
    pdf = service.blank_worksheet_pdf(ws)
    audit.record("handout_downloaded", "worksheet", detail="kind=blank_worksheet")
    return _pdf(pdf, "worksheet.pdf")


@bp.post("/assignments/<int:assignment_id>/cards")
def assignment_card(assignment_id: int):
    """Cards for the links the "shown once" page posts back (see docs/client-links.md)."""
    assignment = assignments.own_assignment_or_404(current_user, assignment_id)
    issued = links.links_from_tokens(assignment, request.form.getlist("token"))
    if not issued:
        flash(
            gettext(
                "Those links are no longer active, so there is nothing to print. "
                "Make new links from this page, then print the cards."
            ),
            "error",
        )
        return redirect(url_for("assignments.show", assignment_id=assignment.id))
    layout = request.form.get("layout", "page")
    pdf = service.assignment_cards_pdf(issued, layout if layout in service.CARD_LAYOUTS else "page")
    _record_download("assignment_cards", "assignment", assignment.id, assignment.couple_id)
    return _pdf(pdf, "worksheet-links.pdf")


def _record_download(kind: str, object_type: str, object_id: int, couple_id: int) -> None:
    """The one place a handout download reaches the audit log."""
    audit.record(
        "handout_downloaded", object_type, object_id, couple_id=couple_id, detail=f"kind={kind}"
    )


def _pdf(pdf: bytes, filename: str) -> Response:
    """A download with a neutral file name: nothing about the couple ends up in Downloads."""
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
