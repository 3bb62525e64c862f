"""Search finds what members wrote, where they wrote it, and nothing else: services, on both engines."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.coediting import comments
from app.extensions import db
from app.plan_sections import writing
from app.review_cycle import cycles
from app.search import indexing
from app.search.finding import Filters, fts5_expression, parse, search
from app.search.models import SearchEntry
from tests.support import review_cycle
from tests.support.plans import risks_content

HOSTILE = ['"', '""', '"unclosed phrase', "-", "--", "- -", "OR", "OR OR strike", "strike OR", "NEAR(port strike)",
           "port*", "^strike", "title:strike", "(strike", "strike)", "'); DROP TABLE search_entry; --",
           "AND NOT strike", "strike\x00", "\u202estrike", "ストライキ", "a" * 500, "* ? : ( ) { } [ ]"]


def _titles(results) -> list[str]:
    return [str(hit.title).replace("<mark>", "").replace("</mark>", "") for hit in results.hits]


def _risks(plan, *titles, narrative="Our risks."):
    return plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, *titles, narrative=narrative))


def test_a_saved_item_is_found_by_every_member_and_links_to_its_row(plan):
    revision = _risks(plan, "Port strike at Rotterdam")
    [risk] = revision.content["items"]["risks"]
    for user in (plan.people.a.editor, plan.people.b.viewer):
        results = search(user.id, "strike")
        assert _titles(results) == ["Port strike at Rotterdam"] and results.total == 1
        [hit] = results.hits
        assert hit.label == "Risk" and "<mark>strike</mark>" in str(hit.title)
        assert hit.link == f"/partnerships/{plan.partnership.id}/plan/risk_assessment#item-{risk['id']}"
        assert hit.party_name == "Alpha Ltd" and hit.section_title == "Risk assessment"
    assert search(plan.people.outsider.id, "strike").total == 0
    # The narrative is the section's own entry; words are stemmed ("risks" finds "risk").
    assert {hit.kind for hit in search(plan.people.b.admin.id, "risk").hits} >= {"section"}


def test_text_a_section_no_longer_says_is_found_only_among_older_revisions(plan):
    _risks(plan, "Port strike at Rotterdam")
    _risks(plan, "Flood in Antwerp")
    reader = plan.people.b.viewer.id
    assert search(reader, "strike").total == 0
    older = search(reader, "strike", Filters(older=True))
    assert [(h.kind, h.label) for h in older.hits] == [("revision", "Earlier revision")]
    assert older.hits[0].link == f"/partnerships/{plan.partnership.id}/plan/risk_assessment/revisions/1"
    # The current revision is the section itself, not found twice.
    assert {h.kind for h in search(reader, "antwerp", Filters(older=True)).hits} == {"item"}


def test_a_save_rewrites_only_what_it_changed_and_enters_the_revision_it_replaced(plan):
    from tests.support.queries import count_queries

    first = _risks(plan, "Port strike", "Flood", "Cyber attack")
    content = first.content | {"items": {"risks": [dict(r) for r in first.content["items"]["risks"]]}}
    content["items"]["risks"][1]["title"] = "River flood"
    with count_queries(db.engine) as statements:
        plan.save(plan.people.b.editor, "risk_assessment", content)
    written = [s for s in statements.matching("search_entry") if not s.startswith("SELECT")]
    assert len(written) == 2  # one DELETE of the changed item's entry, one INSERT of it and revision 1
    found = {str(h.title).replace("<mark>", "").replace("</mark>", ""): h.party_name
             for h in search(plan.people.a.viewer.id, "strike OR flood OR cyber").hits}
    # Who wrote each item, as the plan has it: Beta changed the flood; the others are Alpha's still.
    assert found == {"Port strike": "Alpha Ltd", "River flood": "Beta GmbH", "Cyber attack": "Alpha Ltd"}
    older = search(plan.people.a.viewer.id, "flood", Filters(older=True, kind=None)).hits
    assert sorted(h.title.striptags() for h in older) == ["Risk assessment, revision 1", "River flood"]


def test_a_save_built_by_changing_the_loaded_content_in_place_is_indexed_all_the_same(plan):
    """JSON columns are not tracked: a caller that edits the current revision's content as loaded
    and saves it must not make the save look like no change to the index."""
    from app.plan_sections import reading

    _risks(plan, "Port strike", narrative="Volcanoes nearby.")
    content = reading.current_content(plan.partnership.id, "risk_assessment")
    content["narrative"] = "Icebergs in the channel"
    section = plan.section("risk_assessment")
    writing.save_section(plan.member(plan.people.b.editor), section, content, section.current_revision_id)
    db.session.commit()
    assert [h.kind for h in search(plan.people.a.viewer.id, "icebergs").hits] == ["section"]
    assert [h.kind for h in search(plan.people.a.viewer.id, "volcanoes", Filters(older=True)).hits] == ["revision"]


def test_phrases_exclusions_and_alternatives_read_as_on_a_web_search_engine(plan):
    _risks(plan, "Port strike at Rotterdam", "Strike of the drivers", "Flood in Antwerp")
    reader = plan.people.a.admin.id
    assert _titles(search(reader, '"port strike"')) == ["Port strike at Rotterdam"]
    assert _titles(search(reader, "strike -drivers")) == ["Port strike at Rotterdam"]
    assert sorted(_titles(search(reader, "rotterdam OR antwerp"))) == ["Flood in Antwerp", "Port strike at Rotterdam"]
    assert _titles(search(reader, "floods")) == ["Flood in Antwerp"]
    assert search(reader, "-strike").total == 0  # nothing to look for: leaving out is not a search


def test_the_query_is_turned_into_fts5_syntax_with_every_term_quoted():
    parsed = parse('port "strike at" -drivers OR flo"od NEAR(x')
    assert parsed.alternatives == (("port", "strike at"), ('flo"od', "NEAR(x"))
    assert parsed.excluded == ("drivers",)
    assert fts5_expression(parsed) == '(("port" AND "strike at") OR ("flo""od" AND "NEAR(x")) NOT "drivers"'
    assert parse("- -- OR").is_empty


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_find_or_miss_but_never_fail(plan, text):
    _risks(plan, "Port strike at Rotterdam")
    results = search(plan.people.a.admin.id, text)
    assert results.total == len(results.hits) <= 1


def test_stored_markup_is_shown_as_text_in_titles_and_snippets(plan):
    _risks(plan, "<script>alert(1)</script> strike", narrative="<img src=x onerror=alert(2)> strike ahead")
    results = search(plan.people.b.admin.id, "strike")
    shown = " ".join(str(h.title) + str(h.snippet) for h in results.hits)
    assert results.total == 2 and "<script>" not in shown and "<img" not in shown
    assert "&lt;script&gt;" in shown and "<mark>strike</mark>" in shown


def test_comments_versions_actions_adaptations_and_revealed_reviews_are_found(app):
    from tests.support.routes import build_world

    world = build_world(app)
    ab, partnership_id = world.ab, world.ab.partnership.id
    section = plan_section(partnership_id, "risk_assessment")
    thread = comments.start_thread(member(partnership_id, ab.b.editor), section, "Is the glacier melt covered?")
    db.session.commit()
    cycle = cycles.cycle_of(partnership_id, world.cycles[partnership_id])
    added = review_cycle.add_action(cycle, ab.a.admin, title="Write the turbine playbook", description="Both sites")
    reader = ab.b.viewer.id
    [comment] = search(reader, "glacier").hits
    assert comment.kind == "comment" and comment.party_name == "Beta GmbH"
    comments_page = f"/partnerships/{partnership_id}/plan/risk_assessment/comments"
    assert comment.link == f"{comments_page}#comment-{thread.comments[0].id}"
    assert comment.section_key == section.section_key
    [action] = search(reader, "turbine").hits
    assert action.label == "Improvement action" and action.link.endswith(f"/reviews/{cycle.id}/actions/{added.id}")
    [adaptation] = search(reader, '"meet weekly"').hits
    assert adaptation.kind == "adaptation"
    assert adaptation.link.endswith(f"/reviews/{cycle.id}#adaptation-{adaptation_id(cycle)}")
    [version] = search(reader, "first plan", Filters(kind="version")).hits
    assert version.title == "Version 1.0"
    # The cycle was revealed: each party's review comments are found, under the party's name.
    found = search(reader, '"could be better"', Filters(kind="review")).hits
    assert [(h.label, h.party_name) for h in found] == [("Review", "Beta GmbH")]
    assert found[0].link.endswith(f"/reviews/{cycle.id}/results")
    # The world's other partnership has the same adaptation and reviews: its members find only theirs.
    for text in ("glacier", "turbine", '"meet weekly"', '"could be better"'):
        assert {h.partnership_id for h in search(world.c_admin.id, text).hits} <= {world.cd.id}


def test_filters_narrow_by_partnership_section_kind_party_and_day(plan):
    _risks(plan, "Harbour strike")
    b = plan.member(plan.people.b.editor)
    comments.start_thread(b, plan.section("risk_assessment"), "A harbour strike would stop us")
    db.session.commit()
    reader, partnership_id = plan.people.a.viewer.id, plan.partnership.id
    beta = plan.people.b.admin.organisation_id
    assert search(reader, "harbour").total == 2
    assert {h.kind for h in search(reader, "harbour", Filters(kind="comment")).hits} == {"comment"}
    assert {h.party_name for h in search(reader, "harbour", Filters(organisation_id=beta)).hits} == {"Beta GmbH"}
    assert search(reader, "harbour", Filters(section_key="business_case")).total == 0
    assert search(reader, "harbour", Filters(partnership_id=partnership_id, section_key="risk_assessment")).total == 2
    assert search(reader, "harbour", Filters(partnership_id=plan.people.outsider_partnership.id)).total == 0
    today = date.today()
    around_today = Filters(since=today - timedelta(days=1), until=today + timedelta(days=1))
    assert search(reader, "harbour", around_today).total == 2
    assert search(reader, "harbour", Filters(since=today + timedelta(days=2))).total == 0
    assert search(reader, "harbour", Filters(until=today - timedelta(days=2))).total == 0


def test_results_come_a_page_at_a_time(plan):
    _risks(plan, *[f"Strike number {n}" for n in range(1, 26)])
    first, second = (search(plan.people.a.admin.id, "strike", Filters(page=n)) for n in (1, 2))
    assert first.total == second.total == 25 and first.pages == 2
    assert len(first.hits) == 20 and len(second.hits) == 5
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


def test_a_change_rolled_back_leaves_nothing_to_find(plan):
    section = plan.section("risk_assessment")
    writing.save_section(plan.member(plan.people.a.editor), section, risks_content(plan, "Volcanic ash"), None)
    db.session.rollback()
    assert search(plan.people.a.editor.id, "volcanic").total == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchEntry)) == 0


def _entries(partnership_id: int) -> list[tuple]:
    return sorted(db.session.execute(
        sa.select(SearchEntry.kind, SearchEntry.source, SearchEntry.label, SearchEntry.title, SearchEntry.body,
                  SearchEntry.link, SearchEntry.section_key, SearchEntry.party_id, SearchEntry.cycle_id,
                  SearchEntry.revision_id, SearchEntry.occurred_at)
        .where(SearchEntry.partnership_id == partnership_id)
    ).all())


def test_rebuilding_makes_the_entries_the_writes_made_and_the_backfill_finds_unindexed_partnerships(app, runner):
    from tests.support.routes import build_world

    world = build_world(app)
    partnership_id = world.ab.partnership.id
    written = _entries(partnership_id)
    assert {row.kind for row in written} >= {"section", "item", "revision", "action", "adaptation", "review", "version"}
    indexing.rebuild(partnership_id)
    db.session.commit()
    assert _entries(partnership_id) == written
    # An installation upgraded from before search: no entries, until the periodic job runs.
    db.session.execute(sa.delete(SearchEntry))
    db.session.commit()
    assert search(world.ab.a.admin.id, "risks").total == 0
    assert indexing.unindexed_partnerships(10) == sorted([partnership_id, world.cd.id])
    assert indexing.backfill() == 2
    assert _entries(partnership_id) == written and indexing.unindexed_partnerships(10) == []
    result = runner.invoke(args=["ermp", "search-reindex"])
    assert result.exit_code == 0 and "Indexed 2 partnerships" in result.output
    assert _entries(partnership_id) == written
    assert runner.invoke(args=["ermp", "search-reindex", "99999"]).exit_code != 0


@pytest.mark.postgres_only
def test_postgresql_answers_from_the_gin_index(plan):
    _risks(plan, "Port strike at Rotterdam")
    from app.search.finding import _postgresql

    statement = _postgresql(plan.people.a.admin.id, "strike", Filters(), [plan.partnership.id], limit=20, offset=0)
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan_text = "\n".join(db.session.connection().exec_driver_sql(f"EXPLAIN {sql}").scalars())
    assert "ix_search_entry_document" in plan_text


@pytest.mark.postgres_only
def test_a_query_of_stop_words_finds_nothing_rather_than_everything(plan):
    _risks(plan, "Port strike", narrative="The risks of the port and the sea.")
    assert search(plan.people.a.admin.id, "the").total == 0
    assert search(plan.people.a.admin.id, "the OR and").total == 0
    assert search(plan.people.a.admin.id, "the sea").total == 1


def plan_section(partnership_id: int, key: str):
    from app.plan_sections import reading

    return reading.section_for(partnership_id, key)


def member(partnership_id: int, user):
    from app.partnerships.access import load_membership

    return load_membership(partnership_id, user)


def adaptation_id(cycle) -> int:
    from app.review_cycle.improvement import adaptations_of

    return adaptations_of(cycle)[0].id
