from types import SimpleNamespace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from clinic import audit, i18n
from clinic.auth.guards import therapists_only
from clinic.couples import pages, service
from clinic.couples.forms import CoupleForm

bp = therapists_only(
    Blueprint("couples", __name__, url_prefix="/couples", template_folder="templates")
)


@bp.get("/")
def index():
    archived = request.args.get("archived") == "1"
    search = request.args.get("q", "")[:80]
    listing = service.list_couples(
        current_user, archived=archived, page=request.args.get("page", 1, type=int), search=search
    )
    return render_template("couples/index.html", listing=listing, archived=archived, search=search)


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = CoupleForm()
    form.offer_languages(_language_choices())
    if form.validate_on_submit():
        couple = service.create_couple(
            current_user,
            form.label.data or "",
            form.partner_rows(),
            notes=form.notes.data or "",
            languages=form.partner_languages(),
        )
        audit.record("couple_created", "couple", couple.id)
        flash(gettext("Couple added."), "info")
        return redirect(url_for("couples.show", couple_id=couple.id))
    return render_template("couples/form.html", form=form, couple=None)


@bp.get("/<int:couple_id>")
def show(couple_id: int):
    couple = service.own_couple_or_404(current_user, couple_id)
    return render_template(
        "couples/show.html",
        couple=couple,
        sections=pages.sections(couple),
        banners=pages.banners(couple.id),
    )


@bp.route("/<int:couple_id>/edit", methods=["GET", "POST"])
def edit(couple_id: int):
    couple = service.own_couple_or_404(current_user, couple_id)
    form = CoupleForm(obj=None if request.method == "POST" else _form_data(couple))
    form.offer_languages(_language_choices())
    if form.validate_on_submit():
        existing_rows = form.partners.entries[: len(couple.partners)]
        if any(not (row.display_name.data or "").strip() for row in existing_rows):
            form.partners.errors = [  # the form was valid, so this is its one error
                gettext(
                    "Partners cannot be removed, because their answers belong to them. "
                    "Archive the couple instead."
                )
            ]
        else:
            service.update_couple(
                couple,
                form.label.data or "",
                form.partner_rows(),
                form.notes.data or "",
                form.partner_languages(),
            )
            audit.record("couple_edited", "couple", couple.id)
            flash(gettext("Changes saved."), "info")
            return redirect(url_for("couples.show", couple_id=couple.id))
    return render_template(
        "couples/form.html", form=form, couple=couple, banners=pages.banners(couple.id)
    )


@bp.post("/<int:couple_id>/archive")
def archive(couple_id: int):
    couple = service.own_couple_or_404(current_user, couple_id)
    archived = couple.archived_at is None
    service.set_archived(couple, archived)
    audit.record("couple_archived" if archived else "couple_restored", "couple", couple.id)
    flash(gettext("Couple archived.") if archived else gettext("Couple restored."), "info")
    return redirect(url_for("couples.show", couple_id=couple.id))


def _language_choices() -> list[tuple[str, str]]:
    """The practice's languages, each named in the therapist's language; "" is the default."""
    default, *others = i18n.offered_languages()
    return [("", i18n.language_name(default)), *((c, i18n.language_name(c)) for c in others)]


def _form_data(couple) -> SimpleNamespace:
    """Shapes a couple like the form expects, with one empty row for another partner."""
    rows = [
        SimpleNamespace(display_name=p.display_name, email=p.email, language=p.language or "")
        for p in couple.partners
    ]
    rows.append(SimpleNamespace(display_name="", email="", language=""))
    return SimpleNamespace(label=couple.label, notes=couple.notes, partners=rows)
