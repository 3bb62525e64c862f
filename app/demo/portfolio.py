"""Demo: more of Northwind's partnerships for the portfolio, and an invitation under Alex's bell."""

from datetime import timedelta

from app.accounts import services as accounts
from app.demo.workspace import DEMO_PASSWORD, Demo
from app.invitations import services as invitations
from app.partnerships import services as partnerships
from app.types import utcnow

# (name, type, status, years running, partner organisation, partner admin, email, time zone, purpose)
NORTHWIND_PARTNERSHIPS = [
    ("Northwind–Fabrikam Cold Chain", "outsourcing", "active", 3.4, "Fabrikam Foods", "Fay Field",
     "fay.field@fabrikam.example", "Europe/Amsterdam",
     "Northwind runs Fabrikam's temperature-controlled distribution across the Benelux, with shared "
     "targets for spoilage, on-time delivery and energy use."),
    ("Northwind–Tailspin Air Freight", "key_supplier", "exiting", 5.8, "Tailspin Air Cargo", "Theo Marsh",
     "theo.marsh@tailspin.example", "America/New_York",
     "Tailspin flies Northwind's urgent transatlantic consignments; both sides are winding the agreement "
     "down in line with the exit arrangements."),
    ("Northwind–Wingtip Last-Mile Pilot", "research_collaboration", "forming", 0.2, "Wingtip Robotics",
     "Will Wing", "will.wing@wingtip.example", "Europe/Berlin",
     "A twelve-month pilot of autonomous last-mile delivery in two cities, sharing data and know-how."),
]


def more_partnerships(demo: Demo) -> None:
    alex = demo.users["alex.morgan@northwind.example"]
    priya = demo.users["priya.shah@northwind.example"]
    today = utcnow().date()
    for name, type_, status, years, org, person, email, zone, purpose in NORTHWIND_PARTNERSHIPS:
        partnership = partnerships.create_partnership(
            alex, name=name, type=type_, purpose=purpose, start_date=today - timedelta(days=round(years * 365.25))
        )
        partner = accounts.sign_up(
            organisation_name=org, full_name=person, email=email, password=DEMO_PASSWORD, time_zone=zone
        )
        party = partnerships.add_party(partnership, partner.organisation_id, actor=alex)
        partnerships.add_membership(party, partner, role="admin", is_signatory=True, actor=alex)
        if status != "forming":
            partnerships.add_membership(partnership.parties[0], priya, role="editor", is_signatory=False, actor=alex)
        membership = partnerships.find_membership(partnership.id, alex.id)
        partnerships.update_partnership(membership, status=status)

    # Contoso starts a partnership of its own and invites Northwind in: Alex has an
    # account, so the invitation also appears under the bell.
    dana = demo.users["dana.reyes@contoso.example"]
    pilot = partnerships.create_partnership(
        dana,
        name="Contoso–Northwind Packaging Pilot",
        type="strategic_alliance",
        purpose="Test returnable packaging between Contoso's Monterrey plant and Northwind's Dallas hub.",
        start_date=today,
    )
    # Contoso is its only party yet: no other party to ask, so the invitation goes at once.
    invitations.propose_new_party(
        partnerships.find_membership(pilot.id, dana.id),
        email=alex.email,
        role="admin",
        is_signatory=True,
        organisation_name="Northwind Logistics",
        message="Alex, this is the packaging pilot we discussed at the quarterly review.",
    )
