"""Therapist actions on background work: a recurring check-in (start, pause, resume, stop)
and an assignment's reminders."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user

from clinic.assignments import recurring, reminders, service
from clinic.assignments.repeat_forms import ReminderForm, RepeatForm
from clinic.audit import service as audit
from clinic.auth.guards import therapists_only
from clinic.enums import RepeatUnit
from clinic.extensions import db
from clinic.localtime import format_day
from clinic.models import CheckInSchedule

bp = therapists_only(Blueprint("check_ins", __name__))


@bp.post("/assignments/<int:assignment_id>/repeat")
def start(assignment_id: int):
    assignment = service.own_assignment_or_404(current_user, assignment_id)
    back = redirect(url_for("assignments.show", assignment_id=assignment.id) + "#repeat")
    if recurring.schedule_of(assignment) is not None:
        flash(_("This assignment already repeats."), "info")
        return back
    form = RepeatForm()
    if not form.validate_on_submit() or form.interval.data is None:
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "error")
        return back
    try:
        schedule = recurring.start_schedule(
            assignment,
            unit=RepeatUnit(form.unit.data),
            interval=form.interval.data,
            until=form.until.data,
            count=form.count.data,
        )
    except recurring.ScheduleError as error:
        flash(str(error), "error")
        return back
    audit.record(
        "check_in_started", "check_in_schedule", schedule.id, couple_id=assignment.couple_id
    )
    flash(
        _(
            "This check-in repeats; the next one is on %(day)s.",
            day=format_day(recurring.occurrence_date(schedule, 1), long=True),
        ),
        "info",
    )
    return back


_CHANGES = {
    "pause": (
        recurring.pause,
        lazy_gettext("Paused: its dates are recorded but nothing is assigned."),
    ),
    "resume": (recurring.resume, lazy_gettext("Resumed from the next date.")),
    "stop": (recurring.stop, lazy_gettext("Stopped: no more check-ins will be made.")),
}


@bp.post("/check-ins/<int:schedule_id>")
def change(schedule_id: int):
    """Pause, resume or stop, as the button's ``change`` says."""
    schedule = db.session.get(CheckInSchedule, schedule_id)
    if schedule is None:
        abort(404)
    # Access through the assignment: 404 for another therapist's check-in.
    assignment = service.own_assignment_or_404(current_user, schedule.assignment_id)
    back = redirect(url_for("assignments.show", assignment_id=assignment.id) + "#repeat")
    change = request.form.get("change", "")
    if change not in _CHANGES:
        flash(_("Choose pause, resume or stop."), "error")
        return back
    apply, message = _CHANGES[change]
    apply(schedule)
    audit.record(
        f"check_in_{change}", "check_in_schedule", schedule.id, couple_id=assignment.couple_id
    )
    flash(str(message), "info")
    return back


@bp.post("/assignments/<int:assignment_id>/reminders")
def set_reminders(assignment_id: int):
    assignment = service.own_assignment_or_404(current_user, assignment_id)
    back = redirect(url_for("assignments.show", assignment_id=assignment.id) + "#reminders")
    form = ReminderForm()
    if not form.validate_on_submit() or form.max_per_partner.data is None:
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "error")
        return back
    days = list(form.days_before.data or [])
    if days and assignment.due_date is None:
        flash(_("Reminders count back from the due date: give this assignment one first."), "error")
        return back
    reminders.set_plan(assignment, days, form.max_per_partner.data)
    audit.record("reminders_set", "assignment", assignment.id, couple_id=assignment.couple_id)
    flash(_("Reminders saved.") if days else _("No reminders for this assignment."), "info")
    return back
