"""Comments: threads and replies on sections, resolve and reopen, @mentions notifying members
(and never anyone else), counts on the plan overview, and who may write."""

import pytest
import sqlalchemy as sa

from app.coediting import comments
from app.coediting.models import Comment
from app.extensions import db
from app.notifications.models import Notification
from app.rules import RuleViolation
from tests.support.mail import file_outbox, text_of


def mentions_of(user) -> list[Notification]:
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.recipient_id == user.id, Notification.kind == "mention")
    ))


def test_a_thread_about_an_item_with_replies_resolve_and_reopen(plan, risk_base):
    section = plan.section("risk_assessment")
    risk_id = risk_base.content["items"]["risks"][0]["id"]
    ed, eve = plan.member(plan.people.b.editor), plan.member(plan.people.a.editor)
    thread = comments.start_thread(ed, section, "Is the *port* risk still current?", risk_id)
    comments.reply(eve, thread, "Yes, see the mitigation.")
    assert comments.resolve_thread(eve, thread) and not comments.resolve_thread(eve, thread)
    db.session.commit()
    [loaded] = comments.threads_of(section)
    assert loaded.item_id == risk_id and loaded.status == "resolved" and loaded.status_changed_by_id == eve.user_id
    assert [c.body for c in loaded.comments] == ["Is the *port* risk still current?", "Yes, see the mitigation."]
    assert loaded.comments[0].body_html == "<p>Is the <em>port</em> risk still current?</p>"
    comments.reply(ed, thread, "One more thing.")  # a reply reopens the conversation
    assert thread.is_open
    assert comments.open_thread_counts(plan.partnership.id) == {"risk_assessment": 1}


def test_comments_are_written_once_and_never_changed(plan, risk_base):
    thread = comments.start_thread(plan.member(plan.people.a.editor), plan.section("risk_assessment"), "Hello")
    db.session.commit()
    comment = thread.comments[0]
    comment.body = "Rewritten"
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()


def test_viewers_read_but_cannot_comment_and_items_must_be_the_sections_own(plan, risk_base):
    section = plan.section("risk_assessment")
    with pytest.raises(RuleViolation):
        comments.start_thread(plan.member(plan.people.a.viewer), section, "Let me in")
    with pytest.raises(RuleViolation):
        comments.start_thread(plan.member(plan.people.a.editor), section, "   ")
    with pytest.raises(RuleViolation):
        comments.start_thread(plan.member(plan.people.a.editor), section, "About what?", "rsk-00000000")


def test_mentions_notify_members_once_in_the_app_and_by_email(app, plan, risk_base):
    eve = plan.member(plan.people.a.editor)
    body = "@Ed Editor and @ed editor, please check. @Bob Admin's view too? Not @Olga Outsider, not ed@beta."
    thread = comments.start_thread(eve, plan.section("risk_assessment"), body)
    db.session.commit()
    comment = thread.comments[0]
    ed, bob, olga = plan.people.b.editor, plan.people.b.admin, plan.people.outsider
    assert comment.mentions == sorted([ed.id, bob.id])
    [note] = mentions_of(ed)
    assert note.title == "Eve Editor mentioned you in a comment on “Risk assessment”"
    assert note.link == f"/partnerships/{plan.partnership.id}/plan/risk_assessment/comments#comment-{comment.id}"
    assert len(mentions_of(bob)) == 1 and mentions_of(olga) == []  # never someone outside the partnership
    assert mentions_of(plan.people.a.editor) == []
    mails = [m for m in file_outbox(app) if "mentioned you" in str(m["Subject"])]
    assert sorted(str(m["To"]) for m in mails) == sorted([bob.email, ed.email])
    assert "please check" in text_of(mails[0])
    assert comment.body_html.count('<strong class="mention">') == 3


def test_a_mention_respects_the_members_delivery_choice(app, plan, risk_base):
    from app.notifications.services import set_preferences

    set_preferences(plan.people.b.editor, {"mention": "in_app"})
    db.session.commit()
    comments.start_thread(plan.member(plan.people.a.editor), plan.section("risk_assessment"), "Over to @Ed Editor")
    db.session.commit()
    assert len(mentions_of(plan.people.b.editor)) == 1
    assert [m for m in file_outbox(app) if "mentioned you" in str(m["Subject"])] == []


def test_mention_matching_prefers_the_longest_name_and_needs_a_word_boundary(plan):
    members = [plan.member(u) for u in (plan.people.a.editor, plan.people.b.editor)]
    found = comments.find_mentions("@Ed Editors? @Ed Editor: hi @Eve Editor.", members)
    assert [(body_start, member.user.full_name) for body_start, _end, member in found] == [(13, "Ed Editor"),
                                                                                         (28, "Eve Editor")]


def test_the_section_page_shows_threads_and_the_overview_counts_them(plan, risk_base, client_as):
    section = plan.section("risk_assessment")
    eve = plan.member(plan.people.a.editor)
    comments.start_thread(eve, section, "First <script>alert(1)</script>")
    resolved = comments.start_thread(eve, section, "Second")
    comments.resolve_thread(eve, resolved)
    comments.start_thread(eve, plan.section("business_case"), "Third")
    db.session.commit()
    viewer = client_as(plan.people.b.viewer)
    page = viewer.get(f"/partnerships/{plan.partnership.id}/plan/risk_assessment").get_data(as_text=True)
    assert "First" in page and "<script>alert" not in page and "1 resolved thread" in page
    assert "Start a thread" not in page and "Post reply" not in page  # viewers read
    overview = viewer.get(f"/partnerships/{plan.partnership.id}/plan").get_data(as_text=True)
    assert overview.count("1 open comment<") == 2


def test_posting_replying_and_resolving_through_the_pages(plan, risk_base, client_as):
    base = f"/partnerships/{plan.partnership.id}/plan/risk_assessment"
    ed = client_as(plan.people.b.editor)
    risk_id = risk_base.content["items"]["risks"][1]["id"]
    response = ed.submit(base + "/comments", {"body": "Cyber needs a **pen test**, @Eve Editor", "item_id": risk_id})
    assert response.status_code == 302 and "#thread-" in response.headers["Location"]
    thread = comments.threads_of(plan.section("risk_assessment"))[0]
    page = ed.get(base).get_data(as_text=True)
    assert "risk “Cyber attack”</a>" in page and "<strong>pen test</strong>" in page
    # A blank reply comes back with the error; the thread is unchanged.
    response = ed.submit(f"{base}/comments/{thread.id}/replies", {"body": "  "})
    assert response.status_code == 422 and "Write a reply first." in response.get_data(as_text=True)
    eve = client_as(plan.people.a.editor)
    assert eve.submit(f"{base}/comments/{thread.id}/replies", {"body": "Booked."}).status_code == 302
    assert eve.submit(f"{base}/comments/{thread.id}/resolve").status_code == 302
    db.session.expire_all()
    assert [c.body for c in comments.threads_of(plan.section("risk_assessment"))[0].comments][-1] == "Booked."
    assert comments.threads_of(plan.section("risk_assessment"))[0].status == "resolved"
    assert eve.submit(f"{base}/comments/{thread.id}/reopen").status_code == 302
    # A thread of another section is not found under this one.
    assert eve.submit(f"/partnerships/{plan.partnership.id}/plan/business_case/comments/{thread.id}/resolve"
                      ).status_code == 404
    viewer = client_as(plan.people.a.viewer)
    assert viewer.submit(base + "/comments", {"body": "Hi"}).status_code == 403
    assert viewer.submit(f"{base}/comments/{thread.id}/replies", {"body": "Hi"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 2


def test_a_comment_form_with_mistakes_keeps_what_was_typed(plan, risk_base, client_as):
    ed = client_as(plan.people.b.editor)
    url = f"/partnerships/{plan.partnership.id}/plan/risk_assessment/comments"
    response = ed.submit(url, {"body": "x" * 5001})
    assert response.status_code == 422 and "x" * 5001 in response.get_data(as_text=True)
    response = ed.submit(url, {"body": "Hi", "item_id": "rsk-notthere"})
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
