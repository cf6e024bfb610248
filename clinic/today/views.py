"""The Today page (the page after sign-in) and the therapist's time zone setting.

The counts in the navigation come from :func:`_nav_counts`, on every therapist page.
"""

from flask import (
    Blueprint,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from clinic import audit, localtime
from clinic.assignments import recurring, reminders
from clinic.auth.guards import therapists_only
from clinic.couples import pages as couple_pages
from clinic.couples.service import own_couple_or_404
from clinic.storage import utcnow
from clinic.today import service
from clinic.today.forms import CoupleTimeZoneForm, TimeZoneForm

bp = therapists_only(Blueprint("today", __name__, template_folder="templates"))


@bp.get("/today")
def index():
    now = utcnow()
    since = service.visit_since(current_user, session.get(service.SINCE_KEY), now)
    # Reloading keeps showing what was new at this session's first visit.
    session.setdefault(service.SINCE_KEY, since.timestamp())
    current_user.today_seen_at = now
    return render_template(
        "today/index.html",
        today=service.today(current_user, since, now),
        zone_unset=not current_user.time_zone,
        check_ins=recurring.for_today(current_user.id, now),
        failed_reminders=reminders.failed_for(current_user.id),
    )


@bp.route("/settings/time-zone", methods=["GET", "POST"])
def settings():
    form = TimeZoneForm(data={"time_zone": current_user.time_zone or ""})
    if form.validate_on_submit():
        current_user.time_zone = form.time_zone.data
        audit.record("settings_changed", "therapist", current_user.id, detail="time_zone")
        flash(gettext("Times are now shown in %(zone)s.", zone=form.time_zone.data), "info")
        return redirect(url_for("today.settings"))
    return render_template(
        "today/settings.html", form=form, suggest=not current_user.time_zone, now=utcnow()
    )


@bp.route("/couples/<int:couple_id>/time-zone", methods=["GET", "POST"])
def couple_zone(couple_id: int):
    couple = own_couple_or_404(current_user, couple_id)
    mine = current_user.time_zone or localtime.DEFAULT_ZONE
    form = CoupleTimeZoneForm(mine, data={"time_zone": couple.time_zone or ""})
    if form.validate_on_submit():
        couple.time_zone = form.time_zone.data or None
        audit.record("couple_edited", "couple", couple.id, detail="time_zone")
        flash(
            gettext(
                "This couple's days now follow %(zone)s.", zone=localtime.couple_zone_name(couple)
            ),
            "info",
        )
        return redirect(url_for("couples.show", couple_id=couple.id, _anchor="time-zone"))
    return render_template(
        "today/couple_zone.html", form=form, couple=couple, banners=couple_pages.banners(couple.id)
    )


couple_pages.add_section("time_zone", "today/_couple_zone.html", order=90)


@bp.app_context_processor
def _nav_counts():
    """Counts beside "Today" in the navigation of every signed-in therapist's page."""
    if not has_request_context() or request.blueprint == "client":
        return {}
    if not current_user.is_authenticated:
        return {}
    remembered = session.get(service.SINCE_KEY)
    since = service.visit_since(current_user, remembered, utcnow())
    try:
        alerts, sent = service.nav_counts(current_user, since)
    except SQLAlchemyError:  # an error page about the database itself still renders, uncounted
        return {}
    return {"today_counts": {"alerts": alerts, "new": sent}}
