"""The demo's co-editing: people of both parties editing the risk register at the same time (a
merge, a restore, and one overlapping save Luis has not resolved yet), and comment threads with
mentions, built through the services so history, notifications and audit events are real."""

import copy
from datetime import timedelta

from app.coediting import comments, saving
from app.demo.workspace import ALEX, DANA, LUIS, PRIYA, Demo
from app.plan_sections import reading
from app.types import clock_at, utcnow


class CoEditor:
    def __init__(self, demo: Demo):
        self.demo = demo
        self.now = utcnow()
        self.partnership_id = demo.partnership.id

    def section(self, key: str):
        return reading.section_for(self.partnership_id, key)

    def current(self, key: str):
        return self.section(key).current_revision

    def save(self, email: str, key: str, content: dict, base, note: str, hours_ago: float):
        at = self.ago(hours_ago)
        with clock_at(at):  # the audit trail and notices dated as the revision
            return saving.save_edit(self.demo.member(email), self.section(key), content, base.id, note, at=at)

    def ago(self, hours: float):
        return self.now - timedelta(hours=hours)


def _risk(content: dict, starts_with: str) -> dict:
    return next(r for r in content["items"]["risks"] if r["title"].startswith(starts_with))


def _simultaneous_edits(c: CoEditor) -> None:
    base = c.current("risk_assessment")
    # Alex and Luis open the register at the same time. Alex sharpens the narrative and saves first.
    alex = copy.deepcopy(base.content)
    alex["narrative"] += (
        "\n\nThe register is walked through risk by risk at every quarterly review; owners bring evidence "
        "that their mitigation works, not only that it exists."
    )
    c.save(ALEX, "risk_assessment", alex, base, "Quarterly walk-through of every risk", 150)
    # Luis, still on the old base, updates a Contoso risk: it merges with Alex's revision.
    luis = copy.deepcopy(base.content)
    forecast = _risk(luis, "Forecast error")
    forecast["likelihood"], forecast["status"] = 3, "treating"
    forecast["mitigation"] = ("Weekly S&OP call with Northwind's planners; expedite costs shared 50/50 above the "
                              "threshold; forecast accuracy on the operations board dashboard.")
    c.save(LUIS, "risk_assessment", luis, base, "Forecast accuracy improving since the S&OP call", 149.5)
    # Priya closes the driver-shortage risk too early; Dana restores the version before.
    before = c.current("risk_assessment")
    priya = copy.deepcopy(before.content)
    _risk(priya, "Driver shortage")["status"] = "monitoring"
    _risk(priya, "Driver shortage")["likelihood"] = 2
    c.save(PRIYA, "risk_assessment", priya, before, "Agency drivers in place", 74)
    saving.restore_revision(
        c.demo.member(DANA), c.section("risk_assessment"), before, c.current("risk_assessment").id,
        "Still treating: agency cover ends in March", at=c.ago(50),
    )
    # Then both change the same risk's likelihood: Priya saves first, and Luis's overlapping
    # save is kept for him to resolve (sign in as Luis to see the conflict page).
    base = c.current("risk_assessment")
    priya = copy.deepcopy(base.content)
    _risk(priya, "Border delays")["likelihood"] = 4
    c.save(PRIYA, "risk_assessment", priya, base, "Laredo queues longer since the new inspections", 20)
    luis = copy.deepcopy(base.content)
    _risk(luis, "Border delays")["likelihood"] = 2
    _risk(luis, "Forklift incident")["next_review"] = (c.now.date() + timedelta(days=14)).isoformat()
    c.save(LUIS, "risk_assessment", luis, base, "Monterrey pre-clearance works; earlier safety walk", 19)


def _conversations(c: CoEditor) -> None:
    risks = c.section("risk_assessment")
    content = risks.current_revision.content
    driver = _risk(content, "Driver shortage")["id"]
    thread = comments.start_thread(
        c.demo.member(DANA), risks,
        "@Priya Shah could we see the agency driver contracts before the QBR? If standby costs go above "
        "**$40k a month** we should talk about sharing them.",
        driver, at=c.ago(118),
    )
    comments.reply(c.demo.member(PRIYA), thread,
                   "Yes, I'll add them to the knowledge register by Friday. Standby runs at $28k a month today, "
                   "@Dana Reyes.", at=c.ago(96))
    cyber = comments.start_thread(
        c.demo.member(ALEX), risks,
        "After the breach at a carrier in Ohio last month, should the cyber risk's likelihood go up? "
        "@Luis Ortega what did the penetration test find?",
        _risk(content, "Cyber attack")["id"], at=c.ago(240),
    )
    comments.reply(c.demo.member(LUIS), cyber,
                   "Two medium findings, both fixed. MFA is now on every integration account, so I'd keep it at 3.",
                   at=c.ago(220))
    comments.resolve_thread(c.demo.member(ALEX), cyber, at=c.ago(200))
    comments.start_thread(
        c.demo.member(LUIS), c.section("business_case"),
        "OTIF is marked *at risk*. @Alex Morgan shall we add a recovery initiative to section 7 so it is "
        "tracked in the next review?",
        at=c.ago(6),
    )


def co_edit_the_plan(demo: Demo) -> None:
    c = CoEditor(demo)
    _simultaneous_edits(c)
    _conversations(c)
