"""The cycle's pages through the test client: forms keep what was typed, refusals say why."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.plan_sections import reading
from app.review_cycle import assessments, cycles, dimensions
from app.review_cycle.models import Adaptation, CycleRevision, ImprovementAction
from tests.support.review_cycle import agree_all, assessment_form, open_cycle, submit


def _url(world, suffix: str = "") -> str:
    return f"/partnerships/{world.partnership.id}/reviews{suffix}"


def test_an_admin_opens_a_cycle_from_the_proposed_period(world, client_as):
    admin = client_as(world.a.admin)
    page = admin.get(_url(world)).get_data(as_text=True)
    period = cycles.proposed_period(world.partnership)
    assert f'value="{period}"' in page
    bad = admin.submit(_url(world), {"period": "next quarter <b>"})
    assert bad.status_code == 422 and "Name the period like 2026-Q4" in bad.text
    assert "next quarter &lt;b&gt;" in bad.text
    opened = admin.submit(_url(world), {"period": period})
    assert opened.status_code == 302
    cycle = cycles.open_cycle_of(world.partnership.id)
    stepper = admin.get(opened.headers["Location"]).get_data(as_text=True)
    assert "Alpha Ltd (your party) has yet to submit its assessment" in stepper  # never "waiting for" itself
    assert "Waiting for Beta GmbH to submit its assessment" in stepper
    assert cycle.period == period
    assert client_as(world.a.editor).submit(_url(world), {"period": "2030-Q1"}).status_code == 403


def test_the_assessment_form_saves_drafts_keeps_input_and_submits(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin)
    editor = client_as(world.b.editor)
    url = _url(world, f"/{cycle.id}/assessment")
    form = assessment_form(cycle, world.b.party.id, 4, text="We shipped the pilot.")
    first = cycle.dimensions[0]["id"]
    broken = {**form, f"score-{first}": "7", f"comment-{first}": "Typed & kept"}
    answer = editor.submit(url, {**broken, "action": "save"})
    assert answer.status_code == 422 and "Choose a score from 1 to 5." in answer.text
    assert "Typed &amp; kept" in answer.text and "We shipped the pilot." in answer.text
    assert editor.submit(url, {**form, "action": "save"}).status_code == 302
    assert "We shipped the pilot." in editor.get(url).get_data(as_text=True)
    autosaved = editor.submit(url + "/autosave", {**form, "achievements": "Autosaved text"})
    assert autosaved.status_code == 200 and autosaved.get_json()["saved"] is True
    assert assessments.own_assessment(cycle, world.b.party.id).achievements == "Autosaved text"
    # "Draft saved 14:05 JST": the time in the person's own zone, like every other time on the page.
    world.b.editor.time_zone = "Asia/Tokyo"
    db.session.commit()
    saved = editor.submit(url + "/autosave", {**form, "achievements": "Again"}).get_json()
    assert re.fullmatch(r"\d\d:\d\d JST", saved["at_text"]), saved
    refused = editor.submit(url + "/autosave", {**form, f"score-{first}": "x"})
    assert refused.status_code == 422 and f"score-{first}" in refused.get_json()["errors"]
    assert client_as(world.b.viewer).submit(url + "/autosave", form).status_code == 403
    checked = editor.submit(url, {**form, "action": "submit"})  # checked and saved; not submitted yet
    assert checked.status_code == 200 and "Submit now" in checked.text
    assert assessments.own_assessment(cycle, world.b.party.id).submitted_at is None
    checked_at = re.search(r'name="checked_at" value="([^"]+)"', checked.text).group(1)
    done = editor.submit(url, {"action": "confirm", "checked_at": checked_at})
    assert done.status_code == 302
    assert "submitted" in editor.get(done.headers["Location"]).get_data(as_text=True)
    again = editor.submit(url, {**form, "action": "save"}, follow_redirects=True)
    assert "already submitted" in again.text


def test_agreeing_out_of_order_is_refused_with_a_message(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin)
    admin = client_as(world.a.admin)
    url = _url(world, f"/{cycle.id}/agree")
    early = admin.submit(url, {"stage": "review"}, follow_redirects=True)
    assert "Every party submits its review first." in early.text
    submit(cycle, world.a.editor)
    submit(cycle, world.b.editor)
    skipped = admin.submit(url, {"stage": "improve"}, follow_redirects=True)
    assert "No stage may be skipped" in skipped.text
    agreed = admin.submit(url, {"stage": "review"}, follow_redirects=True)
    assert "Alpha Ltd agrees" in agreed.text and "Waiting for Beta GmbH to agree to move on to Adapt" in agreed.text
    moved = client_as(world.b.admin).submit(url, {"stage": "review"}, follow_redirects=True)
    assert "the cycle is now in Adapt" in moved.text
    assert client_as(world.a.editor).submit(url, {"stage": "adapt"}).status_code == 403


def test_an_adaptation_opens_the_section_editor_and_the_save_is_linked(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor)
    submit(cycle, world.b.editor)
    agree_all(cycle, [world.a.admin, world.b.admin])
    editor = client_as(world.b.editor)
    added = editor.submit(_url(world, f"/{cycle.id}/adaptations"),
                          {"what": "Plant managers join the weekly call", "why": "", "section_key": "communications"})
    assert added.status_code == 302
    adaptation = db.session.scalar(sa.select(Adaptation))
    page = editor.get(_url(world, f"/{cycle.id}")).get_data(as_text=True)
    link = (f"/partnerships/{world.partnership.id}/plan/communications/edit"
            f"?cycle={cycle.id}&amp;adaptation={adaptation.id}")
    assert link in page
    edit = editor.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert f'name="cycle" value="{cycle.id}"' in edit and "the revision you save is listed on it" in edit
    saved = editor.submit(f"/partnerships/{world.partnership.id}/plan/communications/edit", {
        "base_revision_id": "", "narrative": "We talk weekly, plant managers included.", "note": "",
        "cycle": str(cycle.id), "adaptation": str(adaptation.id), "action": "save",
    })
    assert saved.status_code == 302, saved.text[-2000:]
    link_row = db.session.scalar(sa.select(CycleRevision))
    assert link_row.cycle_id == cycle.id and link_row.adaptation_id == adaptation.id
    assert "Communications, revision 1" in editor.get(_url(world, f"/{cycle.id}")).get_data(as_text=True)
    empty = editor.submit(_url(world, f"/{cycle.id}/adaptations"), {"what": "", "why": "x", "section_key": ""})
    assert empty.status_code == 422 and "Say what changes." in empty.text


def test_actions_are_added_updated_promoted_and_reported(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor)
    submit(cycle, world.b.editor)
    agree_all(cycle, [world.a.admin, world.b.admin])
    agree_all(cycle, [world.a.admin, world.b.admin])
    editor = client_as(world.a.editor)
    fields = {"title": "Share the forecast weekly", "description": "Every Monday.", "owner_party_id": world.a.party.id,
              "owner_user_id": world.a.editor.id, "due_on": "2030-03-31", "link": f"measure:{cycle.measures[0]['id']}"}
    bad = editor.submit(_url(world, f"/{cycle.id}/actions"), {**fields, "due_on": "soon"})
    assert bad.status_code == 422 and "Share the forecast weekly" in bad.text
    assert editor.submit(_url(world, f"/{cycle.id}/actions"), fields).status_code == 302
    action = db.session.scalar(sa.select(ImprovementAction))
    url = _url(world, f"/{cycle.id}/actions/{action.id}")
    assert editor.submit(url, {**fields, "status": "in_progress"}).status_code == 302
    assert client_as(world.b.viewer).submit(url, {**fields, "status": "done"}).status_code == 403
    promoted = editor.submit(url + "/promote", {}, follow_redirects=True)
    assert "Continuous improvement section" in promoted.text
    assert reading.current_content(world.partnership.id, "continuous_improvement")["items"]["initiatives"]
    agree_all(cycle, [world.a.admin, world.b.admin])
    agree_all(cycle, [world.a.admin, world.b.admin])
    report = client_as(world.b.viewer).get(_url(world, f"/{cycle.id}/report")).get_data(as_text=True)
    assert "Share the forecast weekly" in report and "Health index over the cycles" in report
    pdf = client_as(world.b.viewer).get(_url(world, f"/{cycle.id}/report.pdf"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    closed = editor.submit(url, {**fields, "status": "done"}, follow_redirects=True)
    assert "the cycle is closed" in closed.text


def test_the_report_waits_for_the_close(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin)
    viewer = client_as(world.a.viewer)
    assert "No report yet" in viewer.get(_url(world, f"/{cycle.id}/report")).get_data(as_text=True)
    assert viewer.get(_url(world, f"/{cycle.id}/report.pdf")).status_code == 404


def test_admins_rename_add_and_retire_dimensions(world, client_as):
    admin = client_as(world.a.admin)
    assert "Trust, Communication" in admin.get(_url(world, "/dimensions")).get_data(as_text=True)
    assert admin.submit(_url(world, "/dimensions"), {"name": "Sustainability"}).status_code == 302
    dims = dimensions.dimensions(world.partnership.id)
    assert [d.name for d in dims][-1] == "Sustainability" and len(dims) == 9
    dup = admin.submit(_url(world, f"/dimensions/{dims[1].id}"), {"name": "trust", "change": "rename"})
    assert dup.status_code == 422 and "already a dimension" in dup.text and 'value="trust"' in dup.text
    assert admin.submit(_url(world, f"/dimensions/{dims[1].id}"), {"change": "retire"}).status_code == 302
    assert len(dimensions.dimensions(world.partnership.id)) == 8
    assert client_as(world.a.editor).submit(_url(world, "/dimensions"), {"name": "Speed"}).status_code == 403


def test_the_action_form_names_each_persons_party_and_refuses_someone_of_another(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor, 4)
    submit(cycle, world.b.editor, 4)
    agree_all(cycle, [world.a.admin, world.b.admin])
    agree_all(cycle, [world.a.admin, world.b.admin])
    admin = client_as(world.a.admin)
    page = admin.get(_url(world, f"/{cycle.id}")).get_data(as_text=True)
    # Without JavaScript everyone is listed with their party; review_cycle.js narrows the list.
    assert 'data-owner-party="owner_party_id"' in page
    assert f'data-party="{world.b.party.id}" value="{world.b.editor.id}">Ed Editor (Beta GmbH)' in page
    assert "js/review_cycle.js" in page
    refused = admin.submit(_url(world, f"/{cycle.id}/actions"), {
        "title": "Share forecasts", "owner_party_id": world.a.party.id, "owner_user_id": world.b.editor.id,
        "due_on": "2030-01-31", "link": "",
    })
    assert refused.status_code == 422 and "Choose a person of the owner party, or nobody yet." in refused.text


def test_the_trend_chart_has_its_figures_as_a_table(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin, "2026-Q1")
    submit(cycle, world.a.editor, 5)
    submit(cycle, world.b.editor, 3)
    page = client_as(world.b.viewer).get(_url(world)).get_data(as_text=True)
    assert "chart--trend" in page and "The figures behind the chart" in page
    figures = page[page.index("The figures behind the chart"):]
    assert '<th scope="row">2026-Q1</th><td class="num">75</td>' in re.sub(r"\s+<", "<", figures)
    assert "<th scope=\"col\">Alpha Ltd</th>" in figures and "<th scope=\"col\">Beta GmbH</th>" in figures
