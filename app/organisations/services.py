"""An organisation's admins manage its people: deactivating and reactivating accounts,
granting the organisation-admin role, resetting two-factor sign-in, and requiring it.

Every function takes the acting admin explicitly, checks the target belongs to the
same organisation, flushes and records an audit event; the request commits.
"""

import sqlalchemy as sa

from app.accounts import two_factor
from app.accounts.models import Organisation, User
from app.audit.services import record_event
from app.extensions import db
from app.rules import RuleViolation


def _check_admin(actor: User) -> None:
    if not (actor.active and actor.is_org_admin):
        raise RuleViolation("Only an admin of your organisation can do this.")


def _check_same_organisation(actor: User, target: User) -> None:
    if target.organisation_id != actor.organisation_id:
        raise RuleViolation("That person does not work for your organisation.")


def people_of(organisation: Organisation) -> list[User]:
    """Everyone in the organisation: active people first, then by name."""
    return db.session.scalars(
        sa.select(User)
        .where(User.organisation_id == organisation.id)
        .order_by(User.active.desc(), sa.func.lower(User.full_name), User.id)
    ).all()


def _lock_organisation(organisation_id: int) -> None:
    """Serialise admin changes within an organisation (keeps the last-admin rule true)."""
    db.session.execute(sa.select(Organisation.id).where(Organisation.id == organisation_id).with_for_update())


def _active_admin_count(organisation_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(User.organisation_id == organisation_id, User.is_org_admin.is_(True), User.active.is_(True))
    )


def _check_not_last_admin(target: User, what: str) -> None:
    _lock_organisation(target.organisation_id)
    db.session.refresh(target)
    if target.is_org_admin and target.active and _active_admin_count(target.organisation_id) <= 1:
        raise RuleViolation(
            f"{target.full_name} is the last admin of {target.organisation.name}. "
            f"Make someone else an organisation admin before you {what}."
        )


def _event(action: str, actor: User, target: User, **details) -> None:
    record_event(action, actor=actor, obj=target, details={"user_id": target.id, "email": target.email, **details})


def deactivate(actor: User, target: User) -> None:
    """The person can no longer sign in, and every session of theirs ends now."""
    _check_admin(actor)
    _check_same_organisation(actor, target)
    if target.id == actor.id:
        raise RuleViolation("You cannot deactivate your own account.")
    if not target.active:
        return
    _check_not_last_admin(target, "deactivate them")
    target.active = False
    target.rotate_session_token()
    _event("organisation.user_deactivated", actor, target)


def reactivate(actor: User, target: User) -> None:
    _check_admin(actor)
    _check_same_organisation(actor, target)
    if target.active:
        return
    target.active = True
    target.rotate_session_token()
    _event("organisation.user_reactivated", actor, target)


def set_org_admin(actor: User, target: User, is_admin: bool) -> None:
    _check_admin(actor)
    _check_same_organisation(actor, target)
    if target.is_org_admin == is_admin:
        return
    if not is_admin:
        _check_not_last_admin(target, "remove their admin role")
    elif not target.active:
        raise RuleViolation("Reactivate the account before making it an organisation admin.")
    target.is_org_admin = is_admin
    _event("organisation.admin_granted" if is_admin else "organisation.admin_revoked", actor, target)


def reset_two_factor(actor: User, target: User) -> None:
    """For a colleague who lost their phone and recovery codes: they set it up again."""
    _check_admin(actor)
    _check_same_organisation(actor, target)
    if target.id == actor.id:
        raise RuleViolation("Manage your own two-factor sign-in from your account page.")
    if not target.two_factor_enabled and not target.totp_secret:
        return
    two_factor.switch_off(target)
    _event("organisation.two_factor_reset", actor, target)


STARTERS = ("admins", "members")


def update_organisation(actor: User, *, name: str, require_two_factor: bool,
                        partnership_starters: str | None = None) -> dict:
    """Rename the organisation, choose whether its members must use two-factor sign-in and
    who may start a partnership for it (its admins only, or any member)."""
    _check_admin(actor)
    organisation = actor.organisation
    name = (name or "").strip()
    if not name:
        raise RuleViolation("Enter the organisation's name.", "name")
    changed = {}
    if organisation.name != name:
        changed["name"] = [organisation.name, name]
        organisation.name = name
    if organisation.require_two_factor != require_two_factor:
        changed["require_two_factor"] = [organisation.require_two_factor, require_two_factor]
        organisation.require_two_factor = require_two_factor
    if partnership_starters is not None and organisation.partnership_starters != partnership_starters:
        if partnership_starters not in STARTERS:
            raise RuleViolation("Choose who may start a partnership from the list.", "partnership_starters")
        changed["partnership_starters"] = [organisation.partnership_starters, partnership_starters]
        organisation.partnership_starters = partnership_starters
    if changed:
        record_event("organisation.updated", actor=actor, obj=organisation, details=changed)
    return changed
