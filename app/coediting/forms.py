"""Forms of co-editing: comments and replies, restoring a revision, and reading the conflict
page's choices (one per conflict, built from the conflicts themselves)."""

from dataclasses import dataclass, field

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.coediting.comments import BODY_MAX
from app.coediting.merging import Custom
from app.coediting.saving import NOTE_MAX
from app.forms import Form, IdField, choices
from app.inputs import CONTROL_MESSAGE, has_control_characters
from app.plan_sections.fields import FieldError
from app.submissions import OnceForm

BODY_HELP = "Markdown works. Type @ and a member's name to mention them: they are notified."


class CommentForm(OnceForm):
    item_id = SelectField("About", choices=choices([("", "The section as a whole")]), validators=[Optional()])
    body = TextAreaField(
        "Comment",
        validators=[DataRequired(message="Write a comment first."),
                    Length(max=BODY_MAX, message=f"Keep a comment to {BODY_MAX:,} characters.")],
        description=BODY_HELP,
    )


class ReplyForm(OnceForm):
    body = TextAreaField(
        "Reply",
        validators=[DataRequired(message="Write a reply first."),
                    Length(max=BODY_MAX, message=f"Keep a reply to {BODY_MAX:,} characters.")],
    )


class RestoreForm(Form):
    base_revision_id = IdField()
    note = StringField(
        "Why restore it?",
        validators=[Optional(), Length(max=NOTE_MAX - 30, message="Keep the note shorter.")],
        description="Saved as the new revision's note, after “Restored revision N”.",
    )


@dataclass
class Resolution:
    """What the conflict page's form said: a choice per conflict key, and errors per input."""

    choices: dict = field(default_factory=dict)
    picked: dict[int, str] = field(default_factory=dict)  # conflict number -> choice, to show again
    raw: dict[int, object] = field(default_factory=dict)  # conflict number -> custom value as typed
    errors: dict[str, str] = field(default_factory=dict)


CHOICES = ("theirs", "ours", "base", "custom")


def read_resolution(form, views, ctx) -> Resolution:
    """Each conflict's choice from the posted form (`choice-<n>`, custom value `custom-<n>`).

    A custom narrative is text as typed (line endings normalised); a custom field value is
    typed with the field's own inputs and parsed by its declaration, so it is checked exactly
    like the editor's.
    """
    result = Resolution()
    for view in views:
        n = view.number
        picked = form.get(f"choice-{n}", "")
        name = f"custom-{n}"
        if view.kind == "narrative":
            text = form.get(name, "")
            result.raw[n] = text
        elif view.field is not None:
            result.raw[n] = view.field.raw_from_form(form, name, ctx)
        if picked not in CHOICES or (picked == "custom" and not view.allows_custom):
            result.errors[f"choice-{n}"] = "Choose which version to keep."
            continue
        result.picked[n] = picked
        if picked != "custom":
            result.choices[view.key] = picked
            continue
        raw = result.raw.get(n)
        texts = raw.values() if isinstance(raw, dict) else [raw]
        if any(isinstance(t, str) and has_control_characters(t) for t in texts):
            result.errors[name] = CONTROL_MESSAGE
            continue
        if view.kind == "narrative":
            text = str(raw).replace("\r\n", "\n").replace("\r", "\n")
            if len(text) > 60_000:
                result.errors[name] = "Keep the text to 60,000 characters."
                continue
            result.choices[view.key] = Custom(text)
        else:
            try:
                result.choices[view.key] = Custom(view.field.parse(raw, ctx))
            except FieldError as error:
                result.errors[name] = str(error)
    return result
