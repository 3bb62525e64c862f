
from flask import Response, redirect, render_template, request, stream_with_context, url_for

from app.audit.services import chain_status
from app.audit_trail import bp
from app.audit_trail.forms import TrailFilterForm
from app.audit_trail.trail import TrailFilters, export_csv, filter_choices, party_names, trail_page
from app.downloads import content_disposition, file_name
from app.formatting import user_zone
from app.inputs import page_arg
from app.partnerships.access import Permission, current_membership, require
from app.types import utcnow

PER_PAGE = 50
FILTER_ARGS = ("action", "party", "person", "date_from", "date_to")


def _filters(partnership_id: int) -> tuple[TrailFilterForm, TrailFilters]:
    form = TrailFilterForm(request.args)
    actions, people = filter_choices(partnership_id)
    form.set_choices(actions, list(party_names(partnership_id).items()), people)
    form.validate()  # a bad date is shown beside its field and left out of the filter
    return form, TrailFilters(
        action=form.action.data or None if not form.action.errors else None,
        party_id=form.party.data if not form.party.errors else None,
        actor_id=form.person.data if not form.person.errors else None,
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None,
    )


@bp.get("/partnerships/<int:partnership_id>/audit")
@require(Permission.VIEW_AUDIT)
def trail(partnership_id: int):
    form, filters = _filters(partnership_id)
    page = page_arg()
    entries, total = trail_page(partnership_id, filters, user_zone(), page=page, per_page=PER_PAGE)
    query = {k: request.args[k] for k in FILTER_ARGS if request.args.get(k)}
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        return redirect(url_for("audit_trail.trail", partnership_id=partnership_id, page=pages, **query))
    return render_template(
        "audit_trail/trail.html",
        form=form,
        filters=filters,
        entries=entries,
        total=total,
        page=page,
        pages=pages,
        query=query,
        chain=chain_status(partnership_id),
    )


@bp.get("/partnerships/<int:partnership_id>/audit/signed-export.json")
@require(Permission.VIEW_AUDIT)
def signed_export(partnership_id: int):
    """The whole trail as a signed file (`flask --app wsgi audit verify-export FILE` checks it)."""
    from app.audit.export import export_trail

    partnership = current_membership().partnership
    filename = file_name("audit-trail", partnership.name, f"{utcnow():%Y-%m-%d}", "signed", extension="json")
    return Response(export_trail(partnership.id, partnership.name), mimetype="application/json",
                    headers={"Content-Disposition": content_disposition(filename)})


@bp.get("/partnerships/<int:partnership_id>/audit.csv")
@require(Permission.VIEW_AUDIT)
def export(partnership_id: int):
    partnership = current_membership().partnership
    _form, filters = _filters(partnership_id)
    filename = file_name("audit-trail", partnership.name, f"{utcnow():%Y-%m-%d}", extension="csv")
    return Response(
        stream_with_context(export_csv(partnership_id, filters, user_zone())),
        mimetype="text/csv",
        headers={"Content-Disposition": content_disposition(filename)},
    )
