"""Hostile input for the property-based suite (tests/security/test_hostile_input.py): the inputs of
every route, found from the app itself, the classes of hostile values, and checks on the database.

Inputs are found two ways, so a new route or field is covered without editing anything here:
- every form on every page the walk can open (including hidden fields), with the values the page
  gave it, attributed to the endpoint its action URL matches;
- the query-string and form keys each view actually reads, recorded while it answers a plain
  request (`RecordingRequest`): filters, cursors, sort keys, and the fields of script-only
  endpoints (autosave, presence, preview).
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import sqlalchemy as sa
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict

from app.extensions import db
from app.inputs import DB_INT_MAX, JointlyRequest

# -- values ----------------------------------------------------------------------------------------

# Script, markup and template injections, stored in every writable place by the hostile-content
# journey (tests/e2e/test_hostile_content.py) and written into the Word export's test.
PAYLOADS = [
    "<script>alert('xss-1')</script>",
    "<ScRiPt>window.__pwned=2</ScRiPt>",
    '"><script>alert(3)</script>',
    "'><script>alert(4)</script>",
    "<img src=x onerror=alert(5)>",
    '<img src="x" onerror="window.__pwned=6">',
    "<svg onload=alert(7)>",
    "<svg><script>alert(8)</script></svg>",
    "<body onload=alert(9)>",
    "<iframe src=javascript:alert(10)>",
    '<iframe srcdoc="<script>parent.alert(11)</script>">',
    "<a href=javascript:alert(12)>click</a>",
    "<a href=JaVaScRiPt:alert(13)>x</a>",
    "<a href=&#106;avascript:alert(14)>x</a>",
    "<a href=&#x6A;&#x61;vascript:alert(15)>x</a>",
    "<a href='data:text/html,<script>alert(16)</script>'>x</a>",
    "<a href=vbscript:msgbox(17)>x</a>",
    '" onmouseover="alert(18)" x="',
    "' onfocus='alert(19)' autofocus '",
    '"><input autofocus onfocus=alert(20)>',
    "</textarea><script>alert(21)</script>",
    "</title><script>alert(22)</script>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(23)">',
    "<object data=javascript:alert(24)>",
    "<embed src=javascript:alert(25)>",
    "<div style=\"width:expression(alert(26))\">css</div>",
    "<style>@import 'javascript:alert(27)';</style>",
    "<details open ontoggle=alert(28)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(29)>",
    "{{7*7}} {{7*7191}} ${7*7191} #{7*7191}",
    "{% for x in ().__class__.__base__.__subclasses__() %}{{x}}{% endfor %}",
    "\u202egnp.exe<script>alert(32)</script>",
    "javascript:alert(33)//\u2028\u2029x",
    "<img src=x:alert(34) onerror=eval(src)>",
    "<<script>alert(35);//<</script>",
    "%3Cscript%3Ealert(36)%3C/script%3E",
    "<base href='javascript:alert(37)//'>",
    "<form action=javascript:alert(38)><button>x</button></form>",
]


# -- keys the views read -------------------------------------------------------------------------

READ: set[str] = set()


class _RecordingMultiDict(ImmutableMultiDict):
    def __getitem__(self, key):
        READ.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's name
        READ.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        READ.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        READ.add(key)
        return super().__contains__(key)


class RecordingRequest(JointlyRequest):
    """The app's request, noting every query-string and form key a view asks for."""

    parameter_storage_class = _RecordingMultiDict


def keys_read(client, method: str, path: str, data=None) -> set[str]:
    READ.clear()
    client.open(path, method=method, data=data)
    return set(READ)


# -- forms on pages ------------------------------------------------------------------------------


@dataclass
class Input:
    name: str
    value: str
    kind: str  # hidden, text, textarea, select, radio, checkbox, password, email, date, number, file…
    options: tuple[str, ...] = ()


@dataclass
class PageForm:
    page: str
    action: str  # path, query string included
    method: str
    inputs: list[Input] = field(default_factory=list)

    def data(self) -> list[tuple[str, str]]:
        """What the browser sends as the page stands."""
        return [(i.name, i.value) for i in self.inputs if i.kind not in ("file", "unchecked")]


class _Forms(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[PageForm] = []
        self.links: list[str] = []
        self.form: PageForm | None = None
        self.template = 0
        self.select: Input | None = None
        self.select_first: str | None = None
        self.textarea: Input | None = None
        self.radios: dict[str, Input] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "template":
            self.template += 1
        if self.template:
            return
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            action = a.get("action") or self.page
            self.form = PageForm(self.page, action, (a.get("method") or "get").upper())
            self.radios = {}
            return
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind == "radio":
                group = self.radios.get(name)
                if group is None:
                    group = self.radios[name] = Input(name, a.get("value", "on"), "radio")
                    self.form.inputs.append(group)
                group.options += (a.get("value", "on"),)
                if "checked" in a:
                    group.value = a.get("value", "on")
                return
            if kind == "checkbox" and "checked" not in a:
                # Not sent as the page stands, but a value can be sent all the same.
                self.form.inputs.append(Input(name, a.get("value", "on"), "unchecked"))
                return
            self.form.inputs.append(Input(name, a.get("value", "on" if kind == "checkbox" else ""), kind))
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            # The first button's value is what pressing Enter sends; every value is a choice.
            existing = next((i for i in self.form.inputs if i.name == name and i.kind == "button"), None)
            if existing is None:
                self.form.inputs.append(Input(name, a.get("value", ""), "button", (a.get("value", ""),)))
            else:
                existing.options += (a.get("value", ""),)
        elif tag == "textarea" and name:
            self.textarea = Input(name, "", "textarea")
            self.form.inputs.append(self.textarea)
        elif tag == "select" and name:
            self.select = Input(name, "", "select")
            self.select_first = None
            self.form.inputs.append(self.select)
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            self.select.options += (value,)
            if self.select_first is None:
                self.select_first = value
            if "selected" in a:
                self.select.value = value

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "template" and self.template:
            self.template -= 1
        elif tag == "textarea" and self.textarea is not None:
            self.textarea.value = self.textarea.value.removeprefix("\n")
            self.textarea = None
        elif tag == "select" and self.select is not None:
            if not self.select.value:
                self.select.value = self.select_first or ""
            self.select = None
        elif tag == "form" and self.form is not None:
            self.forms.append(self.form)
            self.form = None


def forms_and_links(html: str, page: str) -> tuple[list[PageForm], list[str]]:
    reader = _Forms(page)
    reader.feed(html)
    return reader.forms, reader.links


def endpoint_of(app, path: str, method: str) -> str | None:
    """The endpoint a same-site path answers with, or None (another site, or nothing matches)."""
    parts = urlsplit(path)
    if parts.netloc and parts.netloc not in ("localhost",):
        return None
    try:
        endpoint, _args = app.url_map.bind("localhost").match(parts.path, method=method)
    except Exception:  # noqa: BLE001 - not found, or not allowed: not one of ours
        return None
    return endpoint


def query_keys(path: str) -> list[str]:
    return [key for key, _ in parse_qsl(urlsplit(path).query, keep_blank_values=True)]


# -- a submission a person could make ------------------------------------------------------------


def plausible(inputs: list[Input], person) -> list[Input]:
    """The form's inputs, with empty typed fields given an ordinary value, so that the
    submission gets past "required" and a hostile value in one field reaches the code behind it."""
    filled = []
    for item in inputs:
        value = item.value
        if not value:
            name = item.name.rsplit("-", 1)[-1]
            if item.kind == "password" or "password" in name:
                value = person.password
            elif item.kind == "email" or name == "email":
                value = "someone.new@example.org"
            elif item.kind == "date" or name.endswith(("_on", "_date", "date_from", "date_to")):
                value = "2030-01-31"
            elif name == "typed_name":
                value = person.full_name
            elif item.kind in ("text", "textarea", "search") and name not in ("code", "period"):
                value = "Written by the hostile-input suite."
        filled.append(Input(item.name, value, item.kind, item.options))
    return filled


# -- hostile values ------------------------------------------------------------------------------

CONTROL_CHARACTERS = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"]


def classes(other_ids: list[int]) -> dict[str, st.SearchStrategy]:
    """Each class of hostile value the issue names, as a Hypothesis strategy of strings."""
    return {
        "control": st.builds(
            lambda before, char, after: before + char + after,
            st.text(max_size=12), st.sampled_from(CONTROL_CHARACTERS), st.text(max_size=12),
        ),
        "id": st.one_of(
            st.sampled_from(["", "-1", "0", "abc", "1.5", "1e3", "²", "٣", " 1", "0x10", "1_000", "+1", "None"]),
            st.integers(min_value=DB_INT_MAX + 1, max_value=2**80).map(str),
            st.integers(max_value=-1).map(str),
            st.just("9" * 5000),
            st.sampled_from([str(i) for i in other_ids] or ["1"]),
        ),
        "number": st.one_of(
            st.sampled_from(["1e309", "9" * 20, "-" + "9" * 20, "99999999999999999999.99", "NaN", "Infinity",
                             "-Infinity", "1e-400", "1e999999999", "-0", "0.0000000001", "1,000,000,000,000,000",
                             "12" * 300]),
            st.decimals(allow_nan=True, allow_infinity=True).map(str),
            st.floats().map(repr),
        ),
        "date": st.one_of(
            st.sampled_from(["0001-01-01", "9999-12-31", "10000-01-01", "-0001-01-01", "2026-02-30", "2026-13-01",
                             "1899-12-31", "2201-01-01", "0000-00-00", "20260101", "2026-W01-1",
                             "2026-01-01T00:00:00+14:00", "0001-01-01T00:00:00+14:00~1~1"]),
            st.dates().map(lambda d: d.isoformat()),
        ),
        "text": st.one_of(
            st.sampled_from(["x" * 61_000, "😀" * 3000, "\u202e\u200b\u2028\u2029", "<style>", "{{7*7}}", " ",
                             "\r\n\r\n", "ǅ" * 500]),
            st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200),
        ),
        "choice": st.one_of(
            st.sampled_from(["__proto__", "../../etc/passwd", "<script>alert(1)</script>", "' OR 1=1 --", "null",
                             "[]", "{}", "true", "%00", "on", "save:x", "add:", "up:x:1"]),
            st.text(max_size=40),
        ),
    }


# -- the database ---------------------------------------------------------------------------------


def fingerprint() -> dict[str, str]:
    """A digest of every table's rows (PostgreSQL), in one statement: equal when nothing changed."""
    db.session.expire_all()
    tables = [t.name for t in db.metadata.sorted_tables]
    union = " UNION ALL ".join(
        f"SELECT '{name}', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{name}\" t"
        for name in tables
    )
    with db.engine.connect() as connection:
        return dict(connection.execute(sa.text(union)).all())


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def unreadable_json() -> list[str]:
    """JSON columns PostgreSQL's operators cannot read (`::jsonb`, `->>` / json_each_text), as
    "table.column: error"; empty when every stored value reads."""
    problems = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, sa.JSON):
                    continue
                q = f'"{column.name}"'
                statement = (
                    f"SELECT count(*), sum(length({q}::text)), sum(length({q}::jsonb::text)), "
                    f"sum((SELECT count(v) FROM json_each_text(CASE WHEN json_typeof({q}) = 'object' "
                    f"THEN {q} ELSE '{{}}'::json END) AS e(k, v))) FROM \"{table.name}\""
                )
                try:
                    with connection.begin():
                        connection.execute(sa.text(statement)).one()
                except sa.exc.DBAPIError as error:
                    problems.append(f"{table.name}.{column.name}: {str(error.orig).splitlines()[0]}")
    return problems

