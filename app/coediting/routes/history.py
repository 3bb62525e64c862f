"""A section's history, single revisions, restores, and comparisons (two revisions, two dates)."""

from datetime import date, datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for

from app.coediting import bp
from app.coediting.diffing import diff_content
from app.coediting.forms import RestoreForm
from app.coediting.history import history_page, revision_by_number, revisions_by_number
from app.coediting.plan_diff import diff_plans, plan_revisions_at, present_plan_diff
from app.coediting.presenting import section_diff
from app.coediting.routes import existing_section
from app.coediting.routes.outcomes import after_save
from app.coediting.saving import restore_revision
from app.formatting import user_zone
from app.inputs import DATE_MAX, DATE_MIN, int_arg, parse_date, parse_id
from app.partnerships.access import Permission, current_membership, has_permission, require
from app.plan_sections import reading, writing
from app.plan_sections.display import section_body
from app.plan_sections.registry import section_type_or_404, section_types
from app.rules import applying, show_violation
from app.types import utcnow


def _party_filter(partnership) -> int | None:
    party_id = int_arg("party")
    return party_id if party_id in {p.id for p in partnership.parties} else None


@bp.get("/partnerships/<int:partnership_id>/plan/<section_key>/history")
def history(partnership_id: int, section_key: str):
    membership = current_membership()
    section_type = section_type_or_404(section_key)
    section = existing_section(partnership_id, section_key)
    party_id = _party_filter(membership.partnership)
    page = history_page(section, before=int_arg("before"), after=int_arg("after"), party_id=party_id)
    return render_template(
        "coediting/history.html",
        section_type=section_type,
        section=section,
        page=page,
        party_id=party_id,
        current_number=section.revision_count if section is not None else 0,
    )


def _revision_or_404(partnership_id: int, section_key: str, number: int):
    section = existing_section(partnership_id, section_key)
    revision = revision_by_number(section, number)
    if revision is None:
        abort(404)
    return section, revision


def _render_revision(section_type, section, revision, form, status=200):
    membership = current_membership()
    ctx = reading.section_context(section)
    ctx.contents[section_type.key] = revision.content
    current = section.current_revision
    return render_template(
        "coediting/revision.html",
        section_type=section_type,
        section=section,
        revision=revision,
        current=current,
        body=section_body(section_type, revision, ctx, partnership_id=section.partnership_id),
        form=form,
        can_restore=has_permission(membership, Permission.EDIT_PLAN) and current is not None
        and current.id != revision.id,
    ), status


@bp.get("/partnerships/<int:partnership_id>/plan/<section_key>/revisions/<int:number>")
def revision(partnership_id: int, section_key: str, number: int):
    section_type = section_type_or_404(section_key)
    section, found = _revision_or_404(partnership_id, section_key, number)
    form = RestoreForm(formdata=None, base_revision_id=section.current_revision_id)
    return _render_revision(section_type, section, found, form)


@bp.post("/partnerships/<int:partnership_id>/plan/<section_key>/revisions/<int:number>/restore")
@require(Permission.EDIT_PLAN)
def restore(partnership_id: int, section_key: str, number: int):
    membership = current_membership()
    section_type = section_type_or_404(section_key)
    section, found = _revision_or_404(partnership_id, section_key, number)
    form = RestoreForm()
    if not form.validate_on_submit():
        return _render_revision(section_type, section, found, form, 422)
    with applying(show=False) as applied:
        outcome = restore_revision(membership, section, found, form.base_revision_id.data, form.note.data)
    if isinstance(applied.violation, writing.InvalidContent):
        flash(f"Revision {number} cannot be restored as it is: {applied.violation.message}", "error")
        return redirect(url_for("coediting.revision", partnership_id=partnership_id, section_key=section_key,
                                number=number))
    if not applied:
        show_violation(form, applied.violation)
        return _render_revision(section_type, section, found, form, 422)
    return after_save(section_type, outcome, unchanged=f"The section already reads exactly like revision {number}.",
                      saved=f"Revision {number} is restored as revision {{number}}.")


def _side(section, value: str | None, default):
    if value == "current" or (value is None and default == "current"):
        return section.current_revision
    if value is None:
        return default
    number = parse_id(value)
    if number is None:
        abort(404)
    return number


@bp.get("/partnerships/<int:partnership_id>/plan/<section_key>/compare")
def compare(partnership_id: int, section_key: str):
    section_type = section_type_or_404(section_key)
    section = existing_section(partnership_id, section_key)
    if section is None or section.current_revision is None:
        return render_template("coediting/compare.html",
                               section_type=section_type, section=None, old=None, new=None, view=None)
    new = _side(section, request.args.get("to"), "current")
    numbers = [n for n in (new,) if isinstance(n, int)]
    old = _side(section, request.args.get("from"), None)
    if isinstance(old, int):
        numbers.append(old)
    found = revisions_by_number(section, numbers)
    new = found.get(new) if isinstance(new, int) else new
    if new is None:
        abort(404)
    if old is None:
        old = revision_by_number(section, new.number - 1) if new.number > 1 else None
    elif isinstance(old, int):
        old = found.get(old)
        if old is None:
            abort(404)
    ctx = reading.section_context(section)
    old_content = old.content if old is not None else section_type.empty_content()
    view = section_diff(section_type, diff_content(old_content, new.content), old_content, new.content, ctx)
    return render_template(
        "coediting/compare.html",
        section_type=section_type,
        section=section,
        old=old,
        new=new,
        view=view,
    )


# -- the whole plan between two dates -----------------------------------------------------------


def _date_arg(name: str, default: date, errors: dict) -> date:
    value = request.args.get(name)
    if not value:
        return default
    day = parse_date(value)
    if day is None:
        errors[name] = f"Enter a date as YYYY-MM-DD, between {DATE_MIN.year} and {DATE_MAX.year}."
        return default
    return day


def end_of_day(day: date) -> datetime:
    """The last moment of `day` in the viewer's time zone, as aware UTC."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=user_zone()) - timedelta(microseconds=1)


@bp.get("/partnerships/<int:partnership_id>/plan/compare")
def plan_compare(partnership_id: int):
    today = utcnow().astimezone(user_zone()).date()
    errors: dict[str, str] = {}
    to_day = _date_arg("to", today, errors)
    from_day = _date_arg("from", to_day - timedelta(days=30), errors)
    if not errors and from_day > to_day:
        errors["from"] = "Choose a first date on or before the second."
    older, newer = end_of_day(from_day), end_of_day(to_day)
    old_revisions = plan_revisions_at(partnership_id, older)
    new_revisions = plan_revisions_at(partnership_id, newer)
    new_contents = {k: r.content for k, r in new_revisions.items()}
    ctx = reading.load_context(partnership_id, new_contents)
    changes = present_plan_diff(diff_plans({k: r.content for k, r in old_revisions.items()}, new_contents), ctx)
    return render_template(
        "coediting/plan_compare.html",
        from_day=from_day,
        to_day=to_day,
        older=older,
        newer=newer,
        errors=errors,
        changes=changes,
        old_revisions=old_revisions,
        new_revisions=new_revisions,
        section_count=len(section_types()),
    )
