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


def plan_html(client, partnership_id: int, *, draft: bool = False) -> str:
    """The HTML of the plan document the PDF export renders.

    The plan-version document (app.plan_versions.document.document_html) when the app has
    it; until then the whole-plan page, fetched by a signed-in client.
    """
    try:
        from app.plan_versions.document import document_html
    except ImportError:
        document_html = None
    if document_html is not None:
        from app.extensions import db
        from app.partnerships.models import Partnership

        with client.application.test_request_context():
            return document_html(db.session.get(Partnership, partnership_id), draft=draft)
    response = client.get(f"/partnerships/{partnership_id}/plan/full")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def has_plan_document() -> bool:
    try:
        from app.plan_versions.document import document_html  # noqa: F401
    except ImportError:
        return False
    return True


def large_plan_html(app, client, partnership_id: int) -> tuple[str, str]:
    """The large plan's HTML, and where it comes from.

    With the plan-version document: the demo plan grown by `make_large_plan`, through
    `plan_html`. Without it, the whole-plan page is no stand-in at this size: it is laid out
    for screens (flex and grid), which WeasyPrint lays out in minutes per hundred pages (a
    30-page demo takes ~25 s; the large one did not finish in 14 min). The signing tests'
    print-styled plan document of the same size stands in instead.
    """
    if has_plan_document():
        make_large_plan(app, partnership_id)
        return plan_html(client, partnership_id), "plan-version document"
    from tests.signing.sample_plan import build_plan_html

    return (build_plan_html(risks=LARGE["risks"], assets=LARGE["assets"], narrative_paragraphs=70),
            "print-styled sample document (tests/signing/sample_plan.py)")


def make_large_plan(app, partnership_id: int) -> None:
    """Grow the demo plan to 500 risks, 500 assets and long narratives in every section."""
    from app.extensions import db
    from app.partnerships.models import Membership
    from app.plan_sections import services
    from app.plan_sections.registry import section_types

    with app.app_context():
        membership = db.session.scalar(
            sa.select(Membership).where(Membership.partnership_id == partnership_id).order_by(Membership.id).limit(1)
        )
        for section_type in section_types():
            section = services.section_for(partnership_id, section_type.key)
            content = copy.deepcopy(services.current_content(partnership_id, section_type.key))
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
            services.save_section(membership, section, content, section.current_revision_id, "Benchmark: large plan")
        db.session.commit()
