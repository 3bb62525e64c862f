"""The audit trail every feature writes into: hash-chained events, signed checkpoints, and
what each action means in words. (Each partnership's trail page is app/audit_trail.)"""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.audit import services  # its session hooks chain the events at each commit
    from app.audit.actions import ACTIONS, FOUNDATION_ACTIONS

    for action in FOUNDATION_ACTIONS:
        ACTIONS.add(app, action)
    services.add_jobs(app)
