from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, FieldList, FormField, SelectField, StringField, TextAreaField
from wtforms import Form as PlainForm
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

MAX_PARTNERS = 6


class PartnerFields(PlainForm):
    display_name = StringField(
        lazy_gettext("Name shown to you"), validators=[Optional(), Length(max=80)]
    )
    email = EmailField(
        lazy_gettext("E-mail (optional)"),
        validators=[Optional(), Email(check_deliverability=False), Length(max=254)],
    )
    # Choices are the practice's languages, set per request (CoupleForm.offer_languages).
    language = SelectField(
        lazy_gettext("Language of their worksheets and e-mails"),
        choices=[],
        validate_choice=False,
        validators=[Optional()],
    )

    def validate_language(self, field):
        offered = [code for code, _ in field.choices]
        if field.data and field.data not in offered:
            raise ValidationError(lazy_gettext("Please pick one of the languages listed."))

    def validate_email(self, field):
        if field.data and not (self.display_name.data or "").strip():
            raise ValidationError(gettext("Give this partner a name too."))


class CoupleForm(FlaskForm):
    label = StringField(
        lazy_gettext("Label"),
        validators=[DataRequired(), Length(max=80)],
        description=lazy_gettext(
            "Clients never see it on screen, but it heads printed handouts: "
            "a pseudonym or initials are best."
        ),
    )
    partners = FieldList(FormField(PartnerFields), min_entries=3, max_entries=MAX_PARTNERS)
    notes = TextAreaField(
        lazy_gettext("Private notes"),
        validators=[Optional(), Length(max=20_000)],
        description=lazy_gettext("Only you see these."),
    )

    def validate_partners(self, field):
        named = [p for p in field.entries if (p.display_name.data or "").strip()]
        if len(named) < 2:
            raise ValidationError(gettext("A couple needs at least two partners with a name."))

    def offer_languages(self, choices: list[tuple[str, str]]) -> None:
        """Offer the practice's languages in every partner row."""
        for row in self.partners.entries:
            row.form.language.choices = choices

    def partner_languages(self) -> list[str | None]:
        """Each named partner's language, aligned with ``partner_rows`` (None: not chosen)."""
        return [
            p.language.data or None
            for p in self.partners.entries
            if (p.display_name.data or "").strip()
        ]

    def partner_rows(self) -> list[tuple[str, str | None]]:
        return [
            (p.display_name.data.strip(), (p.email.data or "").strip().lower() or None)
            for p in self.partners.entries
            if (p.display_name.data or "").strip()
        ]
