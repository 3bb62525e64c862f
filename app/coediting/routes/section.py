"""The section page and its editor: where the parties read and write a section together, with
who else is there, their unsettled conflicts and the comments; a save merges with whatever was
saved since the editor opened (app/coediting/saving.py)."""

from flask import render_template, request
from markupsafe import Markup

from app.coediting import bp, saving
from app.coediting.routes.outcomes import after_save
from app.coediting.section_page import coediting_extras
from app.consent.services import ConsentError
from app.markdown import render_markdown
from app.partnerships.access import Permission, current_membership, require
from app.plan_sections import forms, progress, reading, signals, writing
from app.plan_sections.display import section_body
from app.plan_sections.registry import section_type_or_404, section_types
from app.rules import applying

SORT_DIRECTIONS = ("asc", "desc")


def _neighbours(section_type):
    ordered = section_types()
    position = ordered.index(section_type)
    previous = ordered[position - 1] if position > 0 else None
    following = ordered[position + 1] if position + 1 < len(ordered) else None
    return previous, following


def _plan_section(membership, section_type):
    """The plan overview, the section's state in it and the context its content is read in (the
    sections it refers to, from the same overview)."""
    plan = progress.plan_overview(membership.partnership)
    states = {s.key: s for s in plan.sections}
    keys = [section_type.key, *reading.referenced_sections(section_type)]
    ctx = reading.load_context(membership.partnership_id, {key: states[key].content for key in keys})
    return plan, states[section_type.key], ctx


@bp.get("/partnerships/<int:partnership_id>/plan/<section_key>")
def section(partnership_id: int, section_key: str):
    membership = current_membership()
    section_type = section_type_or_404(section_key)
    plan, state, ctx = _plan_section(membership, section_type)
    direction = request.args.get("dir") if request.args.get("dir") in SORT_DIRECTIONS else "asc"
    body = section_body(section_type, state.revision, ctx, partnership_id=partnership_id,
                        sort=request.args.get("sort"), direction=direction)
    previous, following = _neighbours(section_type)
    return render_template(
        "coediting/section.html",
        plan=plan,
        state=state,
        section_type=section_type,
        body=body,
        previous=previous,
        following=following,
        coediting=coediting_extras(membership, section_type, state, ctx),
    )


def _edit_errors(violation) -> dict[str, str]:
    """A refused save's messages by input name: the content's own, or one for the whole form."""
    if isinstance(violation, writing.InvalidContent):
        return violation.errors
    if isinstance(violation, ConsentError):  # agreed sections: a change to this section already waits
        return {"form": violation.message}
    return {violation.field or "form": violation.message}


def _editor_parts(membership) -> list[signals.EditorPart]:
    """What features that opened this editor for a purpose of theirs show in it (plan_sections/signals.py)."""
    answers = signals.editor_opened.send(membership, values=request.values)
    return [part for _receiver, part in answers if part is not None]


def _render_edit(section_type, state, edit, ctx, plan, *, focus=None, preview=None, status=200):
    membership = current_membership()
    return (
        render_template(
            "coediting/edit.html",
            plan=plan,
            state=state,
            section_type=section_type,
            edit=edit,
            ctx=ctx,
            focus=focus,
            coediting=coediting_extras(membership, section_type, state, ctx, editing=True),
            editor_parts=_editor_parts(membership),
            preview=Markup(render_markdown(edit.narrative)) if preview is None else preview,  # noqa: S704  # nosec B704
            error_list=forms.error_list(section_type, edit),
            blank_rows={
                kind.key: forms.blank_row(section_type, kind, "__index__", ctx) for kind in section_type.item_kinds
            },
        ),
        status,
    )


@bp.route("/partnerships/<int:partnership_id>/plan/<section_key>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_PLAN)
def edit(partnership_id: int, section_key: str):
    membership = current_membership()
    section_type = section_type_or_404(section_key)
    plan, state, ctx = _plan_section(membership, section_type)
    ctx = ctx.with_base(state.content if state.is_started else None)
    base_id = state.revision.id if state.revision is not None else None

    if request.method != "POST":  # GET and HEAD only read; HEAD carries no CSRF token
        edit_state = forms.state_from_content(section_type, state.content, base_id, ctx)
        return _render_edit(section_type, state, edit_state, ctx, plan)

    edit_state = forms.state_from_form(section_type, request.form, ctx)
    action = request.form.get("action", "save")
    if not forms.is_action(section_type, action):
        edit_state.errors["form"] = forms.FORM_CHANGED_KEEPING
    if edit_state.errors:  # a hidden value or a button's value is not one the page gave
        return _render_edit(section_type, state, edit_state, ctx, plan, status=422)
    if action != "save":
        focus = forms.apply_action(section_type, edit_state, action, ctx) if action != "preview" else "narrative"
        return _render_edit(section_type, state, edit_state, ctx, plan, focus=focus)

    content, errors = forms.content_from_state(section_type, edit_state, ctx)
    if errors:
        edit_state.errors = errors
        return _render_edit(section_type, state, edit_state, ctx, plan, status=422)
    # The row the plan overview already read (created with its siblings if this is its first save).
    section = state.section if state.section is not None else reading.section_for(partnership_id, section_key)
    with applying(show=False) as applied:
        # If someone saved since this editor's base revision, the save merges with their
        # changes, or keeps this one for its author to resolve (app/coediting/saving.py).
        outcome = saving.save_edit(membership, section, content, edit_state.base_revision_id, edit_state.note, ctx=ctx)
        if outcome.revision is not None:
            signals.edit_saved.send(membership, revision=outcome.revision, parts=_editor_parts(membership))
    if not applied:
        edit_state.errors = _edit_errors(applied.violation)
        return _render_edit(section_type, state, edit_state, ctx, plan, status=applied.violation.status)
    return after_save(
        section_type, outcome,
        saved="{title} is saved as revision {number}.",
        unchanged="No changes to save: the section already reads exactly like this.",
    )
