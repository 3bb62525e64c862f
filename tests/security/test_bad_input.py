"""Regression tests for the examples of hostile input that once answered 500 or damaged data.

Each class is also tried on every route and form by the property-based suite
(tests/security/test_hostile_input.py); these pin the examples people reported.
"""

import json

import pytest

from app.inputs import DB_INT_MAX, IdConverter
from app.markdown import render_markdown
from tests.support.forms import form_fields
from tests.support.routes import ENDPOINT_FILLERS, build_world, call, difference, routes, snapshot

BEYOND = [DB_INT_MAX + 1, 2**63, 2**64 + 1, 10**30]


@pytest.fixture
def world(app):
    return build_world(app)


# -- ids and page numbers beyond the database's integer range --------------------------------------


def test_ids_beyond_the_integer_range_are_not_found_like_a_missing_partnership(app, world, client_as):
    """Every id in every URL rule (partnerships, revisions, versions, reviews, conflicts,
    notifications, members, comments…), as a member and as an outsider: 404, nothing changed."""
    member, outsider = client_as(world.ab.a.admin), client_as(world.c_admin)
    fillers = world.fillers(world.ab.partnership)
    numbered = {
        rule.endpoint: sorted(name for name, kind in rule._converters.items() if isinstance(kind, IdConverter))
        for rule in app.url_map.iter_rules()
    }
    tried = 0
    before = snapshot()
    for name in {n for names in numbered.values() for n in names}:
        for huge in BEYOND:
            for endpoint, method, path in routes(
                app, {**fillers, name: huge}, endpoint_fillers=ENDPOINT_FILLERS(world),
                only=lambda rule, name=name: name in rule.arguments, methods={"GET", "POST"},
            ):
                for who, client in (("member", member), ("outsider", outsider)):
                    response = call(client, method, path)
                    tried += 1
                    status = response.status_code
                    assert status == 404, f"{who}: {method} {path} ({endpoint}) answered {status}"
    assert tried >= 200
    assert difference(before, snapshot()) == {}


@pytest.mark.parametrize("path", ["/notifications", "/partnerships/{id}/audit"])
def test_page_numbers_beyond_any_page_are_not_found_and_odd_ones_mean_the_first(world, client_as, path):
    client = client_as(world.ab.a.admin)
    path = path.format(id=world.ab.partnership.id)
    for huge in BEYOND:
        assert client.get(f"{path}?page={huge}").status_code == 404
    for odd in ("", "0", "-1", "abc", "1.5", "²", "٣"):
        assert client.get(f"{path}?page={odd}").status_code == 200, odd


def test_control_characters_in_an_address_are_refused(world, client_as):
    client = client_as(world.ab.a.admin)
    pid = world.ab.partnership.id
    for path in (f"/partnerships/{pid}/audit?action=%00", f"/partnerships/{pid}/activity?before=a%00b",
                 "/home?type=%01", f"/invitations/{world.tokens['invitation']}%00"):
        assert client.get(path).status_code == 400, path


# -- raw HTML in Markdown ----------------------------------------------------------------------------


def test_an_unclosed_style_tag_no_longer_swallows_what_follows_it():
    html = render_markdown("Our scope.\n\n<style>\n\nEverything written after the tag.\n\n- and this list")
    assert "Everything written after the tag." in html and "<li>and this list</li>" in html
    assert "&lt;style&gt;" in html and "<style" not in html


def test_raw_html_reads_as_the_text_it_is():
    html = render_markdown('Say <b>bold</b> or <a href="https://x.example">a link</a> & <!-- a note -->')
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "&lt;!-- a note --&gt;" in html
    assert "<b>" not in html and "<a href" not in html
    # What Markdown itself makes still works, autolinks included.
    assert '<a href="https://ok.example" rel="noopener noreferrer">' in render_markdown("<https://ok.example>")
    assert "<strong>bold</strong>" in render_markdown("**bold**")


# -- hidden form fields ------------------------------------------------------------------------------


def _editor(client, partnership_id, key="risk_assessment"):
    page = client.get(f"/partnerships/{partnership_id}/plan/{key}/edit")
    assert page.status_code == 200
    return form_fields(page.get_data(as_text=True), "data-plan-form")


def _a_risk(data, world):
    """Row 0 of the risk editor filled in with a valid risk."""
    return _set(data, {"items-risks-0-title": "Port strike", "items-risks-0-category": "operational",
                       "items-risks-0-owner_party": str(world.ab.a.party.id), "items-risks-0-likelihood": "3",
                       "items-risks-0-impact": "4", "items-risks-0-response": "reduce",
                       "items-risks-0-status": "open"})


def _set(data, values: dict):
    for name, value in values.items():
        data[name] = value  # replaces (MultiDict.update would add a second value)
    return data


def _items(partnership_id, key="risk_assessment") -> list:
    from app.plan_sections import reading

    return reading.current_content(partnership_id, key)["items"]["risks"]


@pytest.mark.parametrize("base", ["", "-1", "abc", "0", "²", " 1", str(2**64), "9" * 30])
def test_a_bad_base_revision_never_duplicates_the_items(world, client_as, base):
    """Once, an empty, negative or non-numeric base revision read as "no base": the merge ran
    from nothing and every item came back a second time under new ids (6 → 12 → 24)."""
    pid = world.ab.partnership.id
    client = client_as(world.ab.a.editor)
    first = client.post(f"/partnerships/{pid}/plan/risk_assessment/edit", data=_a_risk(_editor(client, pid), world))
    assert first.status_code == 302
    items = _items(pid)
    assert len(items) == 1
    data = _editor(client, pid)
    data["base_revision_id"] = base
    data["narrative"] = data["narrative"] + "\n\nOne more paragraph."
    before = snapshot()
    for _ in range(3):
        response = client.post(f"/partnerships/{pid}/plan/risk_assessment/edit", data=data)
        assert response.status_code == 422, base
        page = response.get_data(as_text=True)
        assert "reload the" in page.lower() and "One more paragraph." in page  # what was typed is kept
    assert difference(before, snapshot()) == {}
    assert [i["id"] for i in _items(pid)] == [i["id"] for i in items]


def test_item_ids_the_base_revision_does_not_have_are_refused(world, client_as):
    pid = world.ab.partnership.id
    client = client_as(world.ab.a.editor)
    data = _a_risk(_editor(client, pid), world)
    data["items-risks-0-id"] = "rsk-0badc0de"  # well formed, but not an item of this plan
    before = snapshot()
    response = client.post(f"/partnerships/{pid}/plan/risk_assessment/edit", data=data)
    assert response.status_code == 422 and "nothing was saved" in response.get_data(as_text=True)
    data["items-risks-0-id"] = "not an id\x00"
    assert client.post(f"/partnerships/{pid}/plan/risk_assessment/edit", data=data).status_code == 422
    assert difference(before, snapshot()) == {}


@pytest.mark.parametrize("field,value", [("cycle", "x"), ("adaptation", "-2"), ("action", "explode"),
                                         ("action", "add:not_a_kind")])
def test_other_hidden_values_of_the_editor_are_checked(world, client_as, field, value):
    pid = world.ab.partnership.id
    client = client_as(world.ab.a.editor)
    data = _editor(client, pid)
    data[field] = value
    before = snapshot()
    assert client.post(f"/partnerships/{pid}/plan/risk_assessment/edit", data=data).status_code == 422
    assert difference(before, snapshot()) == {}


@pytest.mark.parametrize("path,field,value", [
    ("/partnerships/{pid}/plan/risk_assessment/review", "revision_id", "²"),
    ("/partnerships/{pid}/plan/risk_assessment/review", "revision_id", str(2**70)),
    ("/partnerships/{pid}/plan/risk_assessment/revisions/1/restore", "base_revision_id", "-1"),
    ("/partnerships/{pid}/plan/risk_assessment/revisions/1/restore", "base_revision_id", "9" * 25),
    ("/partnerships/{pid}/reviews/{cycle}/agree", "stage", "closed"),
    ("/partnerships/{pid}/reviews/{cycle}/assessment", "action", "publish"),
    ("/partnerships/{pid}/reviews/dimensions/{dimension}", "change", "delete"),
    ("/partnerships/{pid}/plan/risk_assessment/comments", "submission_key", "x" * 31),
])
def test_a_bad_hidden_value_is_refused_with_a_message_and_changes_nothing(world, client_as, path, field, value):
    pid = world.ab.partnership.id
    path = path.format(pid=pid, cycle=world.cycles[pid], dimension=world.dimensions[pid])
    client = client_as(world.ab.a.admin)
    before = snapshot()
    response = client.submit(path, {field: value, "body": "A comment.", "name": "Speed", "note": "Checked."})
    assert response.status_code in (400, 409, 422), response.status_code
    assert "reload the page" in response.get_data(as_text=True).lower()
    assert difference(before, snapshot()) == {}


# -- control characters ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["narrative", "items-risks-0-title", "items-risks-0-mitigation", "note"])
def test_nul_in_the_plan_editor_is_refused_beside_the_field(world, client_as, name):
    pid = world.ab.partnership.id
    client = client_as(world.ab.a.editor)
    data = _a_risk(_editor(client, pid), world)
    data[name] = f"Before\x00after {name}"
    before = snapshot()
    response = client.post(f"/partnerships/{pid}/plan/risk_assessment/edit", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "invisible control characters" in page and f"after {name}" in page
    assert difference(before, snapshot()) == {}


def test_nul_in_an_assessment_and_its_autosave_is_refused(world, client_as):
    from app.review_cycle import cycles
    from tests.support import review_cycle

    pid = world.ab.partnership.id
    cycle = cycles.cycle_of(pid, world.cycles[pid])
    # The world's cycles are past their Review stage: open the next one.
    review_cycle.agree_all(cycle, [world.ab.a.admin, world.ab.b.admin])
    review_cycle.agree_all(cycle, [world.ab.a.admin, world.ab.b.admin])
    fresh = review_cycle.open_cycle(world.ab.partnership, world.ab.a.admin, "2027-Q1")
    client = client_as(world.ab.a.editor)
    data = review_cycle.assessment_form(fresh, world.ab.a.party.id, text="Delivered\x00 on time")
    before = snapshot()
    base = f"/partnerships/{pid}/reviews/{fresh.id}/assessment"
    page = client.submit(base, data)
    assert page.status_code == 422 and "invisible control characters" in page.get_data(as_text=True)
    saved = client.submit(f"{base}/autosave", data)
    assert saved.status_code == 422 and saved.get_json()["saved"] is False
    assert "achievements" in saved.get_json()["errors"]
    assert difference(before, snapshot()) == {}


def test_nul_at_sign_in_is_a_refused_sign_in(make_app):
    app = make_app(RATELIMIT_ENABLED=True)  # the per-account limit looks the address up first
    client = app.test_client()
    for email, password in (("sam\x00@example.com", "x" * 12), ("sam@example.com", "pass\x00word-long")):
        response = client.submit("/signin", {"email": email, "password": password})
        assert response.status_code == 422
        assert "That email and password do not match" in response.get_data(as_text=True) or \
            "invisible control characters" in response.get_data(as_text=True)


def test_json_bodies_with_control_characters_are_refused(app):
    from flask import request
    from werkzeug.exceptions import BadRequest

    for body in ('{"text": "a\\u0000b"}', '{"a\\u0001": 1}', '["\\ud800"]'):
        with app.test_request_context(method="POST", data=body, content_type="application/json"), \
                pytest.raises(BadRequest):
            request.get_json()
    with app.test_request_context(method="POST", data='{"text": "fine\\ttext"}', content_type="application/json"):
        assert request.get_json() == {"text": "fine\ttext"}


# -- numbers and dates -------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1e309", "9" * 20, "-1e400", "1e999999999", "99999999999999999999.99"])
def test_money_out_of_range_gets_a_message(world, client_as, amount):
    pid = world.ab.partnership.id
    client = client_as(world.ab.a.editor)
    data = _editor(client, pid, "asset_register")
    _set(data, {"items-assets-0-name": "Cross-dock", "items-assets-0-category": "facilities",
                "items-assets-0-party": str(world.ab.a.party.id), "items-assets-0-value-amount": amount,
                "items-assets-0-value-currency": "EUR"})
    before = snapshot()
    response = client.post(f"/partnerships/{pid}/plan/asset_register/edit", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="items-assets-0-value-error"' in page or "items-assets-0-value-amount-error" in page or \
        "too large" in page or "negative" in page
    assert difference(before, snapshot()) == {}


@pytest.mark.parametrize("query", ["from=0001-01-01&to=9999-12-31", "from=9999-12-31", "to=0001-01-01",
                                   "from=2026-02-30", "to=10000-01-01"])
def test_comparing_the_plan_at_extreme_dates_says_what_is_wrong(world, client_as, query):
    response = client_as(world.ab.a.viewer).get(f"/partnerships/{world.ab.partnership.id}/plan/compare?{query}")
    assert response.status_code == 200
    assert "Enter a date as YYYY-MM-DD, between 1900 and 2200." in response.get_data(as_text=True)


@pytest.mark.parametrize("field,value", [("due_on", "9999-12-31"), ("due_on", "0001-01-01")])
def test_dates_at_the_extremes_are_refused_beside_the_field(world, client_as, field, value):
    pid = world.ab.partnership.id
    client = client_as(world.ab.a.editor)
    before = snapshot()
    response = client.submit(f"/partnerships/{pid}/reviews/{world.cycles[pid]}/actions", {
        "title": "Weekly call", "owner_party_id": str(world.ab.a.party.id), "owner_user_id": "", "link": "",
        field: value,
    })
    assert response.status_code == 422 and "between 1900 and 2200" in response.get_data(as_text=True)
    assert difference(before, snapshot()) == {}


@pytest.mark.parametrize("period", ["0000-Q1", "9999-Q4", "0001-Q1"])
def test_review_periods_at_the_extremes_are_refused(world, client_as, period):
    from app.extensions import db
    from tests.support.factories import make_partnership

    pid = make_partnership(world.ab.a.admin, "No review yet").id  # the world's own cycles are open
    db.session.commit()
    client = client_as(world.ab.a.admin)
    before = snapshot()
    page = client.submit(f"/partnerships/{pid}/reviews", {"period": period, "review_due_on": ""})
    assert page.status_code == 422 and "Name the period like" in page.get_data(as_text=True)
    assert difference(before, snapshot()) == {}


# -- double submission -------------------------------------------------------------------------------


def test_posting_the_same_comment_form_twice_makes_one_comment(world, client_as):
    import sqlalchemy as sa

    from app.coediting.models import Comment
    from app.extensions import db

    pid = world.ab.partnership.id
    client = client_as(world.ab.b.editor)
    page = client.get(f"/partnerships/{pid}/plan/risk_assessment").get_data(as_text=True)
    data = form_fields(page, "id=new-comment")
    data["body"] = "Is the port strike still likely?"
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Comment))
    first = client.post(f"/partnerships/{pid}/plan/risk_assessment/comments", data=data)
    second = client.post(f"/partnerships/{pid}/plan/risk_assessment/comments", data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]  # to the one comment
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == count + 1
    assert "already sent" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_the_migration_renders_stored_narratives_and_comments_again(migrated_demo):
    """Revisions and comments written before raw HTML was shown as text show all of it now."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from app.extensions import db

    downgrade(revision="0009_audit_chains")
    revision_id = db.session.execute(sa.text("SELECT min(id) FROM section_revision")).scalar_one()
    comment_id = db.session.execute(sa.text("SELECT min(id) FROM comment")).scalar_one()
    content = {"narrative": "Before.\n\n<style>\n\nWritten after the tag.", "fields": {}, "items": {}}
    db.session.execute(sa.text("UPDATE section_revision SET content = :c, narrative_html = '<p>Before.</p>' "
                               "WHERE id = :id"), {"c": json.dumps(content), "id": revision_id})
    db.session.execute(sa.text("UPDATE comment SET body = 'Look <b>here</b>, **now**', body_html = '' WHERE id = :id"),
                       {"id": comment_id})
    db.session.commit()
    upgrade()
    html = db.session.execute(sa.text("SELECT narrative_html FROM section_revision WHERE id = :id"),
                              {"id": revision_id}).scalar_one()
    assert "Written after the tag." in html and "&lt;style&gt;" in html
    body = db.session.execute(sa.text("SELECT body_html FROM comment WHERE id = :id"), {"id": comment_id}).scalar_one()
    assert body == "<p>Look &lt;b&gt;here&lt;/b&gt;, <strong>now</strong></p>"
