"""One keyed audit chain per partnership (plus the instance's own), signed checkpoints, and a
verification result per chain; the existing trail is checked, then re-chained under AUDIT_KEY.
Organisation signing keys name the SIGNING_KEYS_SECRET key that encrypts them (NULL: stored
under SECRET_KEY before key ids, until `flask --app wsgi ermp rekey`).

Revision ID: 0009_audit_chains
Revises: 0008_job_queue
Create Date: 2026-12-03 10:24:47

The data steps compute hashes as the app did when this migration was written (copied here, so
later changes to the app cannot change what this migration does): the old global chain is an
unkeyed SHA-256 chain; the new chains are HMAC-SHA256 under a key derived (HKDF) from the
first AUDIT_KEY of the running app. Upgrading refuses a trail whose old chain does not verify:
re-chaining would otherwise make a tampered trail look intact. Downgrading re-chains every
event into one unkeyed chain again (checkpoints are dropped).
"""
import hashlib
import hmac
import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_audit_chains'
down_revision = '0008_job_queue'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
COLUMNS = ("id", "seq", "occurred_at", "actor_id", "organisation_id", "partnership_id", "party_id", "action",
           "object_type", "object_id", "ip", "details", "prev_hash", "hash")


def _canonical(payload):
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _when(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def _details(value):
    return json.loads(value) if isinstance(value, str) else (value or {})


def _payload(row, seq, prev_hash):
    return {
        "seq": seq, "occurred_at": _when(row.occurred_at), "actor_id": row.actor_id,
        "organisation_id": row.organisation_id, "partnership_id": row.partnership_id, "party_id": row.party_id,
        "action": row.action, "object_type": row.object_type, "object_id": row.object_id, "ip": row.ip,
        "details": _details(row.details), "prev_hash": prev_hash,
    }


def _legacy_digest(row, seq, prev_hash):
    return hashlib.sha256(_canonical(_payload(row, seq, prev_hash))).hexdigest()


def _keyed_digest(row, seq, prev_hash, key_id, key):
    payload = _payload(row, seq, prev_hash)
    payload["key_id"] = key_id
    return hmac.new(key, _canonical(payload), hashlib.sha256).hexdigest()


def _audit_key():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from flask import current_app

    keyring = current_app.extensions["keyrings"]["audit"]
    secret = keyring.secret(keyring.current_id)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"jointly audit chain v1").derive(secret)
    return keyring.current_id, key


def _events(connection, order):
    columns = ", ".join(COLUMNS)
    return connection.execute(sa.text(f"SELECT {columns} FROM audit_event ORDER BY {order}")).all()


def upgrade():
    connection = op.get_bind()
    events = _events(connection, "seq")
    previous = GENESIS
    for expected, row in enumerate(events, start=1):
        if row.seq != expected or row.prev_hash != previous or _legacy_digest(row, row.seq, previous) != row.hash:
            raise RuntimeError(
                f"The audit trail does not verify at event #{expected}: it was changed outside Jointly. "
                "Investigate (flask --app wsgi audit verify names the event) before upgrading; this "
                "migration re-chains the trail under AUDIT_KEY and must not make a changed trail look intact."
            )
        previous = row.hash

    op.create_table('audit_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=True),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_audit_chain_partnership_id_partnership')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain')),
    sa.UniqueConstraint('partnership_id', name=op.f('uq_audit_chain_partnership_id'))
    )
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('key_id', sa.String(length=40), nullable=False),
    sa.Column('signature', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['audit_chain.id'], name=op.f('fk_audit_checkpoint_chain_id_audit_chain')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint')),
    sa.UniqueConstraint('chain_id', 'seq', name=op.f('uq_audit_checkpoint_chain_id_seq'))
    )
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoint_chain_id'), ['chain_id'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('key_id', sa.String(length=40), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_audit_event_hash'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_audit_event_seq'), type_='unique')

    # Re-chain: each partnership's events (in their old order) into its own keyed chain.
    key_id, key = _audit_key()
    chain_table = sa.table("audit_chain", sa.column("id"), sa.column("partnership_id"), sa.column("last_seq"),
                           sa.column("last_hash"))
    connection.execute(chain_table.insert().values(partnership_id=None, last_seq=0, last_hash=GENESIS))
    heads = {}  # partnership id -> [chain id, seq, hash]
    heads[None] = [connection.execute(sa.text("SELECT id FROM audit_chain WHERE partnership_id IS NULL")).scalar_one(),
                   0, GENESIS]
    updates = []
    for row in events:
        if row.partnership_id not in heads:
            connection.execute(chain_table.insert().values(partnership_id=row.partnership_id, last_seq=0,
                                                           last_hash=GENESIS))
            chain_id = connection.execute(sa.text("SELECT id FROM audit_chain WHERE partnership_id = :p"),
                                          {"p": row.partnership_id}).scalar_one()
            heads[row.partnership_id] = [chain_id, 0, GENESIS]
        head = heads[row.partnership_id]
        seq = head[1] + 1
        digest = _keyed_digest(row, seq, head[2], key_id, key)
        updates.append({"row_id": row.id, "chain_id": head[0], "seq": seq, "key_id": key_id, "prev": head[2],
                        "digest": digest})
        head[1], head[2] = seq, digest
    if updates:
        connection.execute(
            sa.text("UPDATE audit_event SET chain_id = :chain_id, seq = :seq, key_id = :key_id, "
                    "prev_hash = :prev, hash = :digest WHERE id = :row_id"),
            updates,
        )
    for chain_id, seq, last_hash in heads.values():
        connection.execute(sa.text("UPDATE audit_chain SET last_seq = :s, last_hash = :h WHERE id = :c"),
                           {"s": seq, "h": last_hash, "c": chain_id})

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('chain_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('key_id', existing_type=sa.String(length=40), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_event_chain_id_seq'), ['chain_id', 'seq'])
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_chain_id_audit_chain'), 'audit_chain', ['chain_id'], ['id'])

    # Verifications were of the old chain's numbering: the next `audit verify` starts afresh.
    op.execute("DELETE FROM audit_verification")
    with op.batch_alter_table('audit_verification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_id', sa.Integer(), nullable=False))
        batch_op.create_index(batch_op.f('ix_audit_verification_chain_id'), ['chain_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_verification_chain_id_audit_chain'), 'audit_chain', ['chain_id'], ['id'])

    op.drop_table('audit_chain_head')

    with op.batch_alter_table('organisation_signing_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('encryption_key_id', sa.String(length=40), nullable=True))


def downgrade():
    connection = op.get_bind()
    with op.batch_alter_table('organisation_signing_key', schema=None) as batch_op:
        batch_op.drop_column('encryption_key_id')
    op.execute("DELETE FROM audit_verification")
    with op.batch_alter_table('audit_verification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_verification_chain_id_audit_chain'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_verification_chain_id'))
        batch_op.drop_column('chain_id')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_event_chain_id_audit_chain'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_audit_event_chain_id_seq'), type_='unique')
        batch_op.drop_column('key_id')
        batch_op.drop_column('chain_id')

    # One unkeyed chain again, in the order the events were recorded.
    events = _events(connection, "id")
    previous, updates = GENESIS, []
    for seq, row in enumerate(events, start=1):
        digest = _legacy_digest(row, seq, previous)
        updates.append({"row_id": row.id, "seq": -seq, "prev": previous, "digest": digest})
        previous = digest
    if updates:
        # Negative first, then positive: no two rows share a seq at any moment.
        connection.execute(sa.text("UPDATE audit_event SET seq = :seq, prev_hash = :prev, hash = :digest "
                                   "WHERE id = :row_id"), updates)
        connection.execute(sa.text("UPDATE audit_event SET seq = -seq"))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_audit_event_seq'), ['seq'])
        batch_op.create_unique_constraint(batch_op.f('uq_audit_event_hash'), ['hash'])

    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    op.execute(sa.text("INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, :s, :h)").bindparams(
        s=len(events), h=previous))
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoint_chain_id'))
    op.drop_table('audit_checkpoint')
    op.drop_table('audit_chain')
