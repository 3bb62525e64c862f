"""PDF rendering: a document's HTML to PDF with WeasyPrint, loading only the app's own static files.

Shared by the signed plan versions (app.signing.pades adds their signature fields) and the
never-signed documents (drafts, review reports). Nothing here imports the signing modules.
"""

import os

STATIC_FOLDER = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "static"))
# Documents are rendered with this base URL, so the app's relative `/static/...` and
# `static/...` references resolve here (and nowhere else: .invalid never resolves).
ASSET_BASE_URL = "https://assets.jointly.invalid/"

# The custom information-dictionary key a rendered PDF carries its content hash under.
CONTENT_HASH_KEY = "/JointlyContentHash"
# A `.signature-box` whose id starts with this becomes a signature field.
SIGNATURE_ANCHOR_PREFIX = "signature-field-"
