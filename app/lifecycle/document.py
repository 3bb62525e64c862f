"""The lifecycle map as a print-styled HTML document and a PDF, for evidence packs.

The document shows what every member sees on the page, as of the moment it is made; its links
point into the app at APP_BASE_URL, to where each piece of evidence lives.
"""

from flask import current_app, render_template

from app.extensions import db
from app.lifecycle.coverage import lifecycle_map
from app.lifecycle.evidence import load_snapshot
from app.partnerships.access import Permission
from app.partnerships.models import Partnership
from app.types import utcnow

# The pages the document links to: those where evidence is read (an auditor reads, never edits).
_READ = frozenset({Permission.VIEW, Permission.VIEW_AUDIT})


def lifecycle_html(partnership_id: int) -> str:
    """The map of the partnership as one HTML document (its stylesheet from the app's static files).
    LookupError when there is no such partnership."""
    partnership = db.session.get(Partnership, partnership_id)
    if partnership is None:
        raise LookupError(partnership_id)
    lifecycle = lifecycle_map(load_snapshot(partnership), lambda permission: permission in _READ)
    base = str(current_app.config.get("APP_BASE_URL") or "").rstrip("/")
    with current_app.test_request_context(base_url=base or "http://localhost"):
        return render_template("lifecycle/document.html", partnership=partnership, lifecycle=lifecycle,
                               base=base, made_at=utcnow())


def lifecycle_pdf(partnership_id: int) -> bytes:
    """The map of the partnership as a PDF (A4, page x of y). LookupError when there is no such
    partnership. Rendering takes a second or two: call it from a worker or a command."""
    from app.signing.rendering.pdf import render_pdf

    html = lifecycle_html(partnership_id)
    name = db.session.get(Partnership, partnership_id).name
    return render_pdf(html, title=f"{name}: lifecycle map", author="Jointly", subject="Lifecycle stages and evidence",
                      keywords=["lifecycle", "evidence"], lang="en")
