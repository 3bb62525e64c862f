"""The demo's plan versions: v1.0 signed by both parties (the signed baseline), a change since,
and v1.1 signed by Northwind and awaiting Contoso (to sign within ten days), with their stored signed PDFs, all built
through the services."""

import copy
from datetime import timedelta

from app.coediting import saving
from app.demo.workspace import ALEX, DANA, DEMO_PASSWORD, PRIYA, Demo
from app.plan_sections import reading
from app.plan_versions import pdfs, services
from app.plan_versions.services import SigningRequest
from app.types import clock_at, utcnow

DEMO_BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"


def _sign(demo: Demo, email: str, version) -> None:
    user = demo.users[email]
    services.sign_version(demo.member(email), version, SigningRequest(
        password=DEMO_PASSWORD, typed_name=user.full_name, confirmed=True, ip="192.0.2.10", user_agent=DEMO_BROWSER,
    ))


def _append_to_narrative(demo: Demo, email: str, key: str, text: str, note: str) -> None:
    section = reading.section_for(demo.partnership.id, key)
    content = copy.deepcopy(section.current_revision.content)
    content["narrative"] = content["narrative"].rstrip() + "\n\n" + text
    saving.save_edit(demo.member(email), section, content, section.current_revision_id, note)


def plan_versions(demo: Demo) -> None:
    # v1.0 was issued after the last co-edits (19 hours ago): Alex signed a quarter of an hour
    # later, Dana that afternoon; v1.1 followed this morning and awaits Contoso.
    now = utcnow()
    issued = now - timedelta(hours=18)
    with clock_at(issued):
        first = services.issue_version(
            demo.member(ALEX), step="major",
            summary="The first plan both parties sign: governance, the business case and its measures, the shared "
                    "risk register and the exit arrangements as agreed at the launch workshop.",
        )
    with clock_at(issued + timedelta(minutes=14)):
        _sign(demo, ALEX, first)
    with clock_at(issued + timedelta(hours=9, minutes=40)):
        _sign(demo, DANA, first)
    with clock_at(now - timedelta(hours=5)):
        _append_to_narrative(
            demo, PRIYA, "management_activities",
            "From the second quarter, the monthly operations review is followed by a short written summary both "
            "alliance managers send to their own leadership teams the same day.",
            "Monthly summary to both leadership teams",
        )
    with clock_at(now - timedelta(hours=3)):
        second = services.issue_version(
            demo.member(ALEX), step="minor",
            summary="Management activities: a written summary of each monthly operations review goes to both "
                    "leadership teams.",
            sign_by=(now + timedelta(days=10)).date(),
        )
    with clock_at(now - timedelta(hours=2, minutes=48)):
        _sign(demo, ALEX, second)
    with clock_at(now - timedelta(hours=1)):
        _append_to_narrative(
            demo, PRIYA, "exit_arrangements",
            "Lessons from the Laredo border delays are added to the transition playbook within two weeks.",
            "Laredo lessons in the transition playbook",
        )
    for version in (first, second):
        pdfs.update_documents(version.id)
