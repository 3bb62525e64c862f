"""Invitations: inviting colleagues and partner organisations, and accepting."""

from flask import Blueprint, Flask

bp = Blueprint("invitations", __name__)


def _members_panel(membership) -> dict:
    """The members page's invitations, and the new parties proposed and not yet agreed."""
    from app.consent import services as consent
    from app.invitations import services
    from app.types import utcnow

    return {
        "invitations": services.invitations_of(membership.partnership_id),
        "admissions": consent.open_of_kind(membership.partnership_id, "admit_party"),
        "now": utcnow(),
    }


from app.invitations import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.consent.kinds import KINDS
    from app.invitations import services
    from app.invitations.visibility import admission_visibility
    from app.partnerships.access import Permission
    from app.partnerships.navigation import MEMBER_PANELS, Panel

    app.register_blueprint(bp)
    KINDS.add(app, services.PROPOSAL_KIND)  # a new party joins only when every party agrees
    app.add_template_global(admission_visibility, "admission_visibility")  # said on that proposal
    MEMBER_PANELS.add(app, Panel(10, "invitations/_members_panel.html", _members_panel, permission=Permission.INVITE))
