"""Therapist pages for safety alerts and contact preferences.

Alerts show inside other features' pages: the couple page's section and the banner on every
page about a couple are registered with clinic.couples.pages below, and the dashboard loads
its alerts itself; the routes only take the two actions. URLs are kept neutral: they name
alerts and contact, never the topic.
"""

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from clinic.auth.guards import therapists_only
from clinic.couples import pages as couple_pages
from clinic.models import Couple, Partner
from clinic.safety import codes, service
from clinic.safety.forms import (
    ContactPreferenceForm,
    PartnerCodeActionForm,
    PartnerCodeForm,
    ReviewForm,
)

bp = therapists_only(Blueprint("safety", __name__, template_folder="templates"))


@bp.post("/alerts/<int:alert_id>/reviewed")
def review(alert_id: int):
    alert = service.own_alert_or_404(current_user, alert_id)
    if not ReviewForm().validate_on_submit():
        flash(_("That form had expired. Please press the button again."), "error")
    elif service.mark_reviewed(alert, current_user):
        flash(_("Alert marked as reviewed."), "info")
    else:
        flash(_("This alert had already been reviewed."), "info")
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
        flash(_("Contact preference saved for %(partner)s.", partner=partner.display_name), "info")
    else:
        flash(_("Choose how this partner may be reached."), "error")
    return redirect(url_for("couples.show", couple_id=couple_id, _anchor="contact"))


# --- personal codes -----------------------------------------------------------------------------


@bp.post("/couples/<int:couple_id>/partners/<int:partner_id>/code")
def set_code(couple_id: int, partner_id: int):
    partner = service.own_partner_or_404(current_user, couple_id, partner_id)
    form = PartnerCodeForm()
    if form.validate_on_submit():
        codes.set_code(partner, form.code.data or "")
        flash(
            _(
                "Personal code set for %(partner)s. Their links now ask for it; "
                "it is never shown again, nor sent anywhere.",
                partner=partner.display_name,
            ),
            "info",
        )
    else:
        problems = form.code.errors or [_("That form had expired. Please try again.")]
        flash(
            _(
                "No code set for %(partner)s: %(problem)s",
                partner=partner.display_name,
                problem=problems[0],
            ),
            "error",
        )
    return _back_to_codes(couple_id, partner_id)


@bp.post("/couples/<int:couple_id>/partners/<int:partner_id>/code/clear")
def clear_code(couple_id: int, partner_id: int):
    partner = service.own_partner_or_404(current_user, couple_id, partner_id)
    if _action_form_valid():
        codes.clear_code(partner)
        flash(
            _("%(partner)s's links no longer ask for a code.", partner=partner.display_name), "info"
        )
    return _back_to_codes(couple_id, partner_id)


@bp.post("/couples/<int:couple_id>/partners/<int:partner_id>/code/unlock")
def unlock_code(couple_id: int, partner_id: int):
    partner = service.own_partner_or_404(current_user, couple_id, partner_id)
    if _action_form_valid():
        flash(
            _("%(partner)s can type their code again.", partner=partner.display_name)
            if codes.lift_lockout(partner)
            else _("%(partner)s's links were not paused.", partner=partner.display_name),
            "info",
        )
    return _back_to_codes(couple_id, partner_id)


@bp.post("/couples/<int:couple_id>/partners/<int:partner_id>/code/choice")
def code_choice(couple_id: int, partner_id: int):
    partner = service.own_partner_or_404(current_user, couple_id, partner_id)
    if _action_form_valid():
        allowed = request.form.get("allowed") == "1"
        codes.allow_choice(partner, allowed)
        flash(
            _(
                "%(partner)s is offered to choose a code on their link.",
                partner=partner.display_name,
            )
            if allowed
            else _(
                "%(partner)s is no longer offered to choose a code.", partner=partner.display_name
            ),
            "info",
        )
    return _back_to_codes(couple_id, partner_id)


def _action_form_valid() -> bool:
    if PartnerCodeActionForm().validate_on_submit():
        return True
    flash(_("That form had expired. Please press the button again."), "error")
    return False


def _back_to_codes(couple_id: int, partner_id: int):
    return redirect(url_for("couples.show", couple_id=couple_id, _anchor=f"code-{partner_id}"))


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


@dataclass(frozen=True)
class CodeRow:
    partner: Partner
    form: PartnerCodeForm


def _codes_section(couple: Couple) -> list[CodeRow]:
    return [CodeRow(p, PartnerCodeForm(formdata=None)) for p in couple.partners]


couple_pages.add_section("safety", "safety/_couple_section.html", _couple_section, order=10)
couple_pages.add_section("codes", "safety/_codes_section.html", _codes_section, order=11)
couple_pages.add_banner("safety", "safety/_banner.html", _banner)
