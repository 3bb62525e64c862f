"""Agreed sections through the pages: the editor proposes, the proposal page shows the diff, the
other party answers, the history keeps declined changes; bad requests get 404/403/409."""

from app.extensions import db
from app.plan_versions import agreed_sections
from tests.support.plans import edit_form, narrative, plan_url

KEY = "risk_assessment"


def text(response) -> str:
    return response.get_data(as_text=True)


def proposal_url(plan, proposal_id, action=""):
    return f"/partnerships/{plan.partnership.id}/proposals/{proposal_id}{action}"


def test_the_editor_proposes_and_says_so_and_the_other_party_sees_the_diff(agreed, client_as):
    eve = client_as(agreed.people.a.editor)
    form_page = text(eve.get(plan_url(agreed, f"/{KEY}/edit")))
    assert "Propose change" in form_page and "Saving proposes your change to Beta GmbH" in form_page
    data = edit_form(eve, agreed)
    data["narrative"] = "We watch the ports and the rivers."
    data["note"] = "Add rivers"
    response = eve.submit(plan_url(agreed, f"/{KEY}/edit"), data)
    proposal = agreed_sections.open_change(agreed.partnership.id, KEY)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/proposals/{proposal.id}")
    page = text(eve.get(response.headers["Location"]))
    assert "Proposed to Beta GmbH: your change is made when every other party agrees" in page
    assert "Change Risk assessment: Add rivers" in page
    # The section reads as before, and says a change waits.
    section_page = text(eve.get(plan_url(agreed, f"/{KEY}")))
    assert "the rivers" not in section_page and "A change to this section waits" in section_page

    bob = client_as(agreed.people.b.admin)
    shown = text(bob.get(proposal_url(agreed, proposal.id)))
    assert "<ins>" in shown and "rivers" in shown and "Add rivers" in shown and "Agree" in shown
    assert bob.submit(proposal_url(agreed, proposal.id, "/agree"), {}).status_code == 302
    db.session.expire_all()
    assert agreed.section(KEY).current_revision.content["narrative"] == "We watch the ports and the rivers."
    assert "revision" in text(bob.get(proposal_url(agreed, proposal.id)))


def test_a_second_edit_while_one_waits_is_refused_with_everything_typed_kept(agreed, client_as):
    agreed.propose_edit(agreed.people.a.editor, KEY, narrative("First."), "First")
    ed = client_as(agreed.people.b.editor)
    data = edit_form(ed, agreed)
    data["narrative"] = "My own words, kept."
    response = ed.submit(plan_url(agreed, f"/{KEY}/edit"), data)
    page = text(response)
    assert response.status_code == 409
    assert "is waiting for the parties" in page and "My own words, kept." in page
    assert "Change Risk assessment: First" in page  # the notice links the waiting change


def test_answers_are_checked_other_partnerships_get_404_non_admins_403_twice_409(agreed, client_as):
    proposal = agreed.propose_edit(agreed.people.a.editor, KEY, narrative("Changed."), "Change").proposal
    outsider = client_as(agreed.people.outsider)
    assert outsider.get(proposal_url(agreed, proposal.id)).status_code == 404
    other = f"/partnerships/{agreed.people.outsider_partnership.id}/proposals/{proposal.id}"
    assert outsider.get(other).status_code == 404
    assert client_as(agreed.people.b.editor).submit(proposal_url(agreed, proposal.id, "/agree"), {}).status_code == 403
    assert client_as(agreed.people.a.admin).submit(proposal_url(agreed, proposal.id, "/agree"), {}).status_code == 403
    bob = client_as(agreed.people.b.admin)
    assert bob.submit(proposal_url(agreed, proposal.id, "/decline"), {"reason": ""}).status_code == 422
    assert bob.submit(proposal_url(agreed, proposal.id, "/agree"), {}).status_code == 302
    assert bob.submit(proposal_url(agreed, proposal.id, "/agree"), {}).status_code == 409


def test_a_declined_change_shows_in_the_section_history_with_its_reason(agreed, client_as):
    proposal = agreed.propose_edit(agreed.people.a.editor, KEY, narrative("No risks."), "Trim").proposal
    bob = client_as(agreed.people.b.admin)
    response = bob.submit(proposal_url(agreed, proposal.id, "/decline"), {"reason": "Risks stay listed."})
    assert response.status_code == 302
    history = text(client_as(agreed.people.a.viewer).get(plan_url(agreed, f"/{KEY}/history")))
    assert "Proposed changes" in history and "Change Risk assessment: Trim" in history
    assert "Declined" in history and "Risks stay listed." in history


def test_the_author_withdraws_from_the_proposal_page(agreed, client_as):
    proposal = agreed.propose_edit(agreed.people.a.editor, KEY, narrative("Draft."), "Draft").proposal
    eve = client_as(agreed.people.a.editor)
    assert "Withdraw this proposal" in text(eve.get(proposal_url(agreed, proposal.id)))
    response = eve.submit(proposal_url(agreed, proposal.id, "/withdraw"), csrf_field="withdraw-csrf_token")
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert proposal.status == "withdrawn"
