"""Evidence attachments through the test client: attaching on the section page, versions by name,
downloads as attachments, limits with their messages, withdrawal, and the membership gate."""

import hashlib
import io
import re

from app.attachments.models import Attachment, AttachmentVersion
from app.extensions import db
from tests.support.factories import PASSWORD
from tests.support.plans import plan_url, risks_content

CONTRACT = b"Master services agreement between Alpha and Beta.\nTermination for convenience: 90 days notice.\n"


def _attach(client, plan, place: str, name: str, data: bytes, **extra):
    return client.submit(f"/partnerships/{plan.partnership.id}/attachments",
                         {"place": place, "file": (io.BytesIO(data), name), **extra},
                         content_type="multipart/form-data")


def _only(name: str) -> Attachment:
    return db.session.scalars(db.select(Attachment).where(Attachment.name == name)).one()


def test_an_editor_attaches_a_contract_to_the_commercial_section_and_both_parties_see_it(plan, client_as):
    plan.save(plan.people.a.editor, "commercial_agreement")
    editor = client_as(plan.people.a.editor)
    section = plan_url(plan, "/commercial_agreement")
    response = _attach(editor, plan, "section:commercial_agreement", "MSA.txt", CONTRACT, next=section)
    attachment = _only("MSA.txt")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{section}#attachment-{attachment.id}"
    version = attachment.versions[0]
    assert (version.number, version.size, version.sha256) == (1, len(CONTRACT), hashlib.sha256(CONTRACT).hexdigest())
    assert version.party_id == plan.member(plan.people.a.editor).party_id and version.party_name == "Alpha Ltd"
    page = client_as(plan.people.b.viewer).get(section).text
    assert f'id="attachment-{attachment.id}"' in page and "MSA.txt" in page
    # A viewer sees the file but no form to attach one.
    assert f'action="/partnerships/{plan.partnership.id}/attachments"' not in page
    download = client_as(plan.people.b.viewer).get(
        f"/partnerships/{plan.partnership.id}/attachments/{attachment.id}/versions/1/file")
    assert download.status_code == 200 and download.data == CONTRACT
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_the_same_name_again_is_the_next_version_and_another_name_a_new_attachment(plan, client_as):
    editor = client_as(plan.people.b.editor)
    for data in (b"first draft\n", b"second draft\n"):
        assert _attach(editor, plan, "section:exit_arrangements", "Exit plan.txt", data).status_code == 303
    assert _attach(editor, plan, "section:exit_arrangements", "EXIT PLAN.TXT", b"third\n").status_code == 303
    assert _attach(editor, plan, "section:exit_arrangements", "Other.txt", b"other\n").status_code == 303
    attachment = _only("Exit plan.txt")
    assert [v.number for v in attachment.versions] == [1, 2, 3]
    assert attachment.versions[-1].file_name == "EXIT PLAN.TXT"
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 2


def test_an_item_gets_its_own_evidence_listed_under_it(plan, client_as):
    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    item_id = plan.section("risk_assessment").current_revision.content["items"]["risks"][0]["id"]
    editor = client_as(plan.people.a.editor)
    response = _attach(editor, plan, f"item:risk_assessment:{item_id}", "Contingency.txt", b"Rail fallback\n")
    assert response.status_code == 303
    page = editor.get(plan_url(plan, "/risk_assessment")).text
    assert f'<a href="#item-{item_id}">Risk: Port strike</a>' in page
    attachment = _only("Contingency.txt")
    # The risk's own row says it has a file, and links to it.
    assert re.search(rf'<tr id="item-{item_id}">.*?<a class="item-files" href="#attachment-{attachment.id}">1 file<',
                     page, re.DOTALL)
    # An item that is not in the section is not a place.
    assert _attach(editor, plan, "item:risk_assessment:rsk-00000000", "X.txt", b"x\n").status_code == 404


def test_a_file_whose_content_is_not_allowed_is_refused_beside_the_field(plan, client_as):
    editor = client_as(plan.people.a.editor)
    response = _attach(editor, plan, "section:organisational_arrangements", "report.pdf",
                       b"MZ\x90\x00 not really a pdf" * 10)
    assert response.status_code == 422
    assert re.search(r'<p class="field__error" id="file-error">report.pdf is not a kind of file Jointly keeps',
                     response.text)
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_a_file_over_the_cap_is_refused_with_413_and_nothing_is_kept(make_app, two_parties, tmp_path):
    from tests.support.plans import Plan

    app = make_app(ATTACHMENT_MAX_BYTES=1024)
    with app.app_context():
        plan = Plan(two_parties)
        client = app.test_client()
        client.sign_in(plan.people.a.editor.email, PASSWORD)
        response = _attach(client, plan, "section:organisational_arrangements", "big.txt", b"a" * 2048)
        assert response.status_code == 413
        assert "big.txt is larger than 1 KB, the most a single attachment may be." in response.text
        assert db.session.scalar(db.select(db.func.count()).select_from(AttachmentVersion)) == 0


def test_withdrawing_keeps_the_record_and_frees_the_name(plan, client_as):
    editor = client_as(plan.people.a.editor)
    _attach(editor, plan, "section:organisational_arrangements", "Org chart.txt", b"chart\n")
    attachment = _only("Org chart.txt")
    url = f"/partnerships/{plan.partnership.id}/attachments/{attachment.id}"
    missing = editor.submit(f"{url}/withdraw", {"reason": ""})
    assert missing.status_code == 422 and 'id="reason-error"' in missing.text
    assert editor.submit(f"{url}/withdraw", {"reason": "Superseded by the new structure"}).status_code == 303
    db.session.refresh(attachment)
    assert attachment.withdrawn_reason == "Superseded by the new structure"
    page = client_as(plan.people.b.viewer).get(url).text
    assert "Withdrawn" in page and "Superseded by the new structure" in page
    # Its file stays downloadable (the record), and its name may be attached afresh.
    assert client_as(plan.people.b.viewer).get(f"{url}/versions/1/file").data == b"chart\n"
    _attach(editor, plan, "section:organisational_arrangements", "Org chart.txt", b"chart 2\n")
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 2


def test_viewers_cannot_attach_and_outsiders_find_nothing(plan, client_as):
    editor = client_as(plan.people.a.editor)
    _attach(editor, plan, "section:organisational_arrangements", "Org chart.txt", b"chart\n")
    attachment = _only("Org chart.txt")
    viewer = _attach(client_as(plan.people.b.viewer), plan, "section:organisational_arrangements", "Mine.txt", b"x\n")
    assert viewer.status_code == 403
    outsider = client_as(plan.people.outsider)
    base = f"/partnerships/{plan.partnership.id}/attachments/{attachment.id}"
    for url in (base, f"{base}/versions/1/file"):
        assert outsider.get(url).status_code == 404
    assert _attach(outsider, plan, "section:organisational_arrangements", "X.txt", b"x\n").status_code == 404
    # Another partnership's id in the right partnership's URL finds nothing either.
    other = plan.people.outsider_partnership.id
    assert outsider.get(f"/partnerships/{other}/attachments/{attachment.id}").status_code == 404


def test_the_section_pages_evidence_costs_one_statement_however_many_files_and_versions(plan, client_as):
    from tests.support.queries import count_queries

    editor = client_as(plan.people.a.editor)
    section = plan_url(plan, "/exit_arrangements")

    def evidence_statements() -> int:
        db.session.expire_all()
        with count_queries(db.engine) as statements:
            assert editor.get(section).status_code == 200
        return len(statements.matching("attachment"))

    assert _attach(editor, plan, "section:exit_arrangements", "Exit plan.txt", b"first\n").status_code == 303
    one = evidence_statements()
    for n in range(4):
        assert _attach(editor, plan, "section:exit_arrangements", f"Annex {n}.txt", b"annex\n").status_code == 303
        assert _attach(editor, plan, "section:exit_arrangements", f"Annex {n}.txt", b"annex v2\n").status_code == 303
    assert (one, evidence_statements()) == (1, 1)
