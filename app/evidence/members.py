"""What goes into an evidence pack: a list of producers, each giving the pack's members for
one kind of evidence. Adding a kind of evidence is one producer and one line in PRODUCERS.

A producer takes the partnership and returns `Member`s (a name inside the ZIP and its bytes);
it may return none (no signed version yet, no closed review). Producers run on a worker, so
they may render what was not rendered yet (a version's PDF, a review report).
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.lifecycle.document import lifecycle_pdf
from app.partnerships.models import Partnership


@dataclass(frozen=True)
class Member:
    name: str  # ASCII path inside the ZIP, e.g. "plan/plan-v1.0-signed.pdf"
    data: bytes
    description: str  # one line for the pack's README


def _json(document) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode()


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def signed_plan(partnership: Partnership) -> Iterable[Member]:
    """The signed baseline's PDF, as stored: every party's PAdES signature in it."""
    from app.plan_versions import pdfs, services

    baseline = services.baseline_of(partnership.id)
    if baseline is None:
        return []
    state = pdfs.document_state(baseline)
    if not state.ready:
        pdfs.build_now(baseline.id)
        state = pdfs.document_state(baseline)
    return [Member(f"plan/plan-{baseline.label}-signed.pdf", state.latest.data,
                   f"The signed baseline, plan {baseline.label}, with every party's digital signature "
                   f"(content SHA-256 {baseline.content_hash}).")]


def version_history(partnership: Partnership) -> Iterable[Member]:
    """Every plan version: its status, who it was issued to, each signature and its hashes."""
    from app.plan_versions import pdfs, services

    baseline = services.baseline_of(partnership.id)
    versions = []
    for version in reversed(services.versions_of(partnership.id)):
        documents = pdfs.documents_of(version.id)
        versions.append({
            "version": version.label,
            "status": services.STATUS_LABELS[services.status_of(version, baseline)],
            "summary": version.summary,
            "issued_at": _iso(version.issued_at),
            "issued_by": version.issued_by.full_name,
            "issued_to": [party.name for party in services.parties_of_version(version)],
            "content_sha256": version.content_hash,
            "signed_at": _iso(version.signed_at),
            "closed_at": _iso(version.closed_at),
            "close_reason": version.close_reason,
            "signatures": [
                {"party": signature.party.name, "signer": signature.signer.full_name,
                 "typed_name": signature.typed_name, "signed_at": _iso(signature.signed_at),
                 "authenticated_by": signature.auth_method, "content_sha256": signature.content_hash,
                 "certificate_sha256": signature.signing_key.fingerprint}
                for signature in sorted(version.signatures, key=lambda s: s.signed_at)
            ],
            "pdf_sha256": documents[-1].sha256 if documents else None,
        })
    if not versions:
        return []
    return [Member("plan/version-history.json", _json({"partnership": partnership.name, "versions": versions}),
                   "Every plan version: status, parties, signatures, the certificates that made them, and the "
                   "SHA-256 of each version's content and of its newest PDF.")]


def _slug(period: str) -> str:
    return "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in period)


def review_reports(partnership: Partnership) -> Iterable[Member]:
    """The report PDF of every closed quarterly review, oldest first, as stored when it closed
    (maturity assessments have members of their own)."""
    from app.review_cycle import report
    from app.review_cycle.models import CLOSED, ReviewCycle

    cycles = db.session.scalars(
        sa.select(ReviewCycle)
        .where(ReviewCycle.partnership_id == partnership.id, ReviewCycle.stage == CLOSED,
               ReviewCycle.kind == "review")
        .order_by(ReviewCycle.opened_at, ReviewCycle.id)
    ).all()
    members = []
    for cycle in cycles:
        stored = report.stored_report(cycle.id)
        if stored is None:
            report.build_report_document(cycle.id)
            stored = report.stored_report(cycle.id)
        members.append(Member(f"reviews/review-{_slug(cycle.period)}-{cycle.id}.pdf", stored.data,
                              f"The report of the review of {cycle.period}, as it closed."))
    return members


def maturity_results(partnership: Partnership) -> Iterable[Member]:
    """Every revealed joint maturity assessment: all of them as data, and each one's results PDF."""
    from app.review_cycle import maturity_export

    revealed = maturity_export.revealed_maturity_assessments(partnership.id)
    if not revealed:
        return []
    members = [Member("maturity/maturity-results.json", _json(maturity_export.maturity_results(partnership.id)),
                      "Every revealed maturity assessment: the scale and dimensions, each party's level and "
                      "evidence per dimension, the perception gaps and the improvement actions.")]
    for cycle in revealed:
        members.append(Member(f"maturity/maturity-{_slug(cycle.period)}-{cycle.id}.pdf",
                              maturity_export.maturity_results_pdf(cycle.id),
                              f"The results of the maturity assessment of {cycle.period}"
                              f"{', as it closed' if cycle.closed_at else ', as of the export'}."))
    return members


def audit_trail(partnership: Partnership) -> Iterable[Member]:
    """The partnership's whole audit trail, signed (`flask --app wsgi audit verify-export` checks it)."""
    from app.audit.export import export_trail

    return [Member("audit/audit-trail.signed.json", export_trail(partnership.id, partnership.name),
                   "The whole audit trail: every event of the hash chain, the signed checkpoints and the keys "
                   "that signed them, itself signed.")]


def document(name: str, description: str, make: Callable[[int], bytes]) -> Callable[[Partnership], list[Member]]:
    """A producer of one member made by `make(partnership_id)` (a PDF another feature renders)."""

    def produce(partnership: Partnership) -> list[Member]:
        return [Member(name, make(partnership.id), description)]

    produce.__name__ = name
    return produce


Producer = Callable[[Partnership], Iterable[Member]]

PRODUCERS: tuple[Producer, ...] = (
    signed_plan,
    version_history,
    review_reports,
    maturity_results,
    document("lifecycle/lifecycle-map.pdf", "The lifecycle map: the eight stages of the relationship, where it "
             "stands and the evidence Jointly holds for each, as of the export.", lifecycle_pdf),
    audit_trail,
)
