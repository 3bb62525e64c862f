"""Pages of plan versions: the list, issuing, a version with its signatures and diff, signing,
declining, withdrawing, the stored PDF, the DRAFT PDF, the verify page and the signing key."""

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import jobs
from app.accounts.access import org_admin_required
from app.coediting.plan_diff import diff_plans, present_plan_diff
from app.downloads import content_disposition, file_name
from app.extensions import db, limiter
from app.forms import ConfirmForm
from app.inputs import without_control_characters
from app.partnerships.access import Permission, current_membership, get_in_partnership_or_404, require
from app.plan_sections import reading
from app.plan_versions import bp, deadlines, drafts, identities, pdfs, services, withdrawal, word
from app.plan_versions.forms import (
    DeclineForm,
    IssueForm,
    NudgeForm,
    SignForm,
    SigningKeyForm,
    VerifyForm,
    WithdrawForm,
)
from app.plan_versions.models import DraftPdf, PlanVersion
from app.plan_versions.verification import VerificationRefused, verify_pdf
from app.registries import UPLOAD_VERIFIERS, UploadVerifier
from app.rules import RuleViolation, applying
from app.submissions import claim
from app.types import utcnow
from app.uploads import KINDS, FileKind, display_name, read_upload, stream_digest

PKCS12 = FileKind(
    "a PKCS#12 file", "p12", "application/x-pkcs12", 64 * 1024, lambda head: head[:1] == b"\x30", (".p12", ".pfx")
)


def _diff_view(partnership_id: int, old_version, new_contents: dict, new_revisions: dict):
    old_contents = services.contents_of(old_version) if old_version is not None else {}
    ctx = reading.load_context(partnership_id, {**old_contents, **new_contents})
    changes = present_plan_diff(diff_plans(old_contents, new_contents), ctx)
    old_revisions = services.version_revisions(old_version) if old_version is not None else {}
    return {"changes": changes, "old_revisions": old_revisions, "new_revisions": new_revisions}


def _previous_baseline(version):
    """The signed baseline the version was issued against (None for the first)."""
    earlier = [
        v for v in services.versions_of(version.partnership_id)
        if v.status == "signed" and v.id != version.id and v.signed_at is not None and v.signed_at <= version.issued_at
    ]
    return max(earlier, key=lambda v: v.signed_at) if earlier else None


@bp.get("/partnerships/<int:partnership_id>/versions")
def index(partnership_id: int):
    versions = services.versions_of(partnership_id)
    baseline = services.baseline_of(partnership_id)
    return render_template(
        "plan_versions/index.html",
        versions=versions,
        baseline=baseline,
        awaiting=next((v for v in versions if v.status == "awaiting"), None),
        changes=services.baseline_changes(partnership_id),
        status_of=lambda v: services.status_of(v, baseline),
        labels=services.STATUS_LABELS,
        in_turn=services.party_in_turn,
        today=utcnow().date(),
        draft_form=ConfirmForm(formdata=None),
    )


@bp.route("/partnerships/<int:partnership_id>/versions/new", methods=["GET", "POST"])
@require(Permission.EDIT_PARTNERSHIP)
def new(partnership_id: int):
    membership = current_membership()
    form = IssueForm()
    form.offer_orders(services.parties_of(partnership_id))
    status = 200
    if form.validate_on_submit():
        submission = claim(form)
        with applying(form) as applied:
            version = services.issue_version(membership, step=form.step.data, summary=form.summary.data,
                                             sign_by=form.sign_by.data, signing_order=form.chosen_order())
            target = url_for("plan_versions.show", partnership_id=partnership_id, version_id=version.id)
            submission.led_to(target)
            pdfs.build_soon(version.id)
        if not applied:
            status = 422
        else:
            asked = services.parties_asked(version)
            if version.signing_order:
                flash(f"{version.label} is issued: {asked[0].name}'s signatories are asked to sign it first.",
                      "success")
            else:
                flash(f"{version.label} is issued: every party's signatory is asked to sign it.", "success")
            return redirect(target)
    elif form.is_submitted():
        status = 422
    baseline = services.baseline_of(partnership_id)
    revisions = services.current_revisions(partnership_id)
    contents = {key: revision.content for key, revision in revisions.items()}
    return render_template(
        "plan_versions/new.html",
        form=form,
        baseline=baseline,
        awaiting=services.awaiting_of(partnership_id),
        unchanged=services.unchanged_baseline(membership.partnership, revisions),
        next_labels={step: services.label_of(services.next_number(partnership_id, step)) for step in services.STEPS},
        diff=_diff_view(partnership_id, baseline, contents, revisions),
    ), status


def _show(version, *, sign_form=None, decline_form=None, withdraw_form=None, nudge_form=None, status=200,
          template="plan_versions/show.html"):
    membership = current_membership()
    partnership_id = version.partnership_id
    baseline = services.baseline_of(partnership_id)
    previous = _previous_baseline(version)
    signed_parties = {s.party_id for s in version.signatures}
    party_to_it = services.is_party_to(version, membership.party_id)
    unsigned_signatory = (
        version.status == "awaiting" and membership.is_signatory and party_to_it
        and membership.party_id not in signed_parties
    )
    can_sign = unsigned_signatory and services.may_sign_now(version, membership.party_id)
    return render_template(
        template,
        version=version,
        status=services.status_of(version, baseline),
        labels=services.STATUS_LABELS,
        previous=previous,
        pending=services.unsigned_parties(version),
        version_parties=services.parties_of_version(version),
        party_to_it=party_to_it,
        can_sign=can_sign,
        out_of_turn=services.out_of_turn_message(version, membership.party)
        if unsigned_signatory and not can_sign else None,
        progress=deadlines.signing_progress(version),
        overdue=deadlines.overdue_today(version),
        order_names=services.order_names(version),
        can_nudge=membership.role == "admin" and version.status == "awaiting",
        nudge_form=nudge_form or NudgeForm(formdata=None),
        withdrawal=withdrawal.latest_withdrawal(version),
        can_propose_withdrawal=version.status == "awaiting" and membership.role == "admin"
        and withdrawal.open_withdrawal(version) is None,
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        documents=pdfs.document_state(version),
        diff=_diff_view(partnership_id, previous, services.contents_of(version), services.version_revisions(version)),
        sign_form=sign_form or SignForm(formdata=None),
        decline_form=decline_form or DeclineForm(formdata=None),
        intent=services.intent_statement(version, membership.party, current_user.full_name),
        two_factor=current_user.two_factor_enabled,
    ), status


@bp.get("/partnerships/<int:partnership_id>/versions/<int:version_id>")
def show(partnership_id: int, version_id: int):
    return _show(get_in_partnership_or_404(PlanVersion, version_id))


@bp.route("/partnerships/<int:partnership_id>/versions/<int:version_id>/sign", methods=["GET", "POST"])
@limiter.limit("10 per minute; 30 per hour", methods=["POST"])  # the password is re-entered here
def sign(partnership_id: int, version_id: int):
    membership = current_membership()
    version = get_in_partnership_or_404(PlanVersion, version_id)
    if not membership.is_signatory:
        abort(403)
    form = SignForm()
    if not form.is_submitted():
        return _show(version, sign_form=form, template="plan_versions/sign.html")
    if not form.validate():
        return _show(version, sign_form=form, status=422, template="plan_versions/sign.html")
    signing = services.SigningRequest(
        password=form.password.data or "",
        typed_name=form.typed_name.data or "",
        confirmed=bool(form.confirm.data),
        code=form.code.data or "",
        ip=request.remote_addr,
        user_agent=without_control_characters(request.headers.get("User-Agent", "")),
    )
    with applying(form) as applied:
        services.sign_version(membership, version, signing)
        pdfs.build_soon(version.id)
    if not applied:
        version = get_in_partnership_or_404(PlanVersion, version_id)
        return _show(version, sign_form=form, status=applied.violation.status, template="plan_versions/sign.html")
    db.session.refresh(version)
    if version.status == "signed":
        flash(f"You signed {version.label}. Every party has signed: it is now the plan's signed baseline.", "success")
    else:
        flash(f"You signed {version.label} for {membership.party.name}.", "success")
    return redirect(url_for("plan_versions.show", partnership_id=partnership_id, version_id=version.id))


@bp.post("/partnerships/<int:partnership_id>/versions/<int:version_id>/decline")
def decline(partnership_id: int, version_id: int):
    membership = current_membership()
    version = get_in_partnership_or_404(PlanVersion, version_id)
    if not membership.is_signatory:
        abort(403)
    form = DeclineForm()
    if form.validate_on_submit():
        with applying(form) as applied:
            services.decline_version(membership, version, form.reason.data or "")
        if applied:
            flash(f"You declined {version.label}; every member can read your reason.", "success")
            return redirect(url_for("plan_versions.show", partnership_id=partnership_id, version_id=version.id))
    version = get_in_partnership_or_404(PlanVersion, version_id)
    return _show(version, decline_form=form, status=422, template="plan_versions/sign.html")


@bp.post("/partnerships/<int:partnership_id>/versions/<int:version_id>/nudge")
@require(Permission.EDIT_PARTNERSHIP)
def nudge(partnership_id: int, version_id: int):
    """Remind one party's signatories that the version waits for them (once a day per party)."""
    membership = current_membership()
    version = get_in_partnership_or_404(PlanVersion, version_id)
    form = NudgeForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _show(version, nudge_form=form, status=422)
    with applying(form) as applied:
        sent = deadlines.nudge(membership, version, form.party_id.data)
    if not applied:
        return _show(get_in_partnership_or_404(PlanVersion, version_id), nudge_form=form,
                     status=applied.violation.status)
    flash(f"{sent.party.name}'s signatories are reminded that {version.label} waits for their signature.",
          "success")
    return redirect(url_for("plan_versions.show", partnership_id=partnership_id, version_id=version_id,
                            _anchor="signatures-heading"))


@bp.post("/partnerships/<int:partnership_id>/versions/<int:version_id>/withdraw")
@require(Permission.EDIT_PARTNERSHIP)
def withdraw(partnership_id: int, version_id: int):
    """Propose withdrawing the version: it is withdrawn when every other party agrees."""
    membership = current_membership()
    version = get_in_partnership_or_404(PlanVersion, version_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _show(version, withdraw_form=form, status=422)
    with applying(form) as applied:
        proposal = withdrawal.propose_withdrawal(membership, version, form.reason.data or "")
    if not applied:
        return _show(get_in_partnership_or_404(PlanVersion, version_id), withdraw_form=form,
                     status=applied.violation.status)
    if proposal.status == "agreed":
        flash(f"{version.label} is withdrawn (no other party takes part to be asked).", "success")
    else:
        flash(f"You proposed withdrawing {version.label}. It is withdrawn when every other party agrees; "
              "until then it can still be signed.", "success")
    return redirect(url_for("plan_versions.show", partnership_id=partnership_id, version_id=version_id))


@bp.get("/partnerships/<int:partnership_id>/versions/<int:version_id>/pdf")
def pdf(partnership_id: int, version_id: int):
    membership = current_membership()
    version = get_in_partnership_or_404(PlanVersion, version_id)
    state = pdfs.document_state(version)
    if state.ready:
        return _pdf_response(state.latest.data, _file_name(membership.partnership, version.label), state.latest.sha256)
    return render_template(
        "plan_versions/preparing.html", version=version,
        form=ConfirmForm(formdata=None), problem=jobs.problem_for(pdfs.JOB, f"version:{version.id}"),
    ), 202


@bp.post("/partnerships/<int:partnership_id>/versions/<int:version_id>/pdf")
@require(Permission.EDIT_PLAN)
def prepare_pdf(partnership_id: int, version_id: int):
    """Queue the PDF's build again ("try again" after a failure); idempotent."""
    version = get_in_partnership_or_404(PlanVersion, version_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    problem = jobs.problem_for(pdfs.JOB, f"version:{version.id}")
    with applying():
        if problem is not None:
            jobs.retry_problem(problem)
        else:
            pdfs.build_soon(version.id)
    return redirect(url_for("plan_versions.pdf", partnership_id=partnership_id, version_id=version.id))


@bp.get("/partnerships/<int:partnership_id>/versions/<int:version_id>/pdf/status")
def pdf_status(partnership_id: int, version_id: int):
    version = get_in_partnership_or_404(PlanVersion, version_id)
    state = pdfs.document_state(version)
    problem = None if state.ready else jobs.problem_for(pdfs.JOB, f"version:{version.id}")
    return jsonify(ready=state.ready, sha256=state.latest.sha256 if state.ready else None,
                   failed=problem is not None)


@bp.get("/partnerships/<int:partnership_id>/versions/<int:version_id>/docx")
def docx(partnership_id: int, version_id: int):
    """The version as a Word document: its frozen content, hash and signature status."""
    membership = current_membership()
    version = get_in_partnership_or_404(PlanVersion, version_id)
    return _docx_response(membership, version)


@bp.get("/partnerships/<int:partnership_id>/plan/draft.docx")
def draft_docx(partnership_id: int):
    """The working plan as a Word document (a draft, like the DRAFT PDF)."""
    return _docx_response(current_membership(), None)


def _docx_response(membership, version):
    # Built in the request: a large plan takes a second or two, where its PDF takes half a minute.
    data = word.plan_docx(membership.partnership, version, exported_by=membership.party.name)
    label = version.label if version is not None else "draft"
    response = current_app.response_class(data, mimetype=word.MIME_TYPE)
    name = file_name(membership.partnership.name or "plan", label, extension="docx")
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/partnerships/<int:partnership_id>/versions/<int:version_id>/changes")
def changes(partnership_id: int, version_id: int):
    """The working plan against a version (the baseline's "changed since" links land here)."""
    version = get_in_partnership_or_404(PlanVersion, version_id)
    revisions = services.current_revisions(partnership_id)
    contents = {key: revision.content for key, revision in revisions.items()}
    return render_template(
        "plan_versions/changes.html",
        version=version,
        diff=_diff_view(partnership_id, version, contents, revisions),
    )


@bp.get("/partnerships/<int:partnership_id>/plan/draft.pdf")
def draft_pdf(partnership_id: int):
    """The DRAFT PDF of the plan as it is now: served when ready, else how to get it."""
    membership = current_membership()
    draft = drafts.current_draft(membership.partnership)
    if draft is not None:
        return _draft_response(membership, draft)
    return render_template("plan_versions/draft.html", form=ConfirmForm(formdata=None))


@bp.post("/partnerships/<int:partnership_id>/plan/draft.pdf")
def request_draft_pdf(partnership_id: int):
    membership = current_membership()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with applying(show=False) as applied:
        draft = drafts.request_draft(membership)
    if not applied:
        return render_template("plan_versions/draft.html", form=ConfirmForm(formdata=None),
                               limit=applied.violation.message), 429
    return redirect(url_for("plan_versions.draft_file", partnership_id=partnership_id, draft_id=draft.id), 303)


@bp.get("/partnerships/<int:partnership_id>/plan/drafts/<int:draft_id>")
def draft_file(partnership_id: int, draft_id: int):
    membership = current_membership()
    draft = get_in_partnership_or_404(DraftPdf, draft_id)
    return _draft_response(membership, draft)


def _draft_response(membership, draft):
    if draft.status == "ready":
        return _pdf_response(draft.data, _file_name(membership.partnership, "draft"), draft.sha256)
    return render_template(
        "plan_versions/draft_preparing.html",
        draft=draft, ahead=drafts.queue_position(draft), form=ConfirmForm(formdata=None),
        problem=jobs.problem_for(drafts.JOB, f"draft:{draft.id}"),
    ), 202


@bp.get("/partnerships/<int:partnership_id>/plan/drafts/<int:draft_id>/status")
def draft_status(partnership_id: int, draft_id: int):
    draft = get_in_partnership_or_404(DraftPdf, draft_id)
    ready = draft.status == "ready"
    problem = None if ready else jobs.problem_for(drafts.JOB, f"draft:{draft.id}")
    if ready:
        stage = "Ready."
    elif draft.started_at is not None:
        stage = "Rendering the plan…"
    else:
        ahead = drafts.queue_position(draft)
        stage = f"Waiting for {ahead} other PDF{'s' if ahead != 1 else ''} to be prepared first…" if ahead else \
            "About to start…"
    return jsonify(ready=ready, failed=problem is not None, stage=stage)


@bp.post("/partnerships/<int:partnership_id>/plan/drafts/<int:draft_id>/retry")
@require(Permission.EDIT_PLAN)
def retry_draft(partnership_id: int, draft_id: int):
    draft = get_in_partnership_or_404(DraftPdf, draft_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    problem = jobs.problem_for(drafts.JOB, f"draft:{draft.id}")
    with applying():
        if problem is not None:
            jobs.retry_problem(problem)
        elif draft.status != "ready":
            jobs.enqueue_on_commit(drafts.JOB, draft.id)
    return redirect(url_for("plan_versions.draft_file", partnership_id=partnership_id, draft_id=draft_id))


def _file_name(partnership, label: str) -> str:
    return file_name(partnership.name or "plan", label, extension="pdf")


def _pdf_response(data: bytes, name: str, sha256: str | None):
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "private, no-store"
    if sha256:
        response.headers["X-Content-SHA256"] = sha256
    return response


def _verifiable() -> tuple[FileKind, list[UploadVerifier]]:
    """What /verify accepts: plan PDFs, and the kinds other features add, told apart by content."""
    pdf, others = KINDS["pdf"], UPLOAD_VERIFIERS.all()
    if not others:
        return pdf, others
    label = " or ".join(["a plan PDF", *(other.label for other in others)])
    return FileKind(label, "bin", "application/octet-stream", pdf.max_bytes,
                    lambda head: pdf.sniff(head) or any(other.sniff(head) for other in others)), others


@bp.route("/verify", methods=["GET", "POST"])
@login_required
def verify():
    form = VerifyForm()
    kind, others = _verifiable()
    if others:
        form.file.label.text = "File to verify"
        form.file.description = f"{kind.label[0].upper()}{kind.label[1:]} exported from Jointly, up to 20 MB."
        form.file.render_kw = None
    result, status, template, evidence_checks = None, 200, None, []
    if form.validate_on_submit():
        try:
            upload = read_upload(request.files.get("file"), kind)
        except RuleViolation as violation:
            form.file.errors = [violation.message]
            status = 422
        else:
            other = next((o for o in others if o.sniff(upload.data[:1024])), None)
            if other is not None:
                result, template = other.verify(upload.data, upload.original_name, upload.sha256), other.template
            else:
                try:
                    result = verify_pdf(upload.data)
                except VerificationRefused as refused:
                    form.file.errors = [f"{refused} A plan PDF from Jointly is checked well within these limits: "
                                        "this file is not one, or it was altered to be hard to read."]
                    status = 422
                else:
                    result.file_name, result.file_sha256 = upload.original_name, upload.sha256
                    result.file_size = upload.size
                    evidence_checks = result.check_files(_hashed_uploads(request.files.getlist("evidence")))
    elif form.is_submitted():
        status = 422
    return render_template("plan_versions/verify.html", form=form, result=result, result_template=template,
                           others=others, evidence_checks=evidence_checks), status


EVIDENCE_FILES_MAX = 20


def _hashed_uploads(uploads) -> list[tuple[str, str, int]]:
    """(name, SHA-256, size) of each file given to check against a version's annex; the files
    are only hashed, as they stream, never kept."""
    found = []
    for upload in [u for u in uploads if u and u.filename][:EVIDENCE_FILES_MAX]:
        found.append((display_name(upload.filename), *stream_digest(upload.stream)))
    return found


@bp.route("/organisation/signing-key", methods=["GET", "POST"])
@org_admin_required
def signing_key():
    form = SigningKeyForm()
    status = 200
    if form.validate_on_submit():
        with applying(form) as applied:
            # Read in memory only: the key is kept encrypted in the database, never as a file.
            upload = read_upload(request.files.get("file"), PKCS12)
            identities.upload_key(current_user._get_current_object(), upload.data, form.password.data)
        if not applied:
            status = 422
        else:
            flash("The uploaded certificate now signs your organisation's plan signatures.", "success")
            return redirect(url_for("plan_versions.signing_key"))
    elif form.is_submitted():
        status = 422
    return render_template(
        "plan_versions/signing_key.html", form=form, key=identities.current_key(current_user.organisation_id),
    ), status

