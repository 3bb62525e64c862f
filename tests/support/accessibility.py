"""What every page must pass in a real browser: axe-core's WCAG 2.2 AA and best-practice rules,
and no sideways scrolling at phone and tablet widths. Used by the route walk
(tests/e2e/test_accessibility.py) and by journeys at the states they reach.
"""

from axe_playwright_python.sync_playwright import Axe

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
# A small phone, a common phone, a tablet held upright.
NARROW_WIDTHS = (360, 390, 768)

_axe = Axe()


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it stands: [{id, impact, help, targets}]."""
    results = _axe.run(page, options=AXE_OPTIONS).response
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [" ".join(map(str, node["target"])) for node in v["nodes"]][:5],
            "nodes": len(v["nodes"]),
        }
        for v in results["violations"]
    ]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"  {v['id']} ({v['impact']}, {v['nodes']} elements): {v['help']} — {', '.join(v['targets'])}"
        for v in violations
    )


def assert_accessible(page, where: str = "") -> None:
    violations = axe_violations(page)
    assert not violations, f"axe violations on {where or page.url}:\n{describe(violations)}"


_WIDER_THAN_VIEWPORT = """() => {
  const width = window.innerWidth;
  const culprits = [];
  // Content inside a region that scrolls (or clips) on its own does not widen the page.
  const insideScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1 && !insideScroller(el)) {
      // Report the outermost offender only: its children overflow because it does.
      if (!culprits.some((c) => c.contains(el))) culprits.push(el);
    }
  }
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  return {scrollWidth: document.documentElement.scrollWidth, width,
          culprits: culprits.slice(0, 5).map(
            (el) => describe(el) + ' (' + Math.round(el.getBoundingClientRect().right) + 'px)')};
}"""


def sideways_scroll(page, widths=NARROW_WIDTHS) -> list[str]:
    """For each width at which the page scrolls sideways: what sticks out. Restores the viewport."""
    original = page.viewport_size
    problems = []
    try:
        for width in widths:
            page.set_viewport_size({"width": width, "height": 844})
            found = page.evaluate(_WIDER_THAN_VIEWPORT)
            if found["scrollWidth"] > found["width"]:
                problems.append(f"{width}px: page is {found['scrollWidth']}px wide; {', '.join(found['culprits'])}")
    finally:
        page.set_viewport_size(original)
    return problems


def assert_no_sideways_scroll(page, where: str = "") -> None:
    problems = sideways_scroll(page)
    assert not problems, f"{where or page.url} scrolls sideways:\n  " + "\n  ".join(problems)
