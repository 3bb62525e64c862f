"""Attaching evidence, adding versions, withdrawing, and who may see what.

Every upload is received into a private temporary file while it is counted and hashed (413 past
ATTACHMENT_MAX_BYTES), identified by its content against the allow-list (422 otherwise), then
stored under its SHA-256 in the object store before its rows are written: a row never names a
file that is not there. The name the user gave is kept only as text to show.

A party's actual of a measure is blind until the cycle's reveal, and so is the evidence attached
to it: other parties see a version only once the cycle is revealed and only if it was uploaded
before the party's (latest) submission, so a correction's new evidence waits for its resubmission.
"""

import hashlib
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from app import jobs
from app.attachments import filetypes
from app.attachments.models import Attachment, AttachmentVersion
from app.attachments.places import Target, check_target, cycle_of_assessment, describe_target, item_place
from app.audit.services import record_event
from app.extensions import db
from app.formatting import file_size
from app.partnerships.access import Permission, check_permission
from app.partnerships.models import Membership
from app.plan_sections.reading import current_content
from app.plan_sections.registry import get_section_type, section_keys
from app.plan_versions.models import PlanVersion
from app.plan_versions.services import evidence_of
from app.review_cycle.assessments import check_can_assess
from app.review_cycle.models import AssessmentSubmission
from app.rules import RuleViolation
from app.storage import content_key, object_store
from app.types import utcnow
from app.uploads import display_name

TEXT_JOB = "attachment_text"
REASON_MAX = 500
_CHUNK = 256 * 1024


class UnsupportedFile(RuleViolation):
    """The upload's content is not a kind Jointly accepts (a 422 with its message)."""


def check_can_change(membership: Membership, target: Target) -> None:
    """RuleViolation unless the member may attach to, or withdraw from, this place now."""
    if target.kind == "actual":
        assessment, cycle = cycle_of_assessment(target.assessment_id)
        check_can_assess(membership, cycle)
        if assessment.party_id != membership.party_id:
            raise RuleViolation("Only the party whose actual it is can attach its evidence.")
        if assessment.submitted_at is not None:
            raise RuleViolation(f"{membership.party.name}'s review is submitted: its evidence is final.")
        return
    check_permission(membership, Permission.EDIT_PLAN, "Only admins and editors can attach or withdraw evidence.")


def can_change(membership: Membership, target: Target) -> bool:
    try:
        check_can_change(membership, target)
    except RuleViolation:
        return False
    return True


# --- Receiving a file -------------------------------------------------------------------------


@dataclass
class Received:
    path: str  # a private temporary file; the caller removes it (see `receive`)
    name: str
    size: int
    sha256: str
    file_type: filetypes.FileType
    storage_key: str = ""  # set once the file is in the object store


def max_bytes() -> int:
    return current_app.config["ATTACHMENT_MAX_BYTES"]


def receive(upload: FileStorage | None, *, field: str = "file") -> Received:
    """Count, hash and identify an upload in a private temporary file.
    RuleViolation when missing or empty, RequestEntityTooLarge past the cap, UnsupportedFile
    when its content is not an allowed kind. The caller removes `Received.path`."""
    if upload is None or not upload.filename:
        raise RuleViolation("Choose a file to attach.", field)
    name = display_name(upload.filename, limit=200)
    limit = max_bytes()
    directory = os.path.join(current_app.config["STORAGE_DIR"], "incoming")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, path = tempfile.mkstemp(dir=directory, suffix=".part")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise RequestEntityTooLarge(
                        f"{name} is larger than {file_size(limit)}, the most a single attachment may be.")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise RuleViolation(f"{name} is empty.", field)
        file_type = filetypes.identify(path)
        if file_type is None:
            raise UnsupportedFile(
                f"{name} is not a kind of file Jointly keeps (its contents were checked, not its name). "
                f"Attach {filetypes.ALLOWED_DESCRIPTION}.", field)
    except BaseException:
        os.unlink(path)
        raise
    return Received(path, name, size, digest.hexdigest(), file_type)


def name_key(name: str) -> str:
    """Names that differ only by case or Unicode form are the same attachment's."""
    return unicodedata.normalize("NFC", name).casefold()[:200]


# --- Attaching and withdrawing ----------------------------------------------------------------


def live_attachment(partnership_id: int, target: Target, key: str, *, lock: bool = False) -> Attachment | None:
    query = sa.select(Attachment).where(
        Attachment.partnership_id == partnership_id, Attachment.target_ref == target.ref,
        Attachment.name_key == key, Attachment.withdrawn_at.is_(None),
    )
    return db.session.scalar(query.with_for_update() if lock else query)


def attach(membership: Membership, target: Target, upload: FileStorage | None, *,
           at: datetime | None = None, field: str = "file") -> AttachmentVersion:
    """Attach an uploaded file to a place: a new attachment, or the next version of the live
    one of the same name there. Audited; its text is read for search by a job after the commit."""
    check_target(membership.partnership_id, target)
    check_can_change(membership, target)
    received = _received_and_stored(upload, field)
    return record_upload(membership, target, received, at=at or utcnow())


def add_version(membership: Membership, attachment: Attachment, upload: FileStorage | None, *,
                at: datetime | None = None, field: str = "file") -> AttachmentVersion:
    """Upload the next version of an attachment, whatever the new file is called (the attachment
    keeps its name; the version records the file's)."""
    target = Target.of(attachment)
    check_can_change(membership, target)
    if attachment.withdrawn_at is not None:
        raise RuleViolation(f"{attachment.name} was withdrawn: attach the file again to start a new record.", field)
    received = _received_and_stored(upload, field)
    locked = db.session.scalar(sa.select(Attachment).where(Attachment.id == attachment.id).with_for_update()
                               .execution_options(populate_existing=True))
    if locked.withdrawn_at is not None:
        raise RuleViolation(f"{locked.name} was withdrawn meanwhile.", field)
    return _add_version(membership, locked, received, created=False, at=at or utcnow())


def _received_and_stored(upload: FileStorage | None, field: str) -> "Received":
    received = receive(upload, field=field)
    try:
        store = object_store()
        key = content_key(received.sha256)
        if not store.exists(key):
            store.put_file(key, received.path)
    finally:
        os.unlink(received.path)
    received.storage_key = key
    return received


def record_upload(membership: Membership, target: Target, received: "Received", *,
                  at: datetime) -> AttachmentVersion:
    """The rows of an upload already in the store (the next version when the name is live there)."""
    key = name_key(received.name)
    attachment = live_attachment(membership.partnership_id, target, key, lock=True)
    created = attachment is None
    if created:
        attachment = _new_attachment(membership, target, received.name, key, at)
    return _add_version(membership, attachment, received, created=created, at=at)


def _add_version(membership: Membership, attachment: Attachment, received: "Received", *, created: bool,
                 at: datetime) -> AttachmentVersion:
    partnership_id = membership.partnership_id
    number = (db.session.scalar(sa.select(sa.func.max(AttachmentVersion.number))
                                .where(AttachmentVersion.attachment_id == attachment.id)) or 0) + 1
    version = AttachmentVersion(
        attachment_id=attachment.id, number=number, file_name=received.name, type_key=received.file_type.key,
        media_type=received.file_type.media_type, size=received.size, sha256=received.sha256,
        storage_key=received.storage_key, uploaded_at=at, uploaded_by_id=membership.user_id,
        party_id=membership.party_id, party_name=membership.party.name,
        text_state="pending" if received.file_type.has_text else "none",
    )
    db.session.add(version)
    db.session.flush()
    record_event(
        "attachment.added" if created else "attachment.version_added", actor=membership.user,
        partnership_id=partnership_id, party_id=membership.party_id, obj=attachment,
        details={"name": attachment.name, "version": number, "place": describe_target(attachment),
                 "size": received.size, "sha256": received.sha256, "type": received.file_type.label},
    )
    if received.file_type.has_text:
        jobs.enqueue_on_commit(TEXT_JOB, version.id)
    return version


def _new_attachment(membership: Membership, target: Target, name: str, key: str, at: datetime) -> Attachment:
    """A new live attachment; when another upload of the same name just made one, that one."""
    values = dict(
        partnership_id=membership.partnership_id, target_kind=target.kind, target_ref=target.ref,
        section_key=target.section_key, item_id=target.item_id, action_id=target.action_id,
        assessment_id=target.assessment_id, measure_id=target.measure_id, name=name, name_key=key,
        created_at=at, created_by_id=membership.user_id, party_id=membership.party_id,
    )
    try:
        with db.session.begin_nested():
            attachment = Attachment(**values)
            db.session.add(attachment)
            db.session.flush()
    except sa.exc.IntegrityError:
        attachment = live_attachment(membership.partnership_id, target, key, lock=True)
        if attachment is None:
            raise
    return attachment


def withdraw(membership: Membership, attachment: Attachment, reason: str, *, at: datetime | None = None) -> None:
    """Withdraw an attachment: it stays in the record (and in the plan versions that list it),
    marked withdrawn with who, when and why; a new upload of its name starts a new attachment."""
    target = Target.of(attachment)
    check_can_change(membership, target)
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("Say why it is withdrawn: the record keeps it.", "reason")
    if len(reason) > REASON_MAX:
        raise RuleViolation(f"Keep the reason to {REASON_MAX} characters (it has {len(reason)}).", "reason")
    locked = db.session.scalar(sa.select(Attachment).where(Attachment.id == attachment.id).with_for_update()
                               .execution_options(populate_existing=True))
    if locked.withdrawn_at is not None:
        raise RuleViolation(f"{locked.name} was already withdrawn.")
    locked.withdrawn_at = at or utcnow()
    locked.withdrawn_by_id = membership.user_id
    locked.withdrawn_party_id = membership.party_id
    locked.withdrawn_reason = reason
    record_event("attachment.withdrawn", actor=membership.user, partnership_id=membership.partnership_id,
                 party_id=membership.party_id, obj=locked,
                 details={"name": locked.name, "place": describe_target(locked), "reason": reason[:200]})


# --- Seeing -----------------------------------------------------------------------------------


def _shared_until(attachment: Attachment, membership: Membership):
    """For a party's actual, the moment up to which its evidence is shared with this member:
    None for its own party (everything), the party's latest submission once the cycle is revealed,
    else False (nothing yet). For any other place, None."""
    if attachment.target_kind != "actual":
        return None
    assessment, cycle = cycle_of_assessment(attachment.assessment_id)
    if assessment.party_id == membership.party_id:
        return None
    if cycle.revealed_at is None:
        return False
    latest = db.session.scalar(sa.select(sa.func.max(AssessmentSubmission.submitted_at))
                               .where(AssessmentSubmission.assessment_id == assessment.id))
    return latest if latest is not None else False


def _seen(attachment: Attachment, membership: Membership) -> tuple[list[AttachmentVersion], bool]:
    """The versions the member may see, and whether it sees the attachment withdrawn: everything,
    except on another party's blind actual, where only what its latest submission included, once
    the cycle is revealed (a correction's new evidence waits for its resubmission)."""
    until = _shared_until(attachment, membership)
    if until is None:
        return list(attachment.versions), attachment.withdrawn_at is not None
    if until is False:
        return [], False
    versions = [v for v in attachment.versions if v.uploaded_at <= until]
    return versions, attachment.withdrawn_at is not None and attachment.withdrawn_at <= until


@dataclass
class Shown:
    """An attachment as one member sees it: the versions it may see, newest last."""

    attachment: Attachment
    versions: list[AttachmentVersion]
    withdrawn: bool
    can_change: bool

    @property
    def current(self) -> AttachmentVersion:
        return self.versions[-1]


def attachments_at(membership: Membership, targets: list[Target], *,
                   include_withdrawn: bool = True) -> dict[str, list[Shown]]:
    """What the member sees attached to each of `targets`, by target ref, oldest first."""
    refs = sorted({t.ref for t in targets})
    found: dict[str, list[Shown]] = {ref: [] for ref in refs}
    if not refs:
        return found
    # The versions come in the same statement (a page shows a handful of files, each with few
    # versions): a section page reads its evidence in one round trip.
    rows = db.session.scalars(
        sa.select(Attachment).where(Attachment.partnership_id == membership.partnership_id,
                                    Attachment.target_ref.in_(refs))
        .options(joinedload(Attachment.versions)).order_by(Attachment.created_at, Attachment.id)
    ).unique()
    changeable: dict[str, bool] = {}
    for attachment in rows:
        versions, withdrawn = _seen(attachment, membership)
        if not versions:
            continue
        if withdrawn and not include_withdrawn:
            continue
        ref = attachment.target_ref
        if ref not in changeable:
            changeable[ref] = can_change(membership, Target.of(attachment))
        found[ref].append(Shown(attachment, versions, withdrawn, changeable[ref] and not withdrawn))
    return found


def shown(membership: Membership, attachment: Attachment) -> Shown | None:
    """One attachment as the member sees it, or None when it may not (another party's blind actual)."""
    versions, withdrawn = _seen(attachment, membership)
    if not versions:
        return None
    return Shown(attachment, versions, withdrawn, not withdrawn and can_change(membership, Target.of(attachment)))


def open_version(version: AttachmentVersion):
    """The stored bytes of a version, as a stream."""
    return object_store().open(version.storage_key)


# --- The plan's evidence, for plan versions ----------------------------------------------------


def plan_evidence(partnership_id: int) -> list[dict]:
    """The live attachments of the plan (sections, and items still in it) with their current
    version: what a plan version issued now rests on, in the plan's order, as its canonical
    document records it."""
    rows = db.session.scalars(
        sa.select(Attachment).where(Attachment.partnership_id == partnership_id,
                                    Attachment.target_kind.in_(("section", "item")),
                                    Attachment.withdrawn_at.is_(None))
        .options(selectinload(Attachment.versions))
    ).all()
    if not rows:
        return []
    order = {key: index for index, key in enumerate(section_keys())}
    # Each section's items once: where each stands in the plan and what it is called.
    items: dict[tuple[str, str], tuple[int, str]] = {}
    for key in sorted({a.section_key for a in rows if a.target_kind == "item"}):
        section_type = get_section_type(key)
        content = current_content(partnership_id, key)
        for kind in section_type.item_kinds:
            for item in (content.get("items") or {}).get(kind.key, []):
                items[key, item["id"]] = (len(items), item_place(section_type, kind, item))
    placed = []
    for attachment in rows:
        if attachment.target_kind == "section":
            placed.append(((order.get(attachment.section_key, len(order)), -1), attachment,
                           get_section_type(attachment.section_key).title))
        elif (attachment.section_key, attachment.item_id) in items:  # an item removed since takes its files out
            position, label = items[attachment.section_key, attachment.item_id]
            placed.append(((order.get(attachment.section_key, len(order)), position), attachment, label))
    placed.sort(key=lambda entry: (entry[0], entry[1].name_key, entry[1].id))
    evidence = []
    for _position, attachment, place in placed:
        version = attachment.versions[-1]
        evidence.append({
            "attachment_id": attachment.id, "version": version.number, "name": attachment.name,
            "file_name": version.file_name, "section": attachment.section_key, "item": attachment.item_id,
            "place": place, "type": version.media_type, "size": version.size,
            "sha256": version.sha256, "party": version.party_name,
            "uploaded_at": version.uploaded_at.isoformat(timespec="seconds"),
        })
    return evidence


@dataclass(frozen=True)
class Pinned:
    version: PlanVersion
    number: int  # the attachment's version the plan version lists


def pinning_versions(attachment: Attachment) -> list[Pinned]:
    """The plan versions whose annex lists this attachment, oldest first."""
    if attachment.target_kind not in ("section", "item"):
        return []
    versions = db.session.scalars(
        sa.select(PlanVersion).where(PlanVersion.partnership_id == attachment.partnership_id,
                                     PlanVersion.canonical.contains('"evidence"'))
        .order_by(PlanVersion.major, PlanVersion.minor)
    )
    return [Pinned(version, row["version"]) for version in versions for row in evidence_of(version)
            if row.get("attachment_id") == attachment.id]
