"""Import a plan: upload the file, confirm how its parts map to sections, save."""

from flask import flash, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from app.markdown import render_markdown
from app.partnerships.access import Permission, current_membership, get_in_partnership_or_404, require
from app.plan_import import bp, services
from app.plan_import.forms import UploadForm, mapping_form
from app.plan_import.models import PendingImport
from app.rules import applying
from app.uploads import read_upload


@bp.route("/partnerships/<int:partnership_id>/plan/import", methods=["GET", "POST"])
@require(Permission.EDIT_PLAN)
def upload(partnership_id: int):
    membership = current_membership()
    form = UploadForm()
    status = 200
    if form.validate_on_submit():
        try:
            with applying(show=False) as applied:
                upload = read_upload(request.files.get("file"), services.PLAN_FILE)
                pending = services.start_import(membership, upload.data, upload.original_name)
        except RequestEntityTooLarge:
            limit = services.PLAN_FILE.max_bytes // (1024 * 1024)
            form.file.errors = [f"This file is larger than {limit} MB. A plan's text is far smaller: save it without "
                                "embedded pictures or videos, or as Markdown, and upload that."]
            status = 413
        else:
            if applied:
                return redirect(url_for("plan_import.preview", partnership_id=partnership_id, import_id=pending.id))
            form.file.errors = [applied.violation.message]  # whatever the rule, it is about the file
            status = 422
    elif form.is_submitted():
        status = 422
    return render_template("plan_import/upload.html", form=form, keep_hours=services.KEEP_HOURS), status


@bp.route("/partnerships/<int:partnership_id>/plan/import/<int:import_id>", methods=["GET", "POST"])
@require(Permission.EDIT_PLAN)
def preview(partnership_id: int, import_id: int):
    membership = current_membership()
    pending = get_in_partnership_or_404(PendingImport, import_id, user_id=membership.user_id)
    if services.is_expired(pending):
        flash(f"The import of “{pending.filename}” expired (an upload waits {services.KEEP_HOURS} hours for its "
              "preview to be confirmed). Upload the file again.", "warning")
        return redirect(url_for("plan_import.upload", partnership_id=partnership_id))
    if pending.confirmed_at is not None:
        flash(f"“{pending.filename}” was already imported: the plan below has it.", "info")
        return redirect(url_for("plan_sections.overview", partnership_id=partnership_id))
    if request.method != "POST":
        return _render_preview(membership, pending, services.suggested_mapping(pending))
    mapping = services.parse_mapping(request.form, pending)
    errors = services.mapping_errors(pending, mapping)
    action = request.form.get("action", "preview")
    if errors or action not in ("preview", "import"):
        return _render_preview(membership, pending, mapping, errors=errors, status=422,
                               form_error=None if action in ("preview", "import") else "Choose Update preview "
                               "or Import into the plan.")
    if action == "preview":
        return _render_preview(membership, pending, mapping)
    with applying(show=False) as applied:
        results = services.confirm_import(membership, pending, mapping)
    if not applied:
        return _render_preview(membership, pending, mapping, status=applied.violation.status,
                               form_error=applied.violation.message)
    _say_how_it_went(pending.filename, results)
    return redirect(url_for("plan_sections.overview", partnership_id=partnership_id))


def _render_preview(membership, pending, mapping, *, errors=None, status=200, form_error=None):
    form = mapping_form(pending, mapping)
    for index, message in (errors or {}).items():
        getattr(form, f"part_{index}").errors = [message]
    valid = {index: key for index, key in mapping.items() if index not in (errors or {})}
    preview = services.build_preview(membership, pending, valid)
    narratives = {
        part["index"]: Markup(render_markdown(part["imported"].narrative))  # noqa: S704  # nosec B704 - sanitised
        for part in preview.parts if part["imported"] is not None
    }
    return render_template(
        "plan_import/preview.html", pending=pending,
        form=form, preview=preview, narratives=narratives, form_error=form_error, keep_hours=services.KEEP_HOURS,
    ), status


def _say_how_it_went(filename: str, results) -> None:
    saved = [r for r in results if r.status in ("saved", "merged")]
    if saved:
        count = f"{len(saved)} section{'' if len(saved) == 1 else 's'}"
        flash(f"Imported from “{filename}” into {count}, one new revision each: "
              f"{', '.join(r.title for r in saved)}.", "success")
    merged = [r.title for r in saved if r.status == "merged"]
    if merged:
        flash(f"Merged with changes saved since you uploaded the file: {', '.join(merged)}.", "info")
    for r in results:
        if r.status == "unchanged":
            flash(f"{r.title} already read exactly like the import: nothing to save.", "info")
        elif r.status == "conflict":
            flash(f"{r.title}: the import overlaps with changes saved since you uploaded the file. Nothing is lost: "
                  "your import is kept on the section's page until you choose what to keep.", "warning")
        elif r.status == "proposed":
            if r.outcome.proposal.status == "agreed":
                flash(f"{r.title} is saved: no other party takes part to be asked.", "success")
            else:
                flash(f"{r.title} is an agreed section: the import is proposed to the other parties and made when "
                      "every one of them agrees.", "info")
        elif r.status == "refused":
            flash(f"{r.title} was not imported: {r.refusal}", "warning")
