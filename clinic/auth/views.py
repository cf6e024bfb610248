from babel import Locale
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select

from clinic.auth import service, sessions, signals
from clinic.auth.forms import ChangePasswordForm, LanguageForm, LoginForm, NewTherapistForm
from clinic.auth.guards import admin_required
from clinic.enums import SessionEnd
from clinic.extensions import db, limiter, login_manager
from clinic.i18n import use_language
from clinic.models import Therapist

bp = Blueprint("auth", __name__, template_folder="templates")

LOGIN_FAILED = lazy_gettext("That e-mail and password did not match an active account.")

login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Please sign in to continue.")
login_manager.localize_callback = str  # the flash holds text, in the language of that request
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_therapist(user_id: str) -> Therapist | None:
    """The signed-in therapist, if the account is active and the cookie's session is live."""
    therapist = db.session.get(Therapist, int(user_id)) if user_id.isdigit() else None
    if therapist is None or not therapist.is_active:
        sessions.forget_cookie()
        return None
    return therapist if sessions.check(therapist) else None


@bp.before_app_request
def _speak_the_therapists_language() -> None:
    """A signed-in therapist's pages speak the language they chose; a partner's link (the
    client blueprint) chooses its own, and static files load no one."""
    if request.blueprint == "client" or request.endpoint in (None, "static"):
        return
    if current_user.is_authenticated:
        use_language(current_user.language)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("today.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email, password = form.email.data or "", form.password.data or ""
        therapist = service.authenticate(email, password)
        if therapist is not None:
            return signals.page_after_password(therapist)
        signals.password_refused.send(email)
    if form.is_submitted():
        flash(LOGIN_FAILED, "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    therapist = current_user._get_current_object()
    signals.signing_out.send(therapist)
    # Signing out ends every session of the account, not only this browser's: a browser left
    # signed in elsewhere (a shared office computer) is signed out too.
    sessions.end_all(therapist, SessionEnd.SIGNED_OUT)
    sessions.forget_cookie()
    logout_user()
    session.clear()
    flash(_("You are signed out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/therapists", methods=["GET", "POST"])
@admin_required
def therapists():
    form = NewTherapistForm()
    if form.validate_on_submit():
        try:
            created = service.create_therapist(
                form.email.data or "",
                form.password.data or "",
                display_name=form.display_name.data or "",
                is_admin=form.is_admin.data,
            )
        except service.AccountError as error:
            form.email.errors = [str(error)]  # the form was valid, so this is its one error
        else:
            signals.therapist_created.send(created)
            flash(_("Therapist added."), "info")
            return redirect(url_for("auth.therapists"))
    everyone = db.session.scalars(select(Therapist).order_by(Therapist.email)).all()
    return render_template("auth/therapists.html", form=form, therapists=everyone)


@bp.get("/account/sessions")
@login_required
def active_sessions():
    return render_template("auth/sessions.html", active=sessions.active_sessions(current_user))


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    was_current = sessions.end_one(current_user, session_id)
    if was_current is None:
        abort(404)
    if was_current:
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("That session has ended: the device it was on is signed out."), "info")
    return redirect(url_for("auth.active_sessions"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    ended = sessions.end_all(current_user, SessionEnd.ENDED_BY_THERAPIST, except_current=True)
    flash(
        _("You are now signed out everywhere else.") if ended else _("No other session was open."),
        "info",
    )
    return redirect(url_for("auth.active_sessions"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current.data or "", form.password.data or "")
        except service.AccountError as error:
            form.current.errors = [str(error)]  # the form was valid, so this is its one error
        else:
            flash(
                _(
                    "Your password is changed. Every other device you were signed in on is"
                    " now signed out."
                ),
                "info",
            )
            return redirect(url_for("auth.active_sessions"))
    return render_template("auth/password.html", form=form)


def _language_choices() -> list[tuple[str, str]]:
    """Each language the practice offers, named in itself ("English", "Español")."""
    return [
        (code, (Locale.parse(code).get_display_name(code) or code).capitalize())
        for code in current_app.config["LANGUAGES"]
    ]


@bp.route("/account/language", methods=["GET", "POST"])
@login_required
def language():
    chosen = current_user.language or current_app.config["DEFAULT_LANGUAGE"]
    form = LanguageForm(_language_choices(), data={"language": chosen})
    if form.validate_on_submit():
        current_user.language = form.language.data
        signals.language_changed.send(current_user._get_current_object())
        use_language(form.language.data)  # the message below speaks the language just chosen
        flash(_("Your pages are now shown in this language."), "info")
        return redirect(url_for("auth.language"))
    return render_template("auth/language.html", form=form)
