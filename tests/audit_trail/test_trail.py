"""A partnership's audit trail: admins of every party read it, filter it and export it."""

import csv
import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.downloads import csv_safe
from app.extensions import db
from app.partnerships import services as partnerships
from app.partnerships.access import load_membership


def _url(two_parties, suffix=""):
    return f"/partnerships/{two_parties.partnership.id}/audit{suffix}"


def _promote_ed(two_parties):
    """Bob (Beta's admin) makes Ed an admin: a change with a before and after."""
    bob = load_membership(two_parties.partnership.id, two_parties.b.admin)
    ed = load_membership(two_parties.partnership.id, two_parties.b.editor)
    partnerships.change_member(bob, ed, role="admin", is_signatory=False)
    db.session.commit()


def test_admins_of_every_party_see_the_trail_and_nobody_else(app, two_parties, client_as):
    for admin in (two_parties.a.admin, two_parties.b.admin):
        client = client_as(admin)
        assert client.get(_url(two_parties)).status_code == 200
        assert client.get(_url(two_parties, ".csv")).status_code == 200
        assert ">Audit trail</a>" in client.get(f"/partnerships/{two_parties.partnership.id}").get_data(as_text=True)
    for member in (two_parties.a.editor, two_parties.a.viewer, two_parties.b.editor, two_parties.b.viewer):
        client = client_as(member)
        assert client.get(_url(two_parties)).status_code == 403
        assert client.get(_url(two_parties, ".csv")).status_code == 403
        overview = client.get(f"/partnerships/{two_parties.partnership.id}").get_data(as_text=True)
        assert ">Audit trail</a>" not in overview
    outsider = client_as(two_parties.outsider)
    assert outsider.get(_url(two_parties)).status_code == 404


def test_events_read_as_sentences_newest_first(app, two_parties, client_as):
    _promote_ed(two_parties)
    html = client_as(two_parties.a.admin).get(_url(two_parties)).get_data(as_text=True)
    assert "Bob Admin (Beta GmbH) changed the role of Ed Editor: editor → admin" in html
    assert "Ada Admin (Alpha Ltd) created the partnership “Alpha–Beta Alliance”" in html
    assert html.index("changed the role of Ed Editor") < html.index("created the partnership")
    assert "Gamma–Delta Venture" not in html  # another partnership's events
    assert "created their account" not in html  # account events are not partnership events


def test_changes_show_before_and_after(app, two_parties, client_as):
    ada = load_membership(two_parties.partnership.id, two_parties.a.admin)
    partnerships.update_partnership(ada, status="active", name="Alpha–Beta Strategic Alliance")
    db.session.commit()
    html = client_as(two_parties.b.admin).get(_url(two_parties)).get_data(as_text=True)
    assert "Ada Admin (Alpha Ltd) changed the partnership&#39;s details" in html
    assert "Status: forming → active" in html
    assert "Name: Alpha–Beta Alliance → Alpha–Beta Strategic Alliance" in html


def test_filters_by_action_party_person_and_dates(app, two_parties, client_as):
    _promote_ed(two_parties)
    client = client_as(two_parties.a.admin)
    by_action = client.get(_url(two_parties, "?action=membership.changed")).get_data(as_text=True)
    assert "1 event match these filters" in by_action and "changed the role of Ed Editor" in by_action

    by_party = client.get(_url(two_parties, f"?party={two_parties.b.party.id}")).get_data(as_text=True)
    assert "changed the role of Ed Editor" in by_party and "Ada Admin (Alpha Ltd) created" not in by_party

    by_person = client.get(_url(two_parties, f"?person={two_parties.a.admin.id}")).get_data(as_text=True)
    assert "Ada Admin (Alpha Ltd) created" in by_person and "Bob Admin" not in by_person.split("<tbody>")[1]

    # Dates are days in the viewer's time zone: move one event to 23:30 UTC on 1 March.
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "membership.changed"))
    event.occurred_at = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    db.session.commit()
    utc_day = client.get(_url(two_parties, "?date_from=2026-03-01&date_to=2026-03-01")).get_data(as_text=True)
    assert "1 event match" in utc_day
    two_parties.a.admin.time_zone = "Europe/Berlin"  # 00:30 on 2 March there
    db.session.commit()
    berlin_day = client.get(_url(two_parties, "?date_from=2026-03-01&date_to=2026-03-01")).get_data(as_text=True)
    assert "0 events match" in berlin_day
    berlin_next = client.get(_url(two_parties, "?date_from=2026-03-02&date_to=2026-03-02")).get_data(as_text=True)
    assert "1 event match" in berlin_next


def test_a_bad_filter_value_is_ignored_not_a_crash(app, two_parties, client_as):
    response = client_as(two_parties.a.admin).get(_url(two_parties, "?date_from=yesterday&party=abc&page=-3"))
    assert response.status_code == 200
    assert "Not a valid date value." in response.get_data(as_text=True)


def test_the_trail_is_paginated(app, two_parties, client_as):
    from app.audit.services import record_event

    for n in range(60):
        record_event("membership.left", actor=two_parties.a.viewer, partnership_id=two_parties.partnership.id,
                     details={"n": n})
    db.session.commit()
    client = client_as(two_parties.a.admin)
    page1 = client.get(_url(two_parties)).get_data(as_text=True)
    assert "Page 1 of 2" in page1 and page1.count("Vic Viewer (Alpha Ltd) left the partnership") == 50
    page2 = client.get(_url(two_parties, "?page=2")).get_data(as_text=True)
    assert "created the partnership" in page2


def _csv(response):
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_csv_export_has_a_header_utc_times_and_the_same_filters(app, two_parties, client_as):
    _promote_ed(two_parties)
    client = client_as(two_parties.b.admin)
    rows = _csv(client.get(_url(two_parties, ".csv")))
    header, *events = rows
    assert header[:3] == ["Event #", "When (UTC)", "Person"] and "Event hash" in header
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                              .where(AuditEvent.partnership_id == two_parties.partnership.id))
    assert len(events) == total
    assert all(row[1].endswith("+00:00") for row in events)
    newest = dict(zip(header, events[0], strict=True))
    assert newest["Action"] == "membership.changed" and newest["Person"] == "Bob Admin"
    assert newest["Description"] == "Bob Admin (Beta GmbH) changed the role of Ed Editor: editor → admin"
    assert newest["Party"] == "Beta GmbH" and '"role": ["editor", "admin"]' in newest["Details (JSON)"]
    filtered = _csv(client.get(_url(two_parties, ".csv?action=membership.changed")))
    assert len(filtered) == 2


def test_csv_cells_cannot_run_as_formulas(app, two_parties, client_as):
    for value, safe in (("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
                        ("\tx", "'\tx"), ("plain", "plain"), (7, "7"), (None, "")):
        assert csv_safe(value) == safe
    two_parties.a.editor.full_name = '=HYPERLINK("http://evil.example","Click")'
    db.session.commit()
    ada = load_membership(two_parties.partnership.id, two_parties.a.admin)
    eve = load_membership(two_parties.partnership.id, two_parties.a.editor)
    partnerships.leave_partnership(eve)
    partnerships.update_partnership(ada, name="-Alpha")
    db.session.commit()
    header, *events = _csv(client_as(two_parties.a.admin).get(_url(two_parties, ".csv")))
    for row in events:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), row
    assert any(cell.startswith("'=HYPERLINK") for row in events for cell in row)


def test_the_page_says_the_chain_is_verified(app, two_parties, client_as, runner):
    client = client_as(two_parties.a.admin)
    html = client.get(_url(two_parties)).get_data(as_text=True)
    assert "Chain verified." in html and "All events were checked just now." in html
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _promote_ed(two_parties)
    html = client.get(_url(two_parties)).get_data(as_text=True)
    assert "Chain verified." in html and "the events since were checked just now" in html


def test_the_page_shows_where_the_chain_is_broken(app, two_parties, client_as, runner):
    client = client_as(two_parties.b.admin)
    _promote_ed(two_parties)
    newest = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.partnership_id == two_parties.partnership.id)
                               .order_by(AuditEvent.seq.desc()).limit(1))
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == newest.id).values(details={"role": "forged"}))
    db.session.commit()
    html = client.get(_url(two_parties)).get_data(as_text=True)
    assert f"Chain broken at event #{newest.seq}." in html and "Chain verified" not in html


def test_an_edit_to_an_old_event_shows_after_the_next_full_verification(app, two_parties, client_as, runner):
    client = client_as(two_parties.b.admin)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.partnership_id == two_parties.partnership.id,
                                                   AuditEvent.seq == 3).values(ip="198.51.100.1"))
    db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1
    html = client.get(_url(two_parties)).get_data(as_text=True)
    assert "Chain broken at event #3." in html


def test_account_security_events_show_on_the_account_page(app, two_parties, client_as):
    from tests.support.factories import PASSWORD

    client = client_as(two_parties.b.viewer)
    client.submit("/account/password", {
        "password-current_password": PASSWORD,
        "password-new_password": "a brand new passphrase",
        "password-confirm": "a brand new passphrase",
    })
    client.submit("/account", {
        "profile-full_name": "Val Viewer", "profile-email": "val.v@beta.example.com",
        "profile-time_zone": "UTC", "profile-current_password": "a brand new passphrase",
    })
    html = client.get("/account").get_data(as_text=True)
    security = html.split("Recent security events")[1]
    assert "Password changed" in security and "Account details changed" in security
    assert "Email: val@beta.example.com → val.v@beta.example.com" in security
    assert "127.0.0.1" in security
    assert security.index("Account details changed") < security.index("Password changed")
    other = client_as(two_parties.b.admin).get("/account").get_data(as_text=True).split("Recent security events")[1]
    assert "val.v@beta.example.com" not in other


def test_signing_out_is_a_security_event(app, two_parties, client_as):
    client = client_as(two_parties.b.viewer)
    client.sign_out()
    actor_id = two_parties.b.viewer.id
    events = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor_id == actor_id)).all()
    assert "account.signed_out" in events


def test_old_events_of_people_who_left_still_name_them(app, two_parties, client_as):
    _promote_ed(two_parties)
    bob = load_membership(two_parties.partnership.id, two_parties.b.admin)
    ed = load_membership(two_parties.partnership.id, two_parties.b.editor)
    partnerships.remove_member(bob, ed)
    db.session.commit()
    html = client_as(two_parties.a.admin).get(_url(two_parties)).get_data(as_text=True)
    assert "Bob Admin (Beta GmbH) removed Ed Editor (admin) from Beta GmbH" in html
    assert f"<option value=\"{two_parties.b.admin.id}\">Bob Admin</option>" in html  # people filter
    assert datetime.now(UTC) - timedelta(minutes=5) < db.session.scalar(sa.select(sa.func.max(AuditEvent.occurred_at)))
