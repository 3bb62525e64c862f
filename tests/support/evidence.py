"""Evidence packs in tests: a pack exported through the services, and the ways of tampering
with one that the checks must refuse."""

import hashlib
import io
import json
import zipfile

from app.accounts.models import Organisation
from app.evidence import members
from app.evidence.packing import export_pack
from app.evidence.signature import sign_detached
from app.extensions import db

# A pack quick to make, for the tests of what checking it finds: its README and audit trail only.
LIGHT = (members.audit_trail,)


def pack_of(partnership, organisation: Organisation | None = None, producers=LIGHT) -> bytes:
    """The partnership's pack, signed for `organisation` (the first party's by default)."""
    organisation = organisation or partnership.parties[0].organisation
    data, _fingerprint, _count = export_pack(partnership, organisation, None, producers)
    db.session.commit()
    return data


def signed_plan_pack(versions) -> bytes:
    """A plan version issued and signed by both parties, and a pack holding its signed PDF only."""
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    versions.sign(version, versions.people.b.admin)
    return pack_of(versions.partnership, producers=(members.signed_plan,))


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def manifest_of(data: bytes) -> dict:
    return json.loads(entries(data)["manifest.json"])


def rezip(files, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A ZIP of (name, bytes) pairs, in that order (the same name twice makes two entries)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, content, compress_type=compression)
    return buffer.getvalue()


def edited(data: bytes, name: str, change=lambda content: content + b" ") -> bytes:
    return rezip([(n, change(c) if n == name else c) for n, c in entries(data).items()])


def without(data: bytes, name: str) -> bytes:
    return rezip([(n, c) for n, c in entries(data).items() if n != name])


def with_extra(data: bytes, name: str = "plan/extra.pdf", content: bytes = b"%PDF-1.7 not from Jointly") -> bytes:
    return rezip([*entries(data).items(), (name, content)])


def resigned(data: bytes, identity, change=lambda manifest: manifest) -> bytes:
    """The pack with its manifest changed by `change` and signed again with `identity`."""
    files = entries(data)
    manifest = change(json.loads(files["manifest.json"]))
    manifest_bytes = json.dumps(manifest, indent=1).encode()
    files["manifest.json"] = manifest_bytes
    files["manifest.json.p7s"] = sign_detached(manifest_bytes, identity)
    return rezip(files.items())


def rehash(data: bytes):
    """A manifest change (for `resigned`) listing each member's SHA-256 and size as `data` holds them."""
    files = entries(data)

    def change(manifest):
        for member in manifest["members"]:
            member["sha256"] = hashlib.sha256(files[member["name"]]).hexdigest()
            member["size"] = len(files[member["name"]])
        return manifest

    return change


def altered_signed_plan(pack: bytes, name: str, identity) -> bytes:
    """The pack with one byte of its signed plan's signed content flipped, its manifest listing the
    new hash and signed again with `identity` (as an exporter hiding an edit would)."""
    pdf = entries(pack)[name]
    inside = pdf.index(b"stream\n") + 40  # a byte of the first content the signatures cover
    repacked = edited(pack, name, lambda _content: pdf[:inside] + bytes([pdf[inside] ^ 0x01]) + pdf[inside + 1:])
    return resigned(repacked, identity, rehash(repacked))
