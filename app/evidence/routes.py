"""The Evidence page: export a pack (partnership admins), watch it being prepared, download it;
and the evidence-pack result of the /verify page."""

from flask import abort, current_app, jsonify, redirect, render_template, url_for

from app import jobs
from app.downloads import content_disposition, file_name
from app.evidence import bp, packing
from app.evidence.models import EvidencePack
from app.evidence.verification import verify_pack
from app.forms import ConfirmForm
from app.partnerships.access import Permission, current_membership, get_in_partnership_or_404, require
from app.rules import applying


@bp.get("/partnerships/<int:partnership_id>/evidence")
@require(Permission.VIEW_AUDIT)
def index(partnership_id: int):
    return _index(ConfirmForm(formdata=None))


def _index(form, limit: str | None = None, status: int = 200):
    membership = current_membership()
    return render_template("evidence/index.html", form=form, packs=packing.packs_of(membership.partnership_id),
                           certificates=packing.party_certificates(membership.partnership), limit=limit), status


@bp.post("/partnerships/<int:partnership_id>/evidence")
@require(Permission.VIEW_AUDIT)
def export(partnership_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with applying(show=False) as applied:
        pack = packing.request_pack(current_membership())
    if not applied:
        return _index(ConfirmForm(formdata=None), applied.violation.message, 429)
    return redirect(url_for("evidence.pack", partnership_id=partnership_id, pack_id=pack.id), 303)


@bp.get("/partnerships/<int:partnership_id>/evidence/<int:pack_id>")
@require(Permission.VIEW_AUDIT)
def pack(partnership_id: int, pack_id: int):
    found = get_in_partnership_or_404(EvidencePack, pack_id)
    if found.status != "ready":
        return render_template("evidence/preparing.html", pack=found, form=ConfirmForm(formdata=None),
                               problem=jobs.problem_for(packing.JOB, f"pack:{found.id}")), 202
    if found.data is None:  # an old pack whose file was dropped (EVIDENCE_PACK_KEEP_DAYS)
        abort(410)
    name = file_name("evidence-pack", current_membership().partnership.name, f"{found.ready_at:%Y-%m-%d}",
                     str(found.id), extension="zip")
    response = current_app.response_class(found.data, mimetype="application/zip")
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-SHA256"] = found.sha256
    return response


@bp.get("/partnerships/<int:partnership_id>/evidence/certificates/<int:organisation_id>.pem")
@require(Permission.VIEW_AUDIT)
def certificate(partnership_id: int, organisation_id: int):
    """A party's current signing certificate, to hand a certifier with the pack (public data:
    it is inside every signature the organisation makes)."""
    found = packing.party_certificates(current_membership().partnership).get(organisation_id)
    if found is None:
        abort(404)
    organisation, key = found
    response = current_app.response_class(key.certificate_pem, mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = content_disposition(
        file_name(organisation.name, "signing-certificate", extension="pem"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/partnerships/<int:partnership_id>/evidence/<int:pack_id>/status")
@require(Permission.VIEW_AUDIT)
def status(partnership_id: int, pack_id: int):
    found = get_in_partnership_or_404(EvidencePack, pack_id)
    ready = found.status == "ready"
    problem = None if ready else jobs.problem_for(packing.JOB, f"pack:{found.id}")
    stage = "Ready." if ready else ("Gathering and signing the evidence…" if found.started_at else "About to start…")
    return jsonify(ready=ready, failed=problem is not None, stage=stage)


@bp.post("/partnerships/<int:partnership_id>/evidence/<int:pack_id>/retry")
@require(Permission.VIEW_AUDIT)
def retry(partnership_id: int, pack_id: int):
    found = get_in_partnership_or_404(EvidencePack, pack_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    problem = jobs.problem_for(packing.JOB, f"pack:{found.id}")
    with applying():
        if problem is not None:
            jobs.retry_problem(problem)
        elif found.status == "pending":
            jobs.enqueue_on_commit(packing.JOB, found.id)
    return redirect(url_for("evidence.pack", partnership_id=partnership_id, pack_id=pack_id))


def verify_upload(data: bytes, name: str, sha256: str):
    """/verify's check of an uploaded pack (app/plan_versions reads it through UPLOAD_VERIFIERS)."""
    result = verify_pack(data)
    result.file_name, result.file_sha256, result.file_size = name, sha256, len(data)
    return result
