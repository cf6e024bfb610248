"""Therapist pages for safety alerts and contact preferences.

Alerts show inside other features' pages: the couple page's section and the banner on every
page about a couple are registered with clinic.couples.pages below, and the dashboard loads
its alerts itself; the routes only take the two actions. URLs are kept neutral: they name
alerts and contact, never the topic.
"""

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from clinic.auth.guards import therapists_only
from clinic.couples import pages as couple_pages
from clinic.models import Couple, Partner
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


@dataclass(frozen=True)
class CoupleSection:
    """The couple page's safety section: its alerts, and a contact form for each partner."""

    alerts: list[service.AlertView]
    contact_forms: list[tuple[Partner, ContactPreferenceForm]]


def _couple_section(couple: Couple) -> CoupleSection:
    alerts = service.couple_alerts(couple)
    service.record_viewed(alerts)
    forms = [
        (partner, ContactPreferenceForm(formdata=None, preference=partner.contact_preference))
        for partner in couple.partners
    ]
    return CoupleSection(alerts, forms)


def _banner(couple_id: int) -> tuple[int, int] | None:
    """(couple id, alerts waiting) for a page about the couple; None if nothing waits."""
    waiting = service.unreviewed_count(couple_id)
    return (couple_id, waiting) if waiting else None


couple_pages.add_section("safety", "safety/_couple_section.html", _couple_section, order=10)
couple_pages.add_banner("safety", "safety/_banner.html", _banner)
