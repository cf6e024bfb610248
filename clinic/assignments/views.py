"""Therapist pages: assign worksheets, follow each partner's progress, manage their links."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice  # type: ignore[attr-defined]  # types-WTForms 3.2 predates SelectChoice

from clinic import mail
from clinic.assignments import links, recurring, reminders, service, shown_once
from clinic.assignments.forms import AssignForm
from clinic.assignments.repeat_forms import ReminderForm, RepeatForm
from clinic.audit import service as audit
from clinic.auth.guards import therapists_only
from clinic.couples import pages as couple_pages
from clinic.couples.service import own_couple_or_404
from clinic.enums import AnsweredBy, LinkState
from clinic.safety import service as safety
from clinic.worksheets import library

bp = therapists_only(Blueprint("assignments", __name__, template_folder="templates"))

# The PDF assignment card, when the handouts feature provides it (see docs/client-links.md).
CARD_ENDPOINT = "handouts.assignment_card"


couple_pages.add_section(
    "assignments", "assignments/_couple_section.html", service.couple_assignments, order=30
)


@bp.app_template_global()
def assignment_statuses(assignment):
    return service.sheet_statuses(assignment)


@bp.app_template_global()
def assignment_overdue(assignment):
    return service.is_overdue(assignment)


@bp.get("/assignments/")
def dashboard():
    assignments = service.due_assignments(current_user)
    alerts = safety.open_alerts(current_user)
    safety.record_viewed(alerts)
    return render_template(
        "assignments/dashboard.html",
        waiting=[a for a in assignments if not service.is_complete(a)],
        complete=[a for a in assignments if service.is_complete(a)],
        safety_alerts=alerts,
    )


@bp.route("/couples/<int:couple_id>/assign", methods=["GET", "POST"])
def new(couple_id: int):
    couple = own_couple_or_404(current_user, couple_id)
    catalogue = library.catalogue(current_user)
    form = AssignForm()
    form.today = service.couple_today(couple)
    form.worksheets.choices = [SelectChoice(key, ws.title) for key, ws in catalogue.items()]
    if request.method == "GET":
        form.link_days.data = current_app.config["LINK_DAYS"]
    # The validators require both fields; checking them again narrows their types.
    if form.validate_on_submit() and form.worksheets.data and form.link_days.data is not None:
        assignment, issued = service.create_assignment(
            couple,
            [catalogue[key] for key in form.worksheets.data],
            who_answers=form.who_answers.data,
            due_date=form.due_date.data,
            note=(form.note.data or "").strip(),
            link_days=form.link_days.data,
        )
        _audit_links("link_created", issued)
        flash(_("Worksheets assigned."), "info")
        return _show_links_once(assignment, issued)
    return render_template(
        "assignments/new.html",
        form=form,
        couple=couple,
        catalogue=catalogue,
        banners=couple_pages.banners(couple.id),
    )


@bp.get("/assignments/<int:assignment_id>")
def show(assignment_id: int):
    assignment = service.own_assignment_or_404(current_user, assignment_id)
    return render_template(
        "assignments/show.html",
        assignment=assignment,
        link_rows=sorted(  # by partner, each partner's newest link first
            assignment.links,
            key=lambda link: (link.partner.position, -link.created_at.timestamp()),
        ),
        link_state=links.link_state,
        banners=couple_pages.banners(assignment.couple_id),
        schedule=recurring.schedule_of(assignment),
        repeat_form=RepeatForm(),
        reminder_form=_reminder_form(assignment),
        reminders_sent=reminders.sent_for(assignment),
    )


def _reminder_form(assignment) -> ReminderForm:
    plan = reminders.plan_of(assignment)
    if plan is None:
        return ReminderForm(formdata=None)
    return ReminderForm(
        formdata=None, days_before=list(plan.days_before), max_per_partner=plan.max_per_partner
    )


@bp.post("/assignments/<int:assignment_id>/lock")
def lock(assignment_id: int):
    assignment = service.own_assignment_or_404(current_user, assignment_id)
    locked = assignment.locked_at is None
    service.set_locked(assignment, locked)
    flash(
        _("Locked: partners can see their answers but no longer change them.")
        if locked
        else _("Unlocked: partners can change their answers again."),
        "info",
    )
    return redirect(url_for("assignments.show", assignment_id=assignment.id))


@bp.get("/assignments/<int:assignment_id>/links/reissue")
def confirm_reissue_all(assignment_id: int):
    """Asks first: every link already handed out stops working."""
    assignment = service.own_assignment_or_404(current_user, assignment_id)
    return render_template(
        "assignments/reissue_all.html",
        assignment=assignment,
        active=sorted(
            (link for link in assignment.links if links.link_state(link) == LinkState.ACTIVE),
            key=lambda link: link.partner.position,
        ),
        banners=couple_pages.banners(assignment.couple_id),
    )


@bp.post("/assignments/<int:assignment_id>/links/reissue")
def reissue_all(assignment_id: int):
    assignment = service.own_assignment_or_404(current_user, assignment_id)
    if request.form.get("confirm") != "yes":
        flash(_("Nothing changed. Confirm below to make new links for everyone."), "error")
        return redirect(url_for("assignments.confirm_reissue_all", assignment_id=assignment.id))
    issued = links.reissue_all(assignment)
    _audit_links("link_reissued", issued)
    flash(_("New links made for everyone; the old links no longer work."), "info")
    return _show_links_once(assignment, issued)


@bp.post("/assignments/<int:assignment_id>/links/<int:link_id>/reissue")
def reissue(assignment_id: int, link_id: int):
    assignment = service.own_assignment_or_404(current_user, assignment_id)
    link = service.own_link_or_404(assignment, link_id)
    issued = links.reissue(link)
    _audit_links("link_reissued", [issued])
    flash(
        _(
            "New link made for %(partner)s; the old one no longer works.",
            partner=link.partner.display_name,
        ),
        "info",
    )
    return _show_links_once(assignment, [issued])


@bp.post("/assignments/<int:assignment_id>/links/<int:link_id>/revoke")
def revoke(assignment_id: int, link_id: int):
    assignment = service.own_assignment_or_404(current_user, assignment_id)
    link = service.own_link_or_404(assignment, link_id)
    links.revoke(link)
    audit.record("link_revoked", "client_link", link.id, couple_id=assignment.couple_id)
    flash(_("%(partner)s's link no longer works.", partner=link.partner.display_name), "info")
    return redirect(url_for("assignments.show", assignment_id=assignment.id))


@bp.post("/assignments/<int:assignment_id>/links/email")
def email_link(assignment_id: int):
    """E-mail one link from the "shown once" page, which posts back the tokens it shows."""
    assignment = service.own_assignment_or_404(current_user, assignment_id)
    issued = links.links_from_tokens(assignment, request.form.getlist("token"))
    if not issued:
        flash(_("Those links are no longer active. Make new links to send them."), "error")
        return redirect(url_for("assignments.show", assignment_id=assignment.id))
    chosen = next((i for i in issued if str(i.link.id) == request.form.get("send")), None)
    if chosen is None:
        flash(_("Choose whose link to send."), "error")
        return _show_links_once(assignment, issued)
    reason = service.why_no_email(chosen.partner, mail.mail_enabled())
    if reason:
        flash(reason, "error")
        return _show_links_once(assignment, issued)
    assert chosen.partner.email, "why_no_email gives a reason when there is no address"
    try:
        mail.send_link(
            chosen.partner.email, current_user.display_name, chosen.url, chosen.partner.language
        )
    except mail.MailError as error:
        flash(_("Not sent: %(error)s", error=error), "error")
    else:
        flash(_("Link e-mailed to %(partner)s.", partner=chosen.partner.display_name), "info")
    return _show_links_once(assignment, issued)


@bp.get("/assignments/<int:assignment_id>/links/new")
def new_links(assignment_id: int):
    """The only page that shows raw links, once: a reload finds them gone."""
    assignment = service.own_assignment_or_404(current_user, assignment_id)
    issued = shown_once.take(assignment)
    if not issued:
        flash(
            _(
                "New links are shown only once, so they cannot be shown again. "
                "If one was not handed over, make a new link for that partner below."
            ),
            "info",
        )
        return redirect(url_for("assignments.show", assignment_id=assignment.id))
    return render_template(
        "assignments/links_once.html",
        assignment=assignment,
        issued=issued,
        mail_enabled=mail.mail_enabled(),
        why_no_email=service.why_no_email,
        together=[
            w.worksheet_version.title
            for w in assignment.worksheets
            if w.answered_by == AnsweredBy.COUPLE
        ],
        everything_together=all(w.answered_by == AnsweredBy.COUPLE for w in assignment.worksheets),
        card_endpoint=CARD_ENDPOINT if CARD_ENDPOINT in current_app.view_functions else None,
        banners=couple_pages.banners(assignment.couple_id),
    )


def _audit_links(action: str, issued: list[links.IssuedLink]) -> None:
    for item in issued:
        audit.record(action, "client_link", item.link.id, couple_id=item.link.assignment.couple_id)


def _show_links_once(assignment, issued: list[links.IssuedLink]):
    """Post/Redirect/Get: the links wait in the session for the one page that shows them."""
    shown_once.hold(assignment, issued)
    return redirect(url_for("assignments.new_links", assignment_id=assignment.id))
