"""Run Jointly's benchmark suite: every item beside its bare-engine baseline, in the same run.

    make bench                  # every item, then the table is printed and written to bench/results.md
    make bench ONLY=history     # one item (or several: ONLY=history,save)

Items: pdf, load, history, save, diff, dashboard, coldstart, jobs, memory, scale, search, attachments.
Figures are medians of repeated runs after a warm-up; ratios are Jointly / baseline. Needs PostgreSQL
(BENCH_DATABASE_URL, default the local server as user postgres) and wrk for `load`.
"""

import argparse
import os
import platform
import shutil
import sys
import time
import traceback
from datetime import UTC, datetime

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench import common  # noqa: E402

ITEMS = {
    "pdf": "bench.pdf_export",
    "load": "bench.load",
    "history": "bench.history",
    "save": "bench.saving",
    "diff": "bench.diff_merge",
    "dashboard": "bench.dashboard",
    "coldstart": "bench.cold_start",
    "jobs": "bench.jobs",
    "memory": "bench.memory",
    "scale": "bench.scale",
    "search": "bench.search",
    "attachments": "bench.attachments",
}
RESULTS = os.path.join(os.path.dirname(__file__), "results.md")


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) >= 0.01 else f"{value:.2g}"


def _met(met: bool | None) -> str:
    return "—" if met is None else "yes" if met else "**no**"


def table(results: list) -> list[str]:
    lines = [
        "| item | measure | Jointly | baseline | ratio | target | met? | notes |",
        "|---|---|---:|---:|---:|---|---|---|",
    ]
    for result in results:
        if isinstance(result, common.Row):
            sign = "≥" if result.higher_is_better else "≤"
            target = f"{sign} {result.target}×" if result.target is not None else ""
            lines.append(
                f"| {result.item} | {result.measure} | {_number(result.jointly)} {result.unit} "
                f"| {_number(result.baseline)} {result.unit} | {result.ratio:.2f}× | {target} "
                f"| {_met(result.met)} | {result.note} |"
            )
        else:
            limit = f"≤ {_number(result.limit)} {result.unit}" if result.limit is not None else ""
            lines.append(
                f"| {result.item} | {result.measure} | {_number(result.value)} {result.unit} | | | {limit} "
                f"| {_met(result.met)} | {result.note} |"
            )
    return lines


def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model or platform.machine()}), Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=os.environ.get("ONLY", ""), help="comma-separated items to run")
    parser.add_argument("--output", default=RESULTS, help="where to write the table (Markdown)")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(ITEMS)
    unknown = [name for name in chosen if name not in ITEMS]
    if unknown:
        parser.error(f"unknown item(s) {', '.join(unknown)}; choose from {', '.join(ITEMS)}")

    import importlib

    started = time.perf_counter()
    results, failed = [], []
    try:
        for name in chosen:
            item_started = time.perf_counter()
            common.log(f"{name}…")
            try:
                results.extend(importlib.import_module(ITEMS[name]).run())
            except Exception:  # noqa: BLE001 - one broken item must not lose the others' figures
                traceback.print_exc()
                failed.append(name)
                common.log(f"{name} FAILED (above); the other items go on")
                continue
            common.log(f"{name} took {time.perf_counter() - item_started:.0f} s")
    finally:
        common.drop_template()
        shutil.rmtree(common.WORK_DIR, ignore_errors=True)
    took = time.perf_counter() - started

    lines = table(results)
    print()
    print("\n".join(lines))
    missed = [r for r in results if r.met is False]
    print(f"\n{len(results)} figures, {len(missed)} targets missed, {took:.0f} s")
    if failed:
        print(f"FAILED items (no figures): {', '.join(failed)}")
    header = [
        "# Benchmark results",
        "",
        f"Latest `make bench`{' ONLY=' + ','.join(chosen) if chosen != list(ITEMS) else ''}: "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {took:.0f} s, on {machine()}.",
        "Ratios are Jointly / baseline (for requests/s: Jointly / baseline, higher is better).",
        "",
    ]
    if failed:
        header += [f"Failed, without figures: {', '.join(failed)}.", ""]
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write("\n".join(header + lines) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
