import sqlalchemy as sa
from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user

from app.core import bp
from app.extensions import db, limiter


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("portfolio.index"))
    return render_template("core/index.html")


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
