"""Item 8: the worker tier: pages while workers render, a cached DRAFT PDF served.

On a PostgreSQL copy of the demo, gunicorn (`make run` settings) and one `ermp worker` (two job
processes) share the database and the SQLite queue under the bench's instance folder, as
`make run` does:
- the section page's p50 and p99 with nothing running, then while the worker renders five
  large plan-version PDFs (the demo plan grown to 500 risks and 500 assets, issued five times)
  and ten sessions ask for the DRAFT PDF (sampled for BENCH_BUSY_SECONDS, 60 by default). The
  web process only queues: the goal is within 1.3× of idle;
- a DRAFT PDF already rendered, served through its route (goal ≤ 50 ms).
"""

import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import sqlalchemy as sa

from bench.common import (
    ROOT,
    Figure,
    Row,
    demo_database,
    demo_partnership_id,
    log,
    make_app,
    median_seconds,
    server_environment,
    signed_in_client,
)

EXPORTS = 5
DRAFT_SESSIONS = 10
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _issue_large_versions(app, partnership_id: int) -> list[int]:
    """Five versions of the large plan, none rendered yet (each issued, the previous withdrawn)."""
    from app.extensions import db
    from app.partnerships.models import Membership, Role
    from app.plan_versions import services as versions
    from app.plan_versions import withdrawal
    from bench import plans
    from tests.support.consent import agree_for_every_party

    plans.make_large_plan(app, partnership_id)
    made = []
    with app.app_context():
        admin = db.session.scalar(
            sa.select(Membership).where(Membership.partnership_id == partnership_id, Membership.role == Role.ADMIN)
            .order_by(Membership.id).limit(1)
        )
        for n in range(EXPORTS):
            pending = versions.awaiting_of(partnership_id)
            if pending is not None:
                issuer = db.session.scalar(sa.select(Membership).where(
                    Membership.partnership_id == partnership_id, Membership.user_id == pending.issued_by_id))
                # Withdrawing takes every other party's agreement (a proposal), as in the app.
                proposal = withdrawal.propose_withdrawal(issuer, pending, "Benchmark: make way for the next export.")
                agree_for_every_party(proposal)
                assert proposal.status == "agreed", proposal.outcome
            made.append(versions.issue_version(admin, step="minor", summary=f"Benchmark export {n + 1}.").id)
            db.session.commit()
    return made


def _worker(env: dict, log_path: str) -> subprocess.Popen:
    handle = open(log_path, "w")  # noqa: SIM115 - the worker writes to it until it stops
    return subprocess.Popen(  # noqa: S603 - our own worker
        [sys.executable, "-m", "flask", "--app", "wsgi", "ermp", "worker", "--workers", "2"],
        cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _ask_for_drafts(base: str, path: str, cookies: list[str]) -> None:
    def ask(cookie):
        request = urllib.request.Request(base + path, headers={"Cookie": cookie})  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
            token = _TOKEN.search(response.read().decode()).group(1)
        data = urllib.parse.urlencode({"csrf_token": token}).encode()
        post = urllib.request.Request(base + path, data=data, headers={"Cookie": cookie})  # noqa: S310 - loopback
        with urllib.request.urlopen(post, timeout=60) as response:  # noqa: S310 - loopback
            response.read()

    threads = [threading.Thread(target=ask, args=(cookie,)) for cookie in cookies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def busy_figures(url: str) -> list:
    from app import jobs
    from app.extensions import db
    from app.plan_versions import pdfs
    from app.plan_versions.models import DraftPdf, PlanVersion
    from bench import gunicorn

    busy_seconds = float(os.environ.get("BENCH_BUSY_SECONDS", "60"))
    app = make_app(url)
    partnership_id = demo_partnership_id(app)
    version_ids = _issue_large_versions(app, partnership_id)
    page = f"/partnerships/{partnership_id}/plan/risk_assessment"
    draft_path = f"/partnerships/{partnership_id}/plan/draft.pdf"
    env = server_environment(url)
    with gunicorn.serving(url) as base:
        cookie = gunicorn.sign_in(base)
        cookies = [gunicorn.sign_in(base) for _ in range(DRAFT_SESSIONS)]
        idle = [gunicorn.get(base, page, cookie)[1] for _ in range(65)][5:]
        worker = _worker(env, os.path.join(env["JOINTLY_INSTANCE_PATH"], "worker.log"))
        try:
            with app.app_context():
                for version_id in version_ids:
                    jobs.enqueue(pdfs.JOB, version_id)
            _ask_for_drafts(base, draft_path, cookies)
            time.sleep(2)  # the worker picks the jobs up
            during, started = [], time.perf_counter()
            while time.perf_counter() - started < busy_seconds:
                during.append(gunicorn.get(base, page, cookie)[1])
            with app.app_context():
                rendered = sum(1 for v in version_ids if pdfs.document_state(db.session.get(PlanVersion, v)).ready)
                drafts = db.session.scalars(sa.select(DraftPdf.status)).all()
            # The cached draft: wait for it if the worker has not got to it yet.
            deadline = time.perf_counter() + 600
            while time.perf_counter() < deadline:
                with app.app_context():
                    if db.session.scalar(sa.select(sa.func.count()).select_from(DraftPdf)
                                         .where(DraftPdf.status == "ready")):
                        break
                time.sleep(2)
        finally:
            worker.terminate()
            worker.wait(60)
    note = (f"{len(during)} requests in {busy_seconds:.0f} s while the worker rendered {EXPORTS} large plan PDFs "
            f"({rendered} finished meanwhile) and {DRAFT_SESSIONS} sessions asked for the DRAFT "
            f"({len(drafts)} render shared by all)")
    return [
        Row("8 jobs", "section page while workers render: p50", statistics.median(during) * 1000,
            statistics.median(idle) * 1000, "ms", 1.3, note),
        Row("8 jobs", "section page while workers render: p99", _percentile(during, 0.99) * 1000,
            _percentile(idle, 0.99) * 1000, "ms", 1.3, "web processes only queue the work (gunicorn 2 × 4 threads)"),
        _cached_draft(app, partnership_id),
    ]


def _cached_draft(app, partnership_id: int) -> Figure:
    client = signed_in_client(app)
    address = f"/partnerships/{partnership_id}/plan/draft.pdf"
    first = client.get(address)
    if first.mimetype != "application/pdf":
        return Figure("8 jobs", "serve a cached DRAFT PDF", float("nan"), "ms", 50, "the draft was not ready")
    data = first.get_data()

    def fetch():
        response = client.get(address)
        assert response.status_code == 200 and response.get_data() == data

    ms = median_seconds(fetch, 20, warmup=3) * 1000
    return Figure("8 jobs", "serve a cached DRAFT PDF", ms, "ms", 50,
                  f"{len(data) / 1e6:.2f} MB, through /plan/draft.pdf (hash of the plan, then the stored file)")


def run() -> list:
    with demo_database("jobs") as url:
        log("jobs: the section page while the worker renders five large PDFs and ten drafts")
        return busy_figures(url)
