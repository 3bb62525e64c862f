"""`make outdated`: which pins have newer releases on the package index.

Reads every pin in constraints.txt (direct requirements marked from requirements*.txt),
asks the index through pip for the latest release of each installed package, and prints
a table of the pins that are behind. `--strict` exits 1 when a direct requirement is
behind (transitive pins are reported, not enforced).
"""

import json
import os
import re

# Runs pip with a fixed argument list.
import subprocess  # nosec B404
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
PIN = re.compile(r"^([A-Za-z0-9_.\[\]-]+)==([^\s;#]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()


def pins(path: str) -> dict[str, str]:
    found = {}
    with open(os.path.join(ROOT, path)) as handle:
        for line in handle:
            match = PIN.match(line.strip())
            if match:
                found[canonical(match.group(1))] = match.group(2)
    return found


def main() -> int:
    strict = "--strict" in sys.argv
    pinned = pins("constraints.txt")
    direct = pins("requirements.txt") | pins("requirements-dev.txt")
    command = [sys.executable, "-m", "pip", "list", "--outdated", "--format=json", "--disable-pip-version-check"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if result.returncode != 0:
        print(f"Could not ask the package index: {result.stderr.strip()}", file=sys.stderr)
        return 2
    latest = {canonical(p["name"]): p["latest_version"] for p in json.loads(result.stdout or "[]")}
    behind = [(name, pinned[name], latest[name]) for name in sorted(pinned) if name in latest]
    if not behind:
        print(f"All {len(pinned)} pins are at the latest release on the index.")
        return 0
    print(f"{len(behind)} of {len(pinned)} pins have newer releases:\n")
    print(f"  {'package':<28} {'pinned':<14} {'latest':<14} kind")
    for name, pin, new in behind:
        print(f"  {name:<28} {pin:<14} {new:<14} {'direct' if name in direct else 'transitive'}")
    print("\nUpdate a direct pin in requirements*.txt, run `make lock`, then the whole suite.")
    return 1 if strict and any(name in direct for name, _, _ in behind) else 0


if __name__ == "__main__":
    sys.exit(main())
