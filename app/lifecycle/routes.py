from flask import render_template

from app.lifecycle import bp, map_for
from app.partnerships.access import current_membership


@bp.get("/partnerships/<int:partnership_id>/lifecycle", endpoint="map")
def lifecycle_map(partnership_id: int):
    return render_template("lifecycle/map.html", lifecycle=map_for(current_membership()))
