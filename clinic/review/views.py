"""Therapist pages: a couple's and an assignment's review, the session view, session notes."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup

from clinic import audit
from clinic.assignments.service import STATUS_LABELS
from clinic.auth.guards import therapists_only
from clinic.couples import pages as couple_pages
from clinic.couples.service import own_couple_or_404
from clinic.review import language, service
from clinic.review.forms import NoteForm
from clinic.review.trends import render_score_svg, render_svg

bp = therapists_only(
    Blueprint("review", __name__, url_prefix="/review", template_folder="templates")
)
couple_pages.add_section("review", "review/_couple_link.html", order=20)
couple_pages.add_section("agreements", "review/_agreements.html", service.agreements_of, order=25)


@bp.get("/couples/<int:couple_id>")
def couple(couple_id: int):
    couple = own_couple_or_404(current_user, couple_id)
    return _couple_page(couple, NoteForm(formdata=None))


@bp.post("/couples/<int:couple_id>/notes")
def add_couple_note(couple_id: int):
    couple = own_couple_or_404(current_user, couple_id)
    form = NoteForm()
    # DataRequired gives a text; checking it again narrows its type.
    if not form.validate_on_submit() or not form.body.data:
        return _couple_page(couple, form), 400
    service.add_note(couple, form.body.data)
    flash(gettext("Note saved."), "info")
    return redirect(url_for("review.couple", couple_id=couple.id, _anchor="notes"))


@bp.get("/assignments/<int:assignment_id>")
def assignment(assignment_id: int):
    couple = service.assignment_couple_or_404(current_user, assignment_id)
    return _assignment_page(couple, assignment_id, NoteForm(formdata=None))


@bp.post("/assignments/<int:assignment_id>/notes")
def add_assignment_note(assignment_id: int):
    couple = service.assignment_couple_or_404(current_user, assignment_id)
    form = NoteForm()
    # DataRequired gives a text; checking it again narrows its type.
    if not form.validate_on_submit() or not form.body.data:
        return _assignment_page(couple, assignment_id, form), 400
    service.add_note(couple, form.body.data, assignment_id=assignment_id)
    flash(gettext("Note saved."), "info")
    return redirect(url_for("review.assignment", assignment_id=assignment_id, _anchor="notes"))


@bp.get("/assignments/<int:assignment_id>/session")
def session(assignment_id: int):
    """For a screen both partners see: only answers every respondent marked shareable."""
    couple = service.assignment_couple_or_404(current_user, assignment_id)
    _record_viewed("assignment", assignment_id, couple, "session_view")
    assignment = service.pick(service.history(couple), assignment_id)
    review = service.review_assignment(assignment, couple.partners, for_session=True)
    service.name_partners(couple.partners)
    return render_template("review/session.html", couple=couple, review=review, **_helpers())


@bp.route("/notes/<int:note_id>", methods=["GET", "POST"])
def edit_note(note_id: int):
    note = service.own_note_or_404(current_user, note_id)
    form = NoteForm(obj=note)
    back = (
        url_for("review.assignment", assignment_id=note.assignment_id, _anchor="notes")
        if note.assignment_id
        else url_for("review.couple", couple_id=note.couple_id, _anchor="notes")
    )
    # DataRequired gives a text; checking it again narrows its type.
    if form.validate_on_submit() and form.body.data:
        service.update_note(note, form.body.data)
        flash(gettext("Note saved."), "info")
        return redirect(back)
    return render_template(
        "review/note.html",
        form=form,
        note=note,
        back=back,
        banners=couple_pages.banners(note.couple_id),
    )


@bp.get("/language")
def language_rules():
    """The language rules, their explanations, patterns and examples, for therapists to read."""
    return render_template("review/language.html", rules=language.default_rules())


def _couple_page(couple, form: NoteForm):
    _record_viewed("couple", couple.id, couple, "review")
    assignments = service.history(couple)
    scores = service.score_trends_for(assignments, couple.partners)
    reviews = [
        service.review_assignment(a, couple.partners, score_trends=scores) for a in assignments
    ]
    service.name_partners(couple.partners)
    return render_template(
        "review/couple.html",
        couple=couple,
        reviews=reviews,
        open_review=next((r for r in reviews if r.submitted), reviews[0] if reviews else None),
        charts=_charts(service.trends_for(assignments, couple.partners)),
        scores_over_time=_score_charts(scores),
        notes=service.notes_for(couple),
        form=form,
        banners=couple_pages.banners(couple.id),
        **_helpers(),
    )


def _assignment_page(couple, assignment_id: int, form: NoteForm):
    _record_viewed("assignment", assignment_id, couple, "review")
    assignments = service.history(couple)
    assignment = service.pick(assignments, assignment_id)
    slugs = {assigned.worksheet_version.slug for assigned in assignment.worksheets}
    scores = service.score_trends_for(assignments, couple.partners, slugs)
    service.name_partners(couple.partners)
    return render_template(
        "review/assignment.html",
        couple=couple,
        review=service.review_assignment(assignment, couple.partners, score_trends=scores),
        charts=_charts(service.trends_for(assignments, couple.partners, slugs)),
        scores_over_time=_score_charts(scores),
        notes=service.notes_for(couple, assignment),
        form=form,
        banners=couple_pages.banners(couple.id),
        **_helpers(),
    )


def _record_viewed(object_type: str, object_id: int, couple, detail: str) -> None:
    """Audit the view; a note form sent back with a 400 keeps it too (clinic.transaction)."""
    audit.record("answers_viewed", object_type, object_id, couple_id=couple.id, detail=detail)


def _charts(trends) -> list:
    """(trend, svg) pairs; the SVG is built from escaped pieces in trends.render_svg."""
    svgs = [render_svg(trend, f"c{i}") for i, trend in enumerate(trends, 1)]
    return [(trend, Markup(svg)) for trend, svg in zip(trends, svgs, strict=True)]  # noqa: S704  # nosec B704


def _score_charts(trends) -> list:
    """(trend, series, svg): one chart per score and respondent, built from escaped pieces."""
    charts = []
    for i, trend in enumerate(trends, 1):
        for j, series in enumerate(trend.series, 1):
            svg = render_score_svg(trend, series, f"s{i}-{j}")
            charts.append((trend, series, Markup(svg)))  # noqa: S704  # nosec B704
    return charts


def _helpers() -> dict:
    return {
        "language_review": language.review,
        "status_labels": STATUS_LABELS,
    }
