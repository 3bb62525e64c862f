"""The partnership's activity feed: every revision, review and comment, newest first."""

from flask import render_template, request

from app.coediting import bp
from app.coediting.activity import activity_page
from app.formatting import to_local
from app.inputs import int_arg
from app.partnerships.access import current_membership
from app.plan_sections.registry import get_section_type, section_types
from app.types import utcnow


def by_day(entries) -> list[tuple[str, list]]:
    """Entries grouped under “Today”, “Yesterday” or the date, in the viewer's time zone."""
    today = to_local(utcnow()).date()
    groups: list[tuple[str, list]] = []
    for entry in entries:
        day = to_local(entry.at).date()
        if day == today:
            label = "Today"
        elif (today - day).days == 1:
            label = "Yesterday"
        else:
            label = f"{day:%A} {day.day} {day:%B %Y}"
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(entry)
    return groups


@bp.get("/partnerships/<int:partnership_id>/activity")
def activity(partnership_id: int):
    membership = current_membership()
    partnership = membership.partnership
    section_key = request.args.get("section") or None
    if section_key is not None and get_section_type(section_key) is None:
        section_key = None
    party_id = int_arg("party")
    if party_id not in {p.id for p in partnership.parties}:
        party_id = None
    before = request.args.get("before") or None
    page = activity_page(partnership_id, before=before, section_key=section_key, party_id=party_id)
    return render_template(
        "coediting/activity.html",
        page=page,
        days=by_day(page.entries),
        section_key=section_key,
        party_id=party_id,
        section_types=section_types(),
        first_page=before is None,
    )
