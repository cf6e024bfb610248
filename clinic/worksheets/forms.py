from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import InputRequired

from clinic.worksheets.schema import MAX_FILE_BYTES


class UploadForm(FlaskForm):
    file = FileField(
        "Worksheet file",
        validators=[FileRequired("Choose a worksheet file to upload.")],
        description=f"A YAML text file (.yaml), at most {MAX_FILE_BYTES // 1024} KiB.",
    )


class SourceForm(FlaskForm):
    """An own worksheet's YAML text, edited in the browser."""

    source = TextAreaField(
        "Worksheet text (YAML)",
        validators=[InputRequired("The worksheet text is empty.")],
    )
