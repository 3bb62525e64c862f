"""The attachment forms: a file for a place (or a new version), and a withdrawal's reason."""

from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import Length

from app.attachments import filetypes
from app.attachments.services import REASON_MAX
from app.forms import Form


def _file_field(label: str) -> FileField:
    return FileField(label, description=f"{filetypes.ALLOWED_DESCRIPTION}. A file of the same name here becomes "
                                         "its next version.")


class AttachForm(Form):
    """Attach a file. `place` is a select where the page offers several (a section and its
    items), a hidden field where there is one."""

    place = SelectField("Attach to", choices=[], validate_choice=False)
    file = _file_field("File")
    next = HiddenField()


class VersionForm(Form):
    file = FileField("New version", description=f"{filetypes.ALLOWED_DESCRIPTION}. The earlier versions stay "
                                                "in the record.")


class WithdrawForm(Form):
    reason = TextAreaField(
        "Why is it withdrawn?", validators=[Length(max=REASON_MAX)],
        description="Every member of the partnership reads it. The file and its versions stay in the record.",
        render_kw={"rows": 3},
    )
