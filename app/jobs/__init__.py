"""Background jobs: slow or fragile work runs on worker processes, never in a web request.

The queue is Huey's: its SQLite storage under the instance folder by default (zero set-up,
one machine), Redis when REDIS_URL is set (any number of web and worker machines). Features
add their jobs and periodic jobs to the app from their package's `init_app`:

    JOBS.add(app, JobSpec("plan_pdf", build_version_documents, retries=5, timeout=600,
                          subject=lambda version_id: JobSubject(f"version:{version_id}", partnership_id)))
    PERIODIC.add(app, PeriodicSpec("plan_pdf_sweep", requeue_unfinished, minutes=1))

and start them after the change that needs them commits:

    enqueue_on_commit("plan_pdf", version.id)   # dropped if the transaction rolls back

A job runs in its own app context and transaction (committed when it returns). Jobs must be
idempotent: Huey delivers a job at least once, retries it with backoff, and a periodic sweep
starts again whatever a killed worker left unfinished. A job whose last retry fails is
recorded as a `JobProblem`, shown to the partnership's admins with a "try again" (which
enqueues it afresh); its next success clears it.

`flask --app wsgi ermp worker` runs a worker (app/jobs/cli.py). In tests JOBS_IMMEDIATE runs
each job in-process right after the commit that enqueued it.
"""

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from app.extensions import db
from app.registries import Registry

log = logging.getLogger("jointly.jobs")
_PENDING_KEY = "jointly.jobs.pending"


@dataclass(frozen=True)
class JobSubject:
    """What a job works on, for failures shown to people: a stable key and its partnership."""

    key: str
    partnership_id: int | None = None


@dataclass(frozen=True)
class JobSpec:
    name: str
    function: Callable
    retries: int = 5
    retry_delay: int = 10  # seconds before the first retry, doubled for each further one
    timeout: int | None = 600  # seconds; the worker stops a job that runs longer
    subject: Callable[..., JobSubject | None] | None = None
    priority: int = 0  # higher runs first when jobs wait (someone watching a page waits for it)


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    function: Callable
    minutes: int  # runs every `minutes` minutes (a divisor of 60, or a multiple of it)
    timeout: int | None = 600


JOBS = Registry[JobSpec]("jobs", key=lambda spec: spec.name)
PERIODIC = Registry[PeriodicSpec]("periodic_jobs", key=lambda spec: spec.name)


# --- Enqueueing -------------------------------------------------------------------


def enqueue(name: str, *args) -> None:
    """Queue a job now (outside a transaction, or for work that needs nothing uncommitted)."""
    tasks = current_app.extensions["jobs.tasks"]
    if name not in tasks:
        raise KeyError(f"no job named {name!r} is registered")
    tasks[name](*args)


def enqueue_in(delay: float, name: str, *args) -> None:
    """Queue a job to run `delay` seconds from now (a retry at its own time)."""
    current_app.extensions["jobs.tasks"][name].schedule(args=args, delay=delay)


def enqueue_on_commit(name: str, *args) -> None:
    """Queue a job once the current transaction commits (and never if it rolls back)."""
    if JOBS.get(name) is None:
        raise KeyError(f"no job named {name!r} is registered")
    pending = db.session.info.setdefault(_PENDING_KEY, [])
    if (name, args) not in pending:
        pending.append((name, args))


@sa.event.listens_for(Session, "after_commit")
def _enqueue_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint was released: the transaction goes on
        return
    pending = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    for name, args in pending:
        try:
            enqueue(name, *args)
        except Exception:  # the change is committed; the periodic sweeps start what was lost
            log.exception("could not queue the job %s%r", name, args)


@sa.event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint rolled back: what came before it still commits
        return
    session.info.pop(_PENDING_KEY, None)


# --- The queue --------------------------------------------------------------------


def create_queue(app: Flask):
    """The app's Huey: Redis with REDIS_URL, else SQLite under the instance folder."""
    from huey import MemoryHuey, PriorityRedisHuey, SqliteHuey

    config = app.config
    name = f"{config['RATELIMIT_KEY_PREFIX']}-jobs"
    if config.get("JOBS_IMMEDIATE"):
        return MemoryHuey(name, immediate=True, results=False, utc=True)
    if config.get("REDIS_URL"):
        return PriorityRedisHuey(name, url=config["REDIS_URL"], results=False, utc=True)
    path = os.path.join(app.instance_path, "jobs.db")
    return SqliteHuey(name, filename=path, results=False, utc=True, timeout=15)


def init_app(app: Flask) -> None:
    """Bind every job and periodic job the features added to this app to its queue (after them)."""
    from huey import crontab

    huey = create_queue(app)
    tasks = {}
    for spec in JOBS.all(app):
        tasks[spec.name] = huey.task(
            retries=spec.retries, retry_delay=spec.retry_delay, retry_backoff=2 if spec.retry_delay else 0,
            timeout=spec.timeout, context=True, name=spec.name, priority=spec.priority or None,
        )(_runner(app, spec))
    for spec in PERIODIC.all(app):
        minute = f"*/{spec.minutes}" if spec.minutes < 60 else "0"
        hour = "*" if spec.minutes <= 60 else f"*/{spec.minutes // 60}"
        tasks[spec.name] = huey.periodic_task(
            crontab(minute=minute, hour=hour), timeout=spec.timeout, name=spec.name,
        )(_periodic_runner(app, spec))
    app.extensions["jobs"] = huey
    app.extensions["jobs.tasks"] = tasks

    from app.jobs import cli

    cli.register()


def _runner(app: Flask, spec: JobSpec):
    def run(*args, task=None):
        with app.app_context():
            subject = spec.subject(*args) if spec.subject else None
            try:
                result = spec.function(*args)
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                if subject is not None:
                    final = task is None or not task.retries
                    _record_problem(spec, subject, args, error, final)
                raise
            else:
                if subject is not None:
                    _clear_problem(spec.name, subject.key)
                return result
            finally:
                db.session.remove()

    run.__name__ = spec.name
    return run


def _periodic_runner(app: Flask, spec: PeriodicSpec):
    def run():
        with app.app_context():
            try:
                spec.function()
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    run.__name__ = spec.name
    return run


def run_periodic(name: str) -> None:
    """Run one periodic job now, in this process (the CLI and tests use it)."""
    spec = PERIODIC.get(name)
    if spec is None:
        raise KeyError(f"no periodic job named {name!r} is registered")
    spec.function()
    db.session.commit()


# --- Failures people can see ------------------------------------------------------


def _record_problem(spec: JobSpec, subject: JobSubject, args: tuple, error: Exception, final: bool) -> None:
    from app.jobs.models import JobProblem
    from app.types import utcnow

    message = f"{type(error).__name__}: {error}"[:500]
    try:
        problem = db.session.scalar(
            sa.select(JobProblem).where(JobProblem.job == spec.name, JobProblem.key == subject.key)
        )
        if problem is None:
            problem = JobProblem(job=spec.name, key=subject.key, partnership_id=subject.partnership_id,
                                 args=list(args), attempts=0)
            db.session.add(problem)
        problem.attempts += 1
        problem.message = message
        problem.failed_at = utcnow()
        problem.gave_up = final
        db.session.commit()
    except Exception:  # noqa: BLE001 - the job's own failure is what matters; it is logged by Huey
        db.session.rollback()
        log.exception("could not record the failure of job %s (%s)", spec.name, subject.key)


def _clear_problem(job: str, key: str) -> None:
    from app.jobs.models import JobProblem

    db.session.execute(sa.delete(JobProblem).where(JobProblem.job == job, JobProblem.key == key))
    db.session.commit()


def problem_for(job: str, key: str):
    from app.jobs.models import JobProblem

    return db.session.scalar(sa.select(JobProblem).where(JobProblem.job == job, JobProblem.key == key))


def retry_problem(problem) -> None:
    """Start a failed job again ("try again"); the caller commits."""
    problem.gave_up = False
    enqueue_on_commit(problem.job, *problem.args)
