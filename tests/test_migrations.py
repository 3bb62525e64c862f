"""The migrations build exactly the schema the models describe, on this run's engine."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.support import databases


@pytest.fixture
def empty_database(tmp_path):
    url = databases.new_database("migrations", tmp_path)
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path / "i")})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    databases.drop_database(url)


def _differences():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_gives_the_models_schema(empty_database):
    upgrade()
    assert _differences() == []
    head = db.session.execute(sa.text("SELECT last_seq FROM audit_chain_head WHERE id = 1")).scalar_one()
    assert head == 0


def test_downgrade_to_empty_and_up_again(empty_database):
    upgrade()
    downgrade(revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert _differences() == []


def test_there_is_one_head(empty_database):
    script = ScriptDirectory.from_config(empty_database.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1
