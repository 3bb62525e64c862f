"""The job tier in-process (JOBS_IMMEDIATE): failures people see and retry, the sweeps that
re-queue what a stopped worker left, and the stored review report."""

import sqlalchemy as sa

from app import jobs
from app.extensions import db
from app.jobs.models import JobProblem
from app.plan_versions import pdfs
from app.plan_versions.models import OrganisationSigningKey, PlanDocument
from app.review_cycle import report
from app.review_cycle.models import ReviewReportDocument
from tests.support.review_cycle import agree_all, open_cycle, submit


def _url(versions, tail: str) -> str:
    return f"/partnerships/{versions.partnership.id}/versions{tail}"


def test_a_failed_pdf_job_is_shown_with_try_again_and_succeeds_when_retried(versions, client_as):
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    key = db.session.scalar(sa.select(OrganisationSigningKey))
    good = key.encrypted_key
    key.encrypted_key = b"not an encrypted key"  # the signature cannot be added
    pdfs.build_soon(version.id)
    db.session.commit()

    problem = db.session.scalar(sa.select(JobProblem))
    assert (problem.job, problem.key, problem.partnership_id) == ("plan_pdf", f"version:{version.id}",
                                                                 versions.partnership.id)
    assert problem.attempts == 1 and "SigningKeyError" in problem.message
    editor, viewer = client_as(versions.people.a.editor), client_as(versions.people.b.viewer)
    page = editor.get(_url(versions, f"/{version.id}/pdf"))
    assert page.status_code == 202 and "could not be prepared yet" in page.text and "Try again" in page.text
    assert "SigningKeyError" in page.text
    seen = viewer.get(_url(versions, f"/{version.id}/pdf"))
    assert "could not be prepared yet" in seen.text and "Try again" not in seen.text
    assert viewer.get(_url(versions, f"/{version.id}/pdf/status")).get_json()["failed"] is True

    key.encrypted_key = good
    db.session.commit()
    assert editor.submit(_url(versions, f"/{version.id}/pdf")).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobProblem)) == 0
    served = viewer.get(_url(versions, f"/{version.id}/pdf"))
    assert served.status_code == 200 and served.data.startswith(b"%PDF-")


def test_the_sweep_requeues_unfinished_versions_but_not_those_that_gave_up(versions):
    done = versions.issue()
    pdfs.build_now(done.id)
    versions.sign(done, versions.people.a.admin)  # its signature is not on the PDF yet
    assert pdfs.unfinished_versions() == [done.id]
    db.session.add(JobProblem(job="plan_pdf", key=f"version:{done.id}", args=[done.id], attempts=6,
                              message="x", failed_at=done.issued_at, gave_up=True))
    db.session.commit()
    assert pdfs.unfinished_versions() == []  # waits for someone to try again
    db.session.execute(sa.delete(JobProblem))
    db.session.commit()
    assert pdfs.requeue_unfinished() == 1  # immediate mode: the queued job runs at once
    assert pdfs.unfinished_versions() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanDocument)) == 2


def test_a_closed_cycle_report_pdf_is_rendered_once_and_served_as_stored(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.admin)
    submit(cycle, world.b.admin)
    url = f"/partnerships/{world.partnership.id}/reviews/{cycle.id}/report.pdf"
    for _ in range(4):
        agree_all(cycle, [world.a.admin, world.b.admin])
    stored = db.session.scalars(sa.select(ReviewReportDocument)).all()
    assert [s.cycle_id for s in stored] == [cycle.id]  # rendered when the cycle closed
    first = client_as(world.b.viewer).get(url)
    assert first.status_code == 200 and first.headers["X-Content-SHA256"] == stored[0].sha256
    assert report.build_report_document(cycle.id) is False  # never twice
    assert client_as(world.a.viewer).get(url).data == first.data


def test_a_report_not_rendered_yet_shows_a_page_that_refreshes_without_script(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.admin)
    submit(cycle, world.b.admin)
    for _ in range(4):
        agree_all(cycle, [world.a.admin, world.b.admin])
    db.session.execute(sa.delete(ReviewReportDocument))  # as if the worker had not got to it
    db.session.commit()
    url = f"/partnerships/{world.partnership.id}/reviews/{cycle.id}/report.pdf"
    viewer = client_as(world.b.viewer)
    waiting = viewer.get(url)
    assert waiting.status_code == 202
    assert '<noscript><meta http-equiv="refresh"' in waiting.text and "js/preparing.js" in waiting.text
    assert "<script>" not in waiting.text
    assert viewer.get(url + "/status").get_json() == {"ready": False, "failed": False}
    assert report.requeue_missing_reports() == 1
    assert viewer.get(url + "/status").get_json()["ready"] is True


def test_jobs_queued_in_a_rolled_back_transaction_never_run(versions):
    version = versions.issue()
    jobs.enqueue_on_commit("plan_pdf", version.id)
    db.session.rollback()
    db.session.commit()
    assert pdfs.unfinished_versions() == [version.id]
