from datetime import date

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.partnerships import services
from app.partnerships.access import Permission, has_permission, load_membership
from app.partnerships.models import Membership, Role
from app.rules import RuleViolation
from tests.support.factories import join, make_colleague, make_organisation_user, make_partnership


def test_creating_a_partnership_makes_the_creator_admin_of_the_first_party(app):
    user = make_organisation_user("Alpha Ltd")
    partnership = services.create_partnership(
        user, name="  Alpha–Beta  ", type="joint_venture", purpose="Build a plant.", start_date=date(2026, 1, 1)
    )
    db.session.commit()
    assert partnership.name == "Alpha–Beta"
    assert partnership.status == "forming" and partnership.review_cadence_months == 3
    [party] = partnership.parties
    assert party.organisation_id == user.organisation_id
    membership = load_membership(partnership.id, user)
    assert membership.role == "admin" and membership.is_signatory
    assert "partnership.created" in db.session.scalars(sa.select(AuditEvent.action)).all()


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("name", {"name": "  "}),
        ("type", {"type": "marriage"}),
        ("purpose", {"purpose": ""}),
        ("review_cadence_months", {"review_cadence_months": 5}),
    ],
)
def test_partnership_profile_is_validated(app, field, values):
    user = make_organisation_user()
    args = dict(name="P", type="other", purpose="Why", start_date=date(2026, 1, 1), review_cadence_months=3)
    args.update(values)
    with pytest.raises(RuleViolation) as error:
        services.create_partnership(user, **args)
    assert error.value.field == field


def test_any_partys_admin_may_edit_the_profile_and_changes_are_audited(two_parties):
    b_admin = load_membership(two_parties.partnership.id, two_parties.b.admin)
    changed = services.update_partnership(b_admin, status="active", name="Renamed alliance")
    db.session.commit()
    assert changed == {"status": ["forming", "active"], "name": ["Alpha–Beta Alliance", "Renamed alliance"]}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "partnership.updated"))
    assert event.party_id == two_parties.b.party.id and event.actor_id == two_parties.b.admin.id


def test_editors_cannot_edit_the_profile(two_parties):
    editor = load_membership(two_parties.partnership.id, two_parties.a.editor)
    with pytest.raises(RuleViolation):
        services.update_partnership(editor, name="Mine now")


def test_roles_grant_named_permissions(two_parties):
    p = two_parties.partnership.id
    admin, editor, viewer = (
        load_membership(p, u) for u in (two_parties.a.admin, two_parties.a.editor, two_parties.a.viewer)
    )
    assert has_permission(admin, Permission.INVITE) and has_permission(admin, Permission.EDIT_PLAN)
    assert has_permission(editor, Permission.EDIT_PLAN) and not has_permission(editor, Permission.INVITE)
    assert has_permission(viewer, Permission.VIEW) and not has_permission(viewer, Permission.EDIT_PLAN)
    assert not has_permission(None, Permission.VIEW)


def test_an_admin_manages_roles_in_their_own_party_only(two_parties):
    p = two_parties.partnership.id
    a_admin = load_membership(p, two_parties.a.admin)
    a_viewer = load_membership(p, two_parties.a.viewer)
    b_viewer = load_membership(p, two_parties.b.viewer)
    assert services.change_member(a_admin, a_viewer, role="editor", is_signatory=True) == {
        "role": ["viewer", "editor"],
        "is_signatory": [False, True],
    }
    with pytest.raises(RuleViolation):
        services.change_member(a_admin, b_viewer, role="admin", is_signatory=True)
    db.session.commit()
    assert db.session.get(Membership, b_viewer.id).role == "viewer"


def test_the_last_admin_of_a_party_cannot_be_demoted_removed_or_leave(two_parties):
    p = two_parties.partnership.id
    a_admin = load_membership(p, two_parties.a.admin)
    with pytest.raises(RuleViolation) as error:
        services.change_member(a_admin, a_admin, role="editor", is_signatory=False)
    assert "last admin" in error.value.message
    with pytest.raises(RuleViolation):
        services.leave_partnership(a_admin)
    # With a second admin, the first may step down.
    a_editor = load_membership(p, two_parties.a.editor)
    services.change_member(a_admin, a_editor, role="admin", is_signatory=False)
    services.change_member(a_admin, a_admin, role="viewer", is_signatory=False)
    db.session.commit()
    assert db.session.get(Membership, a_admin.id).role == "viewer"


def test_removing_and_leaving(two_parties):
    p = two_parties.partnership.id
    a_admin = load_membership(p, two_parties.a.admin)
    a_viewer = load_membership(p, two_parties.a.viewer)
    b_editor = load_membership(p, two_parties.b.editor)
    with pytest.raises(RuleViolation):
        services.remove_member(a_admin, b_editor)  # not their party
    services.remove_member(a_admin, a_viewer)
    services.leave_partnership(b_editor)
    db.session.commit()
    assert load_membership(p, two_parties.a.viewer) is None
    assert load_membership(p, two_parties.b.editor) is None
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "membership.removed" in actions and "membership.left" in actions


def test_people_join_only_through_their_own_organisations_party(two_parties):
    stranger = make_organisation_user("Stranger Co")
    with pytest.raises(RuleViolation):
        services.add_membership(two_parties.a.party, stranger, role="viewer", is_signatory=False, actor=stranger)
    with pytest.raises(RuleViolation):  # already a member
        services.add_membership(
            two_parties.a.party, two_parties.a.editor, role="viewer", is_signatory=False, actor=None
        )


def test_partnerships_of_a_user(app):
    alice = make_organisation_user("Alpha")
    colleague = make_colleague(alice.organisation)
    first = make_partnership(alice, "First")
    second = make_partnership(alice, "Second")
    join(second, colleague, Role.VIEWER)
    db.session.commit()
    assert [p.name for p, _ in services.partnerships_of(alice)] == ["Second", "First"]
    assert [(p.name, m.role) for p, m in services.partnerships_of(colleague)] == [("Second", "viewer")]
    assert first.id != second.id
