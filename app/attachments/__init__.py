"""Evidence attachments: the contract behind the commercial section, a risk's mitigation evidence,
the minutes behind an action, the data behind a measure's actual.

A file attaches to a section, an item of a section, an improvement action, or a party's actual
of a measure in a review (blind until the reveal). Each upload keeps its name, type, size,
uploader, party, time and SHA-256; a new upload of the same name is the next version; nothing is
deleted, only withdrawn with the record kept. Files live in the object store (app/storage.py:
a folder, or S3-compatible storage shared by several instances); a plan version freezes the plan's
files current at issue and its PDF lists each with its SHA-256; their text goes into search.

Stable addresses (under /partnerships/<id>):

    /attachments/new?place=REF                    (GET)   attachments.new       the attach form alone
    /attachments                                  (POST)  attachments.add       attach a file to a place
    /attachments/<aid>                            (GET)   attachments.show      its versions, a new version, withdrawal
    /attachments/<aid>/versions                   (POST)  attachments.add_version
    /attachments/<aid>/withdraw                   (POST)  attachments.withdraw
    /attachments/<aid>/versions/<n>/file          (GET)   attachments.download  the file (as a download)
"""

from flask import Blueprint, Flask

bp = Blueprint("attachments", __name__)

_AUDIT_ACTIONS = (
    ("attachment.added", "Evidence attached", "{actor} attached {name} to {place}"),
    ("attachment.version_added", "Evidence version added", "{actor} added version {version} of {name} ({place})"),
    ("attachment.withdrawn", "Evidence withdrawn", "{actor} withdrew {name} from {place}: {reason}"),
)


def init_app(app: Flask) -> None:
    from app.attachments import integrity, pages, routes, services, text  # noqa: F401 - routes join bp
    from app.audit.actions import ACTIONS, AuditAction
    from app.registries import INTEGRITY_CHECKS, PLAN_EVIDENCE

    app.register_blueprint(bp)
    for key, label, sentence in _AUDIT_ACTIONS:
        ACTIONS.add(app, AuditAction(key, label, sentence, show_changes=False))
    text.add_jobs(app)
    PLAN_EVIDENCE.add(app, services.plan_evidence)
    INTEGRITY_CHECKS.add(app, integrity.stored_files_verify)
    pages.add_template_globals(app)
