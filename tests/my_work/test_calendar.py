"""The personal calendar feed: its secret address (created, shown again, reset, audited), and the
iCalendar it serves: valid RFC 5545, stable UIDs, all-day events, only what the person may see now."""

import re
from datetime import date, timedelta

import icalendar
import sqlalchemy as sa

from app.accounts import feeds
from app.accounts.models import CalendarFeed
from app.audit.models import AuditEvent
from app.extensions import db
from app.partnerships import services as partnerships
from app.partnerships.access import load_membership
from app.security import hash_token
from tests.support import review_cycle
from tests.support.consent import propose_rename
from tests.support.my_work import add_action, version_with_deadline
from tests.support.review_cycle import cycle_in_improve


def token_for(user) -> str:
    feed = feeds.create_feed(user)
    db.session.commit()
    return feeds.token_of(feed)


def fetch(client, token: str):
    return client.get(f"/calendar/{token}.ics")


def events(response) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_the_feed_is_valid_icalendar_with_all_day_events_and_stable_uids(app, two_parties):
    w = two_parties
    cycle = cycle_in_improve(w.partnership, w.a.admin, w.b.admin)
    action = add_action(cycle, w.a.admin, "Fix the dock schedule", date(2030, 1, 10))
    proposal = propose_rename(w)
    client = app.test_client()  # no session: calendar apps have none
    token = token_for(w.a.admin)

    response = fetch(client, token)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=900"
    assert "Set-Cookie" not in response.headers
    calendar = icalendar.Calendar.from_ical(response.data)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"])
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in response.data
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.data
    found = events(response)
    for event in found.values():
        for name in ("UID", "DTSTAMP", "DTSTART", "SUMMARY", "URL"):
            assert name in event, name
        assert isinstance(event["DTSTART"].dt, date) and not hasattr(event["DTSTART"].dt, "hour")  # all day
        assert event["DTEND"].dt == event["DTSTART"].dt + timedelta(days=1)
        assert event["DTSTAMP"].dt.tzinfo is not None  # UTC

    action_event = found[f"action-{action.id}@localhost"]
    assert action_event["DTSTART"].dt == date(2030, 1, 10)
    assert str(action_event["SUMMARY"]) == "Action due: Fix the dock schedule"
    assert str(action_event["URL"]).endswith(f"/partnerships/{w.partnership.id}/reviews/{cycle.id}/actions/{action.id}")
    review = found[f"cycle-{cycle.id}-review@localhost"]
    assert review["DTSTART"].dt == cycle.review_due_on and "Alpha–Beta Alliance" in str(review["SUMMARY"])
    assert {f"cycle-{cycle.id}-{stage}@localhost" for stage in ("adapt", "improve", "operate")} <= found.keys()
    assert found[f"proposal-{proposal.id}-expires@localhost"]["DTSTART"].dt == proposal.expires_at.date()

    # Fetched again: the same events under the same UIDs.
    assert events(fetch(client, token)).keys() == found.keys()


def test_a_versions_last_day_to_sign(app, versions):
    w = versions.people
    version = version_with_deadline(versions, date(2030, 1, 31))
    for member in (w.a.viewer, w.b.admin):
        event = events(fetch(app.test_client(), token_for(member)))[f"version-{version.id}-sign-by@localhost"]
        assert event["DTSTART"].dt == date(2030, 1, 31)
        assert str(event["SUMMARY"]) == f"Sign plan {version.label} by today: Alpha–Beta Alliance"
        assert str(event["URL"]) == f"http://localhost/partnerships/{w.partnership.id}/versions/{version.id}"


def test_contract_and_exit_notice_dates_from_the_plan(app, plan):
    w = plan.people
    plan.save(w.a.editor, "commercial_agreement", {
        "narrative": "", "items": {"clauses": [{"id": "cls_1", "reference": "1", "title": "Term", "summary": ""}]},
        "fields": {"contract_model": "fixed_price", "reference": "", "start_date": "2026-01-01",
                   "end_date": "2028-12-31", "renewal_date": "2028-06-30", "notice_days": 90, "auto_renews": True,
                   "annual_value": None, "payment_terms": "", "pricing": "", "gain_share": "", "pain_share": "",
                   "change_control": ""},
    })
    exit_content = {"narrative": "", "items": {
        "triggers": [{"id": "trg_1", "trigger": "Either party ends the term", "notice_days": 180, "process": ""},
                     {"id": "trg_2", "trigger": "Material breach", "notice_days": None, "process": ""}],
        "steps": [], "asset_dispositions": [], "ip_dispositions": []}}
    revision = plan.save(w.a.editor, "exit_arrangements", exit_content)
    ends, breach = revision.content["items"]["triggers"]
    pid = w.partnership.id
    found = events(fetch(app.test_client(), token_for(w.b.viewer)))
    assert found[f"plan-{pid}-contract-end@localhost"]["DTSTART"].dt == date(2028, 12, 31)
    assert found[f"plan-{pid}-renewal@localhost"]["DTSTART"].dt == date(2028, 6, 30)
    notice = found[f"plan-{pid}-notice@localhost"]
    assert notice["DTSTART"].dt == date(2028, 12, 31) - timedelta(days=90)
    assert "automatically" in str(notice["DESCRIPTION"])
    exit_notice = found[f"plan-{pid}-exit-{ends['id']}@localhost"]
    assert exit_notice["DTSTART"].dt == date(2028, 12, 31) - timedelta(days=180)
    assert "Either party ends the term" in str(exit_notice["SUMMARY"])
    assert f"plan-{pid}-exit-{breach['id']}@localhost" not in found  # no notice period, no date


def test_a_bad_token_is_not_found_and_reset_kills_the_old_address(app, two_parties):
    w = two_parties
    client = app.test_client()
    assert fetch(client, "nonsense").status_code == 404
    assert client.get("/calendar/.ics").status_code == 404
    old = token_for(w.a.admin)
    assert fetch(client, old).status_code == 200
    assert token_for(w.a.admin) == old  # asking again changes nothing

    feeds.reset_feed(w.a.admin)
    db.session.commit()
    new = feeds.token_of(feeds.feed_of(w.a.admin))
    assert new != old
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor_id == w.a.admin.id)).all()
    assert "account.calendar_feed_created" in actions and "account.calendar_feed_reset" in actions


def test_only_the_tokens_hash_is_stored(app, two_parties):
    token = token_for(two_parties.a.admin)
    row = db.session.scalar(sa.select(CalendarFeed))
    assert row.token_hash == hash_token(token)
    assert token not in (row.nonce, row.token_hash)


def test_a_deactivated_person_has_no_feed(app, two_parties):
    w = two_parties
    token = token_for(w.a.editor)
    w.a.editor.active = False
    db.session.commit()
    assert fetch(app.test_client(), token).status_code == 404


def test_outsiders_content_is_absent_and_a_removed_member_sees_nothing_of_it(app, two_parties):
    w = two_parties
    review_cycle.add_measures(w.partnership, w.a.admin)
    ab_cycle = review_cycle.open_cycle(w.partnership, w.a.admin)
    olga_cycle = review_cycle.open_cycle(w.outsider_partnership, w.outsider)
    client = app.test_client()

    olga = fetch(client, token_for(w.outsider)).get_data(as_text=True)
    assert f"cycle-{olga_cycle.id}-review@" in olga
    assert f"cycle-{ab_cycle.id}-" not in olga and "Alpha–Beta" not in olga

    token = token_for(w.b.editor)
    assert f"cycle-{ab_cycle.id}-review@" in fetch(client, token).get_data(as_text=True)
    partnerships.remove_member(load_membership(w.partnership.id, w.b.admin),
                               load_membership(w.partnership.id, w.b.editor))
    db.session.commit()
    after = fetch(client, token)
    assert after.status_code == 200
    assert events(after) == {} and "Alpha–Beta" not in after.get_data(as_text=True)


def test_account_settings_create_show_again_and_reset_the_address(two_parties, client_as):
    w = two_parties
    client = client_as(w.a.admin)
    page = client.get("/account").get_data(as_text=True)
    assert "Create my calendar address" in page
    response = client.submit("/account/calendar")
    assert response.status_code == 302 and response.headers["Location"] == "/account#calendar"
    page = client.get("/account").get_data(as_text=True)
    url = re.search(r'id="calendar-url" type="text" value="([^"]+)"', page).group(1)
    assert url.startswith("http://localhost/calendar/") and url.endswith(".ics")
    assert f'href="webcal://{url.split("://")[1]}"' in page
    assert url in client.get("/account").get_data(as_text=True)  # shown again, the same
    assert "Calendar address created" in page  # among the security events

    client.submit("/account/calendar/reset")
    page = client.get("/account").get_data(as_text=True)
    new_url = re.search(r'id="calendar-url" type="text" value="([^"]+)"', page).group(1)
    assert new_url != url and "Calendar address reset" in page
    anonymous = client.application.test_client()
    assert anonymous.get(url.removeprefix("http://localhost")).status_code == 404
    assert anonymous.get(new_url.removeprefix("http://localhost")).status_code == 200


def test_the_address_survives_a_secret_key_rotation(make_app, two_parties):
    old_app = make_app(SECRET_KEY="the-old-session-key-0123456789")
    with old_app.app_context():
        token = token_for(db.session.merge(two_parties.a.admin))
    rotated = make_app(SECRET_KEY="the-new-session-key-9876543210",
                       SECRET_KEY_FALLBACKS=["the-old-session-key-0123456789"])
    with rotated.app_context():
        assert feeds.token_of(feeds.feed_of(db.session.merge(two_parties.a.admin))) == token
    dropped = make_app(SECRET_KEY="the-new-session-key-9876543210")
    with dropped.app_context():
        assert feeds.token_of(feeds.feed_of(db.session.merge(two_parties.a.admin))) is None
        assert dropped.test_client().get(f"/calendar/{token}.ics").status_code == 200  # it still works
