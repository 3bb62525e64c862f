"""Who else has a section open: read by polling (GET, changes nothing), reported by heartbeats
(POST, admins and editors) from app/static/js/coediting.js while a section page is open."""

from flask import abort, jsonify, request

from app.accounts.session import background, note_activity
from app.coediting import bp
from app.coediting.models import PRESENCE_MODES
from app.coediting.presence import HEARTBEAT_SECONDS, heartbeat, people_present
from app.extensions import db
from app.partnerships.access import Permission, current_membership, has_permission
from app.plan_sections.registry import section_type_or_404
from app.types import utcnow


def presence_json(partnership_id: int, section_key: str, user_id: int):
    now = utcnow()
    people = people_present(partnership_id, section_key, exclude_user_id=user_id, now=now)
    return {
        "heartbeat_seconds": HEARTBEAT_SECONDS,
        "people": [
            {"name": p.name, "party": p.party, "mode": p.mode, "minutes": p.minutes(now), "text": p.sentence(now)}
            for p in people
        ],
    }


@bp.route("/partnerships/<int:partnership_id>/plan/<section_key>/presence", methods=["GET", "POST"])
@background
def presence(partnership_id: int, section_key: str):
    membership = current_membership()
    section_type_or_404(section_key)
    if request.method == "POST":
        if not has_permission(membership, Permission.EDIT_PLAN):
            abort(403)
        mode = request.form.get("mode", "")
        if mode not in PRESENCE_MODES:
            abort(400)
        if request.form.get("active") == "1":
            note_activity()  # they typed or clicked since the last heartbeat: a person is there
        heartbeat(membership, section_key, mode, leaving=request.form.get("leave") == "1")
        db.session.commit()
    response = jsonify(presence_json(partnership_id, section_key, membership.user_id))
    response.headers["Cache-Control"] = "no-store"
    return response
