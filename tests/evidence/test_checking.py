"""Checking a pack as a file: each kind of tampering is refused, saying what is wrong, and a
hostile ZIP (bomb, traversal, duplicates) is refused before anything of it is unpacked."""

import json

import pytest

from app.evidence.checking import PackLimits, check_pack
from app.evidence.verification import judge
from app.plan_versions.identities import identity_of, key_for
from app.signing.keys import generate_identity
from tests.support.evidence import (
    altered_signed_plan,
    edited,
    entries,
    manifest_of,
    pack_of,
    rehash,
    resigned,
    rezip,
    signed_plan_pack,
    with_extra,
    without,
)


@pytest.fixture
def pack(two_parties):
    return pack_of(two_parties.partnership)


def test_an_untouched_pack_checks_and_its_signer_is_the_exporters_signing_key(two_parties, pack):
    check = check_pack(pack)
    assert check.ok, check.problem
    names = [member.name for member in check.members]
    assert names == ["README.txt", "audit/audit-trail.signed.json"]
    assert all(member.problem is None for member in check.members)
    result = judge(check)
    assert result.ok and result.verdict == "Intact evidence pack, signed by Alpha Ltd"
    assert "Alpha Ltd's current signing certificate as this installation holds it" in result.trusted_because
    assert check.signature.fingerprint == key_for(two_parties.a.admin.organisation).fingerprint


def test_an_edited_member_is_named(pack):
    check = check_pack(edited(pack, "audit/audit-trail.signed.json"))
    assert not check.ok
    assert check.problem == ("The file audit/audit-trail.signed.json was changed (its SHA-256 is not the one the "
                             "manifest lists).")
    assert [m.problem for m in check.members] == [None, "changed"]
    assert judge(check).verdict == "Not intact: the pack's files do not match its signed manifest"


def test_a_missing_and_an_extra_member_are_named(pack):
    check = check_pack(with_extra(without(pack, "README.txt")))
    assert check.problem == ("The file README.txt is missing (the manifest lists it); the file plan/extra.pdf was "
                             "added (the manifest does not list it).")


def test_a_manifest_changed_after_signing_is_refused(pack):
    forged = edited(pack, "manifest.json", lambda content: content.replace(b"Alpha Ltd", b"Alpha Plc"))
    check = check_pack(forged)
    assert check.problem == ("The manifest's signature does not verify: the manifest was changed after it was "
                             "signed (its SHA-256 is not the signed one).")
    assert judge(check).verdict == "Forged or damaged: the manifest's signature does not verify"


def test_a_manifest_signed_again_by_a_stranger_is_intact_but_not_trusted(pack):
    stranger = generate_identity("Alpha Ltd")  # names the exporter, but is not its key
    forged = resigned(edited(pack, "README.txt"), stranger, rehash(edited(pack, "README.txt")))
    check = check_pack(forged)
    assert check.ok, check.problem  # consistent in itself...
    result = judge(check)
    assert not result.ok  # ...but signed by nobody this installation knows
    assert result.verdict == "Not trusted: the manifest is signed by a certificate Jointly does not trust for it"
    assert "does not know" in result.not_trusted and stranger.fingerprint in result.not_trusted
    assert "--trust CERT.pem" in result.not_trusted
    # Naming the stranger's certificate as the one to trust is what it takes.
    assert judge(check, [stranger.certificate]).ok
    assert not judge(check, [generate_identity("Other").certificate]).ok


def test_a_manifest_signed_with_the_other_partys_key_is_not_trusted_for_the_exporter(two_parties, pack):
    beta = identity_of(key_for(two_parties.b.admin.organisation))
    result = judge(check_pack(resigned(pack, beta)))
    assert not result.ok
    assert result.not_trusted.startswith("The manifest says Alpha Ltd exported the pack, but it is signed with "
                                         "Beta GmbH's signing certificate")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(pack):
    files = entries(pack)
    bomb = rezip([*files.items(), ("plan/bomb.pdf", b"\0" * (20 * 1024 * 1024))])
    assert len(bomb) < 200 * 1024
    check = check_pack(bomb)
    assert check.problem == ("The entry 'plan/bomb.pdf' is compressed more than 200 to 1: refused as a possible "
                             "ZIP bomb.")
    check = check_pack(pack, PackLimits(max_total_uncompressed=1000))
    assert "would unpack to more than" in check.problem and "ZIP bomb" in check.problem
    check = check_pack(pack, PackLimits(max_members=3))
    assert check.problem == "The pack has 4 entries; an evidence pack has at most 3."


def test_an_entry_that_unpacks_to_more_than_it_declares_is_stopped(pack):
    # The central directory understates README.txt's size: reading stops at what it declared.
    data = bytearray(pack)
    record = data.find(b"PK\x01\x02")
    while data[record + 46:record + 46 + len(b"README.txt")] != b"README.txt":
        record = data.find(b"PK\x01\x02", record + 4)
    size = int.from_bytes(data[record + 24:record + 28], "little")
    data[record + 24:record + 28] = (size - 10).to_bytes(4, "little")
    check = check_pack(bytes(data))
    assert check.problem.startswith("The entry 'README.txt' is damaged")


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "plan/../../evil.txt", "C:\\evil.txt", "plan\\x.pdf",
                                  ".hidden"])
def test_unsafe_entry_names_are_refused(pack, name):
    check = check_pack(with_extra(pack, name))
    assert check.problem.startswith("The pack holds an entry with an unsafe name")
    assert check.manifest is None


def test_two_entries_with_one_name_are_refused(pack):
    files = entries(pack)
    with pytest.warns(UserWarning, match="Duplicate name"):
        doubled = rezip([*files.items(), ("README.txt", b"the other README")])
    assert check_pack(doubled).problem == ("The pack holds two entries named 'README.txt': which one is meant "
                                           "cannot be told.")


def test_what_is_not_a_pack_says_so(pack):
    assert check_pack(b"%PDF-1.7").problem == "This is not an evidence pack: it is not a ZIP file."
    assert check_pack(rezip([("hello.txt", b"hi")])).problem == "This is not an evidence pack: it has no manifest.json."
    assert check_pack(pack[: len(pack) // 2]).problem.startswith("The ZIP file is damaged")
    not_json = edited(pack, "manifest.json", lambda content: b"{")
    assert check_pack(not_json).problem == "The manifest is not readable JSON."
    other_format = resigned(pack, generate_identity("X"), lambda m: {**m, "format": "other/1"})
    assert "format jointly-evidence-pack/1" in check_pack(other_format).problem
    assert json.loads(entries(pack)["manifest.json"]) == manifest_of(pack)


def test_the_signed_plan_in_a_pack_has_every_partys_signature_checked(versions):
    check = check_pack(signed_plan_pack(versions))
    assert check.ok, check.problem
    plan = next(member for member in check.members if member.name == "plan/plan-v1.0-signed.pdf")
    assert [(s["signer"], s["ok"]) for s in plan.signatures] == [("Alpha Ltd", True), ("Beta GmbH", True)]
    assert plan.signatures[1]["fingerprint"] == key_for(versions.people.b.admin.organisation).fingerprint
    assert plan.signatures_problem is None and judge(check).ok


def test_a_signed_plan_altered_and_packed_again_by_its_exporter_is_refused(versions):
    pack = signed_plan_pack(versions)
    name = "plan/plan-v1.0-signed.pdf"
    exporter = identity_of(key_for(versions.people.a.admin.organisation))
    check = check_pack(altered_signed_plan(pack, name, exporter))
    assert not check.ok
    # The flipped byte lies in the content both signatures cover: neither verifies.
    assert check.problem == (f"The signed plan {name} does not prove itself: the signatures of Alpha Ltd and "
                             "Beta GmbH do not verify.")
    plan = next(member for member in check.members if member.name == name)
    assert plan.problem == "signatures" and not all(s["ok"] for s in plan.signatures)
    result = judge(check)
    assert result.trusted_because is not None and not result.ok  # the exporter's own key, yet refused
    assert result.verdict == "Not intact: the signed plan in the pack does not carry valid signatures"
    # A PDF with no signature at all, in the signed plan's place, is refused too.
    unsigned = edited(pack, name, lambda _content: _unsigned_pdf())
    check = check_pack(resigned(unsigned, exporter, rehash(unsigned)))
    assert check.problem == f"The signed plan {name} does not prove itself: it holds no digital signature."


def _unsigned_pdf() -> bytes:
    from app.signing.rendering.pdf import render_pdf

    return render_pdf("<h1>A plan nobody signed</h1>", title="Unsigned", author="Nobody", subject="Unsigned")
