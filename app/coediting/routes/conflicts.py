"""The conflict page: an overlapping save, side by side with theirs and the original, settled
by its author choosing (or writing) what to keep, or discarded."""

from flask import abort, flash, redirect, render_template, request, url_for

from app.coediting import bp
from app.coediting.diffing import diff_content
from app.coediting.forms import Resolution, read_resolution
from app.coediting.merging import merge_content
from app.coediting.presenting import conflict_views, section_diff
from app.coediting.routes import existing_section
from app.coediting.routes.outcomes import after_save
from app.coediting.saving import conflict_of, discard_conflict, resolve_conflict
from app.forms import ConfirmForm
from app.partnerships.access import Permission, current_membership, has_permission, require
from app.plan_sections import reading, writing
from app.plan_sections.registry import section_type_or_404
from app.rules import applying


def _conflict_or_404(partnership_id: int, section_key: str, conflict_id: int):
    section = existing_section(partnership_id, section_key)
    conflict = conflict_of(current_membership(), section, conflict_id) if section is not None else None
    if conflict is None:
        abort(404)
    return section, conflict


def _headings(conflict) -> dict[str, str]:
    theirs = conflict.their_revision
    base = conflict.base_revision
    return {
        "base": f"Original · revision {base.number}, where you started" if base is not None else "Original · empty",
        "theirs": f"Theirs · {theirs.author.full_name}, {theirs.author_party.name}, revision {theirs.number}",
        "ours": "Yours · not saved yet",
    }


def _render(section_type, section, conflict, resolution: Resolution | None = None, status: int = 200):
    ctx = reading.section_context(section)
    base = conflict.base_revision.content if conflict.base_revision is not None else section_type.empty_content()
    theirs = conflict.their_revision.content
    ours = conflict.attempted_content
    views = conflict_views(section_type, conflict.conflicts, _headings(conflict), [theirs, ours, base], ctx)
    merged = merge_content(base, ours, theirs).content
    clean_changes = section_diff(section_type, diff_content(theirs, merged), theirs, merged, ctx)
    return render_template(
        "coediting/conflict.html",
        section_type=section_type,
        section=section,
        conflict=conflict,
        views=views,
        clean_changes=clean_changes,
        resolution=resolution or Resolution(),
        ctx=ctx,
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/partnerships/<int:partnership_id>/plan/<section_key>/conflicts/<int:conflict_id>", methods=["GET", "POST"])
def conflict(partnership_id: int, section_key: str, conflict_id: int):
    membership = current_membership()
    section_type = section_type_or_404(section_key)
    section, found = _conflict_or_404(partnership_id, section_key, conflict_id)
    if found.status == "superseded" and found.followed_by_id is not None:
        return redirect(url_for("coediting.conflict", partnership_id=partnership_id, section_key=section_key,
                                conflict_id=found.followed_by_id))
    if request.method != "POST" or not found.is_open:
        return _render(section_type, section, found)
    if not has_permission(membership, Permission.EDIT_PLAN):
        abort(403)
    ctx = reading.section_context(section)
    views = conflict_views(section_type, found.conflicts, _headings(found), [], ctx)
    resolution = read_resolution(request.form, views, ctx)
    if resolution.errors:
        return _render(section_type, section, found, resolution, 422)
    with applying(show=False) as applied:
        outcome = resolve_conflict(membership, found, resolution.choices, ctx=ctx)
    if isinstance(applied.violation, writing.InvalidContent):
        errors = applied.violation.errors.values()
        resolution.errors["form"] = "These choices do not make a valid section: " + "; ".join(errors)
        return _render(section_type, section, found, resolution, 422)
    if not applied:
        flash(applied.violation.message, "error")
        return redirect(url_for("coediting.section", partnership_id=partnership_id, section_key=section_key))
    return after_save(
        section_type, outcome,
        saved="Resolved: your choices are saved as revision {number}.",
        unchanged="Resolved: the section already reads like your choices, so nothing new was saved.",
    )


@bp.post("/partnerships/<int:partnership_id>/plan/<section_key>/conflicts/<int:conflict_id>/discard")
@require(Permission.EDIT_PLAN)
def discard(partnership_id: int, section_key: str, conflict_id: int):
    membership = current_membership()
    section_type = section_type_or_404(section_key)
    _section, found = _conflict_or_404(partnership_id, section_key, conflict_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with applying() as applied:
        discard_conflict(membership, found)
    if applied:
        flash(f"Your unsaved version of {section_type.title} is discarded. The section stays as it is.", "success")
    return redirect(url_for("coediting.section", partnership_id=partnership_id, section_key=section_key))
