"""Migration 0006_plan_versions installs the PostgreSQL triggers that keep signed records unchanged."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db

TRIGGERS = {"plan_version_guard", "plan_signature_immutable", "plan_document_immutable"}


def _triggers() -> set[str]:
    rows = db.session.execute(sa.text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
    return {name for (name,) in rows} & TRIGGERS


@pytest.mark.postgres_only
def test_the_migration_installs_and_removes_the_triggers(empty_database):
    upgrade()
    assert _triggers() == TRIGGERS
    db.session.rollback()
    downgrade(revision="0005_coediting")
    assert _triggers() == set()
    functions = db.session.execute(sa.text(
        "SELECT proname FROM pg_proc WHERE proname IN ('plan_version_guard', 'plan_record_immutable')"
    )).all()
    assert functions == []
    db.session.rollback()
    upgrade()
    assert _triggers() == TRIGGERS
