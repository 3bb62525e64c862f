"""The search page's form: a GET form, so a search with its filters is a link that can be shared."""

from wtforms import BooleanField, DateField, SearchField, SelectField
from wtforms.validators import Length, Optional

from app.forms import Form, choices, int_or_none
from app.search.finding import KIND_LABELS, QUERY_MAX


class SearchForm(Form):
    class Meta:
        csrf = False  # it only reads

    q = SearchField("Search for", validators=[Optional(), Length(max=QUERY_MAX)],
                    description='Words to find; "an exact phrase"; -word to leave a word out; OR between alternatives.')
    partnership = SelectField("Partnership", coerce=int_or_none, validators=[Optional()])
    section = SelectField("Section", validators=[Optional()])
    kind = SelectField("Kind", validators=[Optional()])
    party = SelectField("Party", coerce=int_or_none, validators=[Optional()])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    older = BooleanField("Include older revisions")

    def set_choices(self, partnerships, sections, organisations) -> None:
        self.partnership.choices = choices([("", "Every partnership"), *partnerships])
        self.section.choices = choices([("", "Every section"), *sections])
        self.kind.choices = choices([("", "Anything"), *KIND_LABELS.items()])
        self.party.choices = choices([("", "Every party"), *organisations])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.date_from.data and self.date_to.data and self.date_to.data < self.date_from.data:
            self.date_to.errors = [*self.date_to.errors, "The end date is before the start date."]
            valid = False
        return valid
