"""Evidence packs a certifier can verify: one signed ZIP of a partnership's signed plan, its
version history, review reports, maturity results, lifecycle map and audit trail, exported by a
partnership admin and checked by anyone offline (`ermp verify-pack`, the /verify page, or OpenSSL).

Stable addresses (under /partnerships/<id>):

    /evidence                              (GET)   evidence.index   the packs, and "Export evidence pack"
    /evidence                              (POST)  evidence.export  ask for a new pack (admins)
    /evidence/<pack_id>                    (GET)   evidence.pack    the ZIP, or "being prepared"
    /evidence/<pack_id>/status             (GET)   evidence.status  JSON for the preparing page
    /evidence/<pack_id>/retry              (POST)  evidence.retry   queue a failed pack again
    /evidence/certificates/<org_id>.pem    (GET)   evidence.certificate  a party's signing certificate
"""

from flask import Blueprint, Flask

# Only the blueprint here: the limited child that checks an uploaded pack imports this package
# (app/evidence/inspection.py), and should not pay for the rest of the app.
bp = Blueprint("evidence", __name__)


def init_app(app: Flask) -> None:
    from app.audit.actions import ACTIONS, AuditAction
    from app.evidence import cli, packing, routes  # noqa: F401 - the routes and commands join bp and ermp
    from app.evidence.checking import is_pack
    from app.partnerships.access import Permission
    from app.partnerships.navigation import TABS, Tab
    from app.registries import UPLOAD_VERIFIERS, UploadVerifier

    app.register_blueprint(bp)
    # The pack holds the whole audit trail: it is for those who may see the trail.
    TABS.add(app, Tab(96, "Evidence", "evidence.index", permission=Permission.VIEW_AUDIT,
                      also_for=("evidence.pack",)))
    ACTIONS.add(app, AuditAction("evidence.exported", "Evidence pack exported",
                                 "{actor} exported an evidence pack, signed for {organisation}", show_changes=False))
    packing.add_jobs(app)
    UPLOAD_VERIFIERS.add(app, UploadVerifier(
        "evidence_pack", "an evidence pack (ZIP)", "evidence pack",
        "An evidence pack is checked file by file against its signed manifest, and its signer against the "
        "certificates Jointly's organisations sign with.",
        is_pack, routes.verify_upload, "evidence/_verification.html",
    ))
