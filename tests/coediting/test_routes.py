"""Co-editing through the pages: saves that merge or conflict, the conflict page, history,
revisions, restores and comparisons, with the permissions each needs."""

import re

from app.coediting.models import CommentThread, EditConflict
from app.extensions import db
from tests.support.coediting import changed
from tests.support.forms import form_fields
from tests.support.plans import edit_form, plan_url


def comparison(response) -> str:
    """The part of a compare page that says what is compared and how it differs."""
    page = text(response)
    start = page.index('class="compare-bar card"')
    return page[start:page.index("</main>", start)]


def text(response) -> str:
    return response.get_data(as_text=True)


def test_saving_over_someone_elses_save_merges_and_says_so(plan, risk_base, client_as):
    ada = client_as(plan.people.a.admin)
    data = edit_form(ada, plan)
    plan.save(plan.people.b.editor, "risk_assessment", changed(risk_base.content, risk_2="River flood"), "Bob's flood")

    data["items-risks-0-title"] = "Port strike at Rotterdam"
    # Browsers send textareas with CRLF: unchanged lines must still count as unchanged.
    data["narrative"] = data["narrative"].replace("\n", "\r\n") + "\r\n\r\nWe add a line."
    data["note"] = "Ada's note"
    response = ada.submit(plan_url(plan, "/risk_assessment/edit"), data, follow_redirects=True)
    page = text(response)
    assert "Merged with Ed Editor&#39;s changes (revision 2) and saved as revision 3." in page
    latest = plan.section("risk_assessment").current_revision
    assert latest.kind == "merge" and latest.note == "Ada's note (merged with revision 2 by Ed Editor)"
    assert [r["title"] for r in latest.content["items"]["risks"]] == ["Port strike at Rotterdam", "Cyber attack",
                                                                      "River flood"]
    assert latest.content["narrative"].endswith("Floods are rare.\n\nWe add a line.")


def test_overlapping_saves_lead_to_the_conflict_page_and_resolving_saves(plan, risk_base, client_as):
    ada = client_as(plan.people.a.admin)
    data = edit_form(ada, plan)
    plan.save(plan.people.b.editor, "risk_assessment",
              changed(risk_base.content, risk_0="Dock strike",
                      narrative="We watch the docks.\n\nWe test backups monthly.\n\nFloods are rare."), "Docks")
    data["items-risks-0-title"] = "Port strike at Rotterdam"
    data["narrative"] = "We watch the ports daily.\n\nWe test backups monthly.\n\nFloods are rare."
    data["items-risks-2-title"] = "River flood"
    response = ada.submit(plan_url(plan, "/risk_assessment/edit"), data)
    conflict = db.session.query(EditConflict).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/plan/risk_assessment/conflicts/{conflict.id}")

    page = text(ada.get(response.headers["Location"]))
    assert "Some of your changes overlap with Ed Editor" in page and "Nothing is lost" in page
    assert "Theirs · Ed Editor, Beta GmbH, revision 2" in page and "Yours · not saved yet" in page
    assert "Title of risk “Port strike”" in page  # a named item and field, not raw keys
    assert page.count('name="choice-1"') == 4 and page.count('name="choice-2"') == 4  # theirs, yours, original, own
    assert "River flood" in page  # the change that merges without overlap is listed too
    # The section page reminds the author (only) of the kept version.
    assert "You have an unsaved version from" in text(ada.get(plan_url(plan, "/risk_assessment")))
    assert "You have an unsaved version" not in text(
        client_as(plan.people.b.editor).get(plan_url(plan, "/risk_assessment"))
    )

    # Nothing chosen for one of them: the page comes back with the choices kept.
    fields = form_fields(page, "data-conflict-form")
    fields["choice-1"] = "theirs"
    response = ada.submit(response.headers["Location"], fields)
    assert response.status_code == 422 and "Choose which version to keep." in text(response)
    assert 'value="theirs" checked' in text(response)

    fields = form_fields(text(response), "data-conflict-form")
    fields["choice-2"] = "custom"
    fields["custom-2"] = "Dock strike at Rotterdam"
    response = ada.submit(f"{plan_url(plan)}/risk_assessment/conflicts/{conflict.id}", fields, follow_redirects=True)
    assert "Resolved: your choices are saved as revision 3." in text(response)
    latest = plan.section("risk_assessment").current_revision
    assert latest.content["narrative"].startswith("We watch the docks.")
    assert [r["title"] for r in latest.content["items"]["risks"]] == ["Dock strike at Rotterdam", "Cyber attack",
                                                                      "River flood"]
    db.session.refresh(conflict)
    assert conflict.status == "resolved" and conflict.result_revision_id == latest.id


def test_a_custom_value_is_checked_like_the_editor_checks_it(plan, risk_base, client_as):
    ada = client_as(plan.people.a.admin)
    data = edit_form(ada, plan)
    plan.save(plan.people.b.editor, "risk_assessment", changed(risk_base.content, risk_0_likelihood=5))
    data["items-risks-0-likelihood"] = "1"
    location = ada.submit(plan_url(plan, "/risk_assessment/edit"), data).headers["Location"]
    fields = form_fields(text(ada.get(location)), "data-conflict-form")
    assert fields["custom-1"] == "1"  # the likelihood select starts at what the editor chose
    fields["choice-1"] = "custom"
    fields["custom-1"] = "9"
    response = ada.submit(location, fields)
    assert response.status_code == 422 and "field__error" in text(response)
    fields["custom-1"] = "\x00"
    assert ada.submit(location, fields).status_code == 422
    fields["custom-1"] = "4"
    assert ada.submit(location, fields).status_code == 302
    assert plan.section("risk_assessment").current_revision.content["items"]["risks"][0]["likelihood"] == 4


def test_only_the_author_sees_or_settles_a_kept_conflict(plan, risk_base, client_as):
    ada = client_as(plan.people.a.admin)
    data = edit_form(ada, plan)
    plan.save(plan.people.b.editor, "risk_assessment", changed(risk_base.content, risk_0="Dock strike"))
    data["items-risks-0-title"] = "Port strike at Rotterdam"
    location = ada.submit(plan_url(plan, "/risk_assessment/edit"), data).headers["Location"]
    conflict_id = int(location.rsplit("/", 1)[1])
    for user in (plan.people.a.editor, plan.people.b.admin, plan.people.a.viewer):
        other = client_as(user)
        assert other.get(location).status_code == 404
        assert other.submit(location, {"choice-1": "ours"}).status_code in (403, 404)
        assert other.submit(f"{location}/discard").status_code in (403, 404)
    assert client_as(plan.people.outsider).get(location).status_code == 404
    response = ada.submit(f"{location}/discard", follow_redirects=True)
    assert "is discarded" in text(response)
    assert db.session.get(EditConflict, conflict_id).status == "discarded"
    closed = text(ada.get(location))
    assert "You discarded this version" in closed and 'name="choice-1"' not in closed


def test_history_lists_revisions_with_kind_author_party_and_note_and_filters_by_party(plan, risk_base, client_as):
    second = plan.save(plan.people.b.editor, "risk_assessment", changed(risk_base.content, risk_0="Dock strike"),
                       "Docks")
    plan.save(plan.people.a.admin, "risk_assessment", changed(second.content, risk_1="Ransomware"), "Ransomware")
    client = client_as(plan.people.b.viewer)
    page = text(client.get(plan_url(plan, "/risk_assessment/history")))
    rows = re.findall(r'id="revision-(\d+)"', page)
    assert rows == ["3", "2", "1"]
    assert "Ed Editor" in page and "Beta GmbH" in page and "Docks" in page and "Initial register" in page
    assert "badge--rev-edit" in page and "Current" in page
    only_beta = text(client.get(plan_url(plan, f"/risk_assessment/history?party={plan.people.b.party.id}")))
    assert re.findall(r'id="revision-(\d+)"', only_beta) == ["2"]
    # Times show in the reader's own time zone.
    assert "UTC" in page


def test_history_pages_by_keyset_both_ways(plan, client_as, monkeypatch):
    from app.coediting import history

    monkeypatch.setattr(history, "PAGE_SIZE", 2)
    for n in range(5):
        plan.save(plan.people.a.editor, "communications", None if n == 0 else _narrative(plan, n))
    client = client_as(plan.people.a.viewer)
    first = text(client.get(plan_url(plan, "/communications/history")))
    assert re.findall(r'id="revision-(\d+)"', first) == ["5", "4"]
    assert "before=4" in first and "after=" not in first
    second = text(client.get(plan_url(plan, "/communications/history?before=4")))
    assert re.findall(r'id="revision-(\d+)"', second) == ["3", "2"]
    assert "after=3" in second and "before=2" in second
    back = text(client.get(plan_url(plan, "/communications/history?after=3")))
    assert re.findall(r'id="revision-(\d+)"', back) == ["5", "4"]


def _narrative(plan, n):
    from app.plan_sections.registry import get_section_type
    from tests.support.samples import sample_content

    return sample_content(get_section_type("communications"), plan.context()) | {"narrative": f"Version {n}"}


def test_a_revision_reads_as_it_was_and_can_be_restored_by_editors(plan, risk_base, client_as):
    plan.save(plan.people.b.editor, "risk_assessment", changed(risk_base.content, risk_0="Dock strike"))
    viewer = client_as(plan.people.a.viewer)
    page = text(viewer.get(plan_url(plan, "/risk_assessment/revisions/1")))
    assert "Port strike" in page and "Dock strike" not in page and "We watch the ports." in page
    assert "Earlier version" in page and "Restore this version" not in page
    restore = plan_url(plan, "/risk_assessment/revisions/1/restore")
    assert viewer.submit(restore, {"base_revision_id": "2"}).status_code == 403
    assert viewer.get(plan_url(plan, "/risk_assessment/revisions/9")).status_code == 404

    editor = client_as(plan.people.a.editor)
    page = text(editor.get(plan_url(plan, "/risk_assessment/revisions/1")))
    fields = form_fields(page[page.index("Restore this version"):])
    fields["note"] = "Dock was a typo"
    response = editor.submit(plan_url(plan, "/risk_assessment/revisions/1/restore"), fields, follow_redirects=True)
    assert "Revision 1 is restored as revision 3." in text(response)
    latest = plan.section("risk_assessment").current_revision
    assert latest.kind == "restore" and latest.note == "Dock was a typo (restored revision 1)"
    assert "Restore this version" not in text(editor.get(plan_url(plan, "/risk_assessment/revisions/3")))


def test_compare_shows_words_fields_and_items_in_the_plans_own_terms(plan, risk_base, client_as):
    content = changed(risk_base.content, risk_0="Dock strike",
                      narrative="We watch the docks.\n\nWe test backups monthly.\n\nFloods are rare.")
    content["items"]["risks"][1]["likelihood"] = 5
    content["items"]["risks"][1]["owner_party"] = plan.people.b.party.id
    del content["items"]["risks"][2]
    plan.save(plan.people.b.editor, "risk_assessment", content, "Docks")
    client = client_as(plan.people.a.viewer)
    page = text(client.get(plan_url(plan, "/risk_assessment/compare?from=1&to=2")))
    assert '<del><span class="visually-hidden">deleted: </span>ports' in page
    assert '<ins><span class="visually-hidden">inserted: </span>docks' in page
    assert "Beta GmbH" in page and "5 — Almost certain" in page  # names and labels, not ids and numbers
    assert "removed: </span>Flood" in page and "1 removed" in page and "2 changed" in page
    # The same comparison: the revisions picked and the differences shown (not the whole page, whose
    # header and tokens may change between two requests).
    assert comparison(client.get(plan_url(plan, "/risk_assessment/compare"))) == comparison(
        client.get(plan_url(plan, "/risk_assessment/compare?from=1&to=current")))
    assert client.get(plan_url(plan, "/risk_assessment/compare?from=7")).status_code == 404
    assert client.get(plan_url(plan, "/risk_assessment/compare?to=x")).status_code == 404
    assert "Nothing to compare yet" in text(client.get(plan_url(plan, "/exit_arrangements/compare")))


def test_viewers_read_history_and_compare_but_cannot_restore_or_resolve(plan, risk_base, client_as):
    from app.coediting import comments

    plan.save(plan.people.a.editor, "risk_assessment", changed(risk_base.content, risk_0="Dock strike"))
    thread = comments.start_thread(plan.member(plan.people.a.editor), plan.section("risk_assessment"),
                                   "Is the dock strike likely?")
    db.session.commit()
    viewer = client_as(plan.people.b.viewer)
    history = text(viewer.get(plan_url(plan, "/risk_assessment/history")))
    assert re.findall(r'id="revision-(\d+)"', history) == ["2", "1"]
    first = text(viewer.get(plan_url(plan, "/risk_assessment/revisions/1")))
    assert "Port strike" in first and "Dock strike" not in first and "Restore this version" not in first
    compared = comparison(viewer.get(plan_url(plan, "/risk_assessment/compare?from=1&to=2")))
    assert "Port strike" in compared and "Dock strike" in compared
    assert "Risk assessment" in text(viewer.get(plan_url(plan, "/compare")))
    discussion = text(viewer.get(plan_url(plan, "/risk_assessment/comments")))
    assert "Is the dock strike likely?" in discussion and f"/comments/{thread.id}/resolve" not in discussion
    # Neither writes through the URLs either; nothing changes.
    restore = viewer.submit(plan_url(plan, "/risk_assessment/revisions/1/restore"), {"base_revision_id": "2"})
    resolve = viewer.submit(plan_url(plan, f"/risk_assessment/comments/{thread.id}/resolve"), {})
    assert (restore.status_code, resolve.status_code) == (403, 403)
    db.session.expire_all()
    assert plan.section("risk_assessment").current_revision.number == 2
    assert db.session.get(CommentThread, thread.id).is_open
