"""Plan versions: issue, sign by every party, the signed baseline, signed PDFs and their verification."""

from flask import Blueprint

bp = Blueprint("plan_versions", __name__)
