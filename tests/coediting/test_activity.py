"""The activity feed: revisions, restores, merges, reviews and comments in order, filtered and paged."""

from datetime import timedelta

from app.coediting import comments, saving
from app.coediting.activity import activity_page
from app.extensions import db
from app.plan_sections import writing
from app.plan_sections.registry import get_section_type
from app.types import utcnow
from tests.support.coediting import changed
from tests.support.samples import sample_content


def _busy_partnership(plan, risk_base):
    """Revision 1 (risk_base), a merge, a review, a restore and a comment thread with a reply."""
    a, b = plan.people.a.editor, plan.people.b.editor
    plan.save(b, "risk_assessment", changed(risk_base.content, risk_2="River flood"), "Flood")
    saving.save_edit(plan.member(a), plan.section("risk_assessment"), changed(risk_base.content, risk_0="Dock"),
                     risk_base.id, "Dock")
    section = plan.section("risk_assessment")
    writing.mark_reviewed(plan.member(b), section, section.current_revision_id, "Checked")
    saving.restore_revision(plan.member(b), section, risk_base, section.current_revision_id)
    thread = comments.start_thread(plan.member(a), section, "Why restore *that*?")
    comments.reply(plan.member(b), thread, "Flood was wrong.")
    plan.save(a, "business_case", None, "Business case")
    db.session.commit()


def test_the_feed_lists_everything_newest_first_with_who_and_what(plan, risk_base):
    _busy_partnership(plan, risk_base)
    entries = activity_page(plan.partnership.id).entries
    assert [(e.kind, e.variant, e.section_key) for e in entries] == [
        ("revision", "edit", "business_case"),
        ("comment", "reply", "risk_assessment"),
        ("comment", "comment", "risk_assessment"),
        ("revision", "restore", "risk_assessment"),
        ("review", None, "risk_assessment"),
        ("revision", "merge", "risk_assessment"),
        ("revision", "edit", "risk_assessment"),
        ("revision", "edit", "risk_assessment"),
    ]
    merge = entries[5]
    assert (merge.user_name, merge.party_name, merge.number) == ("Eve Editor", "Alpha Ltd", 3)
    assert merge.text == "Dock (merged with revision 2 by Ed Editor)"
    assert entries[4].number == 3 and entries[4].text == "Checked"
    assert entries[2].plain_text == "Why restore that?"


def test_the_feed_filters_by_section_and_party_and_pages_by_keyset(plan, risk_base):
    _busy_partnership(plan, risk_base)
    partnership_id = plan.partnership.id
    only_beta = activity_page(partnership_id, party_id=plan.people.b.party.id).entries
    assert {e.party_name for e in only_beta} == {"Beta GmbH"} and len(only_beta) == 4
    only_business = activity_page(partnership_id, section_key="business_case").entries
    assert [e.section_key for e in only_business] == ["business_case"]
    seen, cursor = [], None
    while True:
        page = activity_page(partnership_id, before=cursor, size=3)
        seen += [(e.kind, e.id) for e in page.entries]
        if page.older is None:
            break
        cursor = page.older
    assert seen == [(e.kind, e.id) for e in activity_page(partnership_id).entries]
    assert activity_page(partnership_id, before="not a cursor").entries  # a broken cursor reads as the first page


def test_entries_at_the_same_instant_keep_a_stable_order_across_pages(plan):
    at = utcnow() - timedelta(days=1)
    ctx = plan.context()
    for key in ("communications", "knowledge_management", "management_activities"):
        section = plan.section(key)
        writing.save_section(plan.member(plan.people.a.editor), section,
                              sample_content(get_section_type(key), ctx), None, at=at, ctx=ctx)
    db.session.commit()
    first = activity_page(plan.partnership.id, size=2)
    second = activity_page(plan.partnership.id, size=2, before=first.older)
    ids = [e.id for e in first.entries + second.entries]
    assert len(ids) == 3 and len(set(ids)) == 3


def test_the_activity_page_and_the_home_panel(plan, risk_base, client_as):
    _busy_partnership(plan, risk_base)
    viewer = client_as(plan.people.b.viewer)
    page = viewer.get(f"/partnerships/{plan.partnership.id}/activity").get_data(as_text=True)
    assert "restored an earlier version of" in page and "merged with changes saved at the same time" in page
    assert "confirmed" in page and "replied on" in page and "Today" in page
    filtered = viewer.get(f"/partnerships/{plan.partnership.id}/activity?section=business_case&party=999")
    assert filtered.status_code == 200 and "Business case" in filtered.get_data(as_text=True)
    home = viewer.get(f"/partnerships/{plan.partnership.id}").get_data(as_text=True)
    assert "Recent activity" in home and home.count('class="feed-entry ') == 6
    assert 'aria-current="page">Activity' in page
