"""Property-based fuzzing (Hypothesis) of every form: any input, however long or strange,
never causes a 500, and when the form comes back with errors (always as 422) every text
input shows exactly what was typed (HTML-escaped).

Adding a form: add one `FormCase` to FORMS (its URL, who submits it, which fields are
typed text, which are secrets never echoed, and valid values for the rest).
FUZZ_EXAMPLES sets the examples per form (default 40).
"""

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from tests.support.consent import admitted
from tests.support.factories import PASSWORD
from tests.support.routes import build_world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
RAN = Counter()

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}",
    "{% raw %}",
    "' OR 1=1 --",
    "\x00",
    "\u202e\u200b",
    "a\r\nb",
    "%00%0d%0a",
    "😀" * 50,
    "ǅ" * 121,
    " ",
]
typed_text = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=80),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=20),
    st.text(max_size=20).map(lambda s: s * 300),  # very long
    st.sampled_from(HOSTILE),
)


@dataclass(frozen=True)
class FormCase:
    name: str
    url: Callable[[object], str]  # world -> URL
    who: str  # "anonymous" (a fresh visitor each time) or a World attribute path, e.g. "ab.a.admin"
    text: tuple[str, ...]  # typed fields that must come back intact
    secret: tuple[str, ...] = ()  # typed but never shown again (passwords)
    fixed: dict = field(default_factory=dict)  # valid values for the other fields (or world -> value)
    csrf_field: str = "csrf_token"
    setup: Callable[[object, object], None] | None = None  # (world, client) before fuzzing


def _start_two_factor_setup(world, client):
    client.submit("/account/two-factor/setup")


def _current_risk_revision(world) -> str:
    from app.plan_sections.reading import section_for

    return str(section_for(world.ab.partnership.id, "risk_assessment").current_revision_id)


FORMS = [
    FormCase("sign up", lambda w: "/signup", "anonymous", ("organisation_name", "full_name", "email"),
             ("password",), {"time_zone": "UTC"}),
    FormCase("sign in", lambda w: "/signin", "anonymous", ("email",), ("password",)),
    FormCase("forgotten password", lambda w: "/password/forgot", "anonymous", ("email",)),
    FormCase("password reset", lambda w: f"/password/reset/{w.tokens['reset']}", "anonymous", (),
             ("password", "confirm")),
    FormCase("account details", lambda w: "/account", "ab.a.editor", ("profile-full_name", "profile-email"),
             ("profile-current_password",), {"profile-time_zone": "UTC"}, "profile-csrf_token"),
    FormCase("change password", lambda w: "/account/password", "ab.b.editor", (),
             ("password-current_password", "password-new_password", "password-confirm"), {}, "password-csrf_token"),
    FormCase("new partnership", lambda w: "/partnerships/new", "ab.a.editor", ("name", "purpose", "start_date"),
             (), {"type": "joint_venture", "review_cadence_months": "3"}),
    FormCase("partnership settings", lambda w: f"/partnerships/{w.ab.partnership.id}/settings", "ab.a.admin",
             ("name", "purpose", "start_date"), (), {"type": "joint_venture", "review_cadence_months": "3",
                                                     "status": "active"}),
    FormCase("invitation", lambda w: f"/partnerships/{w.ab.partnership.id}/invitations/new", "ab.b.admin",
             ("email", "organisation_name", "message"), (), {"invite_as": "new_party", "role": "editor"}),
    FormCase("invited sign-up", lambda w: f"/invitations/{w.tokens['new_party']}/signup", "anonymous",
             ("full_name", "organisation_name"), ("password",), {"time_zone": "UTC"}),
    FormCase("organisation settings", lambda w: "/organisation", "ab.b.admin", ("name",)),
    FormCase("two-factor set-up code", lambda w: "/account/two-factor/confirm", "ab.b.viewer", ("code",),
             setup=_start_two_factor_setup),
    FormCase("comment", lambda w: f"/partnerships/{w.ab.partnership.id}/plan/risk_assessment/comments",
             "ab.b.editor", ("body",), (), {"item_id": ""}),
    FormCase("comment reply", lambda w: f"/partnerships/{w.ab.partnership.id}/plan/risk_assessment/comments/"
             f"{w.threads[w.ab.partnership.id]}/replies", "ab.a.editor", ("body",)),
    FormCase("restore a revision", lambda w: f"/partnerships/{w.ab.partnership.id}/plan/risk_assessment/revisions/1/"
             "restore", "ab.a.editor", ("note",), (), {"base_revision_id": _current_risk_revision}),
    # The world's kept conflict has two overlaps; only the first is chosen (written), so the page
    # always comes back, and must show the text exactly as typed.
    # The world's review cycles are in their Improve stage, each with one action.
    FormCase("open a review cycle", lambda w: f"/partnerships/{w.ab.partnership.id}/reviews", "ab.b.admin",
             ("period",), (), {"review_due_on": ""}),
    FormCase("improvement action", lambda w: f"/partnerships/{w.ab.partnership.id}/reviews/"
             f"{w.cycles[w.ab.partnership.id]}/actions", "ab.a.editor", ("title", "description"), (),
             {"owner_party_id": lambda w: str(w.ab.a.party.id), "owner_user_id": "", "due_on": "2030-01-31",
              "link": ""}),
    FormCase("improvement action update", lambda w: f"/partnerships/{w.ab.partnership.id}/reviews/"
             f"{w.cycles[w.ab.partnership.id]}/actions/{w.actions[w.ab.partnership.id]}", "ab.b.editor",
             ("title", "description"), (),
             {"owner_party_id": lambda w: str(w.ab.a.party.id), "owner_user_id": "", "due_on": "2030-01-31",
              "link": "", "status": "in_progress"}),
    FormCase("health dimension", lambda w: f"/partnerships/{w.ab.partnership.id}/reviews/dimensions", "ab.a.admin",
             ("name",)),
    FormCase("conflict resolution", lambda w: f"/partnerships/{w.ab.partnership.id}/plan/risk_assessment/"
             f"conflicts/{w.conflicts[w.ab.partnership.id]}", "ab.a.admin", ("custom-1",), (),
             {"choice-1": "custom"}),
    # The world's v1.0 awaits signatures, so issuing another is refused and the form comes back.
    FormCase("issue a plan version", lambda w: f"/partnerships/{w.ab.partnership.id}/versions/new", "ab.b.admin",
             ("summary",), (), {"step": "minor"}),
    FormCase("sign a plan version", lambda w: f"/partnerships/{w.ab.partnership.id}/versions/"
             f"{w.versions[w.ab.partnership.id]}/sign", "ab.b.admin", ("typed_name",), ("password",), {"confirm": "y"}),
    FormCase("decline a plan version", lambda w: f"/partnerships/{w.ab.partnership.id}/versions/"
             f"{w.versions[w.ab.partnership.id]}/decline", "ab.b.admin", ("reason",)),
]


def _person(world, path: str):
    target = world
    for part in path.split("."):
        target = getattr(target, part)
    return target


@pytest.fixture
def world(app):
    from app.partnerships.access import load_membership
    from tests.support.mail import file_outbox, first_link

    world = build_world(app)
    admin = load_membership(world.ab.partnership.id, world.ab.a.admin)
    admitted(admin, email="np@new.example.com", role="admin", organisation_name="New Co")
    from app.extensions import db

    db.session.commit()
    message = [m for m in file_outbox(app) if "np@new.example.com" in str(m["To"])][-1]
    world.tokens["new_party"] = first_link(message).rsplit("/", 1)[1]
    return world


def _check_echo(case: FormCase, data: dict, page: str) -> None:
    if 'class="field__error"' not in page and "form-summary" not in page:
        return  # accepted (or a page without the form): nothing to compare
    for name in case.text:
        assert str(escape(data[name])) in page, f"{case.name}: {name}={data[name]!r} did not come back intact"
    for name in case.secret:
        for tag in re.findall(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page):
            assert not re.search(r' value="[^"]', tag), f"{case.name}: the {name} field was sent back to the browser"


@pytest.mark.parametrize("case", FORMS, ids=[c.name for c in FORMS])
def test_any_input_is_handled_and_kept(app, world, client_as, case):
    signed_in = None
    if case.who != "anonymous":
        signed_in = client_as(_person(world, case.who), PASSWORD)
        if case.setup:
            case.setup(world, signed_in)
        token = signed_in.csrf_token()
    url = case.url(world)
    fixed = {name: value(world) if callable(value) else value for name, value in case.fixed.items()}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(values=st.fixed_dictionaries({name: typed_text for name in case.text + case.secret}))
    def fuzz(values):
        RAN[case.name] += 1
        client = signed_in or app.test_client()
        data = {**fixed, **values, case.csrf_field: token if signed_in else client.csrf_token()}
        response = client.post(url, data=data)
        page = response.get_data(as_text=True)
        assert response.status_code < 500, f"{case.name}: {values!r} answered {response.status_code}"
        assert "Traceback" not in page
        if response.status_code in (200, 422):  # a form that came back (422: with errors)
            _check_echo(case, data, page)
            if 'class="field__error"' in page or "form-summary" in page:
                assert response.status_code == 422, f"{case.name}: errors shown with {response.status_code}"

    fuzz()


# The plan's Markdown pipeline (app/markdown.py) is built on another branch. Once merged,
# set its renderer here ("module:function", text in, sanitised HTML out).
MARKDOWN_RENDERER = "app.markdown:render_markdown"


@settings(max_examples=EXAMPLES * 5, deadline=None, derandomize=True, database=None)
@given(text=st.one_of(typed_text, st.sampled_from(["[x](javascript:alert(1))", "<svg onload=alert(1)>", "```\n<"])))
def test_markdown_never_fails_and_never_lets_script_through(text):
    module_name, function = MARKDOWN_RENDERER.split(":")
    module = pytest.importorskip(module_name, reason="the Markdown pipeline is not on this branch yet")
    html = str(getattr(module, function)(text))
    RAN["markdown"] += 1
    # Raw HTML comes out as escaped text, so look at the elements the browser would build.
    for tag, attributes in _elements(html):
        assert tag not in ("script", "style", "iframe", "object", "embed"), html
        for name, value in attributes.items():
            assert not name.lower().startswith("on"), html
            assert not (value or "").strip().lower().startswith("javascript:"), html


class _ElementReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict]]:
    reader = _ElementReader()
    reader.feed(html)
    return reader.found


def test_fuzzing_ran_every_form(capsys):
    if not RAN:
        pytest.skip("run the whole module: this test reports the examples above")
    assert {case.name for case in FORMS} <= set(RAN)
    assert all(RAN[case.name] >= min(EXAMPLES, 10) for case in FORMS)
    with capsys.disabled():
        width = max(len(k) for k in RAN)
        print("\nfuzz examples run:")
        for name, count in sorted(RAN.items()):
            print(f"  {name:<{width}}  {count:>5}")
        print(f"  {'total':<{width}}  {sum(RAN.values()):>5}")
