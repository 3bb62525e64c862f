"""`flask --app wsgi ermp worker`: run a worker (any number, on any machines sharing the queue)."""

import logging
import os

import click
from flask import current_app

from app.commands import ermp
from app.jobs import PERIODIC, enqueue


def register() -> None:
    if "worker" in ermp.commands:
        return

    @ermp.command("worker")
    @click.option("--workers", "-w", type=int, default=None,
                  help="Jobs run at once by this worker (default JOB_WORKERS, 2).")
    @click.option("--threads", is_flag=True,
                  help="Run jobs in threads instead of processes (lighter, but one slow render holds the GIL).")
    @click.option("--verbose", "-v", is_flag=True, help="Log every job as it starts and ends.")
    def worker_command(workers: int | None, threads: bool, verbose: bool):
        """Run jobs (PDFs, mail, reminders, audit checkpoints) until stopped (Ctrl+C finishes running jobs)."""
        from app.extensions import db

        app = current_app._get_current_object()
        huey = app.extensions["jobs"]
        if huey.immediate:
            raise click.ClickException("JOBS_IMMEDIATE is set: jobs run inside the web process, not on a worker.")
        count = workers or app.config["JOB_WORKERS"]

        @huey.on_startup()
        def _fresh_connections():
            # Forked workers must not share the parent's database connections.
            with app.app_context():
                db.engine.dispose(close=False)

        logging.getLogger("huey").setLevel(logging.INFO if verbose else logging.WARNING)
        store = "Redis" if app.config.get("REDIS_URL") else "SQLite"
        # Renders and signatures yield the CPU to the web server's requests (the job processes
        # the consumer forks inherit it).
        nice = max(0, min(19, app.config["JOB_WORKER_NICE"]))
        if nice and hasattr(os, "nice"):
            os.nice(nice)
        click.echo(f"Jointly worker: {count} {'threads' if threads else 'processes'}, queue in {store}"
                   + (f", at lower CPU priority than the web server (nice +{nice})." if nice else "."))
        # Catch up at once with whatever a stopped worker left (the sweeps are idempotent).
        for spec in PERIODIC.all():
            enqueue(spec.name)
        consumer = huey.create_consumer(
            workers=count, worker_type="thread" if threads else "process", periodic=True,
            check_worker_health=True, scheduler_interval=1, max_delay=1.0,
        )
        consumer.run()
