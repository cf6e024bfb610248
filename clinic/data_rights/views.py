"""A couple's record downloaded (JSON or FHIR) or erased, by their therapist."""

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from clinic import audit
from clinic.auth.guards import therapists_only
from clinic.auth.passwords import verify_password
from clinic.couples import pages as couple_pages
from clinic.couples.service import own_couple_or_404
from clinic.data_rights.erase import erase_couple
from clinic.data_rights.export import couple_record, fhir_bundle
from clinic.data_rights.forms import EraseForm
from clinic.storage import utcnow

bp = therapists_only(
    Blueprint("data_rights", __name__, url_prefix="/couples", template_folder="templates")
)


@bp.get("/<int:couple_id>/record")
def record_page(couple_id: int):
    couple = own_couple_or_404(current_user, couple_id)
    return _record_page(couple, EraseForm())


@bp.get("/<int:couple_id>/record.json")
def export_json(couple_id: int):
    couple = own_couple_or_404(current_user, couple_id)
    partner_id = _partner_or_404(couple)
    body = couple_record(couple, partner_id)
    return _download(couple.id, partner_id, "json", body, "application/json")


@bp.get("/<int:couple_id>/record.fhir.json")
def export_fhir(couple_id: int):
    couple = own_couple_or_404(current_user, couple_id)
    partner_id = _partner_or_404(couple)
    body = fhir_bundle(couple, partner_id)
    return _download(couple.id, partner_id, "fhir", body, "application/fhir+json")


def _partner_or_404(couple) -> int | None:
    """The ``?partner=`` asked for, which must be one of this couple's partners."""
    if "partner" not in request.args:
        return None
    partner_id = request.args.get("partner", type=int)
    if partner_id not in {p.id for p in couple.partners}:
        abort(404)
    return partner_id


def _download(
    couple_id: int, partner_id: int | None, kind: str, body: dict, mimetype: str
) -> Response:
    detail = f"format={kind}" + (f",partner={partner_id}" if partner_id is not None else "")
    audit.record("couple_exported", "couple", couple_id, detail=detail)
    # A neutral name: a Downloads folder or a mail attachment names no couple and no partner.
    which = "partner-record" if partner_id is not None else "record"
    suffix = "fhir.json" if kind == "fhir" else "json"
    filename = f"tandem-{which}-{utcnow():%Y-%m-%d}.{suffix}"
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/<int:couple_id>/erase")
def erase(couple_id: int):
    couple = own_couple_or_404(current_user, couple_id)
    form = EraseForm()
    if not form.validate_on_submit():
        flash(gettext("Please type the label and your password to erase this couple."), "error")
    elif (form.label.data or "").strip() != couple.label:
        form.label.errors = [gettext("That is not this couple's label.")]
    elif not verify_password(current_user.password_hash, form.password.data or ""):
        form.password.errors = [gettext("That password is not right.")]
    else:
        erase_couple(couple)
        flash(gettext("The couple and everything they wrote were erased."), "info")
        return redirect(url_for("couples.index"))
    return _record_page(couple, form), 400


def _record_page(couple, form: EraseForm) -> str:
    return render_template(
        "data_rights/record.html", couple=couple, form=form, banners=couple_pages.banners(couple.id)
    )
