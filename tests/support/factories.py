"""Building test data through the same services the app uses."""

import itertools
from dataclasses import dataclass, field
from datetime import date

from app.accounts import services as accounts
from app.accounts.models import Organisation, User
from app.extensions import db
from app.partnerships import services as partnerships
from app.partnerships.models import Membership, Partnership, Party

PASSWORD = "correct horse battery staple"  # noqa: S105 - test accounts only
_counter = itertools.count(1)


def make_organisation_user(
    organisation_name: str | None = None, *, email: str | None = None, name: str | None = None
) -> User:
    n = next(_counter)
    return accounts.sign_up(
        organisation_name=organisation_name or f"Organisation {n}",
        full_name=name or f"Person {n}",
        email=email or f"person{n}@org{n}.example.com",
        password=PASSWORD,
        time_zone="UTC",
    )


def make_colleague(organisation: Organisation, *, email: str | None = None, name: str | None = None) -> User:
    n = next(_counter)
    return accounts.create_user(
        organisation,
        full_name=name or f"Colleague {n}",
        email=email or f"colleague{n}@org{organisation.id}.example.com",
        password=PASSWORD,
    )


def make_partnership(creator: User, name: str = "Alpha–Beta Alliance") -> Partnership:
    return partnerships.create_partnership(
        creator,
        name=name,
        type="strategic_alliance",
        purpose="Grow together.",
        start_date=date(2025, 1, 15),
        review_cadence_months=3,
    )


def join(partnership: Partnership, user: User, role: str = "editor", is_signatory: bool = False) -> Membership:
    party = next((p for p in partnership.parties if p.organisation_id == user.organisation_id), None)
    if party is None:
        party = partnerships.add_party(partnership, user.organisation_id, actor=user)
        db.session.refresh(partnership)
    return partnerships.add_membership(party, user, role=role, is_signatory=is_signatory, actor=user)


@dataclass
class PartyPeople:
    admin: User
    editor: User
    viewer: User
    party: Party | None = None


@dataclass
class TwoParties:
    """A partnership between two organisations, each with an admin, editor and viewer,
    and an outsider organisation with a partnership of its own."""

    partnership: Partnership
    a: PartyPeople
    b: PartyPeople
    outsider: User
    outsider_partnership: Partnership
    extra: dict = field(default_factory=dict)


def make_two_parties() -> TwoParties:
    a_admin = make_organisation_user("Alpha Ltd", email="ada@alpha.example.com", name="Ada Admin")
    b_admin = make_organisation_user("Beta GmbH", email="bob@beta.example.com", name="Bob Admin")
    partnership = make_partnership(a_admin)
    join(partnership, b_admin, "admin", is_signatory=True)
    a = PartyPeople(
        a_admin,
        make_colleague(a_admin.organisation, email="eve@alpha.example.com", name="Eve Editor"),
        make_colleague(a_admin.organisation, email="vic@alpha.example.com", name="Vic Viewer"),
    )
    b = PartyPeople(
        b_admin,
        make_colleague(b_admin.organisation, email="ed@beta.example.com", name="Ed Editor"),
        make_colleague(b_admin.organisation, email="val@beta.example.com", name="Val Viewer"),
    )
    for people in (a, b):
        join(partnership, people.editor, "editor")
        join(partnership, people.viewer, "viewer")
    outsider = make_organisation_user("Gamma Inc", email="olga@gamma.example.com", name="Olga Outsider")
    outsider_partnership = make_partnership(outsider, name="Gamma–Delta Venture")
    db.session.commit()
    a.party, b.party = partnership.parties[0], partnership.parties[1]
    return TwoParties(partnership, a, b, outsider, outsider_partnership)


def enable_two_factor(user: User) -> tuple[str, list[str]]:
    """Turn on two-factor sign-in for `user` as the set-up pages do; returns (secret, recovery codes)."""
    import pyotp

    from app.accounts import two_factor

    secret = two_factor.start_enrolment(user)
    codes = two_factor.confirm_enrolment(user, pyotp.TOTP(secret).now())
    db.session.commit()
    return secret, codes


def totp_code(user: User) -> str:
    """The code the user's app shows now, usable as if the previous one were 30 seconds old
    (each time step's code works only once, and tests sign in faster than that)."""
    import pyotp

    db.session.refresh(user)
    user.totp_last_step = None
    db.session.commit()
    return pyotp.TOTP(user.totp_secret).now()


def admit_party(partnership: Partnership, organisation_name: str = "Gamma Corp", *, email: str | None = None,
                name: str = "Gina Gamma") -> Membership:
    """A new party joins with an admin who signs for it, straight through the services (what an
    agreed admission and an accepted invitation end in); returns the admin's membership."""
    admin = make_organisation_user(organisation_name, email=email or f"gina@{organisation_name.split()[0].lower()}"
                                   ".example.com", name=name)
    party = partnerships.add_party(partnership, admin.organisation_id, actor=admin)
    membership = partnerships.add_membership(party, admin, role="admin", is_signatory=True, actor=admin)
    db.session.commit()
    db.session.refresh(partnership)
    return membership
