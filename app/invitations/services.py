"""Invitations: a colleague into one's own party, or a new organisation as a new party.

The emailed token is the only way in: it is stored hashed, expires, works once,
and can be revoked or replaced by re-sending.
"""

import sqlalchemy as sa
from flask import current_app

from app.accounts import services as accounts
from app.accounts.models import User
from app.audit.services import record_event
from app.extensions import db
from app.mail import external_url, queue_mail
from app.notifications import services as notifications
from app.partnerships import services as partnerships
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Invitation, Membership, Party, Role
from app.rules import RuleViolation
from app.security import hash_token, new_token
from app.types import utcnow


def _pending_for(partnership_id: int, email: str) -> Invitation | None:
    now = utcnow()
    return db.session.scalar(
        sa.select(Invitation).where(
            Invitation.partnership_id == partnership_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    )


def invite(
    actor: Membership,
    *,
    email: str,
    role: str,
    is_signatory: bool = False,
    new_party: bool = False,
    organisation_name: str | None = None,
    message: str | None = None,
) -> Invitation:
    if not has_permission(actor, Permission.INVITE):
        raise RuleViolation("Only admins can invite people.")
    email = accounts.normalise_email(email)
    if role not in set(Role):
        raise RuleViolation("Choose a role from the list.", "role")
    partnership = actor.partnership
    existing_user = accounts.find_user_by_email(email)
    if existing_user is not None:
        if partnerships.find_membership(partnership.id, existing_user.id) is not None:
            raise RuleViolation("This person is already a member of the partnership.", "email")
        their_party = db.session.scalar(
            sa.select(Party).where(
                Party.partnership_id == partnership.id, Party.organisation_id == existing_user.organisation_id
            )
        )
        if new_party and their_party is not None:
            raise RuleViolation(
                f"This person works for {their_party.name}, which already takes part. "
                f"Ask an admin of {their_party.name} to invite them.",
                "email",
            )
        if not new_party and existing_user.organisation_id != actor.party.organisation_id:
            raise RuleViolation(
                f"This person's account belongs to another organisation, not {actor.party.name}. "
                "To bring their organisation in, invite them as a new party.",
                "email",
            )
    if new_party:
        organisation_name = (organisation_name or "").strip()
        if not organisation_name:
            raise RuleViolation("Name the organisation you are inviting.", "organisation_name")
    if _pending_for(partnership.id, email) is not None:
        raise RuleViolation("This address already has a pending invitation. Re-send it from the list below.", "email")

    token, token_hash = new_token()
    now = utcnow()
    invitation = Invitation(
        partnership_id=partnership.id,
        party_id=None if new_party else actor.party_id,
        invited_by_party_id=actor.party_id,
        organisation_name=organisation_name if new_party else None,
        email=email,
        role=role,
        is_signatory=is_signatory,
        message=(message or "").strip() or None,
        token_hash=token_hash,
        invited_by_id=actor.user_id,
        created_at=now,
        last_sent_at=now,
        expires_at=now + current_app.config["INVITATION_TTL"],
    )
    db.session.add(invitation)
    db.session.flush()
    _send(invitation, token)
    if existing_user is not None:
        _tell_in_app(invitation, existing_user, actor)
    record_event(
        "invitation.sent",
        actor=actor.user,
        partnership_id=partnership.id,
        party_id=actor.party_id,
        obj=invitation,
        details={"email": email, "role": role, "new_party": new_party, "is_signatory": is_signatory},
    )
    return invitation


def _send(invitation: Invitation, token: str) -> None:
    inviter = invitation.invited_by
    queue_mail(
        invitation.email,
        f"{inviter.full_name} invites you to {invitation.partnership.name} on Jointly",
        "invitation",
        invitation=invitation,
        inviter=inviter,
        inviting_party=invitation.invited_by_party,
        link=external_url("invitations.show", token=token),
    )


def _tell_in_app(invitation: Invitation, user: User, actor: Membership) -> None:
    """People with an account also see the invitation under the bell. The email is
    the way in (its one-time link is never stored), so the notification only points to it."""
    role = invitation.role + (" and signatory" if invitation.is_signatory else "")
    expires = invitation.expires_at
    if invitation.is_new_party:
        joins = f"Take part for {invitation.organisation_name} as a new party, as {role}."
    else:
        joins = f"Join {actor.party.name}'s side as {role}."
    notifications.notify(
        [user],
        "invitation",
        partnership=None,
        title=f"{actor.user.full_name} invited you to {invitation.partnership.name}",
        body=(
            f"{joins} To accept, open the link in the invitation email sent to "
            f"{invitation.email}; it works once and expires on {expires.day} {expires:%B %Y}."
        ),
        actor=actor.user,
        dedupe_key=f"invitation:{invitation.id}",
    )


def _check_manages(actor: Membership, invitation: Invitation) -> None:
    if invitation.partnership_id != actor.partnership_id:
        raise RuleViolation("That invitation does not belong to this partnership.")
    if not has_permission(actor, Permission.INVITE) or invitation.invited_by_party_id != actor.party_id:
        raise RuleViolation("Only admins of the inviting party can change this invitation.")


def resend(actor: Membership, invitation: Invitation) -> Invitation:
    """A fresh link and expiry; the previous link stops working."""
    _check_manages(actor, invitation)
    if invitation.accepted_at is not None:
        raise RuleViolation("This invitation was already accepted.")
    if invitation.revoked_at is not None:
        raise RuleViolation("This invitation was revoked; send a new one instead.")
    token, invitation.token_hash = new_token()
    now = utcnow()
    invitation.last_sent_at = now
    invitation.expires_at = now + current_app.config["INVITATION_TTL"]
    invitation.sent_count += 1
    _send(invitation, token)
    record_event(
        "invitation.resent",
        actor=actor.user,
        partnership_id=invitation.partnership_id,
        party_id=actor.party_id,
        obj=invitation,
        details={"email": invitation.email, "sent_count": invitation.sent_count},
    )
    return invitation


def revoke(actor: Membership, invitation: Invitation) -> None:
    _check_manages(actor, invitation)
    if invitation.accepted_at is not None:
        raise RuleViolation("This invitation was already accepted; remove the member instead.")
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        record_event(
            "invitation.revoked",
            actor=actor.user,
            partnership_id=invitation.partnership_id,
            party_id=actor.party_id,
            obj=invitation,
            details={"email": invitation.email},
        )


def find_by_token(token: str) -> Invitation | None:
    """The invitation for a link, whatever its state (callers check `is_usable`)."""
    if not token or len(token) > 128:
        return None
    return db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(token)))


def _lock(invitation: Invitation) -> Invitation:
    """Re-read the invitation under a row lock so two clicks cannot both accept it."""
    return db.session.execute(
        sa.select(Invitation)
        .where(Invitation.id == invitation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def acceptance_problem(invitation: Invitation, user: User) -> str | None:
    """Why this signed-in user cannot accept this invitation, in words for them."""
    if not invitation.is_usable:
        return f"This invitation is {invitation.status}."
    if user.email != invitation.email:
        return (
            f"This invitation was sent to {invitation.email}, but you are signed in as {user.email}. "
            "Sign out and open the link again to accept it with the right account."
        )
    if partnerships.find_membership(invitation.partnership_id, user.id) is not None:
        return "You are already a member of this partnership."
    if invitation.party is not None and invitation.party.organisation_id != user.organisation_id:
        return (
            f"This invitation is for colleagues at {invitation.party.name}, "
            f"and your account belongs to {user.organisation.name}."
        )
    return None


def accept(invitation: Invitation, user: User) -> Membership:
    invitation = _lock(invitation)
    problem = acceptance_problem(invitation, user)
    if problem:
        raise RuleViolation(problem)
    party = invitation.party
    if party is None:
        party = db.session.scalar(
            sa.select(Party).where(
                Party.partnership_id == invitation.partnership_id, Party.organisation_id == user.organisation_id
            )
        ) or partnerships.add_party(invitation.partnership, user.organisation_id, actor=user)
    membership = partnerships.add_membership(
        party, user, role=invitation.role, is_signatory=invitation.is_signatory, actor=user
    )
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    record_event(
        "invitation.accepted",
        actor=user,
        partnership_id=invitation.partnership_id,
        party_id=party.id,
        obj=invitation,
        details={"email": invitation.email},
    )
    return membership


def sign_up_and_accept(
    invitation: Invitation,
    *,
    full_name: str,
    password: str,
    time_zone: str,
    organisation_name: str | None = None,
) -> User:
    """A new account for the invited address: in the inviting party's organisation,
    or, for a new party, in a new organisation it names."""
    invitation = _lock(invitation)
    if not invitation.is_usable:
        raise RuleViolation(f"This invitation is {invitation.status}.")
    if invitation.party is not None:
        user = accounts.create_user(
            invitation.party.organisation,
            full_name=full_name,
            email=invitation.email,
            password=password,
            time_zone=time_zone,
        )
    else:
        name = (organisation_name or "").strip()
        if not name:
            raise RuleViolation("Enter your organisation's name.", "organisation_name")
        user = accounts.sign_up(
            organisation_name=name,
            full_name=full_name,
            email=invitation.email,
            password=password,
            time_zone=time_zone,
        )
    accept(invitation, user)
    return user


def invitations_of(partnership_id: int) -> list[Invitation]:
    """Invitations still open or recently ended, newest first, for the members page."""
    return db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.partnership_id == partnership_id, Invitation.accepted_at.is_(None))
        .order_by(Invitation.created_at.desc())
    ).all()

