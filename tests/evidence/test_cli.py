"""`ermp evidence-pack` and `ermp verify-pack` through the Flask CLI runner."""

import pytest

from app.extensions import db
from app.plan_versions.identities import identity_of, key_for
from app.signing.keys import generate_identity
from tests.support.evidence import (
    altered_signed_plan,
    edited,
    entries,
    resigned,
    rezip,
    signed_plan_pack,
    with_extra,
    without,
)


def _export(runner, two_parties, out, *extra):
    return runner.invoke(args=["ermp", "evidence-pack", str(two_parties.partnership.id), "-o", str(out), *extra])


def test_export_then_verify_a_pack(two_parties, runner, tmp_path):
    out = tmp_path / "pack.zip"
    result = _export(runner, two_parties, out, "--organisation", str(two_parties.b.admin.organisation_id))
    assert result.exit_code == 0, result.output
    fingerprint = key_for(two_parties.b.admin.organisation).fingerprint
    assert f"signed by Beta GmbH (certificate SHA-256 {fingerprint})" in result.output
    result = runner.invoke(args=["ermp", "verify-pack", str(out)])
    assert result.exit_code == 0, result.output
    assert "Evidence pack of “Alpha–Beta Alliance”, exported by Beta GmbH" in result.output
    assert f"Manifest signature: intact, by the certificate “Beta GmbH plan signing” (O=Beta GmbH), SHA-256 " \
           f"{fingerprint}." in result.output
    assert "Trusted: Signed with Beta GmbH's current signing certificate as this installation holds it" in result.output
    assert "  ok       audit/audit-trail.signed.json" in result.output
    assert "OK: Intact evidence pack, signed by Beta GmbH." in result.output


def test_an_organisation_that_is_no_party_is_refused(two_parties, runner, tmp_path):
    outsider = str(two_parties.outsider.organisation_id)
    result = _export(runner, two_parties, tmp_path / "p.zip", "--organisation", outsider)
    assert result.exit_code != 0 and "is not a party of Alpha–Beta Alliance" in result.output


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")
def test_each_kind_of_tampering_fails_and_says_what_is_wrong(two_parties, runner, tmp_path):
    out = tmp_path / "pack.zip"
    _export(runner, two_parties, out)
    data = out.read_bytes()
    stranger = generate_identity("Alpha Ltd")
    beta_key = identity_of(key_for(two_parties.b.admin.organisation))
    db.session.commit()  # Beta's key, generated now, as on its first signature
    beta_cert = tmp_path / "beta.pem"
    beta_cert.write_text(beta_key.certificate_pem().decode())
    cases = {
        "edited": (edited(data, "README.txt"), "CHANGED  README.txt",
                   "The file README.txt was changed (its SHA-256 is not the one the manifest lists)."),
        "missing": (without(data, "README.txt"), "MISSING  README.txt", "The file README.txt is missing"),
        "extra": (with_extra(data), "EXTRA    plan/extra.pdf", "The file plan/extra.pdf was added"),
        "forged": (edited(data, "manifest.json", lambda m: m.replace(b"Alpha Ltd", b"Alpha Plc")),
                   "Manifest signature: NOT valid", "the manifest was changed after it was signed"),
        "stranger": (resigned(data, stranger), "NOT trusted: The manifest is signed by a certificate this "
                     "installation does not know", "FAILED: Not trusted"),
        "bomb": (rezip([("manifest.json", b"{}"), ("manifest.json.p7s", b""), ("x.pdf", b"\0" * 4_000_000)]),
                 "FAILED: Not a valid evidence pack.", "refused as a possible ZIP bomb"),
        "traversal": (with_extra(data, "../evil.sh"), "FAILED: Not a valid evidence pack.", "an unsafe name"),
        "duplicate": (rezip([*entries(data).items(), ("README.txt", b"another")]), "FAILED: Not a valid evidence "
                      "pack.", "two entries named 'README.txt'"),
        "other key": (resigned(data, beta_key), "NOT trusted: The "
                      "manifest says Alpha Ltd exported the pack, but it is signed with Beta GmbH's", "FAILED"),
    }
    for kind, (pack, first, second) in cases.items():
        path = tmp_path / f"{kind}.zip"
        path.write_bytes(pack)
        result = runner.invoke(args=["ermp", "verify-pack", str(path)])
        assert result.exit_code == 1, (kind, result.output)
        assert first in result.output and second in result.output, (kind, result.output)
    # The pack is intact, but not signed by the certificate the checker says to trust.
    result = runner.invoke(args=["ermp", "verify-pack", str(out), "--trust", str(beta_cert)])
    assert result.exit_code == 1 and "not by the certificate you gave to trust" in result.output
    alpha_cert = tmp_path / "alpha.pem"
    alpha_cert.write_text(key_for(two_parties.a.admin.organisation).certificate_pem)
    result = runner.invoke(args=["ermp", "verify-pack", str(out), "--trust", str(alpha_cert)])
    assert result.exit_code == 0 and "Trusted: Signed with the certificate you gave to trust" in result.output
    result = runner.invoke(args=["ermp", "verify-pack", str(out), "--trust", str(out)])
    assert result.exit_code != 0 and "is not a certificate" in result.output


def test_verify_pack_checks_the_signed_plans_signatures(versions, runner, tmp_path):
    out = tmp_path / "pack.zip"
    out.write_bytes(signed_plan_pack(versions))
    result = runner.invoke(args=["ermp", "verify-pack", str(out)])
    assert result.exit_code == 0, result.output
    assert "  ok       plan/plan-v1.0-signed.pdf" in result.output
    for organisation in (versions.people.a.admin.organisation, versions.people.b.admin.organisation):
        assert (f"signed by {organisation.name}: valid (certificate SHA-256 {key_for(organisation).fingerprint})"
                in result.output)
    # The plan altered and the manifest signed again by the exporter: refused, the plan named.
    forged = tmp_path / "forged.zip"
    forged.write_bytes(altered_signed_plan(out.read_bytes(), "plan/plan-v1.0-signed.pdf",
                                           identity_of(key_for(versions.people.a.admin.organisation))))
    result = runner.invoke(args=["ermp", "verify-pack", str(forged)])
    assert result.exit_code != 0
    assert "  SIG FAIL plan/plan-v1.0-signed.pdf" in result.output and "NOT valid" in result.output
