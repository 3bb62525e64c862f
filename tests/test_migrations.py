"""The migrations build exactly the schema the models describe, on this run's engine."""

import json

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app.demo.workspace import PEOPLE
from app.extensions import db
from app.search.models import belongs_to_the_engine


def _differences():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            # The search index's engine-written parts (tests/search checks them by using them).
            "include_name": lambda name, type_, _parents: not belongs_to_the_engine(name, type_),
            "include_object": lambda _obj, name, type_, _reflected, _other: not belongs_to_the_engine(name, type_),
        })
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_gives_the_models_schema(empty_database):
    upgrade()
    assert _differences() == []
    head = db.session.execute(sa.text("SELECT last_seq FROM audit_chain WHERE partnership_id IS NULL")).scalar_one()
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


def _row_counts() -> dict:
    inspector = sa.inspect(db.engine)
    with db.engine.connect() as connection:
        return {
            name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
            for name in inspector.get_table_names()
            if name != "alembic_version"
        }


REPLACED_TABLES = {"audit_chain_head"}
# Tables derived from the others, made again from them (`ermp search-reindex`): a step down drops
# the entries of what that step's tables held (0018_attachments: the files' search entries).
DERIVED_TABLES = {"search_entry", "search_entry_fts", "search_entry_fts_data", "search_entry_fts_idx",
                  "search_entry_fts_docsize", "search_entry_fts_config"}


def _columns() -> dict:
    inspector = sa.inspect(db.engine)
    return {name: {c["name"] for c in inspector.get_columns(name)} for name in inspector.get_table_names()}


def test_every_migration_goes_down_and_up_again_on_a_database_full_of_demo_data(migrated_demo):
    """From head, one step down at a time: each step down keeps the older tables' rows,
    and each migration upgrades again over those rows, before the walk goes on to base.
    Every migration but the first is walked this way (the first is covered by base)."""
    from app.audit.services import verify_chain
    from app.demo import build_demo

    full = _row_counts()
    assert full["user_account"] >= len(PEOPLE) and full["audit_event"] > 10
    script = ScriptDirectory.from_config(migrated_demo.extensions["migrate"].migrate.get_config())
    steps = [revision.revision for revision in script.walk_revisions()]  # head first
    for revision in steps[:-1]:
        downgrade(revision="-1")
        kept, kept_columns = _row_counts(), _columns()
        # A table that only holds what other tables derive may come and go with its migration:
        # the old single audit chain head, which 0009_audit_chains replaces by one head per chain.
        assert set(kept) <= set(full) | REPLACED_TABLES, revision
        assert kept and {n: c for n, c in kept.items() if n in full and n not in DERIVED_TABLES} == {
            n: full[n] for n in kept if n in full and n not in DERIVED_TABLES}, revision
        upgrade(revision=revision)  # up again over the data
        again = _row_counts()
        # Older tables keep every row; the tables (or columns) this migration brings back are
        # there again (empty: a downgrade drops what lived only in them).
        assert {name: again[name] for name in kept if name in full} == {n: c for n, c in kept.items() if n in full}
        full.update({name: again[name] for name in DERIVED_TABLES if name in again})
        assert set(again) <= set(full) | REPLACED_TABLES and _columns() != kept_columns, revision
        downgrade(revision="-1")
    downgrade(revision="base")
    assert set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"} == set()
    upgrade()
    assert _differences() == []
    build_demo()
    db.session.commit()
    assert verify_chain() is None


def _record_parties() -> dict:
    """Each plan version's and review cycle's parties (id and name), as stored."""
    with db.engine.connect() as connection:
        rows = {}
        for table in ("plan_version", "review_cycle"):
            for row in connection.execute(sa.text(f"SELECT id, parties FROM {table} ORDER BY id")):  # noqa: S608
                stored = row.parties if isinstance(row.parties, list) else json.loads(row.parties)
                rows[(table, row.id)] = [(entry["party_id"], entry["name"]) for entry in stored]
    return rows


def test_the_consent_migration_gives_the_demos_versions_and_cycles_the_parties_they_had(migrated_demo):
    """0011_consent fills the parties of existing versions and cycles from the join dates: over
    the demo it gives each the very parties the app records when issuing and opening them."""
    written = _record_parties()
    assert any(table == "plan_version" for table, _ in written) and any(table == "review_cycle" for table, _ in written)
    assert all(parties for parties in written.values())
    downgrade(revision="0010_bad_input")
    upgrade()
    assert _record_parties() == written
