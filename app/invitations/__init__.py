"""Invitations: inviting colleagues and partner organisations, and accepting."""

from flask import Blueprint, Flask

bp = Blueprint("invitations", __name__)

from app.invitations import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.consent.kinds import KINDS
    from app.invitations import services
    from app.invitations.visibility import admission_visibility

    app.register_blueprint(bp)
    KINDS.add(app, services.PROPOSAL_KIND)  # a new party joins only when every party agrees
    app.add_template_global(admission_visibility, "admission_visibility")  # said on that proposal
