"""Comment threads on a section: the list, starting one, replying, resolving and reopening."""

from flask import abort, flash, redirect, render_template, request, url_for

from app.coediting import bp
from app.coediting import comments as service
from app.coediting.forms import CommentForm
from app.coediting.models import CommentThread
from app.coediting.routes import existing_section
from app.coediting.section_page import comment_block, item_choices, reply_form
from app.forms import ConfirmForm
from app.partnerships.access import Permission, current_membership, get_in_partnership_or_404, has_permission, require
from app.plan_sections import reading
from app.plan_sections.registry import section_type_or_404
from app.rules import applying
from app.submissions import claim


def _page(section_type, section, *, form=None, reply_forms=None, status=200):
    membership = current_membership()
    ctx = reading.section_context(section) if section is not None else reading.load_context(membership.partnership_id)
    content = reading.content_of(section, section_type)
    block = comment_block(membership, section_type, section, content, ctx, form=form, reply_forms=reply_forms)
    return render_template(
        "coediting/comments.html",
        section_type=section_type,
        section=section,
        comments=block,
    ), status


@bp.route("/partnerships/<int:partnership_id>/plan/<section_key>/comments", methods=["GET", "POST"])
def comments(partnership_id: int, section_key: str):
    membership = current_membership()
    section_type = section_type_or_404(section_key)
    section = existing_section(partnership_id, section_key)
    if request.method != "POST":  # GET and HEAD only read
        return _page(section_type, section)
    if not has_permission(membership, Permission.EDIT_PLAN):
        abort(403)
    section = reading.section_for(partnership_id, section_key)
    ctx = reading.section_context(section)
    form = CommentForm()
    form.item_id.choices = item_choices(section_type, reading.content_of(section, section_type), ctx)
    if form.validate_on_submit():
        submission = claim(form)
        with applying(form) as applied:
            thread = service.start_thread(membership, section, form.body.data, form.item_id.data or None)
            target = url_for("coediting.section", partnership_id=partnership_id, section_key=section_key,
                             _anchor=f"thread-{thread.id}")
            submission.led_to(target)
        if applied:
            flash("Your comment is posted.", "success")
            return redirect(target)
    return _page(section_type, section, form=form, status=422)


def _back(partnership_id, section_key, thread):
    return redirect(url_for("coediting.section", partnership_id=partnership_id, section_key=section_key,
                            _anchor=f"thread-{thread.id}"))


@bp.post("/partnerships/<int:partnership_id>/plan/<section_key>/comments/<int:thread_id>/replies")
@require(Permission.EDIT_PLAN)
def reply(partnership_id: int, section_key: str, thread_id: int):
    membership = current_membership()
    section_type = section_type_or_404(section_key)
    section = existing_section(partnership_id, section_key)
    thread = get_in_partnership_or_404(CommentThread, thread_id, section=section)
    form = reply_form(thread)
    if form.validate_on_submit():
        submission = claim(form)
        with applying(form) as applied:
            service.reply(membership, thread, form.body.data)
            back = _back(partnership_id, section_key, thread)
            submission.led_to(back.location)
        if applied:
            flash("Your reply is posted.", "success")
            return back
    return _page(section_type, section, reply_forms={thread.id: form}, status=422)


def _set_status(partnership_id, section_key, thread_id, change, message):
    membership = current_membership()
    section = existing_section(partnership_id, section_key)
    thread = get_in_partnership_or_404(CommentThread, thread_id, section=section)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with applying() as applied:
        changed = change(membership, thread)
    if applied and changed:
        flash(message, "success")
    return _back(partnership_id, section_key, thread)


@bp.post("/partnerships/<int:partnership_id>/plan/<section_key>/comments/<int:thread_id>/resolve")
@require(Permission.EDIT_PLAN)
def resolve_thread(partnership_id: int, section_key: str, thread_id: int):
    section_type_or_404(section_key)
    return _set_status(partnership_id, section_key, thread_id, service.resolve_thread, "The thread is resolved.")


@bp.post("/partnerships/<int:partnership_id>/plan/<section_key>/comments/<int:thread_id>/reopen")
@require(Permission.EDIT_PLAN)
def reopen_thread(partnership_id: int, section_key: str, thread_id: int):
    section_type_or_404(section_key)
    return _set_status(partnership_id, section_key, thread_id, service.reopen_thread, "The thread is open again.")
