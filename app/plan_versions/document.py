"""The plan as a document: the HTML WeasyPrint turns into the PDF of a version (or the DRAFT of
the working plan), from the same section partials as the whole-plan page.

`document_html(partnership, version=None, draft=False)` is the one entry point; the PDF
renderer (app/plan_versions/pdfs.py) and the benchmark call it.
"""

from contextlib import nullcontext

from flask import current_app, has_request_context, render_template

from app.partnerships.models import Partnership
from app.plan_sections import reading
from app.plan_sections.display import section_body
from app.plan_sections.registry import section_types
from app.plan_versions import services
from app.plan_versions.models import PlanVersion
from app.signing.rendering import SIGNATURE_ANCHOR_PREFIX
from app.types import utcnow


def signature_field_name(party_id: int) -> str:
    return f"Party{party_id}"


def document_context(partnership: Partnership, version: PlanVersion | None = None, *, draft: bool = False) -> dict:
    if version is not None:
        revisions = services.version_revisions(version)
        contents = services.contents_of(version)
    else:
        revisions = services.current_revisions(partnership.id)
        contents = {key: revision.content for key, revision in revisions.items()}
    ctx = reading.load_context(partnership.id, contents)
    # A version reads as it was frozen; its revisions give the narrative and who wrote it.
    sections = [
        section_body(section_type, revisions.get(section_type.key), ctx,
                     content=contents.get(section_type.key) or section_type.empty_content())
        for section_type in section_types()
    ]
    baseline = services.baseline_of(partnership.id)
    evidence = services.evidence_of(version) if version is not None else services.plan_evidence(partnership.id)
    draft_document = {"format": services.CANONICAL_FORMAT, "version": "draft",
                      "partnership": services.partnership_profile(partnership), "sections": contents}
    if evidence:
        draft_document["evidence"] = evidence
    content_hash = version.content_hash if version is not None else services.sha256_hex(
        services.canonical_json(draft_document))
    signatures = {s.party_id: s for s in version.signatures} if version is not None else {}
    return {
        "partnership": partnership,
        "version": version,
        "draft": draft or version is None,
        "status": services.STATUS_LABELS[services.status_of(version, baseline)] if version is not None else "Draft",
        "label": version.label if version is not None else "Working draft",
        "content_hash": content_hash,
        "sections": sections,
        # The files the plan rests on, each with its SHA-256: the annex before the signatures.
        "evidence": evidence,
        # A version names the parties it was issued to (as they were named then); a draft, today's.
        "parties": services.parties_of_version(version) if version is not None else services.parties_of(partnership.id),
        "signatures": signatures,
        "field_prefix": SIGNATURE_ANCHOR_PREFIX,
        "field_name": signature_field_name,
        "generated_at": utcnow(),
        "utc_date": utc_date,
        "utc_time": utc_time,
    }


# The document reads the same whoever renders it: times in UTC, not the viewer's zone.
def utc_date(moment) -> str:
    return f"{moment.day} {moment:%B %Y}"


def utc_time(moment) -> str:
    return f"{utc_date(moment)}, {moment:%H:%M} UTC"


def document_html(partnership: Partnership, version: PlanVersion | None = None, *, draft: bool = False) -> str:
    """The HTML fed to WeasyPrint: cover, contents, the ten sections and the signature page."""
    # The shared macros build links with url_for, which needs a request outside one.
    context = nullcontext() if has_request_context() else current_app.test_request_context(
        base_url=current_app.config.get("APP_BASE_URL") or "http://localhost"
    )
    with context:
        return render_template("plan_versions/document.html", **document_context(partnership, version, draft=draft))

