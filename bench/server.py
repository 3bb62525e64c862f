"""The app as gunicorn serves it (`gunicorn bench.server:app`), plus the baselines the load items need.

- /bench/bare?page=<path>: the bare-engine baseline of a page. On a worker's first call it
  requests the real page once (with the caller's cookie) and keeps the template's name and
  the context it was rendered with; from then on it renders that template from that context,
  held in memory: no membership gate, no queries, no view code — Flask and Jinja only.
- /bench/export: renders the HTML file named by BENCH_EXPORT_HTML to PDF inside the request,
  as an in-request export would, so the load item can time other requests meanwhile.
Bench-only routes: never part of the app itself.
"""

import os
import sys
import threading

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from flask import Blueprint, abort, current_app, g, render_template, request, template_rendered  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import csrf  # noqa: E402

bp = Blueprint("bench", __name__)
_captured: dict[str, tuple[str, dict]] = {}
_lock = threading.Lock()


def _capture(page: str) -> tuple[str, dict]:
    """Request the real page once and keep the template and context it rendered with."""
    seen = []

    def record(sender, template, context, **extra):
        seen.append((template.name, dict(context)))

    client = current_app.test_client()
    client.set_cookie(current_app.config["SESSION_COOKIE_NAME"], request.cookies.get(
        current_app.config["SESSION_COOKIE_NAME"], ""))
    with template_rendered.connected_to(record, current_app._get_current_object()), current_app.app_context():
        response = client.get(page)
    if response.status_code != 200 or not seen:
        abort(500)
    name, context = seen[-1]
    standard: dict = {}
    current_app.update_template_context(standard)
    return name, {key: value for key, value in context.items() if key not in standard}


@bp.get("/bench/bare")
def bare():
    page = request.args.get("page", "")
    if not page.startswith("/partnerships/"):
        abort(404)
    with _lock:
        if page not in _captured:
            _captured[page] = _capture(page)
    name, context = _captured[page]
    # Helpers the template calls (a section's evidence) read the membership the gate keeps on `g`.
    g.membership = context.get("membership")
    return render_template(name, **context)


@bp.get("/bench/export")
def export():
    from app.signing.pades import render_for_signing

    with open(os.environ["BENCH_EXPORT_HTML"], encoding="utf-8") as handle:
        html = handle.read()
    pdf = render_for_signing(html, title="Benchmark export", author="Jointly", subject="Benchmark")
    return {"bytes": len(pdf)}


def with_bench_routes(app):
    app.register_blueprint(bp)
    csrf.exempt(bp)
    return app


app = with_bench_routes(create_app()) if os.environ.get("BENCH_SERVER") else None
