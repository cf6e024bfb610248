"""Therapist pages for safety alerts and contact preferences.

Alerts show inside other features' pages (the dashboard, the couple page and a banner on every
page about a couple) through the template globals below; the routes only take the two
actions. URLs are kept neutral: they name alerts and contact, never the topic.
"""

from flask import Blueprint, after_this_request, flash, redirect, request, url_for
from flask_login import current_user
from jinja2 import pass_context

from clinic.auth.guards import therapists_only
from clinic.extensions import db
from clinic.models import Couple
from clinic.safety import service
from clinic.safety.forms import ContactPreferenceForm, ReviewForm

bp = therapists_only(Blueprint("safety", __name__, template_folder="templates"))


@bp.post("/alerts/<int:alert_id>/reviewed")
def review(alert_id: int):
    alert = service.own_alert_or_404(current_user, alert_id)
    if not ReviewForm().validate_on_submit():
        flash("That form had expired. Please press the button again.", "error")
    elif service.mark_reviewed(alert, current_user):
        flash("Alert marked as reviewed.", "info")
    else:
        flash("This alert had already been reviewed.", "info")
    if request.form.get("back") == "dashboard":
        return redirect(url_for("assignments.dashboard", _anchor="alerts"))
    couple_id = alert.response.assigned_worksheet.assignment.couple_id
    return redirect(url_for("couples.show", couple_id=couple_id, _anchor="alerts"))


@bp.post("/couples/<int:couple_id>/partners/<int:partner_id>/contact")
def contact(couple_id: int, partner_id: int):
    partner = service.own_partner_or_404(current_user, couple_id, partner_id)
    form = ContactPreferenceForm()
    if form.validate_on_submit():
        service.set_contact_preference(partner, form.preference.data)
        flash(f"Contact preference saved for {partner.display_name}.", "info")
    else:
        flash("Choose how this partner may be reached.", "error")
    return redirect(url_for("couples.show", couple_id=couple_id, _anchor="contact"))


# --- shown inside other pages ------------------------------------------------------------------


@bp.app_template_global()
def safety_open_alerts():
    """The signed-in therapist's alerts waiting for review (for the dashboard)."""
    return _viewed(service.open_alerts(current_user))


@bp.app_template_global()
def safety_couple_alerts(couple: Couple):
    return _viewed(service.couple_alerts(couple))


@bp.app_template_global()
@pass_context
def safety_banner(context) -> tuple[int, int] | None:
    """(couple id, alerts waiting) for the couple a page is about; None if nothing waits."""
    couple_id = _couple_id(context)
    if couple_id is None:
        return None
    waiting = service.unreviewed_count(couple_id)
    return (couple_id, waiting) if waiting else None


@bp.app_template_global()
def safety_contact_form(partner) -> ContactPreferenceForm:
    return ContactPreferenceForm(formdata=None, preference=partner.contact_preference)


def _viewed(views):
    """Answers were shown: audit it once the page is rendered (commit after the view)."""
    if views:
        service.record_viewed(views)

        @after_this_request
        def _commit(response):
            db.session.commit()
            return response

    return views


def _couple_id(context) -> int | None:
    """The couple of a therapist page, from the objects it was rendered with."""
    couple = context.get("couple")
    if isinstance(couple, Couple):
        return couple.id
    for name in ("assignment", "note"):
        owner = context.get(name)
        if owner is not None and getattr(owner, "couple_id", None) is not None:
            return owner.couple_id
    review = context.get("review")
    assignment = getattr(review, "assignment", None)
    return getattr(assignment, "couple_id", None)
