"""Co-editing of plan sections: history, diffs, restores, merges on save, kept conflicts,
presence, comments and the partnership's activity feed.

The pure engine (content.py, diffing.py, merging.py) knows nothing of the app; the rest
builds the feature around it. Stable addresses other features link to (all under
/partnerships/<id>):

    /plan/<section_key>?sort=<kind key>.<column>&dir=<asc|desc>         coediting.section
    /plan/<section_key>/edit                           (GET, POST)      coediting.edit
    /plan/<section_key>/history?party=<party id>&before=<n>&after=<n>   coediting.history
    /plan/<section_key>/revisions/<n>                                   coediting.revision
    /plan/<section_key>/revisions/<n>/restore          (POST)           coediting.restore
    /plan/<section_key>/compare?from=<n>&to=<n|current>                 coediting.compare
    /plan/compare?from=<YYYY-MM-DD>&to=<YYYY-MM-DD>                     coediting.plan_compare
    /plan/<section_key>/comments                                        coediting.comments
    /plan/<section_key>/conflicts/<id>                                  coediting.conflict
    /plan/<section_key>/presence                     (GET JSON, POST)   coediting.presence
    /activity?section=<key>&party=<party id>&before=<cursor>            coediting.activity
"""

from flask import Blueprint, Flask, g

from app.audit.actions import ACTIONS, AuditAction, fill_sentence
from app.partnerships.navigation import PANELS, TABS, Panel, Tab

bp = Blueprint("coediting", __name__)


def _recent_activity(membership):
    from app.coediting.activity import activity_page

    return {"feed": activity_page(membership.partnership_id, size=6)}


def _section_title(details: dict) -> str:
    from app.plan_sections.registry import get_section_type

    section_type = get_section_type(str(details.get("section")))
    return f"“{section_type.title}”" if section_type is not None else "a section"


def _sentence(template: str):
    def describe(event, names) -> str:
        details = event.details or {}
        return fill_sentence(template, {
            **{k: v for k, v in details.items() if not isinstance(v, (list, dict)) and v is not None},
            "actor": names.actor(event),
            "section": _section_title(details),
            "merged": ", ".join(str(n) for n in details.get("merged_with") or []) or "…",
        })

    return describe


# The plan's own save and review events read as sentences too (their details name the section
# and revision, which only the co-editing pages link to).
_AUDIT_ACTIONS = tuple(AuditAction(key, label, _sentence(template), show_changes=False) for key, label, template in (
    ("plan.section_saved", "Section saved", "{actor} saved {section} as revision {revision}"),
    ("plan.section_reviewed", "Section reviewed", "{actor} confirmed {section} is still current (revision {revision})"),
    ("plan.section_merged", "Section saved with a merge",
     "{actor} saved {section} as revision {revision}, merged with revisions {merged}"),
    ("plan.section_restored", "Section restored",
     "{actor} restored {section} to revision {restored} (as revision {revision})"),
    ("plan.conflict_kept", "Overlapping save kept",
     "{actor} saved {section} over changes in revision {their_revision}; the overlapping save is kept for "
     "them to resolve"),
    ("plan.conflict_resolved", "Overlapping save resolved", "{actor} resolved an overlapping save of {section}"),
    ("plan.conflict_superseded", "Overlapping save met another change",
     "{actor} resolved an overlapping save of {section}, which met yet another change and was kept again"),
    ("plan.conflict_discarded", "Overlapping save discarded",
     "{actor} discarded their overlapping save of {section} (against revision {their_revision})"),
    ("plan.comment_added", "Comment written", "{actor} commented on {section}: “{excerpt}”"),
    ("plan.comment_thread_resolved", "Comment thread resolved", "{actor} resolved a comment thread on {section}"),
    ("plan.comment_thread_reopened", "Comment thread reopened", "{actor} reopened a comment thread on {section}"),
))

@bp.app_context_processor
def _open_comments_for_plan_pages():
    """`open_comment_counts()` for the plan overview's comment counts: {section_key: open threads}."""

    def open_comment_counts() -> dict[str, int]:
        membership = g.get("membership")
        if membership is None:
            return {}
        from app.coediting.comments import open_thread_counts

        return open_thread_counts(membership.partnership_id)

    return {"open_comment_counts": open_comment_counts}


from app.coediting import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.coediting import admission
    from app.invitations.visibility import what_a_new_party_sees

    app.register_blueprint(bp)
    TABS.add(app, Tab(20, "Activity", "coediting.activity"))
    PANELS.add(app, Panel(20, "coediting/_panel.html", _recent_activity))
    for action in _AUDIT_ACTIONS:
        ACTIONS.add(app, action)
    # What a proposed new party would see: the recent activity.
    what_a_new_party_sees.connect(admission.activity_seen)
