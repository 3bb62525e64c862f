"""The demo's people and their partnership: two organisations with three people each, and
the `Demo` every later step of the demo receives."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from app.accounts import services as accounts
from app.accounts.models import Organisation, User
from app.extensions import db
from app.partnerships import services as partnerships
from app.partnerships.models import Membership, Partnership, PartnershipStatus, Role

# Printed for people trying the demo on purpose; demo accounts only.
DEMO_PASSWORD = "partnering-demo-2026"  # noqa: S105  # nosec B105

ORGANISATIONS = {
    "northwind": "Northwind Logistics",
    "contoso": "Contoso Manufacturing",
}

# (organisation key, full name, email, time zone, role, signatory, job title)
NW, CT = "northwind", "contoso"
ADMIN, EDITOR, VIEWER = Role.ADMIN, Role.EDITOR, Role.VIEWER
PEOPLE = [
    (NW, "Alex Morgan", "alex.morgan@northwind.example", "Europe/London", ADMIN, True, "Alliance Manager"),
    (NW, "Priya Shah", "priya.shah@northwind.example", "Europe/London", EDITOR, False, "Head of Contract Logistics"),
    (NW, "Tom Becker", "tom.becker@northwind.example", "Europe/Berlin", VIEWER, False, "Finance Business Partner"),
    (CT, "Dana Reyes", "dana.reyes@contoso.example", "America/Chicago", ADMIN, True, "VP Supply Chain Partnerships"),
    (CT, "Luis Ortega", "luis.ortega@contoso.example", "America/Chicago", EDITOR, False, "Materials Planning Lead"),
    (CT, "Mei Chen", "mei.chen@contoso.example", "America/Los_Angeles", VIEWER, False, "Procurement Analyst"),
]
ALEX, PRIYA, TOM = "alex.morgan@northwind.example", "priya.shah@northwind.example", "tom.becker@northwind.example"
DANA, LUIS, MEI = "dana.reyes@contoso.example", "luis.ortega@contoso.example", "mei.chen@contoso.example"

PARTNERSHIP_NAME = "Northwind–Contoso Supply Alliance"
PURPOSE = (
    "Northwind runs inbound and finished-goods logistics for Contoso's three North American "
    "plants. Together we aim to cut Contoso's logistics cost per unit by 12% over three years, "
    "lift on-time-in-full delivery to 98.5%, and halve the carbon intensity of the network "
    "by 2028, sharing the gains as set out in the commercial agreement."
)


@dataclass
class Demo:
    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    partnership: Partnership | None = None

    def member(self, email: str) -> Membership:
        return partnerships.find_membership(self.partnership.id, self.users[email].id)


def demo_exists() -> bool:
    return db.session.scalar(sa.select(User.id).where(User.email == PEOPLE[0][2])) is not None


def started_on(today: date) -> date:
    """The demo partnership's start: the first of the month two years ago, so it reads as a
    two-year relationship whenever the demo is loaded."""
    return date(today.year - 2, today.month, 1)


def people_and_partnership(start: date) -> Demo:
    demo = Demo()
    first_of = {}
    for key, name, email, zone, _role, _signatory, title in PEOPLE:
        demo.titles[email] = title
        if key not in first_of:
            user = accounts.sign_up(
                organisation_name=ORGANISATIONS[key],
                full_name=name,
                email=email,
                password=DEMO_PASSWORD,
                time_zone=zone,
            )
            first_of[key] = user
            demo.organisations[key] = user.organisation
        else:
            user = accounts.create_user(
                demo.organisations[key], full_name=name, email=email, password=DEMO_PASSWORD, time_zone=zone
            )
        demo.users[email] = user

    creator = demo.users[PEOPLE[0][2]]
    partnership = partnerships.create_partnership(
        creator,
        name=PARTNERSHIP_NAME,
        type="key_supplier",
        purpose=PURPOSE,
        start_date=start,
        review_cadence_months=3,
    )
    demo.partnership = partnership
    partnerships.update_partnership(demo.member(creator.email), status=PartnershipStatus.ACTIVE.value)
    parties = {"northwind": partnership.parties[0]}
    parties["contoso"] = partnerships.add_party(partnership, demo.organisations["contoso"].id, actor=creator)
    for key, _name, email, _zone, role, signatory, _title in PEOPLE:
        if email == creator.email:
            continue
        partnerships.add_membership(parties[key], demo.users[email], role=role, is_signatory=signatory, actor=creator)
    db.session.flush()
    return demo


def logins_table() -> str:
    lines = [
        f"Demo logins (password for all: {DEMO_PASSWORD})",
        "",
        f"  {'Organisation':<24} {'Name':<14} {'Role':<8} {'Email'}",
    ]
    for key, name, email, _zone, role, signatory, _title in PEOPLE:
        role_text = role.value + (" ✍" if signatory else "")
        lines.append(f"  {ORGANISATIONS[key]:<24} {name:<14} {role_text:<8} {email}")
    lines.append("")
    lines.append("  ✍ = signatory")
    return "\n".join(lines)
