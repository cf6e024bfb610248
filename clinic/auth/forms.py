from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from clinic.auth.passwords import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


class NewTherapistForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000)]
    )
    confirm = PasswordField(
        _l("Repeat password"), validators=[EqualTo("password", message=_l("The passwords differ."))]
    )
    is_admin = BooleanField(_l("Administrator (can add therapists)"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000)],
        description=_l("At least %(count)s characters.", count=MIN_PASSWORD_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class LanguageForm(FlaskForm):
    """The language of this therapist's own pages; partners' pages keep their own."""

    language = SelectField(
        _l("Language of your pages"),
        validators=[DataRequired()],
        description=_l(
            "The pages you see in Tandem. Each partner's pages keep the language chosen for them."
        ),
    )

    def __init__(self, choices: list[tuple[str, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = choices
