"""Item 1: PDF export against bare WeasyPrint on the same HTML, PAdES signatures, serving, a concurrent page.

- Render time (CPU time: on a shared machine wall time mostly measures the neighbours;
  wall time is in the note) and peak memory: each render runs in a fresh subprocess (after a small
  warm-up render that loads fonts and imports WeasyPrint and pyHanko), alternating
  Jointly's `render_for_signing` and bare `weasyprint.HTML(string=same_html, ...).write_pdf()`,
  which gets the same base URL and the same static-file fetcher, so both do the same
  layout work. Peak memory is the peak resident set above the one before the render
  (VmHWM; ru_maxrss where that is missing): WeasyPrint's Pango and HarfBuzz buffers are
  C memory that tracemalloc never sees.
- Signing: `pades.sign_pdf` with an ECDSA identity, first and second party, median of runs; and
  beside it pyHanko's floor, bare `signers.sign_pdf` with the same key into the same field of the same file.
- Serving a stored signed PDF: the demo's signed v1.0 through the app's download route, test client.
- A second request during a large export: gunicorn (`make run` settings) renders the
  large plan inside a request while the section page is requested over and over.

Alone: python bench/pdf_export.py --child KIND HTML renders one file (used internally).
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.common import (  # noqa: E402
    WORK_DIR,
    Figure,
    Row,
    alternating_medians,
    demo_database,
    demo_partnership_id,
    log,
    make_app,
    median_seconds,
    signed_in_client,
)

META = {"title": "Northwind–Contoso Supply Alliance — ERMP", "author": "Northwind Logistics, Contoso Manufacturing",
        "subject": "Enterprise Relationship Management Plan", "keywords": ["ERMP"]}
CONTENT_HASH = "0" * 64


def render_bare(html: str) -> bytes:
    import weasyprint

    from app.signing.rendering import ASSET_BASE_URL
    from app.signing.rendering.assets import StaticAssetFetcher

    return weasyprint.HTML(string=html, base_url=ASSET_BASE_URL, url_fetcher=StaticAssetFetcher()).write_pdf()


def render_jointly(html: str) -> bytes:
    from app.signing.pades import render_for_signing

    return render_for_signing(html, content_hash=CONTENT_HASH, **META)


RENDERERS = {"bare": render_bare, "jointly": render_jointly}


def peak_rss_kb() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(kind: str, html_path: str, pdf_path: str) -> None:
    """One render in this fresh process: prints its time and peak memory as JSON."""
    import weasyprint  # noqa: F401 - both imported before the baseline, whichever renders
    from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: F401

    RENDERERS[kind]("<h1>Warm-up</h1><p>Loads fonts.</p>")
    with open(html_path, encoding="utf-8") as handle:
        html = handle.read()
    baseline = peak_rss_kb()
    started, cpu_started = time.perf_counter(), time.process_time()
    pdf = RENDERERS[kind](html)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    with open(pdf_path, "wb") as handle:
        handle.write(pdf)
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_kb": peak_rss_kb() - baseline}))


def render_in_subprocess(kind: str, html_path: str) -> tuple[dict, bytes]:
    pdf_path = html_path + f".{kind}.pdf"
    output = subprocess.run(  # noqa: S603 - this script, by path
        [sys.executable, __file__, "--child", kind, html_path, pdf_path],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout
    with open(pdf_path, "rb") as handle:
        return json.loads(output.strip().splitlines()[-1]), handle.read()


def page_count(pdf: bytes) -> int:
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Count"])


def compare_renders(label: str, html: str, rounds: int, note: str = "") -> tuple[list, bytes]:
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False, encoding="utf-8", dir=WORK_DIR) as handle:
        handle.write(html)
    figures = {"bare": [], "jointly": []}
    pdf = b""
    for round_number in range(rounds):
        for kind in ("bare", "jointly") if round_number % 2 == 0 else ("jointly", "bare"):
            measured, output = render_in_subprocess(kind, handle.name)
            figures[kind].append(measured)
            log(f"{label}: {kind} {measured['cpu']:.1f} s CPU, {measured['seconds']:.1f} s wall, "
                f"{measured['peak_kb'] / 1024:.0f} MB")
            if kind == "jointly":
                pdf = output
    pages = page_count(pdf)
    detail = f"{pages} pages, {len(html) / 1e6:.1f} MB HTML, median of {rounds}" + (f"; {note}" if note else "")
    seconds = {kind: statistics.median(m["cpu"] for m in runs) for kind, runs in figures.items()}
    wall = {kind: statistics.median(m["seconds"] for m in runs) for kind, runs in figures.items()}
    memory = {kind: statistics.median(m["peak_kb"] for m in runs) / 1024 for kind, runs in figures.items()}
    return [
        Row("1 pdf", f"{label}: render CPU time", seconds["jointly"], seconds["bare"], "s", 1.15,
            f"{detail}; wall {wall['jointly']:.1f} s vs {wall['bare']:.1f} s"),
        Row("1 pdf", f"{label}: peak memory above start", memory["jointly"], memory["bare"], "MB", 1.3, detail),
    ], pdf


def bare_signer(pdf: bytes, identity, field: str):
    """pyHanko's floor: `signers.sign_pdf` with the same key into the same field of the same file,
    nothing else (no stamp, no reason or name, default settings)."""
    from io import BytesIO

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from app.signing import pades

    signer = pades._signer_for(identity)  # the key and certificate as Jointly hands them to pyHanko
    metadata = signers.PdfSignatureMetadata(field_name=field)
    return lambda: signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), metadata, signer=signer).getvalue()


def signing_figures(pdf: bytes) -> tuple[list, bytes]:
    from app.signing import keys, pades

    first, second = keys.generate_identity("Northwind Logistics"), keys.generate_identity("Contoso Manufacturing")
    names = [name for name, _signed in pades.signature_field_names(pdf)] or ["Party1", "Party2"]

    def sign(source, identity, field, who):
        return pades.sign_pdf(source, identity, field_name=field, reason="Approves the plan", location="Leeds",
                              signer_name=who)

    once = sign(pdf, first, names[0], "Alex Morgan")
    first_ms = median_seconds(lambda: sign(pdf, first, names[0], "Alex Morgan"), 10) * 1000
    twice = sign(once, second, names[1 % len(names)], "Dana Reyes")
    second_ms = median_seconds(lambda: sign(once, second, names[1 % len(names)], "Dana Reyes"), 10) * 1000
    validate_ms = median_seconds(lambda: pades.validate_pdf(twice, [first.certificate, second.certificate]), 3,
                                 warmup=1) * 1000
    cpu = time.process_time
    first_cpu = median_seconds(lambda: sign(pdf, first, names[0], "Alex Morgan"), 10, 1, cpu) * 1000
    second_cpu = median_seconds(lambda: sign(once, second, names[1 % len(names)], "Dana Reyes"), 10, 1, cpu) * 1000
    # The floor, timed in alternating rounds with Jointly's so the neighbours' load hits both alike.
    ours, bare = alternating_medians(
        [lambda: sign(pdf, first, names[0], "Alex Morgan"), bare_signer(pdf, first, names[0])], 10, warmup=2)
    size = f"{len(pdf) / 1e6:.2f} MB, {page_count(pdf)} pages, ECDSA P-256"
    return [
        # CPU time, as for the renders: on a shared machine wall time mostly measures the neighbours.
        Figure("1 pdf", "PAdES signature, first party (CPU time)", first_cpu, "ms", 40,
               f"{size}; wall {first_ms:.0f} ms"),
        Figure("1 pdf", "PAdES signature, second party, on the signed file (CPU time)", second_cpu, "ms", 40,
               f"{size}; wall {second_ms:.0f} ms"),
        Row("1 pdf", "PAdES signature vs pyHanko's bare signers.sign_pdf (same key, file and field)", ours * 1000,
            bare * 1000, "ms", 1.5, "the difference is the visible stamp (text in the embedded font subset), "
            "the signer's name, reason and place, and building the signer from the organisation's key"),
        Figure("1 pdf", "validate both signatures", validate_ms, "ms", None, size),
    ], twice


def serving_figure(url: str) -> Figure:
    """The demo's signed v1.0, stored when both parties signed, through the app's own download
    route (membership gate, the stored row, same bytes every time)."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.plan_versions.models import PlanVersion

    app = make_app(url)
    client = signed_in_client(app)
    partnership_id = demo_partnership_id(app)
    with app.app_context():
        version_id = db.session.scalar(
            sa.select(PlanVersion.id).where(
                PlanVersion.partnership_id == partnership_id, PlanVersion.major == 1, PlanVersion.minor == 0
            )
        )
    address = f"/partnerships/{partnership_id}/versions/{version_id}/pdf"
    first = client.get(address)
    assert first.status_code == 200 and first.mimetype == "application/pdf", first.status_code
    stored = first.get_data()

    def fetch():
        response = client.get(address)
        assert response.status_code == 200 and response.get_data() == stored

    ms = median_seconds(fetch, 20, warmup=3) * 1000
    return Figure("1 pdf", "serve a stored signed PDF", ms, "ms", 50,
                  f"the demo's v1.0 ({len(stored) / 1e6:.2f} MB, signed by both parties) through its download route")


def concurrent_figure(url: str, large_html: str) -> Row:
    from bench import gunicorn

    path = os.path.join(WORK_DIR, "export.html")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(large_html)
    with gunicorn.serving(url, {"BENCH_EXPORT_HTML": path}) as base:
        cookie = gunicorn.sign_in(base)
        page = f"/partnerships/{demo_partnership_id(make_app(url))}/plan/risk_assessment"
        idle = [gunicorn.get(base, page, cookie)[1] for _ in range(25)][5:]
        done, during = threading.Event(), []
        export_seconds = []

        def export():
            export_seconds.append(gunicorn.get(base, "/bench/export", cookie)[1])
            done.set()

        thread = threading.Thread(target=export)
        thread.start()
        time.sleep(1)
        while not done.is_set():
            during.append(gunicorn.get(base, page, cookie)[1])
        thread.join()
    return Row("1 pdf", "section page while a large export renders (median)", statistics.median(during) * 1000,
               statistics.median(idle) * 1000, "ms", None,
               f"{len(during)} requests during the {export_seconds[0]:.0f} s export, slowest "
               f"{max(during) * 1000:.0f} ms: not blocked (gunicorn 2 workers × 4 threads)")


def run() -> list:
    from bench import plans

    demo_rounds = int(os.environ.get("BENCH_PDF_ROUNDS", "2"))
    large_rounds = int(os.environ.get("BENCH_LARGE_PDF_ROUNDS", "1"))
    rows = []
    with demo_database("pdf") as url:
        app = make_app(url)
        partnership_id = demo_partnership_id(app)
        demo_html, label = plans.version_html(app, partnership_id)
        source = f"the demo's plan version {label}"
        demo_rows, demo_pdf = compare_renders("demo plan", demo_html, demo_rounds,
                                              source)
        rows += demo_rows
        large_html, large_source = plans.large_plan_html(app, partnership_id)
        large_rows, large_pdf = compare_renders("large plan", large_html, large_rounds, large_source)
        rows += large_rows
        log("pdf: signing, serving")
        signing_rows, _signed = signing_figures(large_pdf)
        rows += signing_rows
        rows.append(serving_figure(url))
        log("pdf: a second request during a large export")
        rows.append(concurrent_figure(url, large_html))
    del demo_pdf
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*sys.argv[2:])
    else:
        sys.exit("run through bench/run.py: make bench ONLY=pdf")
