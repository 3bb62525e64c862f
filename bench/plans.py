"""The plan documents the benchmarks render: the demo plan, and a large one grown from it."""

import copy

import sqlalchemy as sa

LARGE = {"risks": 500, "assets": 500, "narrative_chars": 12_000}

PARAGRAPH = (
    "Both parties review this part of the plan at every quarterly governance meeting. The alliance "
    "managers bring the figures for the quarter, the owners explain what changed and why, and the "
    "joint board agrees what each party does next, by when, and how the other will know it is done. "
    "Where a commitment slips, the owner says so early and proposes a recovery, so that neither "
    "party learns of a problem from its own customers first."
)


def version_html(app, partnership_id: int, *, issue: bool = False) -> tuple[str, str]:
    """The HTML a plan version's PDF is rendered from (app.plan_versions.document.document_html),
    and which version it is: the partnership's newest version, or (issue=True) a new one issued
    from the working plan. Issuing through the service commits no PDF build: the views start
    those, so nothing renders in the background while the benchmark measures."""
    from app.consent import services as consent
    from app.extensions import db
    from app.partnerships.models import Membership, Partnership, Role
    from app.plan_versions import services as versions
    from app.plan_versions import withdrawal
    from app.plan_versions.document import document_html
    from app.plan_versions.models import PlanVersion

    with app.app_context():
        partnership = db.session.get(Partnership, partnership_id)
        if issue:
            pending = versions.awaiting_of(partnership_id)
            if pending is not None:  # the demo's v1.1 awaits a signature: withdrawn with every party's consent
                issuer = db.session.scalar(sa.select(Membership).where(
                    Membership.partnership_id == partnership_id, Membership.user_id == pending.issued_by_id))
                proposal = withdrawal.propose_withdrawal(issuer, pending, "Benchmark: the large plan replaces it.")
                for party_id in proposal.asked_party_ids:
                    answerer = db.session.scalar(sa.select(Membership).where(
                        Membership.partnership_id == partnership_id, Membership.party_id == party_id,
                        Membership.role == Role.ADMIN).order_by(Membership.id).limit(1))
                    consent.respond(answerer, proposal, "agree")
            admin = db.session.scalar(
                sa.select(Membership).where(Membership.partnership_id == partnership_id, Membership.role == Role.ADMIN)
                .order_by(Membership.id).limit(1)
            )
            version = versions.issue_version(admin, step="minor", summary="Benchmark: the large plan.")
            db.session.commit()
        else:
            version = db.session.scalar(
                sa.select(PlanVersion).where(PlanVersion.partnership_id == partnership_id)
                .order_by(PlanVersion.id.desc()).limit(1)
            )
        return document_html(partnership, version), version.label


def large_plan_html(app, partnership_id: int) -> tuple[str, str]:
    """The demo plan grown by `make_large_plan`, issued as a version: its document's HTML."""
    make_large_plan(app, partnership_id)
    html, label = version_html(app, partnership_id, issue=True)
    return html, f"plan version {label} of the demo plan grown to {LARGE['risks']} risks and {LARGE['assets']} assets"


def make_large_plan(app, partnership_id: int) -> None:
    """Grow the demo plan to 500 risks, 500 assets and long narratives in every section."""
    from app.extensions import db
    from app.partnerships.models import Membership
    from app.plan_sections import reading, writing
    from app.plan_sections.registry import section_types

    with app.app_context():
        membership = db.session.scalar(
            sa.select(Membership).where(Membership.partnership_id == partnership_id).order_by(Membership.id).limit(1)
        )
        for section_type in section_types():
            section = reading.section_for(partnership_id, section_type.key)
            content = copy.deepcopy(reading.current_content(partnership_id, section_type.key))
            narrative = content.get("narrative") or ""
            number = 0
            while len(narrative) < LARGE["narrative_chars"]:
                number += 1
                narrative += f"\n\n### Review note {number}\n\n{PARAGRAPH}"
            content["narrative"] = narrative
            for kind in section_type.item_kinds:
                wanted = LARGE.get(kind.key)
                items = content["items"][kind.key]
                if not wanted or not items:
                    continue
                grown = []
                for index in range(wanted):
                    item = {k: v for k, v in items[index % len(items)].items() if k != "id"}
                    label = "title" if "title" in item else "name"
                    item[label] = f"{item[label]} ({index + 1})"[:200]
                    grown.append(item)
                content["items"][kind.key] = grown
            writing.save_section(membership, section, content, section.current_revision_id, "Benchmark: large plan")
        db.session.commit()
