"""`ermp export-pdf` and `ermp verify-pdf`."""

from app.plan_versions import pdfs


def test_export_then_verify_a_signed_version(versions, runner, tmp_path):
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    versions.sign(version, versions.people.b.admin)
    out = tmp_path / "plan.pdf"
    pid = str(versions.partnership.id)
    result = runner.invoke(args=["ermp", "export-pdf", pid, "--version", "v1.0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == pdfs.document_state(version).latest.data
    result = runner.invoke(args=["ermp", "verify-pdf", str(out)])
    assert result.exit_code == 0, result.output
    assert "Signature Party" in result.output and "Alpha Ltd" in result.output and "Beta GmbH" in result.output
    assert f"Plan version: v1.0 of “{versions.partnership.name}” (Signed baseline)" in result.output
    assert version.content_hash in result.output and "OK: Intact, signed by every party of v1.0." in result.output
    assert "Issued to: Alpha Ltd, Beta GmbH." in result.output


def test_verify_fails_for_a_version_not_signed_by_every_party_and_for_a_changed_file(versions, runner, tmp_path):
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    out = tmp_path / "half.pdf"
    runner.invoke(args=["ermp", "export-pdf", str(versions.partnership.id), "--version", "1.0", "-o", str(out)])
    result = runner.invoke(args=["ermp", "verify-pdf", str(out)])
    assert result.exit_code == 1 and "Awaiting signatures" in result.output
    data = bytearray(out.read_bytes())
    data[1500] ^= 0x01
    out.write_bytes(bytes(data))
    result = runner.invoke(args=["ermp", "verify-pdf", str(out)])
    assert result.exit_code == 1 and "NOT intact" in result.output


def test_export_the_working_draft_and_refuse_unknown_versions(versions, runner, tmp_path):
    out = tmp_path / "draft.pdf"
    result = runner.invoke(args=["ermp", "export-pdf", str(versions.partnership.id), "-o", str(out)])
    assert result.exit_code == 0 and "DRAFT" in result.output and out.read_bytes().startswith(b"%PDF-")
    pid = str(versions.partnership.id)
    result = runner.invoke(args=["ermp", "export-pdf", pid, "--version", "v9.9", "-o", str(out)])
    assert result.exit_code != 0 and "no plan version v9.9" in result.output
    result = runner.invoke(args=["ermp", "verify-pdf", str(out)])
    assert result.exit_code == 1 and "Signatures: none." in result.output


def test_verify_checks_evidence_files_against_the_signed_annex(versions, runner, tmp_path):
    import io

    from werkzeug.datastructures import FileStorage

    from app.attachments import places, services
    from app.extensions import db

    contract = b"Master services agreement, as signed.\n"
    versions.write_everything()
    services.attach(versions.member(versions.people.a.editor), places.section_target("commercial_agreement"),
                    FileStorage(io.BytesIO(contract), filename="MSA.txt"))
    db.session.commit()
    version = versions.issue()
    for admin in (versions.people.a.admin, versions.people.b.admin):
        versions.sign(version, admin)
    out, copy, other = tmp_path / "plan.pdf", tmp_path / "contract copy.txt", tmp_path / "other.txt"
    runner.invoke(args=["ermp", "export-pdf", str(versions.partnership.id), "--version", "v1.0", "-o", str(out)])
    copy.write_bytes(contract)
    other.write_bytes(contract + b"An amendment nobody signed.\n")
    listed = runner.invoke(args=["ermp", "verify-pdf", str(out), "--evidence", str(copy)])
    assert listed.exit_code == 0, listed.output
    assert "Evidence files in its annex: 1." in listed.output
    assert "Evidence contract copy.txt: listed — MSA.txt v1, attached to Commercial agreement" in listed.output
    refused = runner.invoke(args=["ermp", "verify-pdf", str(out), "--evidence", str(copy), "--evidence", str(other)])
    assert refused.exit_code == 1 and "Evidence other.txt: NOT listed in this version's annex" in refused.output
