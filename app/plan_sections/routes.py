"""The plan's own pages: the overview, the whole plan on one page, an item kind as CSV, marking
a section reviewed and the editor's live preview. The section page and its editor are where
people write together: they live in co-editing (app/coediting/routes/section.py)."""

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from app.downloads import content_disposition, file_name
from app.inputs import form_id
from app.markdown import render_markdown
from app.partnerships.access import Permission, current_membership, require
from app.plan_sections import bp, progress, reading, writing
from app.plan_sections.display import section_body
from app.plan_sections.export import items_csv
from app.plan_sections.registry import section_type_or_404
from app.rules import applying
from app.types import utcnow


@bp.get("/partnerships/<int:partnership_id>/plan")
def overview(partnership_id: int):
    membership = current_membership()
    return render_template(
        "plan_sections/overview.html",
        plan=progress.plan_overview(membership.partnership),
    )


@bp.get("/partnerships/<int:partnership_id>/plan/full")
def full(partnership_id: int):
    membership = current_membership()
    plan = progress.plan_overview(membership.partnership)
    ctx = reading.load_context(partnership_id, {s.key: s.content for s in plan.sections})
    sections = [
        (state, section_body(state.type, state.revision, ctx, partnership_id=partnership_id))
        for state in plan.sections
    ]
    return render_template(
        "plan_sections/full.html",
        plan=plan,
        sections=sections,
        generated_at=utcnow(),
    )


@bp.get("/partnerships/<int:partnership_id>/plan/<section_key>/<kind_key>.csv")
def items_export(partnership_id: int, section_key: str, kind_key: str):
    """One item kind of the working plan (the risk register, the asset register…) as CSV."""
    membership = current_membership()
    section_type = section_type_or_404(section_key)
    kind = section_type.kind_by_key.get(kind_key)
    if kind is None:
        abort(404)
    content = reading.current_content(partnership_id, section_key)
    ctx = reading.load_context(partnership_id, {section_key: content, **{
        key: reading.current_content(partnership_id, key) for key in reading.referenced_sections(section_type)
    }})
    name = file_name(membership.partnership.name, kind.label, f"{utcnow():%Y-%m-%d}", extension="csv")
    return Response(items_csv(kind, content["items"][kind.key], ctx), mimetype="text/csv",
                    headers={"Content-Disposition": content_disposition(name), "Cache-Control": "private, no-store"})


@bp.post("/partnerships/<int:partnership_id>/plan/<section_key>/review")
@require(Permission.EDIT_PLAN)
def review(partnership_id: int, section_key: str):
    membership = current_membership()
    section_type = section_type_or_404(section_key)
    revision_id = form_id("revision_id")
    section = reading.section_for(partnership_id, section_key)
    target = url_for("coediting.section", partnership_id=partnership_id, section_key=section_key)
    try:
        with applying() as applied:
            writing.mark_reviewed(membership, section, revision_id, request.form.get("note"))
    except writing.StaleRevision as stale:
        current = stale.current
        flash(
            f"{current.author.full_name} ({current.author_party.name}) changed this section since you opened it. "
            "Read the current version below, then mark it reviewed.",
            "warning",
        )
        return redirect(target)
    if not applied:
        return redirect(target)
    flash(f"{section_type.title} is marked as reviewed and still current.", "success")
    return redirect(target)


@bp.post("/partnerships/<int:partnership_id>/plan/preview")
@require(Permission.EDIT_PLAN)
def preview(partnership_id: int):
    """The narrative as it will read, for the editor's live preview (sanitised HTML)."""
    g.background_request = True
    html = render_markdown(request.form.get("narrative", "")[:100_000])
    return html or '<p class="muted">Nothing to preview yet.</p>', 200, {"Content-Type": "text/html; charset=utf-8"}
