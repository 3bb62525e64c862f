"""Benchmark: plan PDF rendering against bare WeasyPrint, PAdES signing and validation.

    .venv/bin/python bench/pdf_signing.py [--rounds N]

Run from the repository root. Builds one large plan (500 risks, 500 assets, long
narratives; 150+ pages) and then:

- renders each once in a fresh subprocess and reads its peak resident set size
  (VmHWM from /proc/self/status; ru_maxrss where that is missing). RSS, not
  tracemalloc: much of WeasyPrint's memory is Pango and HarfBuzz C buffers that
  tracemalloc never sees, and tracing would slow the Python half of the work.
  The increment over the RSS just before rendering is the render's own. (Linux
  carries ru_maxrss over exec, so children are measured before this process grows.)
- renders the same HTML string with `render_pdf` and with bare
  `weasyprint.HTML(string=...).write_pdf()`, alternately, in this process. CPU time
  (process_time) is the figure compared, min over rounds: on a shared machine wall
  time mostly measures the neighbours; wall time is printed too;
- signs once, then a second time on top, and validates.

Bare WeasyPrint gets a file: base URL onto app/ so it loads the same stylesheet and
fonts through its default fetcher: the two renders do the same layout work.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
sys.path.insert(0, ROOT)

from tests.signing.sample_plan import CONTENT_HASH, build_plan_html  # noqa: E402

BARE_BASE_URL = "file://" + os.path.join(ROOT, "app") + "/"
PLAN = {"risks": 500, "assets": 500, "narrative_paragraphs": 70}
META = {
    "title": "Northwind–Contoso Logistics Alliance — ERMP v1.2",
    "author": "Northwind Logistics Ltd, Contoso Manufacturing GmbH",
    "subject": "Enterprise Relationship Management Plan, version 1.2",
    "keywords": ["ERMP", "v1.2"],
}


def render_bare(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html, base_url=BARE_BASE_URL).write_pdf()


def render_ours(html: str) -> bytes:
    from app.signing.pdf import render_pdf

    return render_pdf(html, content_hash=CONTENT_HASH, **META)


RENDERERS = {"bare": render_bare, "render_pdf": render_ours}


def child(kind: str, html_path: str) -> None:
    """One render in a fresh process; prints its time and peak RSS as JSON."""
    import weasyprint  # noqa: F401 - imported before the baseline, as in the parent
    from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: F401

    with open(html_path, encoding="utf-8") as handle:
        html = handle.read()
    baseline = peak_rss_kb()
    started = time.perf_counter()
    pdf = RENDERERS[kind](html)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_kb": peak_rss_kb(), "baseline_kb": baseline, "bytes": len(pdf)}))


def peak_rss_kb() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure_memory(kind: str, html_path: str) -> dict:
    output = subprocess.run(  # noqa: S603 - this script, by path
        [sys.executable, __file__, "--child", kind, html_path],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def cpu_and_wall(function):
    cpu, wall = time.process_time(), time.perf_counter()
    result = function()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating render rounds (default 3)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "HTML"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    from app.signing import keys, pades

    html = build_plan_html(**PLAN)
    print(f"HTML: {len(html) / 1e6:.1f} MB; peak memory in fresh processes…", flush=True)
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False, encoding="utf-8") as handle:
        handle.write(html)
        html_path = handle.name
    try:
        memory = {kind: measure_memory(kind, html_path) for kind in ("bare", "render_pdf")}
    finally:
        os.unlink(html_path)

    print("warming up…", flush=True)
    render_bare(build_plan_html(risks=5, assets=5, narrative_paragraphs=1))
    render_ours(build_plan_html(risks=5, assets=5, narrative_paragraphs=1))
    cpu = {"bare": [], "render_pdf": []}
    wall = {"bare": [], "render_pdf": []}
    pdfs = {}
    for round_number in range(args.rounds):
        order = ("bare", "render_pdf") if round_number % 2 == 0 else ("render_pdf", "bare")
        for kind in order:
            pdfs[kind], cpu_seconds, wall_seconds = cpu_and_wall(lambda kind=kind: RENDERERS[kind](html))
            cpu[kind].append(cpu_seconds)
            wall[kind].append(wall_seconds)
            print(f"  render {kind:<10} cpu {cpu_seconds:6.2f} s  wall {wall_seconds:6.2f} s", flush=True)

    pdf = pdfs["render_pdf"]
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    pages = len(PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Kids"])

    first, second = keys.generate_identity("Northwind Logistics Ltd"), keys.generate_identity("Contoso GmbH")

    def sign_first():
        return pades.sign_pdf(
            pdf, first, field_name="Party1", reason="Approves v1.2", location="Leeds", signer_name="Dana Whitfield"
        )

    signed_once = sign_first()
    sign_one = timed(sign_first, 15)

    def sign_second():
        return pades.sign_pdf(
            signed_once, second, field_name="Party2", reason="Approves v1.2", location="Hamburg",
            signer_name="Jonas Becker",
        )

    signed_twice = sign_second()
    sign_two = timed(sign_second, 15)
    trusted = [first.certificate, second.certificate]
    validate = timed(lambda: pades.validate_pdf(signed_twice, trusted), 3)
    report = pades.validate_pdf(signed_twice, trusted)
    assert report.intact_and_covers_document, report

    bare_t, ours_t = min(cpu["bare"]), min(cpu["render_pdf"])
    bare_w, ours_w = min(wall["bare"]), min(wall["render_pdf"])
    bare_m, ours_m = memory["bare"], memory["render_pdf"]
    bare_inc = bare_m["peak_kb"] - bare_m["baseline_kb"]
    ours_inc = ours_m["peak_kb"] - ours_m["baseline_kb"]
    ms = 1000

    print()
    print(f"Plan: {pages} pages, {len(pdf) / 1e6:.2f} MB unsigned, {len(signed_twice) / 1e6:.2f} MB signed twice")
    print(f"{'measure':<44}{'bare WeasyPrint':>16}{'render_pdf':>14}{'ratio':>8}")
    print("-" * 82)
    print(f"{'render CPU time, min of rounds (s)':<44}{bare_t:>16.2f}{ours_t:>14.2f}{ours_t / bare_t:>8.3f}")
    print(f"{'render wall time, min of rounds (s)':<44}{bare_w:>16.2f}{ours_w:>14.2f}{ours_w / bare_w:>8.3f}")
    print(
        f"{'peak RSS, fresh process (MB)':<44}{bare_m['peak_kb'] / 1024:>16.0f}{ours_m['peak_kb'] / 1024:>14.0f}"
        f"{ours_m['peak_kb'] / bare_m['peak_kb']:>8.3f}"
    )
    print(f"{'peak RSS above pre-render baseline (MB)':<44}{bare_inc / 1024:>16.0f}{ours_inc / 1024:>14.0f}"
          f"{ours_inc / bare_inc:>8.3f}")
    print(f"{'PDF size (MB)':<44}{len(pdfs['bare']) / 1e6:>16.2f}{len(pdf) / 1e6:>14.2f}"
          f"{len(pdf) / len(pdfs['bare']):>8.3f}")
    print()
    print(f"{'PAdES step':<44}{'median (ms)':>16}{'min (ms)':>14}")
    print("-" * 74)
    print(f"{'sign, first party':<44}{statistics.median(sign_one) * ms:>16.1f}{min(sign_one) * ms:>14.1f}")
    print(f"{'sign, second party (on signed file)':<44}{statistics.median(sign_two) * ms:>16.1f}"
          f"{min(sign_two) * ms:>14.1f}")
    print(f"{'validate both signatures':<44}{statistics.median(validate) * ms:>16.1f}{min(validate) * ms:>14.1f}")


if __name__ == "__main__":
    main()
