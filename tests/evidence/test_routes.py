"""The Evidence page through the test client: admins of either party export and download,
other members do not see it, non-members get 404; /verify takes a pack by its content."""

import io

import pytest

from tests.support.evidence import edited, pack_of, rezip, signed_plan_pack, with_extra


def _url(partnership, path: str = "") -> str:
    return f"/partnerships/{partnership.id}/evidence{path}"


def _upload(client, data: bytes, name: str = "pack.zip"):
    return client.submit("/verify", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_an_admin_exports_a_pack_and_the_other_partys_admin_downloads_it(two_parties, client_as):
    partnership = two_parties.partnership
    alpha, beta = client_as(two_parties.a.admin), client_as(two_parties.b.admin)
    page = alpha.get(_url(partnership)).get_data(as_text=True)
    assert "Export evidence pack" in page and "No evidence pack has been exported yet." in page
    response = alpha.submit(_url(partnership))
    assert response.status_code == 303
    location = response.headers["Location"]  # built at once in tests (JOBS_IMMEDIATE)
    download = alpha.get(location)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="evidence-pack-Alpha-Beta-Alliance-')
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "private, no-store"
    assert download.data.startswith(b"PK\x03\x04")
    assert alpha.get(location + "/status").get_json() == {"ready": True, "failed": False, "stage": "Ready."}

    listing = beta.get(_url(partnership)).get_data(as_text=True)
    assert "Ada Admin" in listing and "Alpha Ltd" in listing and "Download" in listing
    assert beta.get(location).data == download.data
    # The exporter's certificate, to hand a certifier with the pack; Beta has signed nothing yet.
    alpha_org, beta_org = two_parties.a.admin.organisation_id, two_parties.b.admin.organisation_id
    pem = beta.get(_url(partnership, f"/certificates/{alpha_org}.pem"))
    assert pem.status_code == 200 and pem.data.startswith(b"-----BEGIN CERTIFICATE-----")
    assert pem.headers["Content-Disposition"].startswith('attachment; filename="Alpha-Ltd-signing-certificate.pem"')
    assert "Alpha Ltd's signing certificate (PEM)" in listing
    assert beta.get(_url(partnership, f"/certificates/{beta_org}.pem")).status_code == 404
    outsider_org = two_parties.outsider.organisation_id
    assert beta.get(_url(partnership, f"/certificates/{outsider_org}.pem")).status_code == 404
    trail = beta.get(f"/partnerships/{partnership.id}/audit").get_data(as_text=True)
    assert "Ada Admin (Alpha Ltd) exported an evidence pack, signed for Alpha Ltd" in trail


def test_editors_and_viewers_of_both_parties_get_403_and_no_tab_non_members_404(two_parties, client_as):
    partnership = two_parties.partnership
    alpha = client_as(two_parties.a.admin)
    location = alpha.submit(_url(partnership)).headers["Location"]
    assert f'href="/partnerships/{partnership.id}/evidence"' in alpha.get(f"/partnerships/{partnership.id}").text
    for user in (two_parties.a.editor, two_parties.a.viewer, two_parties.b.editor, two_parties.b.viewer):
        client = client_as(user)
        assert client.get(_url(partnership)).status_code == 403
        assert client.submit(_url(partnership)).status_code == 403
        assert client.get(location).status_code == 403
        assert client.get(location + "/status").status_code == 403
        assert f'href="/partnerships/{partnership.id}/evidence"' not in client.get(
            f"/partnerships/{partnership.id}").text
    outsider = client_as(two_parties.outsider)
    for url in (_url(partnership), location, location + "/status"):
        assert outsider.get(url).status_code == 404
    assert outsider.submit(_url(partnership)).status_code == 404
    # The outsider's own partnership does not reach this one's packs either.
    other = two_parties.outsider_partnership
    assert outsider.get(_url(other, location.rsplit("/evidence", 1)[1])).status_code == 404


def test_exporting_needs_the_csrf_token(two_parties, client_as):
    alpha = client_as(two_parties.a.admin)
    assert alpha.post(_url(two_parties.partnership)).status_code == 400
    assert "No evidence pack has been exported yet." in alpha.get(_url(two_parties.partnership)).text


def test_a_pending_pack_shows_it_is_being_prepared(make_app, two_parties, client_as, app):
    app.config["JOBS_IMMEDIATE"] = False
    from app.evidence import packing
    from app.extensions import db
    from app.partnerships.access import load_membership

    app.extensions["jobs.tasks"][packing.JOB] = lambda *args: None  # no worker runs
    pack = packing.request_pack(load_membership(two_parties.partnership.id, two_parties.a.admin))
    db.session.commit()
    alpha = client_as(two_parties.a.admin)
    waiting = alpha.get(_url(two_parties.partnership, f"/{pack.id}"))
    assert waiting.status_code == 202 and "js/preparing.js" in waiting.text
    assert "The evidence pack is being prepared" in waiting.text
    assert alpha.get(_url(two_parties.partnership, f"/{pack.id}/status")).get_json()["ready"] is False
    assert "Being prepared" in alpha.get(_url(two_parties.partnership)).text


def test_the_verify_page_takes_a_pack_by_its_content_and_names_what_is_wrong(two_parties, client_as):
    data = pack_of(two_parties.partnership)
    client = client_as(two_parties.b.viewer)  # anyone signed in may verify a file they hold
    page = client.get("/verify").text
    assert "Verify a plan PDF or evidence pack" in page
    body = _upload(client, data, "evidence.pdf").text  # the name does not decide: the content does
    assert "Intact evidence pack, signed by Alpha Ltd" in body
    assert "Alpha Ltd&#39;s current signing certificate as this installation holds it" in body
    assert "audit/audit-trail.signed.json" in body and "Matches" in body

    body = _upload(client, edited(data, "audit/audit-trail.signed.json")).text
    assert "Not intact: the pack&#39;s files do not match its signed manifest" in body
    assert "The file audit/audit-trail.signed.json was changed" in body and "Changed" in body
    body = _upload(client, with_extra(data)).text
    assert "plan/extra.pdf was added (the manifest does not list it)" in body
    body = _upload(client, edited(data, "manifest.json", lambda m: m.replace(b"Alpha Ltd", b"Alpha Plc"))).text
    assert "Forged or damaged: the manifest&#39;s signature does not verify" in body
    assert "the manifest was changed after it was signed" in body


@pytest.mark.parametrize("hostile, message", [
    (lambda data: rezip([("manifest.json", b"{}"), ("manifest.json.p7s", b""), ("bomb.pdf", b"\0" * 8_000_000)]),
     "compressed more than 200 to 1: refused as a possible ZIP bomb"),
    (lambda data: with_extra(data, "../../etc/passwd"), "an entry with an unsafe name"),
])
def test_the_verify_page_refuses_a_hostile_zip(two_parties, client_as, hostile, message):
    client = client_as(two_parties.a.editor)
    body = _upload(client, hostile(pack_of(two_parties.partnership))).text
    assert "Not a valid evidence pack" in body and message in body


def test_the_verify_page_refuses_a_missing_member_a_duplicate_and_a_manifest_signed_by_another_key(
        two_parties, client_as):
    from app.extensions import db
    from app.plan_versions.identities import identity_of, key_for
    from app.signing.keys import generate_identity
    from tests.support.evidence import entries, resigned, without

    data = pack_of(two_parties.partnership)
    client = client_as(two_parties.b.admin)
    body = _upload(client, without(data, "README.txt")).text
    assert "The file README.txt is missing (the manifest lists it)" in body and "Missing" in body
    with pytest.warns(UserWarning, match="Duplicate name"):
        doubled = rezip([*entries(data).items(), ("README.txt", b"another README")])
    assert "two entries named &#39;README.txt&#39;" in _upload(client, doubled).text
    body = _upload(client, resigned(data, generate_identity("Alpha Ltd"))).text
    assert "Not trusted: the manifest is signed by a certificate Jointly does not trust for it" in body
    assert "this installation does not know" in body
    beta = identity_of(key_for(two_parties.b.admin.organisation))
    db.session.commit()  # Beta's key, generated now, as on its first signature
    body = _upload(client, resigned(data, beta)).text
    assert "The manifest says Alpha Ltd exported the pack, but it is signed with Beta GmbH&#39;s signing " \
           "certificate" in body


def test_the_verify_page_shows_each_signature_of_the_signed_plan_in_a_pack(versions, client_as):
    body = _upload(client_as(versions.people.b.viewer), signed_plan_pack(versions)).text
    assert "Intact evidence pack, signed by Alpha Ltd" in body
    assert body.count("the signature verifies") == 2
    for organisation in ("Alpha Ltd", "Beta GmbH"):
        assert f"Signed by {organisation}: the signature verifies" in body
