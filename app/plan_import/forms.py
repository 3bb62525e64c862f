"""The import's two forms: the file, and one section choice per part of it."""

from flask_wtf.file import FileField
from wtforms import SelectField

from app.forms import Form, choices
from app.plan_import.services import SKIP
from app.plan_sections.registry import section_types


class UploadForm(Form):
    file = FileField(
        "Plan file",
        description="A Word document (.docx) or a Markdown file (.md), up to 10 MB. Nothing changes until you "
                    "confirm the preview.",
        render_kw={"accept": ".docx,.md,.markdown,.txt,application/vnd.openxmlformats-officedocument."
                             "wordprocessingml.document,text/markdown,text/plain"},
    )


def section_choices():
    return choices([(SKIP, "Skip: do not import"), *((t.key, f"{t.number}. {t.title}") for t in section_types())])


def mapping_form(pending, mapping: dict[int, str]):
    """A form with a `part_<n>` choice per part of the file, showing `mapping` (read from the
    request by the view, so a choice the page did not offer is reported, not replaced)."""
    fields = {
        f"part_{index}": SelectField(
            part["heading"] or "Before the first heading", choices=section_choices(), validate_choice=False,
            default=mapping.get(index, SKIP),
        )
        for index, part in enumerate(pending.parts)
    }
    form_class = type("MappingForm", (Form,), fields)
    return form_class(formdata=None)
