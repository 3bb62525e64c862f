"""Attaching a file to a place, its page (versions, a new version, withdrawal), and the file itself.

Every URL is under the partnership, behind the one membership gate; an attachment of another
partnership, or another party's evidence still blind, is a 404 like anything that is not there.
Files are served as downloads (`Content-Disposition: attachment`, `nosniff`, a sandboxing CSP),
never shown inline, whatever their type.
"""

from flask import abort, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from app.attachments import bp, services
from app.attachments.forms import AttachForm, VersionForm, WithdrawForm
from app.attachments.models import Attachment
from app.attachments.places import check_target, describe_place, describe_target, parse_place, place_path
from app.downloads import content_disposition
from app.formatting import file_size
from app.forms import choices
from app.partnerships.access import current_membership, get_in_partnership_or_404
from app.rules import applying
from app.security import safe_next_url


def _place_or_404(ref: str | None):
    target = parse_place(ref)
    if target is None:
        abort(404)
    try:
        check_target(current_membership().partnership_id, target)
    except LookupError:
        abort(404)
    return target


def _refused(form, field: str, message: str, status: int, render):
    getattr(form, field).errors = [*getattr(form, field).errors, message]
    return render(form, status)


@bp.get("/partnerships/<int:partnership_id>/attachments/new")
def new(partnership_id: int):
    target = _place_or_404(request.args.get("place"))
    form = AttachForm(formdata=None, place=target.ref, next=safe_next_url(request.args.get("next")) or "")
    return _render_new(form, target)


def _render_new(form, target, status=200):
    membership = current_membership()
    form.place.choices = choices([(target.ref, target.ref)])
    label = describe_place(membership.partnership_id, target)
    return render_template("attachments/new.html", form=form, place_label=label,
                           can_change=services.can_change(membership, target),
                           max_size=file_size(services.max_bytes())), status


@bp.post("/partnerships/<int:partnership_id>/attachments")
def add(partnership_id: int):
    membership = current_membership()
    form = AttachForm()
    target = _place_or_404(form.place.data)
    if not form.validate_on_submit():
        return _render_new(form, target, 422 if form.errors else 400)

    def render(f, status):
        return _render_new(f, target, status)

    try:
        with applying(form) as applied:
            version = services.attach(membership, target, form.file.data)
    except RequestEntityTooLarge as error:
        return _refused(form, "file", error.description, 413, render)
    if not applied:
        status = 422 if isinstance(applied.violation, services.UnsupportedFile) or applied.violation.field else 403
        return render(form, status)
    back = safe_next_url(form.next.data)
    if back:
        return redirect(f"{back.split('#')[0]}#attachment-{version.attachment_id}", 303)
    return redirect(place_path(version.attachment, own_party_id=membership.party_id), 303)


def _attachment_or_404(attachment_id: int) -> tuple[Attachment, services.Shown]:
    attachment = get_in_partnership_or_404(Attachment, attachment_id)
    shown = services.shown(current_membership(), attachment)
    if shown is None:
        abort(404)
    return attachment, shown


@bp.get("/partnerships/<int:partnership_id>/attachments/<int:attachment_id>")
def show(partnership_id: int, attachment_id: int):
    return _render_show(attachment_id, VersionForm(formdata=None), WithdrawForm(formdata=None))


def _render_show(attachment_id: int, version_form, withdraw_form, status=200):
    membership = current_membership()
    attachment, shown = _attachment_or_404(attachment_id)
    return render_template(
        "attachments/show.html", attachment=attachment, shown=shown, place_label=describe_target(attachment),
        place_path=place_path(attachment, own_party_id=membership.party_id), version_form=version_form,
        withdraw_form=withdraw_form, pinned=services.pinning_versions(attachment),
        max_size=file_size(services.max_bytes()),
    ), status


@bp.post("/partnerships/<int:partnership_id>/attachments/<int:attachment_id>/versions")
def add_version(partnership_id: int, attachment_id: int):
    membership = current_membership()
    attachment, _shown = _attachment_or_404(attachment_id)
    form = VersionForm()
    if not form.validate_on_submit():
        return _render_show(attachment_id, form, WithdrawForm(formdata=None), 422 if form.errors else 400)

    def render(f, status):
        return _render_show(attachment_id, f, WithdrawForm(formdata=None), status)

    try:
        with applying(form) as applied:
            services.add_version(membership, attachment, form.file.data)
    except RequestEntityTooLarge as error:
        return _refused(form, "file", error.description, 413, render)
    if not applied:
        return render(form, 422 if applied.violation.field else 403)
    return redirect(url_for("attachments.show", partnership_id=partnership_id, attachment_id=attachment_id), 303)


@bp.post("/partnerships/<int:partnership_id>/attachments/<int:attachment_id>/withdraw")
def withdraw(partnership_id: int, attachment_id: int):
    membership = current_membership()
    attachment, _shown = _attachment_or_404(attachment_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _render_show(attachment_id, VersionForm(formdata=None), form, 422 if form.errors else 400)
    with applying(form) as applied:
        services.withdraw(membership, attachment, form.reason.data)
    if not applied:
        return _render_show(attachment_id, VersionForm(formdata=None), form,
                            422 if applied.violation.field else 403)
    return redirect(url_for("attachments.show", partnership_id=partnership_id, attachment_id=attachment_id), 303)


@bp.get("/partnerships/<int:partnership_id>/attachments/<int:attachment_id>/versions/<int:number>/file")
def download(partnership_id: int, attachment_id: int, number: int):
    _attachment, shown = _attachment_or_404(attachment_id)
    version = next((v for v in shown.versions if v.number == number), None)
    if version is None:
        abort(404)
    try:
        stream = services.open_version(version)
    except FileNotFoundError:
        current_app.logger.error("attachment version %s: its stored file is missing", version.id)
        abort(410, "The stored file is missing: ask your administrator to restore it from a backup.")
    response = current_app.response_class(_chunks(stream), mimetype=version.media_type.split(";")[0],
                                          direct_passthrough=True)
    if version.media_type.startswith("text/"):
        response.headers["Content-Type"] = version.media_type
    response.headers["Content-Length"] = str(version.size)
    response.headers["Content-Disposition"] = content_disposition(version.file_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-SHA256"] = version.sha256
    return response


def _chunks(stream, size: int = 256 * 1024):
    with stream:
        while chunk := stream.read(size):
            yield chunk

