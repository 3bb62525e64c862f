"""DRAFT PDFs: cached per content, shared by everyone who asks, limited per person and partnership."""

import sqlalchemy as sa

from app.extensions import db
from app.plan_versions import drafts
from app.plan_versions.models import DraftPdf


def _url(versions, tail: str = "/plan/draft.pdf") -> str:
    return f"/partnerships/{versions.partnership.id}{tail}"


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(DraftPdf))


def test_a_draft_is_rendered_once_per_content_and_served_from_the_cache(versions, client_as):
    viewer, editor = client_as(versions.people.a.viewer), client_as(versions.people.b.editor)
    first = viewer.submit(_url(versions))
    second = editor.submit(_url(versions))
    assert first.location == second.location and _count() == 1  # the same draft for everyone
    pdf = editor.get(_url(versions))  # the plain address serves the cached file now
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert pdf.headers["X-Content-SHA256"] == db.session.scalar(sa.select(DraftPdf.sha256))
    assert viewer.get(first.location).data == pdf.data

    versions.save(versions.people.a.editor, "risk_assessment",
                  {"narrative": "A changed risk stance.", "fields": {}, "items": {"risks": []}})
    offer = viewer.get(_url(versions))
    assert offer.status_code == 200 and "Prepare the DRAFT PDF" in offer.text  # the plan changed
    assert viewer.submit(_url(versions)).location != first.location and _count() == 2


def test_new_drafts_are_limited_per_person_and_per_partnership(versions, client_as, app):
    app.config.update(DRAFT_PDF_PER_USER_PER_HOUR=1, DRAFT_PDF_PER_PARTNERSHIP_PER_HOUR=2)
    viewer, other = client_as(versions.people.a.viewer), client_as(versions.people.b.viewer)
    assert viewer.submit(_url(versions)).status_code == 303

    def change(text):
        versions.save(versions.people.a.editor, "risk_assessment",
                      {"narrative": text, "fields": {}, "items": {"risks": []}})

    change("Second wording.")
    refused = viewer.submit(_url(versions))
    assert refused.status_code == 429 and "You asked for 1 new DRAFT PDFs in the last hour" in refused.text
    assert other.submit(_url(versions)).status_code == 303  # someone else may
    change("Third wording.")
    refused = client_as(versions.people.b.editor).submit(_url(versions))
    assert refused.status_code == 429 and "This partnership asked for 2 new DRAFT PDFs" in refused.text
    assert _count() == 2


def test_at_most_a_few_drafts_of_a_partnership_wait_at_once(versions, client_as):
    for n in range(3):  # as if three were waiting for a busy worker
        db.session.add(DraftPdf(partnership_id=versions.partnership.id, content_hash=f"{n:064d}", status="pending",
                                html="<p>x</p>", requested_by_id=versions.people.b.admin.id))
    db.session.commit()
    refused = client_as(versions.people.a.viewer).submit(_url(versions))
    assert refused.status_code == 429 and "being prepared already" in refused.text


def test_a_waiting_draft_shows_its_place_in_the_queue_and_refreshes_without_script(versions, client_as):
    earlier = DraftPdf(partnership_id=versions.partnership.id, content_hash="1" * 64, status="pending",
                       html="<p>x</p>")
    waiting = DraftPdf(partnership_id=versions.partnership.id, content_hash="2" * 64, status="pending",
                       html="<p>y</p>")
    db.session.add_all([earlier, waiting])
    db.session.commit()
    viewer = client_as(versions.people.b.viewer)
    page = viewer.get(_url(versions, f"/plan/drafts/{waiting.id}"))
    assert page.status_code == 202 and "Waiting for 1 other PDF to be prepared first" in page.text
    assert '<noscript><meta http-equiv="refresh"' in page.text and "<script>" not in page.text
    status = viewer.get(_url(versions, f"/plan/drafts/{waiting.id}/status")).get_json()
    assert status == {"ready": False, "failed": False, "stage": "Waiting for 1 other PDF to be prepared first…"}
    assert drafts.build_draft(earlier.id) and drafts.build_draft(waiting.id)
    assert viewer.get(_url(versions, f"/plan/drafts/{waiting.id}/status")).get_json()["ready"] is True
    assert viewer.get(_url(versions, f"/plan/drafts/{waiting.id}")).data.startswith(b"%PDF-")
    assert drafts.build_draft(waiting.id) is False  # never twice
