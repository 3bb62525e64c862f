"""The Lifecycle page and the home page's panel: the same map for every member of every party,
links to where the missing evidence is added for those who may add it, 404 for everyone else."""

from tests.support import review_cycle
from tests.support.lifecycle import two_stages_short
from tests.support.queries import count_queries


def _page(client, partnership_id: int):
    response = client.get(f"/partnerships/{partnership_id}/lifecycle")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_every_member_of_both_parties_sees_the_stage_and_the_stages_short(two_parties, client_as):
    w = two_parties
    plan = two_stages_short(w)
    pid = plan.partnership.id
    for user in (w.a.admin, w.a.viewer, w.b.editor, w.b.viewer):
        html = _page(client_as(user), pid)
        assert "Stage 5 of 8: Working together." in html and "2 stages short of evidence" in html
        assert f'<a href="/partnerships/{pid}/lifecycle" aria-current="page">Lifecycle</a>' in html
        assert ('Short of evidence: <a href="#stage-knowledge">Knowledge</a>, '
                '<a href="#stage-exit_strategy_activation">Exit strategy activation</a>.') in html


def test_editors_are_sent_to_the_editor_and_viewers_told_who_adds_it(two_parties, client_as):
    w = two_parties
    pid = two_stages_short(w).partnership.id
    editor = _page(client_as(w.b.editor), pid)
    assert (f'<a href="/partnerships/{pid}/plan/knowledge_management/edit#kind-knowledge" '
            'class="lifecycle-rule__add">Add to Knowledge management</a>') in editor
    assert f'href="/partnerships/{pid}/plan/exit_arrangements/edit#kind-triggers"' in editor
    viewer = _page(client_as(w.a.viewer), pid)
    assert "/edit" not in viewer
    assert f'<a href="/partnerships/{pid}/plan/knowledge_management">See: Knowledge management</a>' in viewer
    assert "Editors and admins add it." in viewer


def test_outsiders_get_404_and_signed_out_visitors_sign_in(two_parties, client_as, client):
    pid = two_parties.partnership.id
    assert client_as(two_parties.outsider).get(f"/partnerships/{pid}/lifecycle").status_code == 404
    assert client.get(f"/partnerships/{pid}/lifecycle").headers["Location"].startswith("/signin")


def test_the_home_page_says_where_the_partnership_stands(two_parties, client_as):
    pid = two_stages_short(two_parties).partnership.id
    html = client_as(two_parties.b.viewer).get(f"/partnerships/{pid}").get_data(as_text=True)
    assert "Stage 5 of 8: Working together.</strong>" in html and "2 stages short of evidence" in html
    assert f'href="/partnerships/{pid}/lifecycle#stage-knowledge">Knowledge</a>' in html


def test_the_page_costs_the_same_however_much_evidence_there_is(two_parties, client_as):
    w = two_parties
    client, pid = client_as(w.b.admin), w.partnership.id

    def cost() -> int:
        with count_queries() as statements:
            _page(client, pid)
        return len(statements)

    empty = cost()
    two_stages_short(w)
    cycle = review_cycle.cycle_in_improve(w.partnership, w.a.admin, w.b.admin)
    for n in range(3):
        review_cycle.add_action(cycle, w.a.admin, title=f"Action {n}")
    full = cost()
    assert full == empty, (empty, full)
    # Signed-in user, membership (with partnership and parties), five of evidence, the header's count.
    assert full == 8
