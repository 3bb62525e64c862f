"""Each partnership's place in the eight-stage lifecycle of a collaborative relationship, with the
evidence Jointly holds for every stage and what is still missing.

Addresses (under /partnerships/<id>):

    /lifecycle                         lifecycle.map     the coverage view, for every member

`lifecycle_pdf(partnership_id)` (document.py) renders the same map as a PDF for evidence packs.
"""

from flask import Blueprint, Flask

from app.partnerships.navigation import PANELS, TABS, Panel, Tab, once_per_request

bp = Blueprint("lifecycle", __name__)


def map_for(membership):
    """The member's lifecycle map, computed once per request (the home page's panel and the page)."""
    from app.lifecycle.coverage import lifecycle_map
    from app.lifecycle.evidence import load_snapshot
    from app.partnerships.access import has_permission
    from app.plan_sections.progress import plan_overview
    from app.review_cycle import cycles_this_request

    partnership = membership.partnership

    def compute():
        # The home page's plan panel reads the same overview under this key: one query for both.
        plan = once_per_request(f"plan:{partnership.id}", lambda: plan_overview(partnership))
        # And the review and maturity panels the partnership's cycles: one query for the three.
        snapshot = load_snapshot(partnership, plan, cycles_this_request(partnership.id))
        return lifecycle_map(snapshot, lambda needed: has_permission(membership, needed))

    return once_per_request(f"lifecycle:{partnership.id}", compute)


def _panel(membership):
    return {"map": map_for(membership)}


from app.lifecycle import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    TABS.add(app, Tab(35, "Lifecycle", "lifecycle.map"))
    PANELS.add(app, Panel(16, "lifecycle/_panel.html", _panel))
