"""Hostile content: XSS payloads stored in every user-writable place, every page visited
in Chromium by both parties (and by the invitee), and nothing ever runs.

How it works: PAYLOADS are packed into each writable place (as many as the place's
length allows, over as many objects as the place has `slots`), round by round until
every payload has landed in every place; with enough slots one round does it. After
each round, each person crawls every kind of same-origin page reachable from their home
page plus KNOWN_PATHS (one visit per page shape: see `Visitor.crawl`), and the test fails
if a dialog opens, a script sets a marker, a console error or CSP violation is reported, an
injected element or attribute (on*=, javascript: URLs, iframes…) exists in the DOM, or a template expression is
evaluated ("{{7*7191}}" showing as 50337).

Adding a writable place (a plan narrative, item fields, comments, review comments,
edit notes…): append one `WritablePlace` to PLACES with its maximum length and a
`store(people, text, round_no)` function that saves `text` there through the feature's
services, as the people in `people` (see `People` below). If the place is shown on a
page no link reaches, add that page to KNOWN_PATHS. When plan PDFs exist, add their
URLs to PDF_PATHS: each is fetched as the partner would and must not contain the
payloads' markup as live content (the PDF renderer fetches only the app's own assets).
"""

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from app.accounts import services as accounts
from app.extensions import db
from app.organisations import services as organisations
from app.partnerships import services as partnerships
from app.partnerships.access import load_membership
from tests.support import databases
from tests.support.consent import admitted
from tests.support.factories import PASSWORD, TwoParties, make_two_parties
from tests.support.hostile import PAYLOADS
from tests.support.mail import first_link

EVALUATED_TEMPLATE = "50337"  # 7*7191: a template engine evaluated "{{7*7191}}"


@dataclass
class People:
    """The world the places are stored in: one partnership with enough parties, people and
    sibling partnerships that every payload fits into every place in a single round (so the
    pages are crawled once): A, B and more organisations as parties, more colleagues, and
    extra partnerships of A and B (more partnership names)."""

    world: TwoParties
    extra_organisations: list = field(default_factory=list)
    extra_people: list = field(default_factory=list)
    extra_partnerships: list = field(default_factory=list)

    def admin(self, side: str, partnership=None):
        partnership = partnership or self.world.partnership
        return load_membership(partnership.id, getattr(self.world, side).admin)

    @property
    def named_people(self):
        w = self.world
        return [w.a.editor, w.a.viewer, w.b.admin, w.b.editor, w.b.viewer, *self.extra_people]


def build_people(organisations: int, people: int, partnerships: int) -> People:
    """A world with (at least) that many organisations, named people and partnerships."""
    from tests.support.factories import join, make_colleague, make_organisation_user, make_partnership

    world = make_two_parties()
    result = People(world)
    for n in range(organisations - 2):
        admin = make_organisation_user(f"Org {n} Ltd", email=f"admin@org{n}.example.com")
        join(world.partnership, admin, "admin")
        result.extra_organisations.append(admin)
    for n in range(people - 5):
        side = world.a if n % 2 else world.b
        colleague = make_colleague(
            side.admin.organisation, email=f"colleague{n}@{'alpha' if n % 2 else 'beta'}.example.com"
        )
        join(world.partnership, colleague, "viewer")
        result.extra_people.append(colleague)
    for n in range(partnerships - 1):
        extra = make_partnership(world.a.admin, name=f"Extra {n}")
        join(extra, world.b.admin, "admin")
        result.extra_partnerships.append(extra)
    db.session.commit()
    return result


@dataclass(frozen=True)
class WritablePlace:
    name: str
    max_length: int
    slots: int  # how many separate values one round can fill (objects shown on the pages)
    store: Callable[[People, list, int], None]  # (people, up to `slots` texts, round number)


def _organisation_names(people: People, texts: list, _round: int) -> None:
    admins = [people.world.a.admin, people.world.b.admin, *people.extra_organisations]
    for admin, text in zip(admins, texts, strict=False):
        organisations.update_organisation(admin, name=text, require_two_factor=False)


def _person_names(people: People, texts: list, _round: int) -> None:
    for user, text in zip(people.named_people, texts, strict=False):
        accounts.update_profile(user, full_name=text, email=user.email, time_zone=user.time_zone)


def _partnership_names(people: People, texts: list, _round: int) -> None:
    for partnership, text in zip([people.world.partnership, *people.extra_partnerships], texts, strict=False):
        partnerships.update_partnership(people.admin("a", partnership), name=text)


def _partnership_purpose(people: People, texts: list, _round: int) -> None:
    partnerships.update_partnership(people.admin("b"), purpose=texts[0])


def _invitations(people: People, texts: list, round_no: int) -> None:
    everything = " ".join(PAYLOADS)
    for n, text in enumerate(texts):
        admitted(
            people.admin("a"),
            email=f"guest{round_no}-{n}@newco.example.com",
            role="editor",
            organisation_name=text,
            message=everything,
            reason=text,
        )


def _comments(people: People, texts: list, round_no: int) -> None:
    """Comments on sections (the section page, the comments page, the activity feed and the
    home panel show them), each answered with a mention so the mention path renders them too."""
    from app.coediting import comments
    from app.plan_sections import reading

    keys = ("risk_assessment", "business_case", "communications")
    for key, text in zip(keys, texts, strict=False):
        section = reading.section_for(people.world.partnership.id, key)
        thread = comments.start_thread(people.admin("a"), section, text)
        comments.reply(people.admin("b"), thread, f"@{people.world.a.admin.full_name} {text}")


def _revision_notes(people: People, texts: list, round_no: int) -> None:
    """Edit notes (and narratives) of saves: the section page, its history and comparisons, the
    activity feed. Saved from the first revision each time, so later ones are merges."""
    from app.coediting import saving
    from app.plan_sections import reading
    from app.plan_sections.registry import section_keys

    for n, text in enumerate(texts):
        section = reading.section_for(people.world.partnership.id, section_keys()[n % len(section_keys())])
        base = section.current_revision_id
        saving.save_edit(people.admin("b"), section, {"narrative": f"Round {round_no}, {n}: {text}"}, base,
                         text[:200])


def _version_summaries(people: People, texts: list, round_no: int) -> None:
    """Summaries of issued plan versions (the versions list, a version's page, the sign page,
    the home panel, notifications); each is withdrawn so the next can be issued."""
    from app.plan_versions import services as versions
    from app.plan_versions import withdrawal
    from tests.support.consent import agree_for_every_party

    for text in texts:
        version = versions.issue_version(people.admin("a"), step="minor", summary=text)
        proposal = agree_for_every_party(withdrawal.propose_withdrawal(people.admin("a"), version, f"Round {round_no}"))
        assert proposal.status == "agreed", proposal.outcome


def _decline_reasons(people: People, texts: list, round_no: int) -> None:
    """Reasons signatories give for declining a plan version (the version's page, notifications)."""
    from app.plan_versions import services as versions

    for text in texts:
        version = versions.issue_version(people.admin("a"), step="minor", summary=f"Round {round_no}")
        versions.decline_version(people.admin("b"), version, text)


def _every_party(people: People) -> list:
    """An admin membership of each party (the world has many: every party must submit and agree)."""
    w = people.world
    return [load_membership(w.partnership.id, user) for user in (w.a.admin, w.b.admin, *people.extra_organisations)]


def _health_dimensions(people: People, texts: list, _round: int) -> None:
    """Dimension names: the dimensions page, and (scored in the cycle below) the assessment form,
    results table, radar chart and action links."""
    from app.review_cycle import dimensions

    for text in texts:
        if not any(d.name == " ".join(text.split()) for d in dimensions.dimensions(people.world.partnership.id)):
            dimensions.add_dimension(people.admin("a"), text)


def _review_notes(people: People, texts: list, _round: int) -> None:
    """A review cycle both parties scored with the text as every comment, achievement, concern and
    measure note (the other party disputes every actual with it), revealed and moved to Adapt."""
    from app.review_cycle import assessments, cycles, stages
    from app.review_cycle.forms import read_assessment
    from tests.support.review_cycle import add_measures, assessment_form

    w = people.world
    add_measures(w.partnership, w.a.admin)
    cycle = cycles.open_cycle(people.admin("a"), cycles.proposed_period(w.partnership))
    for n, member in enumerate(_every_party(people)):
        form = assessment_form(cycle, member.party_id, 3 if n % 2 else 5, comment=texts[0], text=texts[0])
        for measure in cycle.measures:
            form[f"reason-{measure['id']}"] = texts[0][:500]
            if measure["data_owner"] != member.party_id:
                form[f"disputed-{measure['id']}"] = "1"
        assessments.submit(member, cycle, read_assessment(cycle, form))
    for member in _every_party(people):
        stages.agree(member, cycle, "review")
    people.world.extra["cycle"] = cycle


def _adaptations(people: People, texts: list, _round: int) -> None:
    from app.review_cycle import improvement, stages

    cycle = people.world.extra["cycle"]
    for text in texts:
        improvement.add_adaptation(people.admin("b"), cycle, text, text, "communications")
    for member in _every_party(people):
        stages.agree(member, cycle, "adapt")


def _improvement_actions(people: People, texts: list, _round: int) -> None:
    """Action titles and descriptions: the cycle page, each action's page. The cycle stays in Improve."""
    from datetime import date

    from app.review_cycle import improvement

    cycle = people.world.extra["cycle"]
    for text in texts:
        member = people.admin("a")
        improvement.add_action(member, cycle, {
            "title": text[:160], "description": text, "owner_party_id": member.party_id,
            "owner_user_id": member.user_id, "due_on": date(2020, 1, 31), "link": "",
        })


# `slots` is how many separate values a place can take in one round; build_people makes
# enough organisations, people and partnerships for the three places that need many.
PLACES = [
    WritablePlace("organisation names", 120, 16, _organisation_names),
    WritablePlace("people's names", 120, 16, _person_names),
    WritablePlace("partnership names", 160, 11, _partnership_names),
    WritablePlace("partnership purpose", 5000, 1, _partnership_purpose),
    WritablePlace("comments (and @mentions)", 4000, 3, _comments),
    WritablePlace("revision notes", 200, 10, _revision_notes),
    WritablePlace("plan version summaries", 2000, 4, _version_summaries),
    WritablePlace("plan version decline reasons", 2000, 4, _decline_reasons),
    # The review cycle's places run in this order (the cycle moves from Review to Improve).
    WritablePlace("health dimension names", 80, 24, _health_dimensions),
    WritablePlace("review comments, achievements, concerns, dispute reasons", 2000, 1, _review_notes),
    WritablePlace("adaptations", 4000, 1, _adaptations),
    WritablePlace("improvement actions", 160, 11, _improvement_actions),
    WritablePlace("invitations (organisation name, message)", 120, 16, _invitations),
]

# Pages no link may lead to ("{p}" is the partnership id); ADMIN_PATHS only for admins.
KNOWN_PATHS = [
    "/",
    "/home",
    "/account",
    "/account/two-factor",
    "/partnerships/{p}",
    "/partnerships/{p}/members",
    "/partnerships/999999",  # the error page
]
ADMIN_PATHS = ["/organisation", "/partnerships/{p}/settings", "/partnerships/{p}/invitations/new"]
PDF_PATHS: list[str] = ["/partnerships/{p}/plan/draft.pdf"]  # plan PDFs ("{p}" is the partnership id)

INIT_SCRIPT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""

INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      // URL-bearing attributes only: a text input may well hold the words "javascript:…".
      const v = attr.value.toLowerCase().replace(/[\\s\\u0000-\\u001f]/g, '');
      const isUrl = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'poster', 'background']
        .includes(attr.name);
      if (attr.name.startsWith('on') || attr.name === 'srcdoc' || attr.name === 'style'
          || (isUrl && /^(javascript|vbscript|data):/.test(v))) {
        found.push(el.tagName + '[' + attr.name + '=' + attr.value.slice(0, 40) + ']');
      }
    }
  }
  // The app's own disclosures (<details class=…>) are expected; a payload's has no class.
  const unexpected = 'iframe, object, embed, base, meta[http-equiv], style, math, details:not([class])';
  for (const el of document.querySelectorAll(unexpected)) {
    found.push(el.tagName);
  }
  for (const s of document.scripts) {
    if (!s.src || !s.src.startsWith(location.origin + '/static/')) {
      found.push('SCRIPT ' + (s.src || s.text.slice(0, 40)));
    }
  }
  return found;
}"""


def _chunks(limit: int) -> list[str]:
    """The payloads packed into as few values of at most `limit` characters as possible."""
    chunks, current = [], ""
    for payload in PAYLOADS:
        candidate = f"{current} {payload}" if current else payload
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = payload
    return [*chunks, current]


class Visitor:
    """One person's browser tab, collecting everything suspicious it sees."""

    def __init__(self, new_page, base: str, email: str | None):
        self.base = base
        self.page = new_page()
        self.page.context.add_init_script(INIT_SCRIPT)
        self.problems: list[str] = []
        self.visits = 0
        self.page.on("dialog", self._dialog)
        if email:
            self.page.goto(base + "/signin")
            self.page.fill("#email", email)
            self.page.fill("#password", PASSWORD)
            self.page.click("form button[type=submit]")
            self.page.wait_for_url(re.compile(r".*/(home|my-work)$"))

    def _dialog(self, dialog):
        self.problems.append(f"{self.page.url}: a {dialog.type} opened: {dialog.message!r}")
        dialog.dismiss()

    def visit(self, url: str) -> list[str]:
        """Open `url`, check it, and return the same-origin links on it."""
        try:
            self.page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" in str(error):  # a file (CSV, PDF): nothing renders, nothing runs
                return []
            raise
        self.visits += 1
        where = urlsplit(url).path
        if self.page.evaluate("window.__pwned"):
            self.problems.append(f"{where}: a payload's script ran")
        for violation in self.page.evaluate("window.__csp || []"):
            self.problems.append(f"{where}: CSP violation {violation}")
        for injected in self.page.evaluate(INJECTED):
            self.problems.append(f"{where}: injected {injected}")
        if EVALUATED_TEMPLATE in self.page.content():
            self.problems.append(f"{where}: a template expression was evaluated")
        links = self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        return [urljoin(url, href) for href in links]

    def crawl(self, paths: list[str], skip: Callable[[str], bool] = lambda path: False) -> None:
        """Visit `paths` and every page reachable from them, each kind of page once.

        Pages of one shape (the same path with other numbers: revision 3 or 4, cycle 7 or 8)
        and the same page with another query string (sorting, filters, paging) render the
        same template over the same stored texts, so one visit per shape covers them.
        """
        queue = [self.base + p for p in paths]
        seen = set()
        while queue:
            url = queue.pop(0).split("#")[0]
            parts = urlsplit(url)
            if parts.netloc != urlsplit(self.base).netloc or parts.path.startswith("/static/"):
                continue
            shape = re.sub(r"\d+", "{n}", parts.path)
            if shape in seen or skip(parts.path):
                continue
            seen.add(shape)
            queue.extend(self.visit(url))


@pytest.mark.skipif(
    databases.engine_name() == "postgresql",
    reason="what a page renders from stored text does not depend on the database engine; runs on SQLite",
)
def test_no_payload_ever_runs_anywhere(live_server, new_page):
    app, base, smtp = live_server.app, live_server.url, live_server.smtp
    context = app.app_context()  # the test's own session, apart from the server's requests
    context.push()
    people = build_people(
        organisations=PLACES[0].slots, people=PLACES[1].slots, partnerships=PLACES[2].slots
    )
    world = people.world
    p = world.partnership.id
    extra = {f"/partnerships/{x.id}" for x in people.extra_partnerships}
    emails = {"a": world.a.admin.email, "b": world.b.admin.email, "viewer": world.b.viewer.email}
    visitors = {side: Visitor(new_page, base, email) for side, email in emails.items()}
    guest = Visitor(new_page, base, None)

    chunked = {place.name: _chunks(place.max_length) for place in PLACES}
    rounds = max(-(-len(chunked[place.name]) // place.slots) for place in PLACES)
    placed = {place.name: set() for place in PLACES}
    for round_no in range(rounds):
        for place in PLACES:
            chunks = chunked[place.name]
            texts = [chunks[(round_no * place.slots + n) % len(chunks)] for n in range(place.slots)]
            place.store(people, texts, round_no)
            placed[place.name].update(x for x in PAYLOADS for text in texts if x in text)
        db.session.commit()
        for side, visitor in visitors.items():
            known = KNOWN_PATHS + PDF_PATHS + (ADMIN_PATHS if side != "viewer" else [])
            # The extra partnerships' names are checked where they are listed (the home
            # page); their own pages are the same templates as the main partnership's.
            visitor.crawl([path.format(p=p) for path in known], skip=lambda path: path.startswith(tuple(extra)))
        for n in range(PLACES[-1].slots):
            address = f"guest{round_no}-{n}@newco.example.com"
            for _ in range(100):
                if smtp.to(address):
                    break
                smtp.arrived.wait(0.1)
            # Each invitation page shows its own organisation name: visit it; the pages it
            # links to (sign in, sign up) were crawled already.
            guest.visit(base + urlsplit(first_link(smtp.to(address)[-1])).path)

    db.session.remove()
    context.pop()
    assert all(placed[name] == set(PAYLOADS) for name in placed), "every payload went into every place"
    problems = list(itertools.chain.from_iterable(v.problems for v in [*visitors.values(), guest]))
    assert problems == [], "\n".join(problems[:40])
    visits = sum(v.visits for v in [*visitors.values(), guest])
    print(
        f"\nhostile content: {len(PAYLOADS)} payloads × {len(PLACES)} places, "
        f"{rounds} rounds, {visits} page visits, no script ran"
    )
    assert visits >= rounds * 40
