"""Second sign-in step, a therapist's own two-factor settings, and the clinic-wide policy."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required

from clinic import audit
from clinic.auth import sessions
from clinic.auth.guards import admin_required
from clinic.auth.passwords import verify_password
from clinic.enums import SessionEnd
from clinic.extensions import db, limiter
from clinic.models import Therapist
from clinic.storage import SealError, current_cipher
from clinic.twofactor import flow, service
from clinic.twofactor.forms import CodeForm, ConfirmForm, PasswordForm, PolicyForm

bp = Blueprint("twofactor", __name__, template_folder="templates")

CODE_REFUSED = lazy_gettext(
    "That code did not work. Check the time on your phone, or use a recovery code."
)
CHECK_FAILED = lazy_gettext("That password is not right.")
# Pages a therapist may still open while the clinic requires two-factor and theirs is off.
_ALLOWED_BEFORE_SETUP = {
    "twofactor.account",
    "twofactor.start",
    "twofactor.confirm",
    "twofactor.codes",
    "static",
}
CODES_KEY = "recovery_codes_shown_once"


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.before_app_request
def _enforce_policy():
    """When the clinic requires two-factor, a therapist without it can only set it up."""
    if not current_user.is_authenticated or request.endpoint in _ALLOWED_BEFORE_SETUP:
        return None
    if request.endpoint == "auth.logout" or service.is_enabled(current_user):
        return None
    if service.is_required():
        flash(
            gettext("This clinic requires two-factor sign-in. Please set it up to continue."),
            "info",
        )
        return redirect(url_for("twofactor.account"))
    return None


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def code():
    therapist_id = flow.pending_therapist_id()
    therapist = db.session.get(Therapist, therapist_id) if therapist_id else None
    if therapist is None or not therapist.is_active or not service.is_enabled(therapist):
        flash(gettext("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        code = form.code.data or ""
        if service.verify_totp(therapist, code):
            return flow.complete_sign_in(therapist, "totp")
        if service.use_recovery_code(therapist, code):
            audit.record("recovery_code_used", "therapist", therapist.id, owner_id=therapist.id)
            flash(
                gettext(
                    "You signed in with a recovery code, which now no longer works. "
                    "%(num)s are left.",
                    num=service.unused_recovery_codes(therapist),
                ),
                "info",
            )
            return flow.complete_sign_in(therapist, "recovery_code")
        audit.record(
            "sign_in_failed", "therapist", therapist.id, owner_id=therapist.id, detail="code"
        )
        form.code.errors = [CODE_REFUSED]  # the form was valid, so this is its one error
    return render_template("twofactor/code.html", form=form)


@bp.get("/account/two-factor")
@login_required
def account():
    setting_up = current_user.totp_secret is not None and not service.is_enabled(current_user)
    return render_template(
        "twofactor/account.html",
        enabled=service.is_enabled(current_user),
        required=service.is_required(),
        setting_up=setting_up,
        qr=service.qr_data_uri(current_user) if setting_up else None,
        secret=current_user.totp_secret if setting_up else None,
        confirm_form=ConfirmForm(),
        password_form=PasswordForm(),
        unused=service.unused_recovery_codes(current_user),
    )


@bp.post("/account/two-factor/start")
@login_required
def start():
    if not service.is_enabled(current_user):
        service.start_setup(current_user)
    return redirect(url_for("twofactor.account"))


@bp.post("/account/two-factor/confirm")
@login_required
def confirm():
    form = ConfirmForm()
    codes = service.confirm_setup(current_user, form.code.data or "") if form.validate() else None
    if codes is None:
        flash(str(CODE_REFUSED), "error")
        return redirect(url_for("twofactor.account"))
    audit.record("two_factor_enabled", "therapist", current_user.id)
    sessions.reissue(current_user, SessionEnd.TWO_FACTOR_CHANGED)
    return _show_codes_once(codes)


@bp.post("/account/two-factor/recovery-codes")
@login_required
def renew_codes():
    form = PasswordForm()
    if not (service.is_enabled(current_user) and _password_ok(form)):
        flash(str(CHECK_FAILED), "error")
        return redirect(url_for("twofactor.account"))
    codes = service.renew_recovery_codes(current_user)
    audit.record("recovery_codes_renewed", "therapist", current_user.id)
    return _show_codes_once(codes)


@bp.get("/account/two-factor/recovery-codes")
@login_required
def codes():
    """New recovery codes, shown once: a reload finds them gone and makes no new ones."""
    try:
        codes = [current_cipher().open(code) for code in session.pop(CODES_KEY, [])]
    except SealError:
        codes = []
    if not codes:
        flash(
            gettext("Recovery codes are shown only once. Make new ones below if they were lost."),
            "info",
        )
        return redirect(url_for("twofactor.account"))
    return render_template("twofactor/codes.html", codes=codes)


def _show_codes_once(codes: list[str]):
    """Post/Redirect/Get: the codes wait, sealed, in the session for the one page showing them."""
    session[CODES_KEY] = [current_cipher().seal(code) for code in codes]
    return redirect(url_for("twofactor.codes"))


@bp.post("/account/two-factor/off")
@login_required
def turn_off():
    if service.is_required():
        flash(
            gettext("This clinic requires two-factor sign-in, so it cannot be turned off."), "error"
        )
        return redirect(url_for("twofactor.account"))
    form = PasswordForm()
    if not _password_ok(form):
        flash(str(CHECK_FAILED), "error")
        return redirect(url_for("twofactor.account"))
    service.disable(current_user)
    audit.record("two_factor_disabled", "therapist", current_user.id)
    sessions.reissue(current_user, SessionEnd.TWO_FACTOR_CHANGED)
    flash(gettext("Two-factor sign-in is off."), "info")
    return redirect(url_for("twofactor.account"))


def _password_ok(form: PasswordForm) -> bool:
    return form.validate() and verify_password(current_user.password_hash, form.password.data or "")


@bp.route("/settings/security", methods=["GET", "POST"])
@admin_required
def policy():
    form = PolicyForm(data={"require_two_factor": service.is_required()})
    if form.validate_on_submit():
        required = form.require_two_factor.data
        if service.set_required(required):
            audit.record(
                "settings_changed",
                "clinic_setting",
                detail=f"{service.REQUIRE_SETTING}={'on' if required else 'off'}",
            )
        flash(gettext("Settings saved."), "info")
        return redirect(url_for("twofactor.policy"))
    return render_template("twofactor/policy.html", form=form, forced_by_config=_forced_by_config())


def _forced_by_config() -> bool:
    return bool(current_app.config["REQUIRE_TWO_FACTOR"])
