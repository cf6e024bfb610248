from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from clinic.auth.passwords import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(lazy_gettext("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        lazy_gettext("Password"), validators=[DataRequired(), Length(max=1000)]
    )


class NewTherapistForm(FlaskForm):
    display_name = StringField(lazy_gettext("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        lazy_gettext("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        lazy_gettext("Password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000)],
    )
    confirm = PasswordField(
        lazy_gettext("Repeat password"),
        validators=[EqualTo("password", message=lazy_gettext("The passwords differ."))],
    )
    is_admin = BooleanField(lazy_gettext("Administrator (can add therapists)"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        lazy_gettext("Current password"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        lazy_gettext("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000)],
        description=lazy_gettext("At least %(count)s characters.", count=MIN_PASSWORD_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        lazy_gettext("Repeat the new password"),
        validators=[EqualTo("password", message=lazy_gettext("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class LanguageForm(FlaskForm):
    """The language of this therapist's own pages; partners' pages keep their own."""

    language = SelectField(
        lazy_gettext("Language of your pages"),
        validators=[DataRequired()],
        description=lazy_gettext(
            "The pages you see in Tandem. Each partner's pages keep the language chosen for them."
        ),
    )

    def __init__(self, choices: list[tuple[str, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = choices
