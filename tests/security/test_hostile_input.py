"""Hostile input on every route and every form (property-based, Hypothesis, on PostgreSQL).

For every URL rule of the app (its `url_map`) and every input it takes (path arguments, the
query-string keys its view reads, and every field of every form on the pages that post to it,
hidden fields included), Hypothesis sends a plausible submission with one input replaced by a
hostile value of each class (control characters, ids and page numbers beyond the database's
range or of another partnership, numbers out of range, dates at the extremes, long and strange
text, made-up choices), and mixes of several, signed in as a member. It checks that:

- no answer is a 5xx;
- an answer refusing the input (4xx, or a redirect to a page with an error) changed nothing in
  the database;
- every JSON value stored stays readable by PostgreSQL's JSON operators (`::jsonb`, `->>`).

Inputs are found from the app itself (tests/support/hostile.py), so a new route or field is
covered without editing this file. By default each route and form gets HOSTILE_EXAMPLES
examples (default 2) of each class, each example aiming at one of its inputs: a sample that runs
in a few minutes. HOSTILE_FULL=1 is the full run: every input of every route and form gets that
many examples (default 5) of every class.
"""

import os
import secrets
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.support import databases
from tests.support.client import JointlyClient
from tests.support.factories import PASSWORD, join, make_partnership
from tests.support.hostile import (
    Input,
    RecordingRequest,
    changed_tables,
    classes,
    fingerprint,
    forms_and_links,
    plausible,
    query_keys,
    unreadable_json,
)
from tests.support.mail import file_outbox, first_link
from tests.support.routes import ENDPOINT_FILLERS, build_world, routes

pytestmark = pytest.mark.postgres_only

FULL = os.environ.get("HOSTILE_FULL") == "1"
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "5" if FULL else "2"))
# Who sends what: a member (A's admin, with a two-factor set-up begun), a signed-out visitor for
# the pages anyone may use, and a visitor half-way through a two-factor sign-in for its step.
PUBLIC = {"core.index", "core.healthz", "accounts.sign_up", "accounts.sign_in", "accounts.forgot_password",
          "accounts.reset_password", "invitations.show", "invitations.sign_up", "static", "my_work.calendar_feed"}
SENDER = {"accounts.two_factor_sign_in": "second_factor"}


def _who(endpoint: str) -> str:
    return SENDER.get(endpoint) or ("anonymous" if endpoint in PUBLIC else "member")

TRIED = Counter()  # (rule, class) -> examples
FAILED_BEFORE = []


def _areas() -> list[str]:
    """The blueprints: one test each, so a failure names its feature."""
    with tempfile.TemporaryDirectory(prefix="jointly-collect-") as instance:
        app = create_app(TestConfig, {"INSTANCE_PATH": instance})
        return sorted({rule.endpoint.partition(".")[0] for rule in app.url_map.iter_rules()})


AREAS = _areas()


@dataclass
class Target:
    """One way of calling one URL rule: its path, method, who sends it, and its inputs."""

    rule: str
    endpoint: str
    method: str
    path: str
    who: str  # "member" or "anonymous"
    inputs: list[Input] = field(default_factory=list)
    path_args: dict = field(default_factory=dict)  # name -> value as in the plain path
    quiet: bool = False  # reads nothing but its path (a PDF): hostile query keys are pointless

    @property
    def names(self) -> list[str]:
        return [f"path:{n}" for n in self.path_args] + [i.name for i in self.inputs]


# -- the world and what its pages offer ------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(database_url, tmp_path_factory):
    app = create_app(TestConfig, {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("hostile")),
        "MAIL_FILE_DIR": str(tmp_path_factory.mktemp("hostile-mail")),
        # Limits on, as in production, so their key functions read the hostile values too.
        "RATELIMIT_ENABLED": True, "SIGNIN_LIMIT_PER_IP": "100000 per minute",
        "SIGNIN_LIMIT_PER_ACCOUNT": "100000 per minute",
    })
    app.test_client_class = JointlyClient
    app.request_class = RecordingRequest
    with app.app_context():
        world = _world(app)
        clients = {"member": app.test_client(), "anonymous": app.test_client(), "second_factor": app.test_client()}
        clients["member"].sign_in(world.ab.a.admin.email, PASSWORD)
        clients["member"].submit("/account/two-factor/setup")  # so the page asks for the first code
        clients["second_factor"].submit("/signin", {"email": world.ab.b.viewer.email, "password": PASSWORD})
        targets = _targets(app, world, clients)
        yield SimpleNamespace(
            app=app, world=world, clients=clients, targets=targets, classes=classes(_other_ids(world)),
            tokens={who: client.csrf_token() for who, client in clients.items()},
            person=SimpleNamespace(password=PASSWORD, full_name=world.ab.a.admin.full_name),
        )
        db.session.remove()
        databases.empty_all_tables(db)
        db.engine.dispose()


def _world(app):
    """The route walks' world, plus a partnership whose review is open for scores (so the
    assessment and its autosave have their forms) and a live invitation of a new party."""
    from app.partnerships.access import load_membership
    from tests.support import review_cycle
    from tests.support.factories import enable_two_factor

    world = build_world(app)
    enable_two_factor(world.ab.b.viewer)  # signs in with a second step
    scoring = make_partnership(world.ab.a.admin, "Scoring Alliance")
    join(scoring, world.ab.b.admin, "admin", is_signatory=True)
    db.session.commit()
    review_cycle.add_measures(scoring, world.ab.a.admin)
    world.scoring = scoring
    world.scoring_cycle = review_cycle.open_cycle(scoring, world.ab.a.admin, "2026-Q4").id
    # Leaving for a party is tried on a partnership of its own: a plausible submission takes Alpha
    # out of it, and every other route must still find Alpha in A–B.
    world.leaving = make_partnership(world.ab.a.admin, "Leaving Alliance")
    join(world.leaving, world.ab.b.admin, "admin", is_signatory=True)
    db.session.commit()
    from tests.support.consent import admitted

    admitted(load_membership(world.ab.partnership.id, world.ab.a.admin), email="np@new.example.com",
             role="admin", organisation_name="New Co")
    db.session.commit()
    message = [m for m in file_outbox(app) if "np@new.example.com" in str(m["To"])][-1]
    world.tokens["new_party"] = first_link(message).rsplit("/", 1)[1]
    return world


def _other_ids(world) -> list[int]:
    """Ids of another partnership (C–D) for every kind of URL argument: never found from A–B."""
    return sorted({v for v in world.fillers(world.cd).values() if isinstance(v, int)})


def _instances(app, world) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) of every rule with A–B's ids, and the review rules again with the
    scoring partnership's open cycle."""
    fillers = world.fillers(world.ab.partnership)
    apart = {"partnerships.leave_party": {"partnership_id": world.leaving.id}}
    found = routes(app, fillers, endpoint_fillers={**ENDPOINT_FILLERS(world), **apart}, methods={"GET", "POST"})
    scoring = {**fillers, "partnership_id": world.scoring.id, "cycle_id": world.scoring_cycle}
    found += routes(app, scoring, only=lambda rule: "cycle_id" in rule.arguments, methods={"GET", "POST"})
    return found


def _rule_of(app, method: str, path: str):
    try:
        return app.url_map.bind("localhost").match(urlsplit(path).path, method=method, return_rule=True)
    except Exception:  # noqa: BLE001 - not ours
        return None, None


def _targets(app, world, clients) -> list[Target]:
    from tests.support.hostile import READ

    targets: list[Target] = []
    forms, links = [], []
    for endpoint, method, path in _instances(app, world):
        rule, args = _rule_of(app, method, path)
        who = _who(endpoint)
        if method == "GET":
            READ.clear()
            response = clients[who].get(path)
            read = set(READ)
            quiet = response.mimetype == "application/pdf"  # rendering takes seconds and reads no keys
            if response.mimetype == "text/html":
                page_forms, page_links = forms_and_links(response.get_data(as_text=True), path)
                forms += [(who, f) for f in page_forms]
                links += [(who, link) for link in page_links]
            targets.append(Target(rule.rule, endpoint, "GET", path, who, [Input(k, "", "query") for k in sorted(read)],
                                  dict(args), quiet=quiet and not read))
    # GET forms and links with query strings add keys to the GET targets' inputs.
    for _sender, link in links:
        if "?" not in link:
            continue
        rule, args = _rule_of(app, "GET", link)
        target = next((t for t in targets if rule is not None and t.rule == rule.rule and t.method == "GET"), None)
        if target is not None:
            known = {i.name for i in target.inputs}
            target.inputs += [Input(k, "", "query") for k in query_keys(link) if k not in known]
    # POST forms: one target per distinct set of inputs for each rule.
    seen = set()
    for who, form in forms:
        rule, args = _rule_of(app, form.method, form.action)
        if rule is None:
            continue
        if form.method == "GET":
            target = next((t for t in targets if t.rule == rule.rule and t.method == "GET"), None)
            if target is not None:
                known = {i.name for i in target.inputs}
                target.inputs += [i for i in form.inputs if i.name not in known]
            continue
        key = (rule.rule, frozenset(i.name for i in form.inputs))
        if key in seen:
            continue
        seen.add(key)
        targets.append(Target(rule.rule, rule.endpoint, form.method, urlsplit(form.action).path, who,
                              list(form.inputs), dict(args)))
    # POST rules no page offers a form for (script-only endpoints): the keys their view reads.
    posted = {t.rule for t in targets if t.method == "POST"}
    for endpoint, method, path in _instances(app, world):
        if method != "POST":
            continue
        rule, args = _rule_of(app, method, path)
        if rule.rule in posted:
            continue
        posted.add(rule.rule)
        who = _who(endpoint)
        client = clients[who]
        READ.clear()
        client.post(path, data={"csrf_token": client.csrf_token()})
        inputs = [Input("csrf_token", "", "hidden")] + [Input(k, "", "text") for k in sorted(READ - {"csrf_token"})]
        targets.append(Target(rule.rule, endpoint, "POST", path, who, inputs, dict(args)))
    return targets


# -- sending one hostile request -------------------------------------------------------------------


def _path_with(target: Target, app, replaced: dict) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.rule == target.rule)
    values = {**target.path_args, **replaced}
    parts = [quote(str(values[data]), safe="") if dynamic else data for dynamic, data in rule._trace]
    return "".join(parts).partition("|")[2]


def _send(hostile, target: Target, values: dict, token: str):
    """The request: the plausible submission with `values` (input name -> hostile value)."""
    client = hostile.clients[target.who]
    path_values = {name[5:]: v for name, v in values.items() if name.startswith("path:")}
    path = _path_with(target, hostile.app, path_values) if path_values else target.path
    if target.method == "GET":
        query = [(i.name, values[i.name]) for i in target.inputs if i.name in values]
        if not target.inputs and not path_values and not target.quiet:
            query = [("q", next(iter(values.values()), ""))]
        return client.get(path + ("?" + urlencode(query) if query else ""))
    data = []
    for item in plausible(target.inputs, hostile.person):
        if item.name in values:
            data.append((item.name, values[item.name]))
        elif item.name == "csrf_token":
            data.append((item.name, token))
        elif item.name == "submission_key":
            data.append((item.name, secrets.token_urlsafe(24)))  # a fresh form each time
        elif item.kind != "unchecked" and item.kind != "file":
            data.append((item.name, item.value))
    return client.post(path, data=MultiDict(data))


def _refused(hostile, target: Target, response) -> bool:
    """A refusal: 4xx, or a redirect to a page that shows an error."""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code in (301, 302, 303) and target.method == "POST":
        page = hostile.clients[target.who].get(response.headers["Location"])
        return 'flash--error' in page.get_data(as_text=True)
    return False


def _check(hostile, target: Target, cls: str, values: dict, before: list):
    response = _send(hostile, target, values, hostile.tokens[target.who])
    if response.status_code == 400 and "Your form expired" in response.get_data(as_text=True) \
            and "csrf_token" not in values:
        # The session was renewed by an earlier accepted request (a changed password…): new token.
        hostile.tokens[target.who] = hostile.clients[target.who].csrf_token()
        response = _send(hostile, target, values, hostile.tokens[target.who])
    TRIED[(target.rule, cls)] += 1
    where = f"{target.method} {target.rule} ({target.endpoint}) with {values!r}"
    assert response.status_code < 500, f"{where} answered {response.status_code}"
    after = fingerprint()
    if _refused(hostile, target, response):
        assert after == before[0], f"{where} was refused ({response.status_code}) but changed " \
                                   f"{changed_tables(before[0], after)}"
    before[0] = after


def _hostile_strategy(hostile, target: Target, cls: str, only: str | None = None):
    names = [only] if only else target.names
    if cls == "mix":
        every = st.one_of(*hostile.classes.values())
        pairs = st.lists(st.tuples(st.sampled_from(names or ["q"]), every), min_size=2, max_size=4)
        return None if target.quiet and not names else pairs.map(dict)
    if cls != "id":  # a number-only path argument cannot take another class of value and still match
        names = [n for n in names if not n.startswith("path:") or n[5:] not in _int_args(hostile.app, target)]
    if not names and target.method == "GET" and not target.quiet and only is None:
        names = ["q"]  # a query key nobody reads: the URL must still be answered
    if not names:
        return None
    return st.tuples(st.sampled_from(names), hostile.classes[cls]).map(lambda pair: {pair[0]: pair[1]})


def _int_args(app, target: Target) -> set[str]:
    from app.inputs import IdConverter

    rule = next(r for r in app.url_map.iter_rules() if r.rule == target.rule)
    return {name for name, kind in rule._converters.items() if isinstance(kind, IdConverter)}


CLASS_NAMES = ["control", "id", "number", "date", "text", "choice", "mix"]


def _try(hostile, target: Target, cls: str, strategy, before: list) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(values=strategy)
    def example(values):
        _check(hostile, target, cls, values, before)

    example()


@pytest.mark.parametrize("area", AREAS)
def test_hostile_input_never_fails_and_a_refusal_changes_nothing(hostile, area):
    targets = [t for t in hostile.targets if t.endpoint.partition(".")[0] == area]
    assert targets, f"no routes found for {area}"
    before = [fingerprint()]
    failures = []
    for target in targets:
        for cls in CLASS_NAMES:
            for only in (target.names or [None]) if FULL and cls != "mix" else [None]:
                strategy = _hostile_strategy(hostile, target, cls, only)
                if strategy is None:
                    continue
                try:
                    _try(hostile, target, cls, strategy, before)
                except Exception as error:  # noqa: BLE001 - every route and class is tried; all failures reported
                    notes = [n for n in getattr(error, "__notes__", []) if "values=" in n]
                    failures.append(f"[{cls}] {str(error).splitlines()[0]} {' '.join(notes)}")
                    before[0] = fingerprint()
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(failures)
    assert unreadable_json() == []


def test_the_suite_tried_every_rule_with_every_class(hostile, capsys):
    if not TRIED:
        pytest.skip("run the whole module: this test reports the examples above")
    rules = {t.rule for t in hostile.targets}
    tried_rules = {rule for rule, _cls in TRIED}
    assert rules == tried_rules, f"never tried: {sorted(rules - tried_rules)}"
    pairs = {(rule, cls) for rule, cls in TRIED}
    with capsys.disabled():
        print(f"\nhostile input: {len(rules)} URL rules, {len(hostile.targets)} forms and URLs, "
              f"{len(pairs)} rule × class pairs, {sum(TRIED.values())} examples")
        for cls in CLASS_NAMES:
            print(f"  {cls:<8} {sum(n for (r, c), n in TRIED.items() if c == cls):>6} examples "
                  f"on {len({r for (r, c) in TRIED if c == cls})} rules")
