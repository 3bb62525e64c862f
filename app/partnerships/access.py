"""The membership gate and role permissions.

Every URL with a `partnership_id` passes through `gate_partnership_urls` before its
view runs: signed-out users are sent to sign in, and signed-in users who are not
members get 404, never a hint that the partnership exists. Views then read the
membership with `current_membership()` and name what they need with `require`.
"""

import enum
import functools

import sqlalchemy as sa
from flask import abort, g, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.extensions import db, login_manager
from app.partnerships.models import Membership, Partnership, Party, Role
from app.rules import RuleViolation


class Permission(enum.StrEnum):
    VIEW = "view"
    EDIT_PLAN = "edit_plan"
    EDIT_PARTNERSHIP = "edit_partnership"
    INVITE = "invite"
    MANAGE_OWN_PARTY = "manage_own_party"
    VIEW_AUDIT = "view_audit"  # the partnership's audit trail and its export


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.EDITOR: frozenset({Permission.VIEW, Permission.EDIT_PLAN}),
    Role.VIEWER: frozenset({Permission.VIEW}),
}


def has_permission(membership: Membership | None, permission: Permission) -> bool:
    return membership is not None and permission in ROLE_PERMISSIONS[Role(membership.role)]


def check_permission(membership: Membership | None, permission: Permission, refusal: str) -> None:
    """A service's guard: RuleViolation(refusal) unless the member's role grants `permission`."""
    if not has_permission(membership, permission):
        raise RuleViolation(refusal)


def load_membership(partnership_id: int, user) -> Membership | None:
    """The user's membership of the partnership, with partnership, its parties and party loaded.

    Every partnership page names the parties (partnerships/_layout.html): loading them
    here, in the same statement, saves each page a round trip to the database."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalars(
        sa.select(Membership)
        .where(Membership.partnership_id == partnership_id, Membership.user_id == user.id)
        .options(
            joinedload(Membership.partnership).joinedload(Partnership.parties).joinedload(Party.organisation),
            joinedload(Membership.party).joinedload(Party.organisation),
        )
    ).unique().one_or_none()


def gate_partnership_urls():
    """before_request hook: the one membership check for every partnership URL."""
    view_args = request.view_args or {}
    if "partnership_id" not in view_args:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    membership = load_membership(view_args["partnership_id"], current_user)
    if membership is None:
        abort(404)
    g.membership = membership
    return None


def current_membership() -> Membership:
    membership = g.get("membership")
    if membership is None:  # a view outside the gate asked for it: a programming error
        raise RuntimeError("current_membership() used on a URL without partnership_id")
    return membership


def get_in_partnership_or_404(model, id_: int, **belongs):
    """The `model` row with this id, when it is the current partnership's and its attributes
    equal `belongs` (`cycle_id=cycle.id`, `section=section`…); otherwise 404, so another
    partnership's ids find nothing."""
    found = db.session.get(model, id_)
    if found is None or found.partnership_id != current_membership().partnership_id:
        abort(404)
    if any(getattr(found, name) != value for name, value in belongs.items()):
        abort(404)
    return found


def require(permission: Permission):
    """View decorator: 403 unless the current membership's role grants `permission`."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not has_permission(current_membership(), permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
