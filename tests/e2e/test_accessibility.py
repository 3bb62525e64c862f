"""Every page, for every role, in Chromium: no axe-core violations (WCAG 2.2 AA and best
practice) and no sideways scrolling at 360, 390 and 768 px, also with its form showing errors.
The demo's pages are also checked by axe at 390 px, where the header shows less.

The pages come from the same route walk as the security tests (tests/support/routes.py), so a
new page is audited without editing this file. By default every page is walked as a party's
admin and a sample of pages as the other roles, on SQLite (markup does not depend on the
engine); A11Y_WALK=full walks every page as every role, with every plan section instead of
one, on both engines.
"""

import contextlib
import os
import re
import threading
import zlib

import pytest

from app.plan_sections.registry import section_keys
from tests.support import databases
from tests.support.accessibility import axe_violations, describe, sideways_scroll
from tests.support.browser import LiveServer
from tests.support.factories import PASSWORD
from tests.support.routes import ENDPOINT_FILLERS, build_world, routes

FULL = os.environ.get("A11Y_WALK") == "full"
# Markup does not depend on the database engine: the PostgreSQL run walks only with A11Y_WALK=full.
pytestmark = pytest.mark.skipif(
    databases.engine_name() != "sqlite" and not FULL, reason="the page walk runs on SQLite (A11Y_WALK=full: both)"
)
# Share of pages the sampled roles visit by default (every page with A11Y_WALK=full).
SAMPLE_SHARE = 0.25

# Routes that answer with something other than a page (files, JSON, the static folder).
NOT_PAGES = {
    "static",
    "core.healthz",
    "coediting.presence",
    "audit_trail.export",
    "audit_trail.signed_export",
    "plan_versions.pdf",
    "plan_versions.pdf_status",
    "plan_versions.draft_status",
    "evidence.status",
    "evidence.certificate",
    "review_cycle.report_pdf",
    "review_cycle.report_pdf_status",
    "my_work.count",
    "my_work.calendar_feed",
    "plan_versions.docx",
    "plan_versions.draft_docx",
    "plan_sections.items_export",
    "review_cycle.results_export",
    "attachments.download",
    "promises.export",
}

# The search page shows results only for a query, which the route walk cannot make up: each walk
# adds it with a word its data holds, once with results and once with the filters open (a filter
# on, and a date range the wrong way round, explained beside its field).
def _search_pages(word: str, kind: str) -> list[tuple[str, str]]:
    return [("search.index", f"/search?q={word}"),
            ("search.index", f"/search?q={word}&kind={kind}&date_from=2030-06-02&date_to=2030-06-01")]


def _assert_found(email: str, word: str) -> None:
    """The walk's search pages show results: `word` finds something for the person walking."""
    import sqlalchemy as sa

    from app.accounts.models import User
    from app.extensions import db
    from app.search.finding import search

    user = db.session.scalar(sa.select(User).where(User.email == email))
    assert search(user.id, word).total, f"searching for {word!r} finds nothing: the walk would see no results"


ROLES = {
    "admin": lambda w: w.ab.a.admin,
    "other-admin": lambda w: w.ab.b.admin,
    "editor": lambda w: w.ab.a.editor,
    "viewer": lambda w: w.ab.a.viewer,
    "signed-out": lambda w: None,
}
FULLY_WALKED = {"admin"}


@pytest.fixture
def walk_server(make_app):
    """The app served with mail saved to files, where the route walk's world reads its links."""
    server = LiveServer(make_app(), smtp=None)
    server.start()
    yield server
    server.stop()


def _in_sample(role: str, path: str) -> bool:
    if FULL or role in FULLY_WALKED:
        return True
    # The same pages every run (stable), a different quarter for each role.
    return zlib.crc32(f"{role} {path}".encode()) % 100 < SAMPLE_SHARE * 100


def _pages(app, world, role: str) -> list[tuple[str, str]]:
    """(endpoint, path) of every page reachable by GET, each section's pages for the full walk."""
    fillers = world.fillers(world.ab.partnership)
    found = routes(app, fillers, endpoint_fillers=ENDPOINT_FILLERS(world), methods={"GET"},
                   only=lambda rule: rule.endpoint not in NOT_PAGES)
    if FULL:
        sectioned = routes(app, fillers, methods={"GET"},
                           only=lambda rule: "section_key" in rule.arguments and rule.endpoint not in NOT_PAGES)
        for key in section_keys():
            if key != "risk_assessment":
                found += [(e, m, p.replace("/risk_assessment", f"/{key}")) for e, m, p in sectioned]
    found += [(endpoint, "GET", path) for endpoint, path in _search_pages("weekly", "action")]
    return [(endpoint, path) for endpoint, _, path in found if _in_sample(role, path)]


def _form_pages(app, world) -> set[str]:
    """Endpoints that show a form on GET and take it by POST: shown again with errors."""
    return {rule.endpoint for rule in app.url_map.iter_rules() if {"GET", "POST"} <= rule.methods}


# The page's main form: the first that asks for typed input.
_MAIN_FORM = """() => {
  const typed = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]), textarea';
  return [...document.querySelectorAll('main form[method=post]')].find((f) => f.querySelector(typed));
}"""
# ... submitted with every typed field empty and the browser's own checks off, so the server
# answers with its errors.
_SUBMIT_EMPTY = """(form) => {
  const typed = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]), textarea';
  form.noValidate = true;
  for (const el of form.querySelectorAll(typed)) { if (el.type !== 'file') el.value = ''; }
  const button = [...form.elements].find((el) => el.type === 'submit');
  form.requestSubmit(button || undefined);
}"""


_TABLES_SETTLED = """() => [...document.querySelectorAll('.table-wrap')].every(
  (wrap) => (wrap.scrollWidth > wrap.clientWidth + 1) === wrap.hasAttribute('tabindex'))"""


class Walk:
    """One person's browser going through pages; collects what fails where."""

    def __init__(self, browser, base: str, role: str, form_endpoints: set[str], *, phone_axe: bool = False):
        self.base, self.role, self.form_endpoints = base, role, form_endpoints
        self.phone_axe = phone_axe  # also run axe at a phone's width, where the header shows less
        self.context = browser.new_context(viewport={"width": 1366, "height": 900})
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.found: dict = {}
        self.walked = 0
        # Script errors and CSP refusals fail the walk; error statuses are what some pages answer.
        self.script_errors = []
        self.page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        self.page.on("console", lambda m: self.script_errors.append(m.text)
                     if m.type == "error" and not m.text.startswith("Failed to load resource") else None)

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        page = self.page
        page.goto(self.base + "/signin")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(re.escape(self.base) + r"/(home|my-work)$"))  # My work when something waits

    def visit(self, endpoint: str, path: str) -> None:
        page = self.page
        response = page.goto(self.base + path)
        assert response is not None and response.headers.get("content-type", "").startswith("text/html"), (
            f"{path} ({endpoint}) is not a page: add its endpoint to NOT_PAGES"
        )
        if page.url != self.base + path:
            return  # sent elsewhere (signed-out visitors to sign in): that page is walked itself
        self.check(f"GET {path} ({endpoint}, {response.status})")
        form = page.evaluate_handle(_MAIN_FORM).as_element() if endpoint in self.form_endpoints else None
        if form is not None and response.status == 200:
            with page.expect_navigation():
                form.evaluate(_SUBMIT_EMPTY)
            self.check(f"{path} submitted empty ({endpoint})")

    def check(self, where: str) -> None:
        self.walked += 1
        found = self.found
        violations = axe_violations(self.page)
        if self.phone_axe:
            original = self.page.viewport_size
            self.page.set_viewport_size({"width": 390, "height": 844})
            try:
                from playwright.sync_api import TimeoutError as PlaywrightTimeout

                # app.js marks tables that now scroll as keyboard-reachable, shortly after a resize;
                # if it does not, axe reports what is left.
                with contextlib.suppress(PlaywrightTimeout):
                    self.page.wait_for_function(_TABLES_SETTLED, timeout=3_000)

                seen = {v["id"] for v in violations}
                violations += [v for v in axe_violations(self.page) if v["id"] not in seen]
            finally:
                self.page.set_viewport_size(original)
        if violations:
            found["pages with violations"] = found.get("pages with violations", 0) + 1
            found.setdefault("axe", []).append(f"{where}\n{describe(violations)}")
            for v in violations:
                found.setdefault("rules", {}).setdefault(v["id"], set()).add(where)
        overflow = sideways_scroll(self.page)
        if overflow:
            found.setdefault("overflow", []).append(f"{where}: " + "; ".join(overflow))

    def finish(self) -> None:
        self.context.close()
        found, walked = self.found, self.walked
        assert walked, f"{self.role}: no page walked"
        assert not self.script_errors, f"{self.role}: script errors: {self.script_errors}"
        report = []
        if "rules" in found:
            report.append(
                f"axe: {found['pages with violations']} of {walked} pages violate {len(found['rules'])} rules: "
                + ", ".join(f"{rule} on {len(w)} pages" for rule, w in found["rules"].items())
            )
        if "overflow" in found:
            report.append(f"{len(found['overflow'])} of {walked} pages scroll sideways")
        report += found.get("axe", []) + found.get("overflow", [])
        assert not report, f"{self.role}: {walked} pages walked\n" + "\n".join(report)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_is_accessible_and_fits_a_phone(role, walk_server, browser):
    app = walk_server.app
    with app.app_context():
        world = build_world(app)
        user = ROLES[role](world)
        email = user.email if user else None
        pages = _pages(app, world, role)
        _assert_found(world.ab.a.admin.email, "weekly")  # the cycle's adaptation and action
        form_endpoints = _form_pages(app, world)

    walk = Walk(browser, walk_server.url, role, form_endpoints)
    if email:
        walk.sign_in(email)
    for endpoint, path in pages:
        walk.visit(endpoint, path)
    walk.finish()


def _demo_pages(app) -> list[tuple[str, str]]:
    """Every page of the demo partnership that its own objects fill: each version, each cycle
    with its first action, each section (three by default)."""
    import sqlalchemy as sa

    from app.demo.workspace import PARTNERSHIP_NAME
    from app.extensions import db
    from app.partnerships.models import Partnership
    from app.plan_versions.models import PlanVersion
    from app.review_cycle.models import ImprovementAction, ReviewCycle

    partnership = db.session.scalar(sa.select(Partnership).where(Partnership.name == PARTNERSHIP_NAME))
    versions = db.session.scalars(sa.select(PlanVersion.id).where(PlanVersion.partnership_id == partnership.id)).all()
    cycles = db.session.scalars(sa.select(ReviewCycle.id).where(ReviewCycle.partnership_id == partnership.id)).all()
    keys = section_keys() if FULL else ["risk_assessment"]
    fillings = []
    for version_id in versions:
        for cycle_id in cycles:
            action_id = db.session.scalar(sa.select(ImprovementAction.id).where(ImprovementAction.cycle_id == cycle_id))
            for key in keys:
                fillings.append({"partnership_id": partnership.id, "version_id": version_id, "cycle_id": cycle_id,
                                 "action_id": action_id, "section_key": key, "number": 1})
    seen, pages = set(), []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.endpoint.startswith("accounts."):
            continue
        for values in fillings:
            if not rule.arguments <= values.keys() or (rule.arguments and None in [values[a] for a in rule.arguments]):
                continue
            path = rule.build({a: values[a] for a in rule.arguments})[1]
            if path not in seen:
                seen.add(path)
                pages.append((rule.endpoint, path))
    return pages + _search_pages("forecast", "item")


def test_every_page_of_the_demo_is_accessible_and_fits_a_phone(walk_server, browser):
    """The demo's plan, versions and cycles hold realistic amounts of text: long names, full
    registers, results with charts."""
    from app.demo import build_demo
    from app.demo.workspace import DEMO_PASSWORD, PEOPLE
    from app.extensions import db

    app = walk_server.app

    def build() -> None:
        with app.app_context():
            build_demo()
            db.session.commit()

    # Signing runs asyncio, which cannot start inside Playwright's running loop: build beside it.
    builder = threading.Thread(target=build)
    builder.start()
    builder.join()
    with app.app_context():
        pages = _demo_pages(app)
        _assert_found(PEOPLE[0][2], "forecast")
        form_endpoints = _form_pages(app, None)
    walk = Walk(browser, walk_server.url, "demo admin", form_endpoints, phone_axe=True)
    walk.sign_in(PEOPLE[0][2], DEMO_PASSWORD)
    for endpoint, path in pages:
        walk.visit(endpoint, path)
    walk.finish()
