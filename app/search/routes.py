"""The search page."""

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user, login_required

from app.accounts.models import Organisation
from app.extensions import db, limiter
from app.formatting import user_zone
from app.partnerships.models import Partnership, Party
from app.plan_sections.registry import section_types
from app.search import bp
from app.search.finding import Filters, member_partnerships, search
from app.search.forms import SearchForm

FILTER_ARGS = ("partnership", "section", "kind", "party", "date_from", "date_to", "older")


def _choices(user_id: int) -> tuple[list, list]:
    """The user's partnerships and the organisations taking part in them, by name."""
    mine = member_partnerships(user_id)
    partnerships = db.session.execute(
        sa.select(Partnership.id, Partnership.name).where(Partnership.id.in_(mine)).order_by(Partnership.name)
    ).all()
    organisations = db.session.execute(
        sa.select(Organisation.id, Organisation.name).join(Party, Party.organisation_id == Organisation.id)
        .where(Party.partnership_id.in_(mine)).distinct().order_by(Organisation.name)
    ).all()
    return [tuple(row) for row in partnerships], [tuple(row) for row in organisations]


def _valid(field):
    return field.data if not field.errors else None


@bp.get("/search")
@login_required
@limiter.limit("120 per minute")
def index():
    form = SearchForm(request.args)
    partnerships, organisations = _choices(current_user.id)
    form.set_choices(partnerships, [(t.key, t.title) for t in section_types()], organisations)
    asked = bool(request.args)
    if asked:
        form.validate()  # a bad date is shown beside its field and left out of the search
    filters = Filters(
        partnership_id=_valid(form.partnership), section_key=_valid(form.section) or None,
        kind=_valid(form.kind) or None, organisation_id=_valid(form.party),
        since=_valid(form.date_from), until=_valid(form.date_to), older=bool(form.older.data),
        page=request.args.get("page", 1, type=int) or 1, zone=user_zone(),
    )
    text = (form.q.data or "").strip() if not form.q.errors else ""
    results = search(current_user.id, text, filters) if text else None
    query = {name: request.args[name] for name in ("q", *FILTER_ARGS) if request.args.get(name)}
    return render_template("search/index.html", form=form, results=results, text=text, filters=filters,
                           query=query, asked=asked)
