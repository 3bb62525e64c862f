"""Issuing, signing and declining plan versions; the signed baseline (withdrawing one needs
every party's agreement: app/plan_versions/withdrawal.py).

A version freezes the current revision of every section and the partnership's profile into
a canonical JSON document (sorted keys, no whitespace, UTF-8) whose SHA-256 identifies it.
Every party's signatory signs it; when every party has, it becomes the signed baseline and
the previous baseline is superseded. Each service records its own audit event; the caller
commits.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload, selectinload

from app.accounts import two_factor
from app.audit.services import record_event
from app.extensions import db
from app.links import path_for
from app.notifications.models import Notification
from app.notifications.services import members_of_partnership, notify
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership, Partnership, Party
from app.partnerships.parties import RecordParty, record_parties, record_party_ids, version_parties
from app.plan_sections.models import PlanSection, SectionRevision
from app.plan_sections.registry import section_types
from app.plan_versions import identities
from app.plan_versions.models import PlanSignature, PlanVersion
from app.registries import PLAN_EVIDENCE
from app.rules import RuleViolation
from app.types import utcnow

CANONICAL_FORMAT = "jointly-plan-version/1"
SUMMARY_MAX = 2000
REASON_MAX = 2000
STEPS = ("minor", "major")
SIGN_BY_MAX_DAYS = 366


class SigningRefused(RuleViolation):  # noqa: N818 - a broken rule with the HTTP status a view answers
    """A rule about who may act now, with the status the view answers (409 out of turn…)."""

    def __init__(self, message: str, status: int = 409, field: str | None = None):
        super().__init__(message, field)
        self.status = status


def canonical_json(document: dict) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def partnership_profile(partnership: Partnership) -> dict:
    return {
        "id": partnership.id,
        "name": partnership.name,
        "type": partnership.type,
        "purpose": partnership.purpose,
        "start_date": partnership.start_date.isoformat(),
        "status": partnership.status,
        "review_cadence_months": partnership.review_cadence_months,
        "parties": [{"organisation_id": p.organisation_id, "name": p.name} for p in parties_of(partnership.id)],
    }


def current_revisions(partnership_id: int) -> dict[str, SectionRevision]:
    """Each written section's current revision, in one query."""
    rows = db.session.scalars(
        sa.select(SectionRevision)
        .join(PlanSection, PlanSection.current_revision_id == SectionRevision.id)
        .where(PlanSection.partnership_id == partnership_id)
        .options(joinedload(SectionRevision.section))
    )
    return {revision.section.section_key: revision for revision in rows}


def version_revisions(version: PlanVersion) -> dict[str, SectionRevision]:
    ids = list(version.revision_ids.values())
    rows = db.session.scalars(
        sa.select(SectionRevision).where(SectionRevision.id.in_(ids)).options(
            joinedload(SectionRevision.section), joinedload(SectionRevision.author),
            joinedload(SectionRevision.author_party).joinedload(Party.organisation),
        )
    ) if ids else []
    return {revision.section.section_key: revision for revision in rows}


def contents_of(version: PlanVersion) -> dict[str, dict]:
    """The version's frozen {section_key: content} (the shape diff_plans compares)."""
    return json.loads(version.canonical)["sections"]


def working_contents(partnership_id: int) -> dict[str, dict]:
    return {key: revision.content for key, revision in current_revisions(partnership_id).items()}


def version_path(version: PlanVersion, endpoint: str = "plan_versions.show") -> str:
    """The path of a version's page (or of its signing page), for notifications and My work."""
    return path_for(endpoint, partnership_id=version.partnership_id, version_id=version.id)


# -- reading ------------------------------------------------------------------------------------


def versions_of(partnership_id: int) -> list[PlanVersion]:
    """Newest first, with signatures, signers and parties loaded."""
    return list(db.session.scalars(
        sa.select(PlanVersion)
        .where(PlanVersion.partnership_id == partnership_id)
        .order_by(PlanVersion.major.desc(), PlanVersion.minor.desc())
        .options(
            selectinload(PlanVersion.signatures).joinedload(PlanSignature.signer),
            selectinload(PlanVersion.signatures).joinedload(PlanSignature.party).joinedload(Party.organisation),
            joinedload(PlanVersion.issued_by),
        )
    ))


def unchanged_baseline(partnership: Partnership, revisions: dict | None = None) -> PlanVersion | None:
    """The signed baseline, when the plan and the partnership's profile read exactly as it froze them."""
    baseline = baseline_of(partnership.id)
    if baseline is None:
        return None
    revisions = current_revisions(partnership.id) if revisions is None else revisions
    frozen = json.loads(baseline.canonical)
    same_sections = frozen.get("sections") == {key: revisions[key].content for key in revisions}
    same_evidence = _evidence_files(frozen.get("evidence")) == _evidence_files(plan_evidence(partnership.id))
    return baseline if (same_sections and same_evidence
                        and frozen.get("partnership") == partnership_profile(partnership)) else None


def plan_evidence(partnership_id: int) -> list[dict]:
    """The files the plan rests on now (attached to its sections and items), as a version issued
    now records them; the features that keep such files fill PLAN_EVIDENCE."""
    return [row for source in PLAN_EVIDENCE.all() for row in source(partnership_id)]


def evidence_of(version: PlanVersion) -> list[dict]:
    """The files a version froze when it was issued (its canonical document's evidence)."""
    return json.loads(version.canonical).get("evidence") or []


def _evidence_files(rows: list[dict] | None) -> list[tuple]:
    return sorted((row["attachment_id"], row["version"], row["sha256"]) for row in rows or [])


def baseline_of(partnership_id: int) -> PlanVersion | None:
    """The signed baseline: the version whose last signature came latest."""
    return db.session.scalar(
        sa.select(PlanVersion)
        .where(PlanVersion.partnership_id == partnership_id, PlanVersion.status == "signed")
        .order_by(PlanVersion.signed_at.desc(), PlanVersion.id.desc())
        .limit(1)
    )


def awaiting_of(partnership_id: int) -> PlanVersion | None:
    return db.session.scalar(
        sa.select(PlanVersion).where(PlanVersion.partnership_id == partnership_id, PlanVersion.status == "awaiting")
    )


def status_of(version: PlanVersion, baseline: PlanVersion | None) -> str:
    """awaiting, signed (the current baseline), superseded, declined or withdrawn."""
    if version.status == "signed" and (baseline is None or baseline.id != version.id):
        return "superseded"
    return version.status


STATUS_LABELS = {
    "awaiting": "Awaiting signatures",
    "signed": "Signed baseline",
    "superseded": "Superseded",
    "declined": "Declined",
    "withdrawn": "Withdrawn",
}


def next_number(partnership_id: int, step: str) -> tuple[int, int]:
    """v1.0 for a first major step (v0.1 for a first minor one); then major or minor steps up
    from the highest version ever issued (withdrawn and declined numbers are never reused)."""
    latest = db.session.execute(
        sa.select(PlanVersion.major, PlanVersion.minor)
        .where(PlanVersion.partnership_id == partnership_id)
        .order_by(PlanVersion.major.desc(), PlanVersion.minor.desc())
        .limit(1)
    ).first()
    major, minor = latest if latest is not None else (0, 0)
    return (major + 1, 0) if step == "major" else (major, minor + 1)


def label_of(number: tuple[int, int]) -> str:
    return f"v{number[0]}.{number[1]}"


def parties_of_version(version: PlanVersion) -> list[RecordParty]:
    """The parties the version was issued to, as it names them: "every party" of a version means
    these, whoever joined or left the partnership since."""
    return record_parties(version.parties)


def is_party_to(version: PlanVersion, party_id: int) -> bool:
    return party_id in record_party_ids(version.parties)


def unsigned_parties(version: PlanVersion) -> list[RecordParty]:
    signed = {s.party_id for s in version.signatures}
    return [party for party in parties_of_version(version) if party.id not in signed]


def parties_of(partnership_id: int) -> list[Party]:
    """The partnership's parties now, read afresh (a loaded Partnership.parties may predate a
    new party); a party that left is no longer one."""
    return list(db.session.scalars(
        sa.select(Party).where(Party.partnership_id == partnership_id, Party.left_at.is_(None)).order_by(Party.id)
        .options(joinedload(Party.organisation))
    ))


def not_a_party_message(version: PlanVersion, party: Party) -> str:
    return (f"{party.name} was not a party of this partnership when {version.label} was issued: only the parties "
            f"it was issued to sign it.")


def intent_statement(version: PlanVersion, party: Party, typed_name: str) -> str:
    return (
        f"I, {typed_name}, sign version {version.label} of this partnership's Enterprise Relationship "
        f"Management Plan (content SHA-256 {version.content_hash}) on behalf of {party.name}, and confirm "
        "that it is the plan our organisations have agreed."
    )


# -- issuing ------------------------------------------------------------------------------------


def issue_version(membership: Membership, *, step: str, summary: str, sign_by: date | None = None,
                  signing_order: list[int] | None = None, today: date | None = None) -> PlanVersion:
    """Issue the plan as it reads now. `sign_by`: the last day to sign (after `today`, within a
    year), or None. `signing_order`: every party's id in the order they sign, or None for any order."""
    if not has_permission(membership, Permission.EDIT_PARTNERSHIP):
        raise RuleViolation("Only a party's admins can issue a plan version.")
    if step not in STEPS:
        raise RuleViolation("Choose a minor or a major step.", "step")
    summary = (summary or "").strip()
    if not summary:
        raise RuleViolation("Say what changed in this version, so signatories know what they sign.", "summary")
    if len(summary) > SUMMARY_MAX:
        raise RuleViolation(f"Keep the summary under {SUMMARY_MAX} characters.", "summary")
    check_sign_by(sign_by, today or utcnow().date())
    partnership = membership.partnership
    _lock_partnership(partnership.id)
    pending = awaiting_of(partnership.id)
    if pending is not None:
        raise RuleViolation(
            f"{pending.label} is still awaiting signatures: it must be signed, declined or withdrawn "
            "before another version is issued."
        )
    revisions = current_revisions(partnership.id)
    if not revisions:
        raise RuleViolation("Nothing is written in the plan yet: write a section before issuing a version.")
    unchanged = unchanged_baseline(partnership, revisions)
    if step == "major" and unchanged is not None:
        raise RuleViolation(
            f"Nothing has changed since the signed baseline {unchanged.label}: a major version would ask every "
            "party to sign the same plan again. Change the plan first, or issue a minor version to re-sign it.",
            "step",
        )
    parties = version_parties(partnership)
    signing_order = check_signing_order(signing_order, parties)
    major, minor = next_number(partnership.id, step)
    label = label_of((major, minor))
    document = {
        "format": CANONICAL_FORMAT,
        "version": label,
        "partnership": partnership_profile(partnership),
        "sections": {key: revisions[key].content for key in sorted(revisions)},
    }
    evidence = plan_evidence(partnership.id)
    if evidence:  # a plan with no files keeps the canonical form versions always had
        document["evidence"] = evidence
    canonical = canonical_json(document)
    version = PlanVersion(
        partnership_id=partnership.id,
        major=major,
        minor=minor,
        summary=summary,
        canonical=canonical,
        content_hash=sha256_hex(canonical),
        revision_ids={key: revision.id for key, revision in sorted(revisions.items())},
        status="awaiting",
        issued_by_id=membership.user_id,
        issued_by_party_id=membership.party_id,
        issued_at=utcnow(),
        parties=parties,
        sign_by=sign_by,
        signing_order=signing_order,
    )
    db.session.add(version)
    db.session.flush()
    record_event(
        "plan.version_issued", actor=membership.user, partnership_id=partnership.id, party_id=membership.party_id,
        obj=version, details={"version": label, "content_hash": version.content_hash, "step": step,
                              "sign_by": sign_by.isoformat() if sign_by else None,
                              "signing_order": order_names(version)},
    )
    signatories = [m.user for m in _signatories(partnership.id)
                   if signing_order is None or m.party_id == signing_order[0]]
    notify(
        signatories, "signature_requested", partnership=partnership, actor=membership.user,
        title=f"{membership.user.full_name} issued plan {label} for signature{deadline_phrase(version)}",
        body=f"{signing_note(version)}\n\n{summary}".strip(),
        link=version_path(version),
        dedupe_key=f"signature_requested:{version.id}",
    )
    return version


def check_sign_by(sign_by: date | None, today: date) -> None:
    if sign_by is None:
        return
    if sign_by <= today:
        raise RuleViolation(f"Choose a day after today ({today:%-d %B %Y}), or leave it empty for no deadline.",
                            "sign_by")
    if sign_by > today + timedelta(days=SIGN_BY_MAX_DAYS):
        raise RuleViolation("Choose a day within a year from today, or leave it empty for no deadline.", "sign_by")


def check_signing_order(order: list[int] | None, parties: list[dict]) -> list[int] | None:
    """The order as stored: every party of the version once, or None (any order; also for one party)."""
    if not order or len(parties) < 2:
        return None
    ids = [int(entry["party_id"]) for entry in parties]
    if sorted(order) != sorted(ids):
        raise RuleViolation("Choose a signing order from the list: the parties taking part changed meanwhile.",
                            "signing_order")
    return [int(party_id) for party_id in order]


# -- the time frame and the order ---------------------------------------------------------------


def ordered_parties(version: PlanVersion) -> list[RecordParty]:
    """The version's parties in signing order (as issued when it has none)."""
    parties = parties_of_version(version)
    if not version.signing_order:
        return parties
    position = {party_id: n for n, party_id in enumerate(version.signing_order)}
    return sorted(parties, key=lambda party: position.get(party.id, len(position)))


def order_names(version: PlanVersion) -> list[str] | None:
    return [party.name for party in ordered_parties(version)] if version.signing_order else None


def party_in_turn(version: PlanVersion) -> RecordParty | None:
    """The party whose turn it is to sign, when the version has a signing order and awaits it."""
    if not version.signing_order or version.status != "awaiting":
        return None
    signed = {s.party_id for s in version.signatures}
    return next((party for party in ordered_parties(version) if party.id not in signed), None)


def parties_asked(version: PlanVersion) -> list[RecordParty]:
    """The parties asked to sign now: every unsigned party, or only the one in turn."""
    if version.status != "awaiting":
        return []
    if version.signing_order:
        turn = party_in_turn(version)
        return [turn] if turn is not None else []
    return unsigned_parties(version)


def may_sign_now(version: PlanVersion, party_id: int) -> bool:
    return any(party.id == party_id for party in parties_asked(version))


def deadline_phrase(version: PlanVersion) -> str:
    return f" by {version.sign_by:%-d %B %Y}" if version.sign_by else ""


def signing_note(version: PlanVersion) -> str:
    """One line on the deadline and order, for requests and reminders."""
    parts = []
    if version.sign_by:
        parts.append(f"Sign by {version.sign_by:%-d %B %Y}.")
    names = order_names(version)
    if names:
        parts.append("Signing order: " + ", then ".join(names) + ".")
    return " ".join(parts)


def out_of_turn_message(version: PlanVersion, party) -> str:
    turn = party_in_turn(version)
    waiting_for = turn.name if turn is not None else "the parties before it"
    return (f"It is not {party.name}'s turn to sign {version.label} yet: {version.label} is signed in turn "
            f"({', then '.join(order_names(version) or [])}) and waits for {waiting_for} first. You are notified "
            "when it is your turn.")


def _ask_next(version: PlanVersion, user) -> None:
    """After a signature in a signing order, ask the party whose turn it now is."""
    turn = party_in_turn(version)
    if turn is None:
        return
    record_event(
        "plan.signature_turn", actor=None, partnership_id=version.partnership_id, party_id=turn.id, obj=version,
        details={"version": version.label, "party_name": turn.name},
    )
    partnership = db.session.get(Partnership, version.partnership_id)
    notify(
        [m.user for m in _signatories(version.partnership_id) if m.party_id == turn.id], "signature_requested",
        partnership=partnership, actor=user,
        title=f"It is {turn.name}'s turn to sign plan {version.label}{deadline_phrase(version)}",
        body=f"{signing_note(version)}\n\n{version.summary}".strip(),
        link=version_path(version),
        dedupe_key=f"signature_requested:{version.id}",
    )


def _signatories(partnership_id: int) -> list[Membership]:
    return list(db.session.scalars(
        sa.select(Membership)
        .where(Membership.partnership_id == partnership_id, Membership.is_signatory.is_(True))
        .options(joinedload(Membership.user))
    ))


def _lock_partnership(partnership_id: int) -> None:
    """Serialise issuing per partnership (PostgreSQL row lock; SQLite writes are serial anyway)."""
    db.session.execute(sa.select(Partnership.id).where(Partnership.id == partnership_id).with_for_update())


def _locked_version(version: PlanVersion) -> PlanVersion:
    """Re-read the version under a row lock, so concurrent signatures are taken one at a time."""
    db.session.execute(sa.select(PlanVersion.id).where(PlanVersion.id == version.id).with_for_update())
    db.session.refresh(version)
    db.session.expire(version, ["signatures"])
    return version


# -- signing ------------------------------------------------------------------------------------


@dataclass
class SigningRequest:
    password: str
    typed_name: str
    confirmed: bool
    code: str = ""
    ip: str | None = None
    user_agent: str | None = None


def _same_name(typed: str, full_name: str) -> bool:
    def norm(text):
        return re.sub(r"\s+", " ", text or "").strip().casefold()

    return bool(norm(typed)) and norm(typed) == norm(full_name)


def sign_version(membership: Membership, version: PlanVersion, request: SigningRequest) -> PlanSignature:
    user = membership.user
    if not membership.is_signatory:
        raise RuleViolation("Only your party's signatories can sign plan versions.")
    version = _locked_version(version)
    if not is_party_to(version, membership.party_id):
        raise RuleViolation(not_a_party_message(version, membership.party))
    _check_open(version)
    if any(s.party_id == membership.party_id for s in version.signatures):
        raise RuleViolation(f"{membership.party.name} has already signed {version.label}.")
    if not may_sign_now(version, membership.party_id):
        raise SigningRefused(out_of_turn_message(version, membership.party))
    if not user.check_password(request.password or ""):
        raise RuleViolation("That is not your password.", "password")
    auth_method = "password"
    if user.two_factor_enabled:
        if two_factor.verify_second_factor(user, (request.code or "").strip()) is None:
            raise RuleViolation("Enter the current code from your authenticator app (or a recovery code).", "code")
        auth_method = "password+totp"
    if not _same_name(request.typed_name, user.full_name):
        raise RuleViolation(f"Type your full name exactly as your account shows it: {user.full_name}.", "typed_name")
    if not request.confirmed:
        raise RuleViolation("Confirm the statement to sign.", "confirm")
    key = identities.key_for(membership.party.organisation, actor=user)
    signature = PlanSignature(
        version_id=version.id,
        party_id=membership.party_id,
        signer_id=user.id,
        typed_name=re.sub(r"\s+", " ", request.typed_name).strip(),
        signed_at=utcnow(),
        ip=(request.ip or None) and request.ip[:64],
        user_agent=(request.user_agent or None) and request.user_agent[:400],
        auth_method=auth_method,
        intent=intent_statement(version, membership.party, user.full_name),
        content_hash=version.content_hash,
        signing_key_id=key.id,
    )
    db.session.add(signature)
    db.session.flush()
    db.session.expire(version, ["signatures"])
    record_event(
        "plan.version_signed", actor=user, partnership_id=version.partnership_id, party_id=membership.party_id,
        obj=version, details={"version": version.label, "content_hash": version.content_hash,
                              "auth_method": auth_method, "signature_id": signature.id},
    )
    link = version_path(version)
    partnership = membership.partnership
    if unsigned_parties(version):
        notify(
            members_of_partnership(partnership.id), "version_signed", partnership=partnership, actor=user,
            title=f"{user.full_name} signed plan {version.label} for {membership.party.name}", link=link,
        )
        _ask_next(version, user)
    else:
        _become_baseline(version, user, membership)
    return signature


def _become_baseline(version: PlanVersion, user, membership: Membership) -> None:
    previous = baseline_of(version.partnership_id)
    version.status = "signed"
    version.signed_at = utcnow()
    db.session.flush()
    record_event(
        "plan.version_baseline", actor=user, partnership_id=version.partnership_id, obj=version,
        details={"version": version.label, "content_hash": version.content_hash,
                 "superseded": previous.label if previous is not None else None},
    )
    notify(
        members_of_partnership(version.partnership_id), "baseline_signed", partnership=membership.partnership,
        actor=user, include_actor=True,
        title=f"Plan {version.label} is signed by every party and is now the signed baseline",
        link=version_path(version),
        dedupe_key=f"baseline_signed:{version.id}",
    )


def _check_open(version: PlanVersion) -> None:
    if version.status != "awaiting":
        raise RuleViolation(f"{version.label} is {STATUS_LABELS[version.status].lower()}: it can no longer be signed.")


def decline_version(membership: Membership, version: PlanVersion, reason: str) -> PlanVersion:
    if not membership.is_signatory:
        raise RuleViolation("Only your party's signatories can decline plan versions.")
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("Say why you decline, so the other parties know what to change.", "reason")
    if len(reason) > REASON_MAX:
        raise RuleViolation(f"Keep the reason under {REASON_MAX} characters.", "reason")
    version = _locked_version(version)
    if not is_party_to(version, membership.party_id):
        raise RuleViolation(not_a_party_message(version, membership.party))
    _check_open(version)
    if any(s.party_id == membership.party_id for s in version.signatures):
        raise RuleViolation(f"{membership.party.name} has already signed {version.label}.")
    _close(version, membership, "declined", reason)
    record_event(
        "plan.version_declined", actor=membership.user, partnership_id=version.partnership_id,
        party_id=membership.party_id, obj=version, details={"version": version.label, "reason": reason[:500]},
    )
    notify(
        members_of_partnership(version.partnership_id), "signature_declined", partnership=membership.partnership,
        actor=membership.user, title=f"{membership.user.full_name} declined to sign plan {version.label}",
        body=reason, link=version_path(version),
    )
    return version


def _close(version: PlanVersion, membership: Membership, status: str, reason: str | None) -> None:
    version.status = status
    version.closed_at = utcnow()
    version.closed_by_id = membership.user_id
    version.closed_party_id = membership.party_id
    version.close_reason = reason
    db.session.flush()


# -- the baseline and the working plan ------------------------------------------------------------


@dataclass(frozen=True)
class BaselineChanges:
    baseline: PlanVersion | None
    changed: frozenset[str]  # section keys whose current revision differs from the baseline's

    def section_changed(self, key: str) -> bool:
        return self.baseline is not None and key in self.changed


def baseline_changes(partnership_id: int) -> BaselineChanges:
    """Which sections changed since the signed baseline, in one query: the baseline (the newest
    signed version, without its canonical text, which this does not read) beside the current
    revision of each written section."""
    newest_signed = (
        sa.select(PlanVersion.id)
        .where(PlanVersion.partnership_id == partnership_id, PlanVersion.status == "signed")
        .order_by(PlanVersion.signed_at.desc(), PlanVersion.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(PlanVersion, PlanSection.section_key, PlanSection.current_revision_id)
        .outerjoin(PlanSection, sa.and_(PlanSection.partnership_id == PlanVersion.partnership_id,
                                        PlanSection.current_revision_id.is_not(None)))
        .where(PlanVersion.id == newest_signed)
        .options(defer(PlanVersion.canonical))
    ).all()
    if not rows:
        return BaselineChanges(None, frozenset())
    baseline = rows[0][0]
    current = {key: revision_id for _version, key, revision_id in rows if key is not None}
    frozen = baseline.revision_ids
    keys = {t.key for t in section_types()}
    changed = {key for key in keys if current.get(key) != frozen.get(key)}
    return BaselineChanges(baseline, frozenset(changed))


# -- a party left --------------------------------------------------------------------------------


def awaiting_signature_of(party: Party) -> PlanVersion | None:
    """The version out for signature that still waits for `party`'s signature, if any."""
    version = awaiting_of(party.partnership_id)
    if version is None or not is_party_to(version, party.id):
        return None
    return None if any(s.party_id == party.id for s in version.signatures) else version


def close_for_party_that_left(party: Party, actor=None, **_) -> PlanVersion | None:
    """A party left: a version awaiting its signature can never be signed by every party of it,
    so it is withdrawn, saying why. One it had already signed stays open for the others."""
    version = awaiting_signature_of(party)
    if version is None:
        return None
    version = _locked_version(version)
    if version.status != "awaiting":
        return None
    reason = f"{party.name} left the partnership"
    version.status = "withdrawn"
    version.closed_at = utcnow()
    version.closed_by_id = getattr(actor, "id", None)
    version.closed_party_id = party.id
    version.close_reason = reason
    db.session.flush()
    record_event(
        "plan.version_withdrawn", actor=actor, partnership_id=version.partnership_id, party_id=party.id,
        obj=version, details={"version": version.label, "reason": reason},
    )
    # Nobody is sent to sign a version that cannot be signed any more.
    for note in db.session.scalars(sa.select(Notification).where(
            Notification.kind == "signature_requested",
            Notification.dedupe_key == f"signature_requested:{version.id}")):
        note.title = f"Withdrawn: plan {version.label} no longer needs your signature"
        note.body = f"{reason}, so it can no longer be signed by every party it was issued to."
        note.updated_at = version.closed_at
        note.read_at = note.read_at or version.closed_at
    notify(
        members_of_partnership(version.partnership_id, exclude_party_id=party.id), "version_withdrawn",
        partnership=db.session.get(Partnership, version.partnership_id), actor=actor,
        title=f"Plan {version.label} is withdrawn: {reason}",
        body=f"{version.label} can no longer be signed by every party it was issued to. Issue a new version "
             "for the parties taking part now.",
        link=version_path(version),
        dedupe_key=f"version_withdrawn:{version.id}",
    )
    return version


def leaving_consequences(party: Party) -> list[str]:
    version = awaiting_signature_of(party)
    if version is None:
        return []
    return [f"{version.label}, out for signature and not yet signed by {party.name}, is withdrawn: it could no "
            "longer be signed by every party it was issued to."]
