"""The revision rules: saving, numbering, identical content, stale bases, reviews, staleness."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.partnerships.models import Membership
from app.plan_sections import progress, reading, writing
from app.plan_sections.models import PlanSection, SectionReview, SectionRevision
from app.plan_sections.registry import get_section_type, section_keys
from app.rules import RuleViolation
from app.types import utcnow
from tests.support.plans import risks_content
from tests.support.queries import count_queries
from tests.support.samples import sample_content, sample_item


def test_sections_are_created_once_for_all_ten_keys(plan):
    first = reading.ensure_sections(plan.partnership.id)
    again = reading.ensure_sections(plan.partnership.id)
    assert list(first) == list(again) == section_keys()
    assert {s.id for s in first.values()} == {s.id for s in again.values()}
    count = db.session.scalar(sa.select(sa.func.count()).select_from(PlanSection))
    assert count == 10


def test_reading_never_creates_rows(plan, client_as):
    client = client_as(plan.people.a.viewer)
    for path in ("", "/full", "/risk_assessment"):
        assert client.get(f"/partnerships/{plan.partnership.id}/plan{path}").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanSection)) == 0


def test_each_save_is_a_numbered_revision_with_author_party_note_and_html(plan):
    a, b = plan.people.a.editor, plan.people.b.admin
    content = risks_content(plan, "Port strike", narrative="We watch **ports**.")
    first = plan.save(a, "risk_assessment", content, "First")
    second = plan.save(b, "risk_assessment", risks_content(plan, "Port strike", "Cyber attack"), "Added cyber")
    assert (first.number, second.number) == (1, 2)
    assert second.base_revision_id == first.id and first.base_revision_id is None
    assert (second.author_id, second.author_party_id) == (b.id, plan.people.b.party.id)
    assert second.note == "Added cyber" and second.kind == "edit"
    assert first.narrative_html == "<p>We watch <strong>ports</strong>.</p>"
    section = plan.section("risk_assessment")
    assert section.current_revision_id == second.id and section.revision_count == 2
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "plan.section_saved"))
    assert [e.details for e in events] == [
        {"section": "risk_assessment", "revision": 1, "kind": "edit", "note": "First"},
        {"section": "risk_assessment", "revision": 2, "kind": "edit", "note": "Added cyber"},
    ]


def test_identical_content_makes_no_revision(plan):
    first = plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    unchanged = dict(first.content)
    unchanged["narrative"] = unchanged["narrative"].replace("\n", "\r\n") + "\r\n\r\n"  # as a browser sends it
    assert plan.save(plan.people.b.editor, "risk_assessment", unchanged, "Nothing really") is None
    assert plan.section("risk_assessment").revision_count == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SectionRevision)) == 1


def test_item_ids_survive_edits_and_new_items_get_new_ones(plan):
    first = plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike", "Cyber attack"))
    ids = [i["id"] for i in first.content["items"]["risks"]]
    edited = first.content | {"items": {"risks": [
        first.content["items"]["risks"][1] | {"title": "Cyber attack on EDI"},
        first.content["items"]["risks"][0],
        sample_item(get_section_type("risk_assessment").kind_by_key["risks"], plan.context()) | {"title": "Flood"},
    ]}}
    second = plan.save(plan.people.b.editor, "risk_assessment", edited)
    after = second.content["items"]["risks"]
    assert [i["id"] for i in after[:2]] == [ids[1], ids[0]]
    assert after[0]["title"] == "Cyber attack on EDI"
    assert after[2]["id"] not in ids and after[2]["id"].startswith("rsk-")
    # Removing an item and adding one back never brings the old id back.
    third = plan.save(plan.people.a.editor, "risk_assessment", second.content | {"items": {"risks": [
        after[1], after[2], {k: v for k, v in after[0].items() if k != "id"},
    ]}})
    assert ids[1] not in [i["id"] for i in third.content["items"]["risks"]]


def test_a_stale_base_is_refused_and_names_who_saved_meanwhile(plan):
    first = plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    section = plan.section("risk_assessment")
    plan.save(plan.people.b.editor, "risk_assessment", risks_content(plan, "Port strike", "Flood"), "B's change")
    with pytest.raises(writing.StaleRevision) as stale:
        writing.save_section(
            plan.member(plan.people.a.admin), section, risks_content(plan, "Something else"), first.id, "A's change"
        )
    assert stale.value.current.number == 2
    assert stale.value.current.author_id == plan.people.b.editor.id
    db.session.rollback()
    assert plan.section("risk_assessment").revision_count == 2


def test_the_compare_and_swap_refuses_a_base_that_moved_after_it_was_read(plan):
    """The check in the UPDATE itself, not only the early comparison, guards the pointer."""
    first = plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    section = plan.section("risk_assessment")
    membership = plan.member(plan.people.b.editor)
    # Another transaction moves the pointer while this one still holds the old section row.
    with db.engine.begin() as other:
        other.execute(sa.update(PlanSection).where(PlanSection.id == section.id).values(current_revision_id=None))
    with pytest.raises(writing.StaleRevision):
        writing.save_section(membership, section, risks_content(plan, "Flood"), first.id)
    db.session.rollback()
    with db.engine.begin() as other:
        other.execute(sa.update(PlanSection).where(PlanSection.id == section.id).values(current_revision_id=first.id))


def test_saving_what_someone_else_just_saved_is_no_change(plan):
    first = plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    section = plan.section("risk_assessment")
    second = plan.save(plan.people.b.editor, "risk_assessment", first.content | {"narrative": "Agreed wording."})
    with pytest.raises(writing.StaleRevision):
        writing.save_section(plan.member(plan.people.a.editor), section, second.content, first.id)


def test_the_service_never_updates_or_deletes_revisions(plan):
    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    with count_queries(db.engine) as statements:
        plan.save(plan.people.b.editor, "risk_assessment", risks_content(plan, "Port strike", "Flood"))
        plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Flood"))
        section = plan.section("risk_assessment")
        writing.mark_reviewed(plan.member(plan.people.b.admin), section, section.current_revision_id)
        db.session.commit()
    assert statements.matching("UPDATE section_revision") == []
    # Only the search index replaces the section's entries (app/search/indexing.py).
    assert [s for s in statements.matching("DELETE") if "search_entry" not in s] == []
    assert statements.matching("UPDATE section_review") == []
    assert len(statements.matching("INSERT INTO section_revision")) == 2


def test_revisions_and_reviews_refuse_to_be_changed_or_deleted(plan):
    revision = plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    revision.note = "rewritten history"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(SectionRevision, revision.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_viewers_and_other_partnerships_cannot_save(plan):
    section = plan.section("risk_assessment")
    with pytest.raises(RuleViolation, match="admins and editors"):
        writing.save_section(plan.member(plan.people.a.viewer), section, risks_content(plan, "X"), None)
    outsider_membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == plan.people.outsider.id))
    with pytest.raises(RuleViolation, match="another partnership"):
        writing.save_section(outsider_membership, section, risks_content(plan, "X"), None)


def test_invalid_content_is_refused_with_its_errors(plan):
    content = risks_content(plan, "Port strike")
    content["items"]["risks"][0]["likelihood"] = 9
    with pytest.raises(writing.InvalidContent) as invalid:
        writing.save_section(plan.member(plan.people.a.editor), plan.section("risk_assessment"), content, None)
    assert list(invalid.value.errors) == ["items-risks-0-likelihood"]
    with pytest.raises(RuleViolation, match="200 characters"):
        writing.save_section(plan.member(plan.people.a.editor), plan.section("risk_assessment"),
                              risks_content(plan, "X"), None, "n" * 201)


def test_marking_reviewed_records_who_and_which_revision_and_nothing_else(plan):
    revision = plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    section = plan.section("risk_assessment")
    review = writing.mark_reviewed(plan.member(plan.people.b.editor), section, revision.id, "Still right")
    db.session.commit()
    assert (review.revision_id, review.reviewer_id, review.party_id, review.note) == (
        revision.id, plan.people.b.editor.id, plan.people.b.party.id, "Still right"
    )
    section = plan.section("risk_assessment")
    assert section.last_reviewed_by_id == plan.people.b.editor.id and section.last_reviewed_revision_number == 1
    assert section.revision_count == 1  # no new revision
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "plan.section_reviewed"))
    assert event.details == {"section": "risk_assessment", "revision": 1, "note": "Still right"}


def test_a_review_of_an_outdated_page_or_an_empty_section_is_refused(plan):
    first = plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    plan.save(plan.people.b.editor, "risk_assessment", risks_content(plan, "Flood"))
    with pytest.raises(writing.StaleRevision):
        writing.mark_reviewed(plan.member(plan.people.a.admin), plan.section("risk_assessment"), first.id)
    with pytest.raises(RuleViolation, match="nothing to review"):
        writing.mark_reviewed(plan.member(plan.people.a.admin), plan.section("communications"), 1)
    with pytest.raises(RuleViolation, match="admins and editors"):
        writing.mark_reviewed(plan.member(plan.people.a.viewer), plan.section("risk_assessment"), first.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SectionReview)) == 0


def test_sections_go_stale_when_neither_changed_nor_reviewed_within_the_cadence(plan):
    now = utcnow()
    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Old"), at=now - timedelta(days=100))
    plan.save(plan.people.a.editor, "communications", at=now - timedelta(days=100))
    section = plan.section("communications")
    writing.mark_reviewed(plan.member(plan.people.b.editor), section, section.current_revision_id,
                           at=now - timedelta(days=10))
    plan.save(plan.people.a.editor, "business_case", at=now - timedelta(days=80))
    overview = progress.plan_overview(plan.partnership)
    states = {s.key: s for s in overview.sections}
    assert states["risk_assessment"].stale
    assert not states["communications"].stale  # reviewed recently
    assert not states["business_case"].stale  # changed within three months
    assert not states["exit_arrangements"].stale and not states["exit_arrangements"].is_started
    assert [s.key for s in overview.stale] == ["risk_assessment"]
    plan.partnership.review_cadence_months = 1  # the relationship's review cadence does not matter here
    assert not progress.plan_overview(plan.partnership).sections[1].stale
    plan.partnership.section_review_cadence_months = 1
    assert progress.plan_overview(plan.partnership).sections[1].stale  # business case, under a monthly section cadence


def test_completeness_is_declared_per_section_and_averaged_for_the_plan(plan):
    empty = progress.plan_overview(plan.partnership)
    assert empty.percent == 0 and len(empty.not_started) == 10
    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "One", "Two"))
    state = {s.key: s for s in progress.plan_overview(plan.partnership).sections}["risk_assessment"]
    assert (state.completeness.done, state.completeness.total) == (1, 2)
    assert state.completeness.missing == ["Add at least 3 risks"]
    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "One", "Two", "Three"))
    overview = progress.plan_overview(plan.partnership)
    assert overview.sections[3].completeness.percent == 100
    assert overview.percent == 10


def test_performance_measures_are_read_by_stable_id(plan):
    assert reading.performance_measures(plan.partnership.id) == []
    ctx = plan.context()
    content = sample_content(get_section_type("business_case"), ctx, items_per_kind=2)
    revision = plan.save(plan.people.a.editor, "business_case", content)
    measures = reading.performance_measures(plan.partnership.id)
    assert [m["name"] for m in measures] == ["Measure 1", "Measure 2"]
    assert set(measures[0]) == {"id", "name", "unit", "direction", "baseline", "target", "frequency",
                                "data_owner", "definition"}
    first_id = measures[0]["id"]
    renamed = revision.content | {"items": revision.content["items"] | {
        "measures": [revision.content["items"]["measures"][0] | {"name": "OTIF"}]}}
    plan.save(plan.people.b.editor, "business_case", renamed)
    assert reading.performance_measure(plan.partnership.id, first_id)["name"] == "OTIF"
    assert reading.performance_measure(plan.partnership.id, "msr-00000000") is None
