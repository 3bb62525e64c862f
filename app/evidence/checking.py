"""Checking an evidence pack as a file, with bounded resources and no database: is it a safe
ZIP, is its manifest signed and unchanged, and does every member match the manifest?

A pack may come from anyone, so nothing is trusted before it is counted: the ZIP's entries
(how many, their names, their declared sizes and compression ratios) are checked before any is
read; each member is then read in chunks, stopping as soon as it exceeds what it declared or
the pack's limits, and hashed as it streams. Once every member matches, the signed plan PDFs
(plan/*-signed.pdf) have their own PAdES signatures validated too, so the pack proves that the
plan in it is the one its parties signed, not only the one its exporter packed. Whether the
certificate that signed the manifest is one to trust is the installation's question
(app/evidence/verification.py).
"""

import hashlib
import io
import json
import re
import zipfile
import zlib
from dataclasses import asdict, dataclass, field

from app.evidence.signature import SignatureCheck, check_detached

FORMAT = "jointly-evidence-pack/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.p7s"


@dataclass(frozen=True)
class PackLimits:
    max_bytes: int = 100 * 1024 * 1024  # the ZIP file itself
    max_members: int = 500
    max_total_uncompressed: int = 400 * 1024 * 1024
    max_ratio: int = 200  # uncompressed / compressed, per entry (PDFs and JSON stay far below)
    max_manifest_bytes: int = 2 * 1024 * 1024
    max_signature_bytes: int = 256 * 1024
    max_signed_pdf_bytes: int = 64 * 1024 * 1024  # a signed plan whose signatures are validated


# What a member's name may be: ASCII path segments, no "..", no absolute paths or backslashes.
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}(?:/[A-Za-z0-9][A-Za-z0-9._-]{0,99}){0,4}")
_CHUNK = 64 * 1024
# The members that hold a signed plan: their PAdES signatures are validated as well.
SIGNED_PDF = re.compile(r"plan/[A-Za-z0-9._-]+-signed\.pdf")


@dataclass
class MemberCheck:
    name: str
    size: int | None  # as found in the pack (None: missing)
    sha256: str | None
    problem: str | None = None  # "changed", "missing", "not in the manifest", "signatures"
    # A signed plan's PAdES signatures, each {"signer", "fingerprint", "ok", "error"}, once checked.
    signatures: list[dict] | None = None
    signatures_problem: str | None = None  # why they do not prove the plan, as a clause


@dataclass
class PackCheck:
    """What checking a pack found; `problem` is the first thing that makes it unacceptable."""

    problem: str | None = None
    manifest: dict | None = None
    signature: SignatureCheck | None = None
    members: list[MemberCheck] = field(default_factory=list)

    @property
    def member_problems(self) -> list[MemberCheck]:
        return [member for member in self.members if member.problem]

    @property
    def ok(self) -> bool:
        return self.problem is None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "PackCheck":
        data = json.loads(text)
        signature = SignatureCheck(**data["signature"]) if data["signature"] else None
        return cls(data["problem"], data["manifest"], signature, [MemberCheck(**m) for m in data["members"]])


class Refused(Exception):  # noqa: N818 - reads as what happened
    """The pack is not acceptable as a file; the message says why, in the reader's terms."""


def is_pack(head: bytes) -> bool:
    """A ZIP file by its first bytes (what /verify and the command go by, never the file name)."""
    return head.startswith(b"PK\x03\x04")


def check_pack(data: bytes, limits: PackLimits | None = None) -> PackCheck:
    limits = limits or PackLimits()
    result = PackCheck()
    try:
        archive = _open(data, limits)
        manifest_bytes = _read(archive, archive.getinfo(MANIFEST), limits.max_manifest_bytes)
        signature_bytes = _read(archive, archive.getinfo(SIGNATURE), limits.max_signature_bytes)
        result.manifest = _manifest(manifest_bytes)
    except Refused as refused:
        result.problem = str(refused)
        return result
    result.signature = check_detached(manifest_bytes, signature_bytes)
    if not result.signature.ok:
        result.problem = f"The manifest's signature does not verify: {result.signature.problem}."
        return result
    try:
        result.members, signed = _check_members(archive, result.manifest, limits)
    except Refused as refused:
        result.problem = str(refused)
        return result
    if not result.member_problems:
        for member in result.members:
            if member.name in signed:
                _check_signatures(member, signed[member.name])
    bad = result.member_problems
    if bad:
        result.problem = "; ".join(_member_sentence(member) for member in bad) + "."
        result.problem = result.problem[0].upper() + result.problem[1:]
    return result


def _open(data: bytes, limits: PackLimits) -> zipfile.ZipFile:
    if len(data) > limits.max_bytes:
        raise Refused(f"The file is larger than an evidence pack may be ({limits.max_bytes // (1024 * 1024)} MB).")
    if not is_pack(data[:4]):
        raise Refused("This is not an evidence pack: it is not a ZIP file.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as error:
        raise Refused(f"The ZIP file is damaged ({error}).") from error
    if len(entries) > limits.max_members:
        raise Refused(f"The pack has {len(entries)} entries; an evidence pack has at most {limits.max_members}.")
    seen, total = set(), 0
    for entry in entries:
        name = entry.filename
        if not _SAFE_NAME.fullmatch(name) or ".." in name.split("/"):
            raise Refused(f"The pack holds an entry with an unsafe name ({name[:80]!r}): refused without "
                          "reading further.")
        if name in seen:
            raise Refused(f"The pack holds two entries named {name!r}: which one is meant cannot be told.")
        seen.add(name)
        if entry.flag_bits & 0x1:
            raise Refused(f"The entry {name!r} is encrypted.")
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused(f"The entry {name!r} uses a compression method evidence packs do not use.")
        total += entry.file_size
        if total > limits.max_total_uncompressed:
            raise Refused(f"The pack would unpack to more than {limits.max_total_uncompressed // (1024 * 1024)} MB: "
                          "refused as a possible ZIP bomb.")
        if entry.file_size > limits.max_ratio * max(entry.compress_size, 1) and entry.file_size > _CHUNK:
            raise Refused(f"The entry {name!r} is compressed more than {limits.max_ratio} to 1: refused as a "
                          "possible ZIP bomb.")
    for required in (MANIFEST, SIGNATURE):
        if required not in seen:
            raise Refused(f"This is not an evidence pack: it has no {required}.")
    return archive


def _read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limit: int, digest=None, *,
          keep: bool = False) -> bytes | None:
    """The entry's bytes (or only its hash, into `digest`, and its bytes too when `keep`), read in
    chunks and never more than it declared or than `limit`."""
    keep = keep or digest is None
    allowed = min(entry.file_size, limit)
    if entry.file_size > limit:
        raise Refused(f"The entry {entry.filename!r} is larger than such an entry may be.")
    chunks, size = [], 0
    try:
        with archive.open(entry) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > allowed:
                    raise Refused(f"The entry {entry.filename!r} unpacks to more than it declares: refused as a "
                                  "possible ZIP bomb.")
                if digest is not None:
                    digest.update(chunk)
                if keep:
                    chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise Refused(f"The entry {entry.filename!r} is damaged ({error}).") from error
    return b"".join(chunks) if keep else None


def _manifest(data: bytes) -> dict:
    try:
        manifest = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise Refused("The manifest is not readable JSON.") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Refused(f"The manifest is not one of a Jointly evidence pack (format {FORMAT}).")
    members = manifest.get("members")
    if not isinstance(members, list) or not all(
        isinstance(m, dict) and isinstance(m.get("name"), str) and isinstance(m.get("sha256"), str)
        and isinstance(m.get("size"), int) for m in members
    ):
        raise Refused("The manifest's list of members is malformed.")
    return manifest


def _check_members(archive: zipfile.ZipFile, manifest: dict,
                   limits: PackLimits) -> tuple[list[MemberCheck], dict[str, bytes]]:
    """Each member against the manifest, and the bytes of the signed plan PDFs among them."""
    present = {entry.filename: entry for entry in archive.infolist()}
    listed = {}
    for member in manifest["members"]:
        if member["name"] in listed or member["name"] in (MANIFEST, SIGNATURE):
            raise Refused(f"The manifest lists {member['name']!r} twice.")
        listed[member["name"]] = member
    checks, signed = [], {}
    for name, member in listed.items():
        entry = present.get(name)
        if entry is None:
            checks.append(MemberCheck(name, None, None, "missing"))
            continue
        digest = hashlib.sha256()
        signed_plan = SIGNED_PDF.fullmatch(name) is not None
        keep = signed_plan and entry.file_size <= limits.max_signed_pdf_bytes
        content = _read(archive, entry, limits.max_total_uncompressed, digest, keep=keep)
        found = MemberCheck(name, entry.file_size, digest.hexdigest())
        if found.sha256 != member["sha256"].lower() or found.size != member["size"]:
            found.problem = "changed"
        elif keep:
            signed[name] = content
        elif signed_plan:
            found.problem, found.signatures_problem = "signatures", "it is too large to have its signatures checked"
        checks.append(found)
    for name, entry in present.items():
        if name not in listed and name not in (MANIFEST, SIGNATURE):
            checks.append(MemberCheck(name, entry.file_size, None, "not in the manifest"))
    return checks, signed


def _check_signatures(member: MemberCheck, data: bytes) -> None:
    """Validate a signed plan's PAdES signatures (as /verify does a PDF, without trust roots: the
    signers are named by their certificates' organisation and fingerprint)."""
    from app.signing.pades import validate_pdf

    report = validate_pdf(data)
    member.signatures = [
        {"signer": s.signer_organisation or s.signer_common_name or "an unnamed signer",
         "fingerprint": s.certificate_fingerprint, "ok": s.ok, "error": s.error}
        for s in report.signatures
    ]
    if report.error:
        member.signatures_problem = "it is not a readable PDF"
    elif not report.signatures:
        member.signatures_problem = "it holds no digital signature"
    elif not all(s["ok"] for s in member.signatures):
        broken = [s["signer"] for s in member.signatures if not s["ok"]]
        if len(broken) == 1:
            member.signatures_problem = f"the signature of {broken[0]} does not verify"
        else:
            member.signatures_problem = f"the signatures of {', '.join(broken[:-1])} and {broken[-1]} do not verify"
    elif not report.intact_and_covers_document:
        member.signatures_problem = "its signatures do not cover the whole document"
    if member.signatures_problem:
        member.problem = "signatures"


def _member_sentence(member: MemberCheck) -> str:
    return {
        "changed": f"the file {member.name} was changed (its SHA-256 is not the one the manifest lists)",
        "missing": f"the file {member.name} is missing (the manifest lists it)",
        "not in the manifest": f"the file {member.name} was added (the manifest does not list it)",
        "signatures": f"the signed plan {member.name} does not prove itself: {member.signatures_problem}",
    }[member.problem]
