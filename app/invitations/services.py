"""Invitations: a colleague into one's own party, or a new organisation as a new party.

The emailed token is the only way in: it is stored hashed, expires, works once,
and can be revoked or replaced by re-sending.
"""

import sqlalchemy as sa
from flask import current_app

from app.accounts import services as accounts
from app.accounts.models import User
from app.audit.services import record_event
from app.consent.kinds import Kind
from app.extensions import db
from app.invitations.signals import party_admitted_into_open_cycle
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
    """Invite a colleague into the actor's own party (their party's own business).

    A new organisation as a new party is not invited here: every other party must agree
    first (`propose_new_party`); the invitation is sent when they have.
    """
    if new_party:
        raise RuleViolation("A new party is admitted only when every party agrees: propose it instead.")
    if not has_permission(actor, Permission.INVITE):
        raise RuleViolation("Only admins can invite people.")
    email = check_invitee(actor.partnership, actor.party, email=email, role=role, new_party=False)
    return _create(actor.partnership, actor.user, actor.party, email=email, role=role, is_signatory=is_signatory,
                   organisation_name=None, message=message)


def check_invitee(partnership, inviting_party: Party, *, email: str, role: str, new_party: bool,
                  organisation_name: str | None = None) -> str:
    """The normalised address, or a RuleViolation naming the field that is wrong."""
    email = accounts.normalise_email(email)
    if role not in set(Role):
        raise RuleViolation("Choose a role from the list.", "role")
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
            if their_party.left_at is not None:
                raise RuleViolation(
                    f"This person works for {their_party.name}, which left the partnership on "
                    f"{their_party.left_at:%-d %B %Y}; an organisation that left cannot be admitted again.",
                    "email",
                )
            raise RuleViolation(
                f"This person works for {their_party.name}, which already takes part. "
                f"Ask an admin of {their_party.name} to invite them.",
                "email",
            )
        if not new_party and existing_user.organisation_id != inviting_party.organisation_id:
            raise RuleViolation(
                f"This person's account belongs to another organisation, not {inviting_party.name}. "
                "To bring their organisation in, propose it as a new party.",
                "email",
            )
    if new_party and not (organisation_name or "").strip():
        raise RuleViolation("Name the organisation you are inviting.", "organisation_name")
    if _pending_for(partnership.id, email) is not None:
        raise RuleViolation("This address already has a pending invitation. Re-send it from the list below.", "email")
    return email


def _create(partnership, inviter: User, inviting_party: Party, *, email: str, role: str, is_signatory: bool,
            organisation_name: str | None, message: str | None, proposal_id: int | None = None) -> Invitation:
    new_party = organisation_name is not None
    token, token_hash = new_token()
    now = utcnow()
    invitation = Invitation(
        partnership_id=partnership.id,
        party_id=None if new_party else inviting_party.id,
        invited_by_party_id=inviting_party.id,
        organisation_name=organisation_name,
        email=email,
        role=role,
        is_signatory=is_signatory,
        message=(message or "").strip() or None,
        token_hash=token_hash,
        invited_by_id=inviter.id,
        created_at=now,
        last_sent_at=now,
        expires_at=now + current_app.config["INVITATION_TTL"],
        proposal_id=proposal_id,
    )
    db.session.add(invitation)
    db.session.flush()
    _send(invitation, token)
    existing_user = accounts.find_user_by_email(email)
    if existing_user is not None:
        _tell_in_app(invitation, existing_user, inviter, inviting_party)
    record_event(
        "invitation.sent",
        actor=inviter,
        partnership_id=partnership.id,
        party_id=inviting_party.id,
        obj=invitation,
        details={"email": email, "role": role, "new_party": new_party, "is_signatory": is_signatory,
                 **({"proposal": proposal_id} if proposal_id else {})},
    )
    return invitation


# -- a new party: admitted only when every party agrees ------------------------------------------


def propose_new_party(
    actor: Membership, *, email: str, organisation_name: str, role: str, is_signatory: bool = False,
    message: str | None = None, include_in_current_cycle: bool = False, reason: str = "",
):
    """Propose admitting a new organisation; its invitation is sent once every party agreed."""
    from app.consent import services as consent

    if not has_permission(actor, Permission.INVITE):
        raise RuleViolation("Only admins can propose a new party.")
    organisation_name = (organisation_name or "").strip()
    email = check_invitee(actor.partnership, actor.party, email=email, role=role, new_party=True,
                          organisation_name=organisation_name)
    payload = {
        "email": email, "organisation_name": organisation_name, "role": role, "is_signatory": bool(is_signatory),
        "message": (message or "").strip(), "include_in_current_cycle": bool(include_in_current_cycle),
    }
    return consent.propose(actor, "admit_party", payload,
                           summary=f"Admit {organisation_name} as a new party (invite {email})", reason=reason)


def _admit(proposal, _membership: Membership) -> None:
    from app.consent.kinds import Lapsed

    partnership = proposal.partnership
    payload = proposal.payload
    proposer_party = proposal.proposed_by_party
    try:
        email = check_invitee(partnership, proposer_party, email=payload["email"], role=payload["role"],
                              new_party=True, organisation_name=payload["organisation_name"])
    except RuleViolation as violation:
        raise Lapsed(violation.message) from None
    _create(partnership, proposal.proposed_by, proposer_party, email=email, role=payload["role"],
            is_signatory=payload["is_signatory"], organisation_name=payload["organisation_name"],
            message=payload["message"], proposal_id=proposal.id)


def _admission_target(payload: dict) -> str:
    return f"admit:{payload['email']}"


PROPOSAL_KIND = Kind(key="admit_party", label="Admit a new party", template="consent/kinds/admit_party.html",
                     apply=_admit, target=_admission_target)


def _send(invitation: Invitation, token: str) -> None:
    inviter = invitation.invited_by
    # Undelivered, it shows to the admins of the invitee's organisation if they have an account, else the inviter's.
    invitee = accounts.find_user_by_email(invitation.email)
    queue_mail(
        invitation.email,
        f"{inviter.full_name} invites you to {invitation.partnership.name} on Jointly",
        "invitation",
        organisation_id=(invitee or inviter).organisation_id,
        invitation=invitation,
        inviter=inviter,
        inviting_party=invitation.invited_by_party,
        link=external_url("invitations.show", token=token),
    )


def _tell_in_app(invitation: Invitation, user: User, inviter: User, inviting_party: Party) -> None:
    """People with an account also see the invitation under the bell. The email is
    the way in (its one-time link is never stored), so the notification only points to it."""
    role = invitation.role + (" and signatory" if invitation.is_signatory else "")
    expires = invitation.expires_at
    if invitation.is_new_party:
        joins = f"Take part for {invitation.organisation_name} as a new party, as {role}."
    else:
        joins = f"Join {inviting_party.name}'s side as {role}."
    notifications.notify(
        [user],
        "invitation",
        partnership=None,
        title=f"{inviter.full_name} invited you to {invitation.partnership.name}",
        body=(
            f"{joins} To accept, open the link in the invitation email sent to "
            f"{invitation.email}; it works once and expires on {expires.day} {expires:%B %Y}."
        ),
        actor=inviter,
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
        )
        if party is not None and party.left_at is not None:
            raise RuleViolation(f"{party.name} left this partnership; an organisation that left cannot rejoin.")
        if party is None:
            party = _join_as_new_party(invitation, user)
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


def _join_as_new_party(invitation: Invitation, user: User) -> Party:
    """The admitted organisation takes part from now on: open proposals asked the parties
    that took part before, so they lapse; it joins the open review cycle only when the agreed
    proposal said so and the cycle is still in Review, otherwise from the next cycle."""
    from app.consent.models import Proposal
    from app.partnerships.models import Partnership

    partnership = db.session.get(Partnership, invitation.partnership_id)
    party = partnerships.add_party(partnership, user.organisation_id, actor=user)  # lapses open proposals
    proposal = db.session.get(Proposal, invitation.proposal_id) if invitation.proposal_id else None
    if proposal is not None and proposal.payload.get("include_in_current_cycle"):
        party_admitted_into_open_cycle.send(party)
    return party


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

