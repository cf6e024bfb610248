from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import InputRequired

from clinic.worksheets.schema import MAX_FILE_BYTES


class UploadForm(FlaskForm):
    file = FileField(
        lazy_gettext("Worksheet file"),
        validators=[FileRequired(lazy_gettext("Choose a worksheet file to upload."))],
        description=lazy_gettext(
            "A YAML text file (.yaml), at most %(size)s KiB.", size=MAX_FILE_BYTES // 1024
        ),
    )


class SourceForm(FlaskForm):
    """An own worksheet's YAML text, edited in the browser."""

    source = TextAreaField(
        lazy_gettext("Worksheet text (YAML)"),
        validators=[InputRequired(lazy_gettext("The worksheet text is empty."))],
    )
