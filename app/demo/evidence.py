"""The demo's evidence: the signed master services agreement on the commercial section, the
driver-shortage contingency plan on its risk, and a newer version of the rates schedule, attached
before v1.0 was issued (so its PDF lists them with their SHA-256); and the electric-truck pilot's
report on its improvement action. All through the services."""

import io
from datetime import timedelta

import docx
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.attachments import places, services
from app.demo.workspace import ALEX, DANA, PRIYA, Demo
from app.extensions import db
from app.plan_sections import reading
from app.types import clock_at, utcnow


def _agreement() -> bytes:
    document = docx.Document()
    document.add_heading("Master Services Agreement", 0)
    document.add_paragraph("Between Northwind Logistics and Contoso Manufacturing.")
    for heading, text in (
        ("1. Services", "Northwind carries Contoso's finished goods from the Monterrey and Laredo plants to "
                        "Contoso's distribution centres, with cross-dock handling and customs brokerage."),
        ("2. Service levels", "On-time-in-full delivery of at least 96%, measured monthly from the shared "
                              "transport management system. Service credits of 2% of the monthly charge for each "
                              "point below target, capped at 10%."),
        ("3. Gain-share", "Savings from joint route optimisation are shared 50/50 after the first "
                          "USD 250,000 each year."),
        ("4. Term and exit", "Five years from signature; either party may end it with twelve months' notice "
                             "under the exit arrangements of the partnership's plan."),
    ):
        document.add_heading(heading, 2)
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


CONTINGENCY = (
    "Driver shortage contingency plan\n\n"
    "Trigger: fewer than 85% of scheduled drivers confirmed 48 hours ahead.\n"
    "1. Agency drivers on standby from two pre-approved agencies (Laredo and Monterrey).\n"
    "2. Contoso releases low-priority loads to the following day; Northwind confirms revised slots by 14:00.\n"
    "3. Both alliance managers review the week's fill rate at the Friday call.\n"
)
RATES_V1 = "lane,rate_usd_per_load\nMonterrey-Dallas,1450\nLaredo-Houston,980\n"
RATES_V2 = "lane,rate_usd_per_load\nMonterrey-Dallas,1420\nLaredo-Houston,960\nLaredo-Atlanta,2150\n"


def _attach(demo: Demo, email: str, target, name: str, data: bytes) -> None:
    services.attach(demo.member(email), target, FileStorage(io.BytesIO(data), filename=name))


def evidence(demo: Demo) -> None:
    now = utcnow()
    commercial = places.section_target("commercial_agreement")
    with clock_at(now - timedelta(days=20)):
        _attach(demo, DANA, commercial, "Master services agreement (signed).docx", _agreement())
        _attach(demo, ALEX, commercial, "Rates schedule.csv", RATES_V1.encode())
    risks = reading.current_content(demo.partnership.id, "risk_assessment")["items"]["risks"]
    driver = next(r for r in risks if "driver" in r["title"].lower())
    with clock_at(now - timedelta(days=9)):
        _attach(demo, PRIYA, places.item_target("risk_assessment", driver["id"]), "Driver contingency plan.txt",
                CONTINGENCY.encode())
    with clock_at(now - timedelta(days=2)):
        _attach(demo, ALEX, commercial, "Rates schedule.csv", RATES_V2.encode())


PILOT_REPORT = (
    "Electric truck pilot, Monterrey lane: final report\n\n"
    "Two tractors ran 41 round trips in eight weeks. Energy cost per load fell 31% against diesel; "
    "charging at the Monterrey cross-dock added 25 minutes per turn, inside the dock window.\n"
    "Recommendation: extend to the Laredo shuttle in the next quarter.\n"
)


def evidence_of_actions(demo: Demo) -> None:
    """The electric-truck pilot's report, attached by Priya when she marked the action done."""
    from app.review_cycle.models import ImprovementAction

    action = db.session.scalar(sa.select(ImprovementAction).where(
        ImprovementAction.partnership_id == demo.partnership.id,
        ImprovementAction.title == "Pilot electric trucks on the Monterrey lane"))
    with clock_at(action.done_at or utcnow()):
        _attach(demo, PRIYA, places.action_target(action.id), "Electric truck pilot report.txt", PILOT_REPORT.encode())
