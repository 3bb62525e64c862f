"""The real worker: `flask --app wsgi ermp worker` processes against the SQLite queue and
database, or (JOINTLY_TEST_DB=postgresql) against Redis and PostgreSQL.

Few and focused: each starts real processes and renders real PDFs.
"""

import os

import sqlalchemy as sa

from app.extensions import db
from app.jobs import locks
from app.plan_sections.registry import get_section_type
from app.plan_versions import pdfs
from app.plan_versions.models import PlanDocument
from tests.support.plans import Versions
from tests.support.samples import sample_content
from tests.support.services import wait_for


def _numbers(version_id: int) -> list[tuple[int, int | None]]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        sa.select(PlanDocument.number, PlanDocument.signature_id)
        .where(PlanDocument.version_id == version_id).order_by(PlanDocument.number)
    )]


def _held_elsewhere(key: str) -> bool:
    with locks.exclusive(key) as held:
        return not held


def _a_long_plan(world) -> Versions:
    plan = Versions(world)
    plan.write_everything()
    risks = sample_content(get_section_type("risk_assessment"), plan.context(), items_per_kind=120)
    plan.save(world.a.editor, "risk_assessment", risks)  # a few more seconds of rendering
    return plan


def test_a_worker_killed_mid_render_leaves_nothing_and_the_pdf_is_made_after_restart(queue, queue_world):
    plan = _a_long_plan(queue_world)
    version = plan.issue()
    pdfs.build_soon(version.id)
    db.session.commit()  # queued, with no worker running yet

    first = queue.start_worker()
    wait_for(lambda: _held_elsewhere(f"plan-pdf:{version.id}"), timeout=90, interval=0.05,
             what="the worker to start rendering")
    # It renders at a lower CPU priority than the web server's (JOB_WORKER_NICE, 10 by default).
    assert os.getpriority(os.PRIO_PROCESS, first.process.pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
    assert "at lower CPU priority than the web server (nice +10)" in first.log()
    first.kill()  # SIGKILL mid-render: no cleanup, the job is lost from the queue
    assert _numbers(version.id) == []
    # The lock dies with the process (the kernel or the server frees it as the job process exits).
    wait_for(lambda: not _held_elsewhere(f"plan-pdf:{version.id}"), timeout=20, what="the lock to be freed")

    queue.start_worker()  # a restarted worker sweeps up unfinished versions at once
    wait_for(lambda: _numbers(version.id) == [(0, None)], timeout=180, what="the PDF after the restart")
    db.session.expire_all()
    assert pdfs.document_state(version).ready


def test_two_workers_never_render_or_sign_the_same_version_twice(queue, queue_world):
    plan = Versions(queue_world)
    plan.write_everything()
    version = plan.issue()
    signatures = [plan.sign(version, queue_world.a.admin), plan.sign(version, queue_world.b.admin)]
    for _ in range(4):  # the same work asked for again and again, as views and sweeps do
        pdfs.build_soon(version.id)
        db.session.commit()
    queue.start_worker(workers=2)
    queue.start_worker(workers=2)
    expected = [(0, None), (1, signatures[0].id), (2, signatures[1].id)]
    wait_for(lambda: _numbers(version.id) == expected, timeout=180, what="the rendered and signed PDF")
    for worker in queue.workers:
        worker.stop()
    logs = queue.logs()
    assert logs.count(f"plan version {version.id}: stored PDF document") == 3, logs[-3000:]
    assert "Traceback" not in logs, logs[-3000:]


def test_a_draft_asked_for_by_ten_sessions_at_once_is_rendered_once(queue, queue_world, queue_app):
    from concurrent.futures import ThreadPoolExecutor

    from app.plan_versions.models import DraftPdf
    from tests.support.factories import PASSWORD

    Versions(queue_world).write_everything()
    db.session.commit()
    people = [queue_world.a.admin, queue_world.a.editor, queue_world.a.viewer,
              queue_world.b.admin, queue_world.b.editor, queue_world.b.viewer]
    clients = []
    for n in range(10):
        client = queue_app.test_client()
        client.sign_in(people[n % len(people)].email, PASSWORD)
        clients.append(client)
    url = f"/partnerships/{queue_world.partnership.id}/plan/draft.pdf"
    tokens = [client.csrf_token() for client in clients]
    queue.start_worker(workers=2)

    def ask(pair):
        client, token = pair
        with queue_app.app_context():
            return client.post(url, data={"csrf_token": token}).location

    with ThreadPoolExecutor(max_workers=10) as pool:
        locations = list(pool.map(ask, zip(clients, tokens, strict=True)))
    assert len(set(locations)) == 1 and locations[0] is not None
    wait_for(lambda: clients[0].get(locations[0] + "/status").get_json()["ready"], timeout=180,
             what="the DRAFT PDF")
    for client in clients:
        response = client.get(locations[0])
        assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DraftPdf)) == 1
    for worker in queue.workers:
        worker.stop()
    assert queue.logs().count("DRAFT PDF ") == 1, queue.logs()[-3000:]


def test_mail_survives_an_smtp_outage_and_a_worker_restart(queue, queue_world, queue_app):
    from app import mail
    from app.mail.models import OutboundMail
    from tests.support.mail import SMTPServer

    def row():
        db.session.expire_all()
        return db.session.scalar(sa.select(OutboundMail))

    with SMTPServer() as smtp:
        smtp.refusal = "451 4.3.0 Mail server busy, try again later"
        queue_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        with queue_app.test_request_context():
            viewer = queue_world.b.viewer
            message = mail.queue_mail(viewer.email, "Plan v1.0 is signed", "password_reset",
                                      organisation_id=viewer.organisation_id, user=viewer, link="http://localhost/x",
                                      minutes=60)
        db.session.commit()
        first = queue.start_worker(MAIL_RETRY_SECONDS=3)  # waits 3 s, then 6 s, 12 s…
        wait_for(lambda: row().attempts >= 2 and row().status == "pending", timeout=90,
                 what="two refused attempts")
        assert smtp.messages == []
        first.kill()  # the worker goes down during the outage too (between attempts)

        smtp.refusal = None  # the server recovers
        queue.start_worker(MAIL_RETRY_SECONDS=3)
        wait_for(lambda: row().status == "sent", timeout=90, what=f"delivery after the outage ({row().status})")
        assert [m["Message-ID"] for m in smtp.messages] == [message["Message-ID"]]  # once
        assert row().attempts == smtp.attempts
