"""A partnership's audit trail as one signed file, and checking such a file offline.

The export carries every event of the partnership's chain (exactly the fields its keyed hash
covers, and the hash), every signed checkpoint, the public keys that signed them, and an
Ed25519 signature over all of it. `flask --app wsgi audit verify-export FILE` needs no
database: it checks the file's signature, that the events form one unbroken chain from the
first, and that every checkpoint is signed and names an event of the chain as it is in the
file. Where it runs with the AUDIT_KEY that wrote the file, it recomputes every event's keyed
hash too. A party keeps its exports: a later rewrite of the database cannot match them.
"""

import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from app.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent
from app.audit.services import (
    audit_keyring,
    chain_of,
    checkpoint_payload,
    event_digest,
    event_payload,
    key_fingerprint,
    public_keys,
    sign,
    signature_ok,
)
from app.extensions import db
from app.types import utcnow

FORMAT = "jointly-audit-export/1"


def export_trail(partnership_id: int, partnership_name: str, batch_size: int = 5000) -> bytes:
    chain = chain_of(partnership_id)
    events, after = [], 0
    while chain is not None:
        batch = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.chain_id == chain.id, AuditEvent.seq > after)
            .order_by(AuditEvent.seq).limit(batch_size)
        ).all()
        if not batch:
            break
        for event in batch:
            events.append({**event_payload(event, event.prev_hash), "hash": event.hash})
            db.session.expunge(event)
        after = batch[-1].seq
    checkpoints = [
        {"seq": c.seq, "hash": c.hash, "created_at": c.created_at.isoformat(), "key_id": c.key_id,
         "signature": c.signature}
        for c in (db.session.scalars(sa.select(AuditCheckpoint).where(AuditCheckpoint.chain_id == chain.id)
                                     .order_by(AuditCheckpoint.seq)) if chain is not None else [])
    ]
    keyring = audit_keyring()
    document = {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        "source": current_app.config.get("APP_BASE_URL"),
        "partnership": {"id": partnership_id, "name": partnership_name},
        "events": events,
        "checkpoints": checkpoints,
        "public_keys": public_keys(keyring),
    }
    key_id, signature = sign(document, keyring)
    document["signature"] = {"key_id": key_id, "value": signature}
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode()


@dataclass
class ExportReport:
    problem: str | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Event:
    """An exported event, read like an AuditEvent by event_digest."""

    def __init__(self, data: dict):
        self.__dict__.update(data)


def verify_export(data: bytes, *, expected_key: str | None = None) -> ExportReport:
    report = ExportReport()
    try:
        document = json.loads(data)
        signature = document.pop("signature")
        keys = document["public_keys"]
        events, checkpoints = document["events"], document["checkpoints"]
        partnership = document["partnership"]
    except (ValueError, KeyError, TypeError, AttributeError):
        report.problem = "this is not a Jointly audit export (or it is damaged)"
        return report
    if document.get("format") != FORMAT:
        report.problem = f"unknown format {document.get('format')!r}"
        return report
    report.lines.append(f"Audit trail of partnership {partnership.get('id')} “{partnership.get('name')}”, "
                        f"exported {document.get('exported_at')} from {document.get('source')}: "
                        f"{len(events)} events, {len(checkpoints)} signed checkpoints.")
    key = keys.get(signature.get("key_id"))
    if key is None or not signature_ok(document, signature.get("value", ""), key):
        report.problem = "the file's signature does not verify: it was changed after it was exported"
        return report
    report.lines.append(f"Signed with key {signature['key_id']} (fingerprint {key_fingerprint(key)}).")
    if expected_key is not None and expected_key.strip() != key:
        report.problem = "the file is signed with another key than the one you trust"
        return report
    report.problem = _check_chain(events, partnership.get("id"))
    if report.problem is None:
        report.problem = _check_checkpoints(events, checkpoints, keys, partnership.get("id"))
    if report.problem is None:
        report.lines.append("The events form one unbroken chain, and every checkpoint is signed and matches it.")
        _recompute(events, key, signature["key_id"], report)
    return report


def _check_chain(events: list[dict], partnership_id) -> str | None:
    previous = GENESIS_HASH
    for number, event in enumerate(events, start=1):
        if event.get("seq") != number:
            return f"event #{number} is missing (the next is #{event.get('seq')})"
        if event.get("prev_hash") != previous:
            return f"event #{number} does not follow event #{number - 1}"
        if event.get("partnership_id") != partnership_id:
            return f"event #{number} belongs to another partnership"
        previous = event.get("hash")
    return None


def _check_checkpoints(events, checkpoints, keys, partnership_id) -> str | None:
    for checkpoint in checkpoints:
        seq = checkpoint.get("seq")
        key = keys.get(checkpoint.get("key_id"))
        payload = checkpoint_payload(partnership_id, seq, checkpoint.get("hash"), checkpoint.get("created_at"),
                                     checkpoint.get("key_id"))
        if key is None or not signature_ok(payload, checkpoint.get("signature", ""), key):
            return f"the checkpoint at event #{seq} does not carry a valid signature"
        if not isinstance(seq, int) or not 1 <= seq <= len(events) or events[seq - 1].get("hash") != checkpoint["hash"]:
            return f"event #{seq} is not the one signed in the checkpoint of {checkpoint.get('created_at')}"
    return None


def _recompute(events: list[dict], file_key: str, key_id: str, report: ExportReport) -> None:
    """With the AUDIT_KEY that wrote the file, every event's keyed hash is recomputed too."""
    try:
        keyring = audit_keyring()
    except (RuntimeError, KeyError):
        keyring = None
    if keyring is None or not keyring.has(key_id) or public_keys(keyring).get(key_id) != file_key:
        report.lines.append("This installation does not hold the key that wrote the file, so the events' keyed "
                            "hashes were not recomputed (the signatures above are what vouches for them).")
        return
    for event in events:
        data = {k: v for k, v in event.items() if k != "hash"}
        if not keyring.has(data.get("key_id", "")):
            report.lines.append(f"Event #{data.get('seq')} was chained with a key this installation no longer holds.")
            continue
        if event_digest(_Event(data), data["prev_hash"], keyring) != event["hash"]:
            report.problem = f"event #{data.get('seq')} does not match its keyed hash"
            return
    report.lines.append("Every event's keyed hash was recomputed with this installation's AUDIT_KEY and matches.")
