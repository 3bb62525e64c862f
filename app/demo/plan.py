"""The demo partnership's plan: all ten sections written by people of both parties, over months.

Built through the save and review services (backdated with `at`), so revisions,
reviews and audit events are exactly what real use produces. Two sections are left
overdue for review, as in any real plan.
"""

import copy
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.demo.workspace import ALEX, DANA, LUIS, MEI, PRIYA, TOM, Demo
from app.extensions import db
from app.partnerships.models import Party
from app.plan_sections import reading, writing
from app.types import clock_at, utcnow


def usd(amount: int | str) -> dict:
    return {"amount": f"{amount}.00" if isinstance(amount, int) else amount, "currency": "USD"}


class PlanWriter:
    """Saves and reviews sections as named demo people, at moments in the past."""

    def __init__(self, demo: Demo, now: datetime):
        self.demo, self.now = demo, now
        self.partnership_id = demo.partnership.id
        parties = db.session.scalars(
            sa.select(Party.id).where(Party.partnership_id == self.partnership_id).order_by(Party.id)
        ).all()
        self.nw, self.ct = parties[0], parties[1]

    def user(self, email: str) -> int:
        return self.demo.users[email].id

    def content(self, key: str) -> dict:
        return copy.deepcopy(reading.current_content(self.partnership_id, key))

    def save(self, email: str, key: str, content: dict, days_ago: float, note: str) -> None:
        section = reading.section_for(self.partnership_id, key)
        at = self.now - timedelta(days=days_ago)
        with clock_at(at):  # the audit trail and notices dated as the revision
            writing.save_section(self.demo.member(email), section, content, section.current_revision_id, note, at=at)

    def review(self, email: str, key: str, days_ago: float, note: str | None = None) -> None:
        section = reading.section_for(self.partnership_id, key)
        at = self.now - timedelta(days=days_ago)
        with clock_at(at):
            writing.mark_reviewed(self.demo.member(email), section, section.current_revision_id, note, at=at)

    def id_of(self, key: str, kind: str, field: str, value: str) -> str:
        return next(i["id"] for i in self.content(key)["items"][kind] if i[field] == value)


def _organisation(w: PlanWriter) -> None:
    nw, ct = w.nw, w.ct
    content = {
        "narrative": (
            "The alliance is run by one alliance manager on each side, who speak every week and own this plan "
            "together. Day-to-day operations run through Northwind's control tower in Joliet and the logistics "
            "coordinators at Contoso's plants in Dayton, Monterrey and Guelph.\n\n"
            "### Principles\n"
            "- Raise issues early, at the lowest level that can solve them.\n"
            "- No change to scope, price or service levels without both alliance managers' written agreement.\n"
            "- Both alliance managers attend every steering committee; its minutes live in Jointly."
        ),
        "items": {
            "people": [
                {"name": "Helen Carter", "party": nw, "job_title": "Managing Director, Americas",
                 "role": "executive_sponsor",
                 "responsibilities": "Sponsors the alliance at Northwind's executive board; level-3 escalations.",
                 "email": "helen.carter@northwind.example"},
                {"name": "Alex Morgan", "party": nw, "job_title": "Alliance Manager", "role": "alliance_manager",
                 "responsibilities": "Owns the relationship and this plan for Northwind; chairs the operations board.",
                 "email": ALEX},
                {"name": "Priya Shah", "party": nw, "job_title": "Head of Contract Logistics",
                 "role": "operational_lead",
                 "responsibilities": "Runs the Joliet control tower, fleet and carrier network.", "email": PRIYA},
                {"name": "Tom Becker", "party": nw, "job_title": "Finance Business Partner", "role": "finance",
                 "responsibilities": "Open-book cost model, gain-share calculation, invoicing.", "email": TOM},
                {"name": "Raj Patel", "party": ct, "job_title": "Chief Operating Officer", "role": "executive_sponsor",
                 "responsibilities": "Sponsors the alliance at Contoso; chairs the executive steering committee.",
                 "email": "raj.patel@contoso.example"},
                {"name": "Dana Reyes", "party": ct, "job_title": "VP Supply Chain Partnerships",
                 "role": "alliance_manager",
                 "responsibilities": "Owns the relationship and this plan for Contoso.", "email": DANA},
            ],
            "governance_bodies": [
                {"name": "Executive steering committee", "frequency": "quarterly",
                 "purpose": "Sets direction, reviews the business case and the joint performance measures.",
                 "members": "Both executive sponsors and alliance managers",
                 "decision_rights": "Approves changes to scope, pricing and contract term; signs plan versions; "
                                    "resolves level-3 escalations."},
                {"name": "Joint operations board", "frequency": "monthly",
                 "purpose": "Runs the operation against the service levels and the improvement pipeline.",
                 "members": "Alliance managers, site logistics coordinators, transport planning",
                 "decision_rights": "Agrees operational changes within the approved budget; approves improvement "
                                    "initiatives up to USD 250,000."},
            ],
            "escalation_levels": [
                {"level": 1, "name": "Operational", "resolve_days": 2,
                 "who": {str(nw): "Shift supervisor, Joliet control tower", str(ct): "Plant logistics coordinator"}},
                {"level": 2, "name": "Management", "resolve_days": 5,
                 "who": {str(nw): "Priya Shah", str(ct): "Luis Ortega"}},
                {"level": 3, "name": "Executive", "resolve_days": 10,
                 "who": {str(nw): "Helen Carter", str(ct): "Raj Patel"}},
            ],
        },
    }
    w.save(ALEX, "organisational_arrangements", content, 160, "First draft from the kick-off workshop")
    content = w.content("organisational_arrangements")
    content["items"]["people"].insert(5, {
        "name": "Luis Ortega", "party": ct, "job_title": "Materials Planning Lead", "role": "operational_lead",
        "responsibilities": "Forecasts, call-offs and plant receiving across the three plants.", "email": LUIS,
        "id": None,
    })
    content["items"]["people"].append({
        "name": "Mei Chen", "party": ct, "job_title": "Procurement Analyst", "role": "commercial_lead",
        "responsibilities": "Contract administration, rate reviews and the annual open-book audit.", "email": MEI,
        "id": None,
    })
    content["items"]["governance_bodies"].append({
        "name": "Weekly performance call", "frequency": "weekly",
        "purpose": "Last week's service levels, exceptions and the week ahead.",
        "members": "Alliance managers, Priya Shah, Luis Ortega", "id": None,
    })
    w.save(DANA, "organisational_arrangements", content, 152, "Added Contoso's operational and commercial leads")
    w.review(ALEX, "organisational_arrangements", 12, "Confirmed at the Q3 steering committee")


def _business_case(w: PlanWriter) -> None:
    nw, ct = w.nw, w.ct
    content = {
        "narrative": (
            "Contoso needs inbound parts at its plants on time and in full, at a landed cost it can plan on; "
            "Northwind needs a long-term anchor customer to justify dedicated assets in the Midwest. Sharing the "
            "control tower, the fleet and Contoso's production schedules lets both do better than a "
            "transactional tender would.\n\n"
            "The **joint performance measures** below are scored by both parties every quarter in the review cycle."
        ),
        "items": {
            "objectives": [
                {"title": "Cut logistics cost per unit by 12%", "owner_party": nw, "target_date": "2027-02-28",
                 "status": "on_track", "description": "Against the 2023 baseline of USD 3.84 per finished unit."},
                {"title": "Lift on-time-in-full delivery to 98.5%", "owner_party": nw, "target_date": "2025-12-31",
                 "status": "at_risk"},
                {"title": "Halve the carbon intensity of the network", "owner_party": nw, "target_date": "2028-06-30",
                 "status": "on_track"},
                {"title": "Consolidate three regional warehouses into the Joliet hub", "owner_party": ct,
                 "target_date": "2025-09-30", "status": "achieved"},
            ],
            "benefits": [
                {"benefit": "Lower landed cost per unit", "party": ct, "value": usd(2_400_000),
                 "realised_by": "Consolidated loads, fewer expedites, open-book rates."},
                {"benefit": "Fewer line stoppages from late parts", "party": ct, "value": usd(850_000)},
                {"benefit": "Five-year volume commitment", "party": nw, "value": usd(1_100_000),
                 "realised_by": "Margin on dedicated fleet and cross-dock throughput."},
                {"benefit": "Reference customer for automotive-grade inbound logistics", "party": nw},
            ],
            "measures": [
                {"name": "On-time-in-full delivery", "unit": "%", "direction": "higher", "baseline": "94.2",
                 "target": "98.5", "frequency": "monthly", "data_owner": nw,
                 "definition": "Deliveries arriving in the agreed window with the full quantity, "
                               "from TMS proof of delivery."},
                {"name": "Logistics cost per unit", "unit": "USD per unit", "direction": "lower", "baseline": "3.84",
                 "target": "3.38", "frequency": "quarterly", "data_owner": ct,
                 "definition": "Total logistics spend from the open-book statement divided by finished units shipped."},
                {"name": "Carbon intensity", "unit": "g CO₂e per tonne-km", "direction": "lower", "baseline": "62",
                 "target": "31", "frequency": "quarterly", "data_owner": nw},
                {"name": "Dock-to-stock time", "unit": "hours", "direction": "lower", "baseline": "18", "target": "8",
                 "frequency": "monthly", "data_owner": nw},
            ],
        },
    }
    w.save(ALEX, "business_case", content, 150, "Business case as agreed at contract signature")
    content = w.content("business_case")
    content["items"]["measures"].append({
        "name": "Inventory accuracy at plant stores", "unit": "%", "direction": "higher", "baseline": "97.1",
        "target": "99.5", "frequency": "monthly", "data_owner": ct, "id": None,
        "definition": "Cycle-count matches over counts, from Contoso's ERP.",
    })
    w.save(LUIS, "business_case", content, 95, "Added inventory accuracy as a fifth joint measure")
    content = w.content("business_case")
    content["items"]["objectives"][3]["status"] = "achieved"
    content["items"]["objectives"][1]["status"] = "at_risk"
    content["narrative"] += (
        "\n\nThe warehouse consolidation finished in September, two weeks early; OTIF is recovering after the "
        "driver shortage of the summer."
    )
    w.save(DANA, "business_case", content, 20, "Status update after the Q3 business review")
    w.review(PRIYA, "business_case", 6)


ASSETS = [
    # (name, category, party key, value, disposition, description, conditions)
    ("Joliet cross-dock and control tower", "facilities", "nw", 4_200_000, "returns",
     "42,000 sq ft cross-dock with 24 doors and the 24/7 control tower.", "Dedicated to Contoso volumes on weekdays."),
    ("Dedicated fleet: 38 tractors, 60 trailers", "equipment", "nw", 6_800_000, "bought_out",
     "Liveried for Contoso; telematics shared with the control tower.", "Contoso may buy out at book value on exit."),
    ("Transport management system and integration", "technology", "nw", 450_000, "returns",
     "Route planning, tendering and proof of delivery.", None),
    ("Control-tower analysts (6 FTE)", "people", "nw", 720_000, "returns", None,
     "Named analysts; changes agreed a month ahead."),
    ("Carrier network and negotiated rates", "network", "nw", None, "returns",
     "Backup capacity from 14 carriers.", None),
    ("Returnable packaging pool", "equipment", "nw", 380_000, "bought_out", "9,000 stillages and totes.", None),
    ("Production schedules and 13-week demand forecast", "data", "ct", None, "returns",
     "Daily schedule and weekly forecast feed from Contoso's planning system.", "Used only to plan Contoso's freight."),
    ("Dock space at Dayton, Monterrey and Guelph", "facilities", "ct", 900_000, "returns", None,
     "Eight reserved doors per plant between 5am and 2pm."),
    ("Supplier master data and ASN feed", "data", "ct", None, "returns", None, None),
    ("Materials planners on the joint desk (3 FTE)", "people", "ct", 360_000, "returns", None, None),
    ("EDI gateway", "technology", "ct", 150_000, "returns", "Orders, ASNs and invoices between the two systems.", None),
    ("Working capital for the packaging pool", "finance", "ct", 250_000, "to_agree", None,
     "Repaid through the rates over 36 months."),
]


def _assets(w: PlanWriter) -> None:
    party = {"nw": w.nw, "ct": w.ct}

    def asset(row):
        name, category, who, value, disposition, description, conditions = row
        return {"name": name, "category": category, "party": party[who], "value": usd(value) if value else None,
                "disposition": disposition, "description": description, "conditions": conditions}

    narrative = (
        "What each party brings to the alliance. Values are replacement or annual cost values as declared by the "
        "contributing party; they are not transferred unless the exit arrangements say so."
    )
    w.save(PRIYA, "asset_register", {"narrative": narrative, "items": {"assets": [asset(r) for r in ASSETS[:6]]}},
           140, "Northwind's contributions")
    content = w.content("asset_register")
    content["items"]["assets"] += [asset(r) for r in ASSETS[6:]]
    w.save(LUIS, "asset_register", content, 133, "Contoso's contributions")
    w.review(DANA, "asset_register", 30)


RISKS = [
    # (title, category, owner party, owner, likelihood, impact, response, status, mitigation, next review in days)
    ("Driver shortage in the Midwest reduces fleet availability", "operational", "nw", PRIYA, 4, 4, "reduce",
     "treating",
     "Retention bonus, two agency partners on standby, trailer-swap with backup carriers.", 21),
    ("Joliet cross-dock is a single point of failure", "strategic", "nw", ALEX, 2, 5, "reduce", "monitoring",
     "Business continuity plan with a standby site in Aurora; tested twice a year.", 60),
    ("Forecast error above 15% drives expedited freight", "commercial", "ct", LUIS, 4, 3, "share", "open",
     "Weekly forecast review; expedite costs shared 50/50 above the threshold.", 14),
    ("Cyber attack on the EDI or TMS integration", "technology", "ct", DANA, 3, 5, "reduce", "treating",
     "Joint penetration test, MFA on all integration accounts, manual fallback runbook.", 30),
    ("Fuel price volatility erodes the gain-share pool", "financial", "nw", TOM, 3, 3, "share", "monitoring",
     "Monthly fuel surcharge indexed to the DOE diesel price.", 45),
    ("Border delays at Laredo on the Monterrey lanes", "operational", "nw", PRIYA, 3, 4, "reduce", "open",
     "C-TPAT certified drivers and pre-cleared loads; two days of safety stock at Monterrey.", 21),
    ("Key-person dependency on the two alliance managers", "relationship", "ct", DANA, 2, 3, "reduce", "monitoring",
     "Named deputies on both sides attend the operations board.", 90),
    ("Earlier emissions rules force a fleet upgrade", "environmental", "nw", ALEX, 2, 4, "accept", "open",
     "Budget for 12 electric tractors brought forward in the 2026 plan.", 120),
    ("Confidential production data leaks through shared dashboards", "legal", "ct", MEI, 2, 4, "reduce", "treating",
     "Role-based access, quarterly access review, watermark on exports.", 30),
    ("Forklift incident at plant docks", "health_safety", "ct", LUIS, 2, 5, "reduce", "monitoring",
     "Joint dock safety rules, pedestrian zones, monthly safety walk.", 30),
    ("Warehouse consolidation disrupts Guelph supply", "operational", "ct", LUIS, 1, 3, "reduce", "closed",
     "Consolidation completed without a missed shipment.", None),
]


def _risks(w: PlanWriter) -> None:
    party = {"nw": w.nw, "ct": w.ct}
    today = w.now.date()

    def risk(row):
        title, category, who, owner, likelihood, impact, response, status, mitigation, review_in = row
        return {"title": title, "category": category, "owner_party": party[who], "owner": w.user(owner),
                "likelihood": likelihood, "impact": impact, "response": response, "status": status,
                "mitigation": mitigation,
                "next_review": (today + timedelta(days=review_in)).isoformat() if review_in else None}

    narrative = (
        "Both parties own this register. Each risk has an owner party and a named owner who reports on it at the "
        "monthly operations board; anything rated **High** or **Critical** goes to the steering committee.\n\n"
        "Likelihood and impact are scored 1–5; the score is their product."
    )
    first = [risk(r) for r in RISKS[:7]]
    first[0]["likelihood"] = 3
    w.save(ALEX, "risk_assessment", {"narrative": narrative, "items": {"risks": first}}, 120, "Initial risk workshop")
    content = w.content("risk_assessment")
    content["items"]["risks"] += [risk(r) for r in RISKS[7:]]
    w.save(DANA, "risk_assessment", content, 75, "Added Contoso's compliance and safety risks")
    content = w.content("risk_assessment")
    content["items"]["risks"][0]["likelihood"] = 4
    content["items"]["risks"][0]["status"] = "treating"
    w.save(PRIYA, "risk_assessment", content, 9, "Driver shortage now likely: agency drivers on standby")
    w.review(LUIS, "risk_assessment", 2, "Reviewed at the monthly operations board")


def _commercial(w: PlanWriter) -> None:
    content = {
        "narrative": (
            "A five-year target-cost agreement on open books: Northwind is paid its actual costs plus a fixed "
            "management fee, and both parties share savings against the annual target cost. The contract is the "
            "master services agreement **NW-CM-2024-017**; this section says what it means in practice."
        ),
        "fields": {
            "contract_model": "target_cost",
            "reference": "NW-CM-2024-017",
            "start_date": "2024-03-01",
            "end_date": "2029-02-28",
            "renewal_date": "2028-08-31",
            "notice_days": 180,
            "annual_value": usd(18_600_000),
            "payment_terms": "Net 45 days from invoice, monthly in arrears",
            "pricing": "Actual cost on open books plus a management fee of 6.5%. Fuel is passed through at the "
                       "DOE diesel index. Rates are reset each March against the agreed target cost.",
            "gain_share": "Savings below the annual target cost are shared 50/50, paid after the open-book audit.",
            "pain_share": "Overruns above target are shared 50/50 up to Northwind's management fee; beyond that "
                          "Contoso bears them, and the steering committee reviews the target.",
        },
        "items": {
            "clauses": [
                {"reference": "4.3", "title": "Service levels and service credits",
                 "summary": "OTIF below 96% for a month triggers a recovery plan; below 94% a 2% credit on the fee."},
                {"reference": "9.1", "title": "Open-book costing",
                 "summary": "Contoso may audit Northwind's costs for this contract once a year."},
                {"reference": "12", "title": "Gain-share and pain-share"},
                {"reference": "14.2", "title": "Liability cap", "summary": "Capped at 125% of the annual fee."},
                {"reference": "21", "title": "Termination for convenience",
                 "summary": "Either party, from March 2027, on 180 days' notice."},
                {"reference": "23", "title": "Step-in rights",
                 "summary": "Contoso may step in to the dedicated fleet if OTIF falls below 90% for two months."},
            ],
        },
    }
    w.save(DANA, "commercial_agreement", content, 148, "Summary of the signed master services agreement")
    content = w.content("commercial_agreement")
    content["fields"]["annual_value"] = usd(19_250_000)
    w.save(ALEX, "commercial_agreement", content, 40, "Annual value updated after the March rate reset")
    w.review(DANA, "commercial_agreement", 40)


def _management(w: PlanWriter) -> None:
    nw, ct = str(w.nw), str(w.ct)
    content = {
        "narrative": "How the partnership runs from day to day. Each activity has one lead party; both parties "
                     "know their part in it.",
        "items": {"activities": [
            {"name": "Daily operations stand-up", "lead_party": w.nw, "frequency": "daily",
             "responsibilities": {nw: "Control tower shift lead runs it",
                                  ct: "Plant coordinators report receiving issues"},
             "description": "15 minutes at 7:30 Central: yesterday's misses, today's risks."},
            {"name": "Weekly performance review", "lead_party": w.nw, "frequency": "weekly",
             "responsibilities": {nw: "Publishes the scorecard by Monday noon", ct: "Comments on exceptions"}},
            {"name": "Sales and operations planning alignment", "lead_party": w.ct, "frequency": "monthly",
             "responsibilities": {ct: "Shares the 13-week forecast", nw: "Confirms fleet and dock capacity"}},
            {"name": "Quarterly business review", "lead_party": w.nw, "frequency": "quarterly",
             "responsibilities": {nw: "Prepares the pack", ct: "Scores the relationship"}},
            {"name": "Open-book audit", "lead_party": w.ct, "frequency": "yearly",
             "responsibilities": {ct: "Audits the cost statement", nw: "Provides ledgers and invoices"}},
            {"name": "Carrier performance management", "lead_party": w.nw, "frequency": "monthly",
             "responsibilities": {nw: "Scores and manages backup carriers"}},
        ]},
    }
    w.save(PRIYA, "management_activities", content, 110, "Operating rhythm agreed at go-live")
    w.review(LUIS, "management_activities", 25)


def _improvement(w: PlanWriter) -> None:
    measure = {name: w.id_of("business_case", "measures", "name", name) for name in (
        "On-time-in-full delivery", "Logistics cost per unit", "Carbon intensity", "Dock-to-stock time")}
    content = {
        "narrative": "Either party may propose an initiative; the operations board assesses it against the joint "
                     "measures and approves it within its budget.",
        "items": {"initiatives": [
            {"title": "Electric yard tractors at Joliet", "proposed_by": w.nw, "champion": w.user(PRIYA),
             "expected_benefit": "Zero-emission yard moves and lower maintenance.", "estimated_value": usd(140_000),
             "linked_measure": measure["Carbon intensity"], "status": "in_progress", "target_date": "2026-06-30"},
            {"title": "Vendor-managed returnable packaging", "proposed_by": w.ct, "champion": w.user(LUIS),
             "expected_benefit": "Fewer one-way cartons; packaging cost down 30%.", "estimated_value": usd(310_000),
             "linked_measure": measure["Logistics cost per unit"], "status": "approved", "target_date": "2026-03-31"},
            {"title": "Dynamic dock scheduling", "proposed_by": w.nw, "champion": w.user(ALEX),
             "expected_benefit": "Trucks booked into dock slots from live ETAs.", "estimated_value": usd(220_000),
             "linked_measure": measure["Dock-to-stock time"], "status": "implemented", "target_date": "2025-05-31"},
            {"title": "Shared demand-sensing model", "proposed_by": w.ct, "champion": w.user(DANA),
             "expected_benefit": "Forecast error below 10% at two weeks out.",
             "linked_measure": measure["On-time-in-full delivery"], "status": "assessing"},
            {"title": "Rail for the Monterrey–Joliet lane", "proposed_by": w.nw,
             "expected_benefit": "40% less CO₂ on the longest lane.", "estimated_value": usd(90_000),
             "linked_measure": measure["Carbon intensity"], "status": "idea"},
            {"title": "Consolidated LTL milk runs for small suppliers", "proposed_by": w.ct, "status": "not_pursued",
             "expected_benefit": "Superseded by the dock scheduling project."},
        ]},
    }
    w.save(ALEX, "continuous_improvement", content, 60, "Pipeline from the improvement workshop")
    content = w.content("continuous_improvement")
    content["items"]["initiatives"][1]["status"] = "in_progress"
    w.save(LUIS, "continuous_improvement", content, 4, "Packaging pilot started at Dayton")


def _knowledge(w: PlanWriter) -> None:
    content = {
        "narrative": "Background IP stays with the party that brought it. Foreground IP created together is owned "
                     "by the party named here and licensed to the other for the life of the alliance.",
        "items": {"knowledge": [
            {"name": "Control-tower operating playbook", "type": "know_how", "owner": w.nw,
             "confidentiality": "confidential",
             "licence_terms": "Contoso may use it for its own plants during the alliance.",
             "sharing_rules": "Shared read-only in the alliance workspace."},
            {"name": "Production schedules and demand forecasts", "type": "data", "owner": w.ct,
             "confidentiality": "restricted",
             "licence_terms": "Northwind may use them only to plan Contoso's freight.",
             "sharing_rules": "Never shared with other Northwind customers or carriers.",
             "location": "https://planning.contoso.example/feeds/northwind"},
            {"name": "Dock-scheduling algorithm", "type": "foreground_ip", "owner": w.nw,
             "confidentiality": "confidential",
             "licence_terms": "Perpetual, royalty-free licence to Contoso for its own sites."},
            {"name": "Part master and packaging specifications", "type": "data", "owner": w.ct,
             "confidentiality": "confidential"},
            {"name": "Route optimiser", "type": "software", "owner": w.nw, "confidentiality": "confidential",
             "licence_terms": "Used by Northwind on Contoso's behalf; no licence to Contoso."},
            {"name": "Joint lane cost model", "type": "foreground_ip", "owner": w.ct, "confidentiality": "internal",
             "location": "https://alliance.northwind.example/lane-cost-model"},
        ]},
    }
    w.save(DANA, "knowledge_management", content, 130, "IP register from the contract schedules")
    w.review(ALEX, "knowledge_management", 118)  # overdue: last looked at four months ago


def _communications(w: PlanWriter) -> None:
    content = {
        "narrative": "One rhythm of meetings and reports that both parties keep to, from the daily exceptions email "
                     "to the quarterly steering committee.",
        "items": {"channels": [
            {"name": "Daily exceptions email", "format": "email", "frequency": "daily", "owner": w.nw,
             "participants": "Control tower, plant coordinators", "purpose": "Late or short loads and their recovery."},
            {"name": "Performance dashboard", "format": "dashboard", "frequency": "daily", "owner": w.nw,
             "participants": "Everyone in the alliance"},
            {"name": "Weekly performance call", "format": "video", "frequency": "weekly", "owner": w.nw,
             "participants": "Alliance managers, operational leads"},
            {"name": "Joint operations board", "format": "in_person", "frequency": "monthly", "owner": w.ct,
             "participants": "See organisational arrangements", "purpose": "Alternates between Joliet and Dayton."},
            {"name": "Executive steering committee", "format": "in_person", "frequency": "quarterly", "owner": w.ct,
             "participants": "Executive sponsors and alliance managers"},
            {"name": "Alliance newsletter", "format": "newsletter", "frequency": "quarterly", "owner": w.ct,
             "participants": "Plant and control-tower teams",
             "purpose": "Wins, changes and people news on both sides."},
        ]},
    }
    w.save(LUIS, "communications", content, 125, "Communication plan from go-live")  # overdue: never reviewed


def _exit(w: PlanWriter) -> None:
    asset = lambda name: w.id_of("asset_register", "assets", "name", name)  # noqa: E731
    ip = lambda name: w.id_of("knowledge_management", "knowledge", "name", name)  # noqa: E731
    content = {
        "narrative": "Agreed while relations are good. An exit must never put Contoso's plants at risk: "
                     "Northwind keeps serving them until the transition plan says otherwise, and both "
                     "parties fund their own exit costs.",
        "items": {
            "triggers": [
                {"trigger": "Termination for convenience (from March 2027)", "notice_days": 180,
                 "process": "Written notice to the other alliance manager and executive sponsor."},
                {"trigger": "Material breach not remedied", "notice_days": 60,
                 "process": "Breach notice, 30 days to remedy, then escalation to level 3 before notice."},
                {"trigger": "Change of control of either party", "notice_days": 90},
                {"trigger": "OTIF below 92% for three consecutive months", "notice_days": 90},
            ],
            "steps": [
                {"step": "Form a joint exit team", "responsible": w.ct, "timing": "Within 10 days of notice"},
                {"step": "Agree the transition plan and milestones", "responsible": w.ct,
                 "timing": "Within 30 days of notice"},
                {"step": "Hand over open orders, data feeds and carrier contracts", "responsible": w.nw,
                 "timing": "30 days before the end date"},
                {"step": "Return or buy out the packaging pool and fleet", "responsible": w.nw,
                 "timing": "At the end date"},
                {"step": "Final open-book reconciliation and gain-share", "responsible": w.ct,
                 "timing": "Within 90 days after the end date"},
            ],
            "asset_dispositions": [
                {"asset": asset("Dedicated fleet: 38 tractors, 60 trailers"), "disposition": "bought_out",
                 "receiving_party": w.ct, "terms": "At net book value; Contoso may decline with 60 days' notice."},
                {"asset": asset("Returnable packaging pool"), "disposition": "bought_out", "receiving_party": w.ct},
                {"asset": asset("Joliet cross-dock and control tower"), "disposition": "returns",
                 "receiving_party": w.nw},
                {"asset": asset("Working capital for the packaging pool"), "disposition": "to_agree"},
            ],
            "ip_dispositions": [
                {"knowledge": ip("Production schedules and demand forecasts"), "disposition": "licence_ends",
                 "terms": "Copies deleted within 30 days; deletion certified in writing."},
                {"knowledge": ip("Dock-scheduling algorithm"), "disposition": "licence_continues"},
                {"knowledge": ip("Control-tower operating playbook"), "disposition": "owner_keeps"},
            ],
        },
    }
    w.save(DANA, "exit_arrangements", content, 100, "Exit arrangements from contract schedule 7")
    content = w.content("exit_arrangements")
    content["items"]["triggers"][3]["notice_days"] = 120
    w.save(ALEX, "exit_arrangements", content, 35, "Longer notice for the OTIF trigger, as agreed at the QBR")
    w.review(DANA, "exit_arrangements", 34)


def write_the_plan(demo: Demo) -> None:
    writer = PlanWriter(demo, utcnow())
    for part in (_organisation, _business_case, _assets, _risks, _commercial, _management,
                 _improvement, _knowledge, _communications, _exit):
        part(writer)
