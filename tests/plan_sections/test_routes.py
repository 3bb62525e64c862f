"""The plan pages through the test client: reading, editing, reviewing, previewing, permissions."""

import copy

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.plan_sections.heat_colours import HEAT_COLOURS
from app.plan_sections.models import SectionRevision
from app.plan_sections.registry import section_types
from tests.support.forms import form_fields, invalid_fields
from tests.support.plans import edit_form, plan_url, risks_content


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_overview_lists_every_section_with_its_state(plan, client_as):
    plan.save(plan.people.b.editor, "risk_assessment", risks_content(plan, "Port strike", "Flood", "Fire"))
    page = text(client_as(plan.people.a.viewer).get(plan_url(plan)))
    for section_type in section_types():
        assert section_type.title.replace("&", "&amp;") in page
    assert "Ed Editor" in page and "Beta GmbH" in page  # who changed the risk section, for which party
    assert "10%" in page  # the plan: one complete section of ten
    assert page.count("Not started") == 9 and "Never reviewed" in page


def test_the_partnership_home_shows_the_plan_panel(plan, client_as):
    plan.save(plan.people.b.editor, "risk_assessment", risks_content(plan, "Port strike"))
    page = text(client_as(plan.people.a.viewer).get(f"/partnerships/{plan.partnership.id}"))
    assert "Relationship plan" in page and "0 of 10" in page and "Open the plan" in page
    assert "Last change" in page and "Risk assessment" in page


def test_a_section_reads_narrative_items_heat_map_and_who_changed_it(plan, client_as):
    hostile = "We watch **ports**.\n\n<img src=x onerror=alert(1)>"
    content = risks_content(plan, "Port strike", "Cyber attack", narrative=hostile)
    content["items"]["risks"][0] |= {"likelihood": 5, "impact": 4, "status": "open"}
    plan.save(plan.people.a.editor, "risk_assessment", content, "Initial register")
    page = text(client_as(plan.people.b.viewer).get(plan_url(plan, "/risk_assessment")))
    assert "We watch <strong>ports</strong>." in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # raw HTML reads as the text it is
    assert "Port strike" in page and "Cyber attack" in page
    assert '<svg class="heat-map__svg"' in page and "<title id=" in page and "<desc id=" in page
    assert "20</b> Critical" in page  # the score is derived: 5 × 4
    assert f'fill="{HEAT_COLOURS["critical"][1]}"' in page  # the cell holding it, coloured in the SVG itself
    assert "Eve Editor" in page and "Alpha Ltd" in page and "revision 1" in page and "Initial register" in page
    assert "Edit section" not in page and "Mark reviewed" not in page  # a viewer reads only
    editor_page = text(client_as(plan.people.b.editor).get(plan_url(plan, "/risk_assessment")))
    assert "Edit section" in editor_page and "Mark reviewed" in editor_page


def test_item_tables_sort_on_the_server_with_accessible_sort_state(plan, client_as):
    content = risks_content(plan, "Low one", "High one", "Middle one")
    for risk, (likelihood, impact) in zip(content["items"]["risks"], [(1, 1), (5, 5), (3, 3)], strict=True):
        risk |= {"likelihood": likelihood, "impact": impact}
    plan.save(plan.people.a.editor, "risk_assessment", content)
    client = client_as(plan.people.a.viewer)
    page = text(client.get(plan_url(plan, "/risk_assessment")))
    plain = page[page.index('id="risk_assessment-risks-heading"'):]
    assert plain.index("Low one") < plain.index("High one") < plain.index("Middle one")  # the plan's own order
    page = text(client.get(plan_url(plan, "/risk_assessment?sort=risks.score&dir=desc")))
    rows = page[page.index("<tbody>", page.index('id="risk_assessment-risks-heading"')):]
    assert rows.index("High one") < rows.index("Middle one") < rows.index("Low one")
    assert 'aria-sort="descending"' in page and "sort=risks.score&amp;dir=asc" in page
    assert "Back to the plan&#39;s own order" in page or "Back to the plan's own order" in page
    ignored = text(client.get(plan_url(plan, "/risk_assessment?sort=risks.mitigation&dir=sideways")))
    assert "aria-sort" not in ignored


def test_unknown_sections_are_not_found(plan, client_as):
    client = client_as(plan.people.a.admin)
    assert client.get(plan_url(plan, "/marketing")).status_code == 404
    assert client.get(plan_url(plan, "/marketing/edit")).status_code == 404


def test_an_editor_saves_and_the_other_party_sees_it(plan, client_as):
    ed = client_as(plan.people.b.editor)
    data = edit_form(ed, plan)
    assert data["base_revision_id"] == ""
    for name, value in {
        "narrative": "Risks **both** parties watch.",
        "items-risks-0-title": "Port congestion at Savannah",
        "items-risks-0-category": "operational",
        "items-risks-0-owner_party": str(plan.people.b.party.id),
        "items-risks-0-owner": str(plan.people.b.editor.id),
        "items-risks-0-likelihood": "4",
        "items-risks-0-impact": "3",
        "items-risks-0-response": "reduce",
        "items-risks-0-status": "open",
        "items-risks-0-next_review": "2026-06-30",
        "note": "Added port congestion",
    }.items():
        data[name] = value  # replaces, as typing into the input does
    response = ed.submit(plan_url(plan, "/risk_assessment/edit"), data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/plan/risk_assessment")
    revision = db.session.scalar(sa.select(SectionRevision))
    assert revision.note == "Added port congestion" and revision.author_id == plan.people.b.editor.id
    risk = revision.content["items"]["risks"][0]
    assert risk["likelihood"] == 4 and risk["owner"] == plan.people.b.editor.id and risk["next_review"] == "2026-06-30"
    page = text(client_as(plan.people.a.editor).get(plan_url(plan, "/risk_assessment")))
    assert "Port congestion at Savannah" in page and "Risks <strong>both</strong> parties watch." in page
    assert "Ed Editor" in page and "Added port congestion" in page


def test_a_form_with_mistakes_comes_back_with_everything_typed_and_each_error_beside_its_input(plan, client_as):
    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike", "Flood"))
    client = client_as(plan.people.a.editor)
    data = edit_form(client, plan)
    data["narrative"] = "My long new narrative"
    data["items-risks-0-title"] = "Port strike, renamed"
    data["items-risks-1-likelihood"] = "9"
    data["items-risks-1-next_review"] = "2026-02-30"
    data["fields-unknown"] = "ignored"
    response = client.submit(plan_url(plan, "/risk_assessment/edit"), data)
    assert response.status_code == 422
    page = text(response)
    assert "My long new narrative" in page and 'value="Port strike, renamed"' in page
    assert invalid_fields(page) == ["items-risks-1-likelihood", "items-risks-1-next_review"]
    assert 'id="items-risks-1-likelihood-error"' in page and 'id="items-risks-1-next_review-error"' in page
    assert 'href="#items-risks-1-likelihood"' in page and "Risk 2: Likelihood" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SectionRevision)) == 1


def test_choosing_a_party_or_person_outside_the_partnership_is_refused(plan, client_as):
    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    client = client_as(plan.people.a.editor)
    data = edit_form(client, plan)
    data["items-risks-0-owner_party"] = str(plan.people.outsider_partnership.parties[0].id)
    data["items-risks-0-owner"] = str(plan.people.outsider.id)
    page = text(client.submit(plan_url(plan, "/risk_assessment/edit"), data))
    assert "Choose a party of this partnership." in page and "Choose a member of this partnership." in page


def test_saving_without_changes_says_so_and_makes_no_revision(plan, client_as):
    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    client = client_as(plan.people.b.editor)
    response = client.submit(plan_url(plan, "/risk_assessment/edit"), edit_form(client, plan), follow_redirects=True)
    assert "No changes to save" in text(response)
    assert plan.section("risk_assessment").revision_count == 1


def test_rows_are_added_moved_and_removed_without_script(plan, client_as):
    first = plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Alpha", "Bravo", "Charlie"))
    ids = [r["id"] for r in first.content["items"]["risks"]]
    client = client_as(plan.people.a.editor)
    data = edit_form(client, plan)
    data["narrative"] = "Typed before adding a row"
    data["action"] = "add:risks"
    page = text(client.submit(plan_url(plan, "/risk_assessment/edit"), data))
    assert "Typed before adding a row" in page and 'name="items-risks-3-title"' in page
    assert 'data-focus="items-risks-3-title"' in page

    data = form_fields(page, "data-plan-form")
    data["action"] = "up:risks:2"  # Charlie moves above Bravo
    page = text(client.submit(plan_url(plan, "/risk_assessment/edit"), data))
    assert page.index('value="Charlie"') < page.index('value="Bravo"')

    data = form_fields(page, "data-plan-form")
    data["items-risks-0-remove"] = "y"  # drop Alpha
    data["action"] = "save"
    assert client.submit(plan_url(plan, "/risk_assessment/edit"), data).status_code == 302
    saved = plan.section("risk_assessment").current_revision.content["items"]["risks"]
    assert [r["title"] for r in saved] == ["Charlie", "Bravo"]  # the blank added row was left out
    assert [r["id"] for r in saved] == [ids[2], ids[1]]


def test_row_order_follows_the_page_order_of_the_rows(plan, client_as):
    """Script moves rows in the page without renaming inputs: the server keeps the page's order."""
    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Alpha", "Bravo"))
    client = client_as(plan.people.a.editor)
    data = edit_form(client, plan)
    pairs = list(data.items(multi=True))
    alpha = [p for p in pairs if p[0].startswith("items-risks-0-")]
    bravo = [p for p in pairs if p[0].startswith("items-risks-1-")]
    rest = [p for p in pairs if not p[0].startswith("items-risks-")]
    assert client.submit(plan_url(plan, "/risk_assessment/edit"), MultiDict(rest + bravo + alpha)).status_code == 302
    titles = [r["title"] for r in plan.section("risk_assessment").current_revision.content["items"]["risks"]]
    assert titles == ["Bravo", "Alpha"]


def test_a_save_on_a_stale_base_merges_with_the_other_save(plan, client_as):
    """Someone saved after the editor opened the form: the two saves merge (overlapping ones go
    to the conflict page: tests/coediting/test_routes.py)."""
    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    ada = client_as(plan.people.a.admin)
    data = edit_form(ada, plan)

    theirs = copy.deepcopy(plan.section("risk_assessment").current_revision.content)
    theirs["items"]["risks"].append(risks_content(plan, "Flood")["items"]["risks"][0])
    plan.save(plan.people.b.editor, "risk_assessment", theirs, "Bob's flood risk")

    data["narrative"] = "Ada's careful rewrite"
    data["items-risks-0-title"] = "Port strike at Rotterdam"
    data["note"] = "Ada's note"
    response = ada.submit(plan_url(plan, "/risk_assessment/edit"), data, follow_redirects=True)
    assert "Merged with Ed Editor&#39;s changes (revision 2) and saved as revision 3." in text(response)
    latest = plan.section("risk_assessment").current_revision
    assert latest.number == 3 and latest.kind == "merge" and latest.content["narrative"] == "Ada's careful rewrite"
    assert [r["title"] for r in latest.content["items"]["risks"]] == ["Port strike at Rotterdam", "Flood"]


def test_every_section_type_can_be_edited_through_its_form(plan, client_as):
    """The generic form round-trips each type: a form saved unchanged is no change."""
    for section_type in section_types():
        plan.save(plan.people.a.editor, section_type.key)
    client = client_as(plan.people.b.editor)
    for section_type in section_types():
        data = edit_form(client, plan, section_type.key)
        response = client.submit(plan_url(plan, f"/{section_type.key}/edit"), data, follow_redirects=True)
        assert "No changes to save" in text(response), section_type.key
        data["narrative"] = f"Rewritten {section_type.key}"
        assert client.submit(plan_url(plan, f"/{section_type.key}/edit"), data).status_code == 302, section_type.key
    assert all(plan.section(t.key).revision_count == 2 for t in section_types())


def test_marking_reviewed_through_the_page(plan, client_as):
    revision = plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    client = client_as(plan.people.b.editor)
    response = client.submit(plan_url(plan, "/risk_assessment/review"), {"revision_id": revision.id, "note": "Checked"},
                             follow_redirects=True)
    page = text(response)
    assert "marked as reviewed" in page and "Ed Editor" in page
    assert plan.section("risk_assessment").last_reviewed_by_id == plan.people.b.editor.id

    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Flood"))
    stale = text(
        client.submit(plan_url(plan, "/risk_assessment/review"), {"revision_id": revision.id}, follow_redirects=True)
    )
    assert "changed this section since you opened it" in stale


def test_the_live_preview_returns_sanitised_html_to_editors_only(plan, client_as):
    editor = client_as(plan.people.a.editor)
    response = editor.submit(
        plan_url(plan, "/preview"), {"narrative": "**Hi** <script>alert(1)</script>[x](javascript:y)"}
    )
    assert response.status_code == 200 and response.mimetype == "text/html"
    body = text(response)
    assert "<strong>Hi</strong>" in body and "<script" not in body and "javascript" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # shown as typed, never run
    # Sent while the editor may be saving: it must not overwrite the session cookie the save sets.
    assert "Set-Cookie" not in response.headers
    assert "Nothing to preview" in text(editor.submit(plan_url(plan, "/preview"), {"narrative": ""}))
    viewer = client_as(plan.people.a.viewer)
    assert viewer.submit(plan_url(plan, "/preview"), {"narrative": "x"}).status_code == 403


def test_viewers_cannot_edit_and_outsiders_cannot_see_anything(plan, client_as):
    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    viewer = client_as(plan.people.b.viewer)
    assert viewer.get(plan_url(plan, "/risk_assessment/edit")).status_code == 403
    assert viewer.submit(plan_url(plan, "/risk_assessment/edit"), {"narrative": "x"}).status_code == 403
    assert viewer.submit(plan_url(plan, "/risk_assessment/review"), {"revision_id": "1"}).status_code == 403
    outsider = client_as(plan.people.outsider)
    for path in ("", "/full", "/risk_assessment", "/risk_assessment/edit"):
        assert outsider.get(plan_url(plan, path)).status_code == 404


def test_the_whole_plan_reads_every_section_in_order(plan, client_as):
    for section_type in section_types():
        plan.save(plan.people.a.editor, section_type.key)
    page = text(client_as(plan.people.b.viewer).get(plan_url(plan, "/full")))
    positions = [page.index(f'id="section-{t.key}"') for t in section_types()]
    assert positions == sorted(positions)
    assert "The Risk assessment narrative, with <strong>bold</strong> text." in page
    assert "sort-link" not in page  # printable: no sorting controls
