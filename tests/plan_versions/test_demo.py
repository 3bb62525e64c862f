"""The demo's versions: v1.0 signed by both parties, v1.1 awaiting Contoso, real signed PDFs."""

import sqlalchemy as sa

from app.extensions import db
from app.partnerships.models import Partnership
from app.plan_versions import pdfs, services
from app.plan_versions.verification import verify_pdf


def test_demo_has_a_signed_baseline_and_a_version_awaiting_contoso(demo):
    partnership = db.session.scalar(sa.select(Partnership).order_by(Partnership.id))
    newest, first = services.versions_of(partnership.id)
    assert (first.label, first.status, newest.label, newest.status) == ("v1.0", "signed", "v1.1", "awaiting")
    assert services.baseline_of(partnership.id).id == first.id
    assert [s.party.name for s in newest.signatures] == ["Northwind Logistics"]
    assert services.baseline_changes(partnership.id).changed == {"management_activities", "exit_arrangements"}

    signed = verify_pdf(pdfs.document_state(first).latest.data)
    assert signed.ok and len(signed.signatures) == 2
    half = verify_pdf(pdfs.document_state(newest).latest.data)
    assert half.intact and half.status == "awaiting" and not half.ok
    assert [check.recorded.party.name for check in half.signatures] == ["Northwind Logistics"]
