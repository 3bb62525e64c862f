"""What a request carries, read by one rule per kind of value, wherever it enters: forms, URLs,
query strings and JSON bodies.

- Text holds no control characters (C0 and C1 controls but tab and line breaks) and no lone
  surrogates. PostgreSQL cannot store NUL in text, and its JSON operators fail on any row whose
  JSON holds one; nobody can see the others. Forms say so beside the field (`app.forms.Form`).
- Ids and page numbers are digits within the database's integer range. `<int:...>` in every URL
  rule is bounded by `IdConverter`, so a larger number names nothing and answers 404, for an
  outsider exactly as for a missing partnership.
- Dates lie between DATE_MIN and DATE_MAX, so date arithmetic (a period's end, the day after a
  filter's last day) never leaves what `datetime.date` can hold.
"""

import json
import re
from datetime import date

from flask import Request, abort, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_MESSAGE = "Remove the invisible control characters from this text; they cannot be saved."

DB_INT_MAX = 2**31 - 1  # PostgreSQL's integer, the type of every id column
_ID = re.compile(r"[0-9]{1,10}")

DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2200, 12, 31)
DATE_RANGE_MESSAGE = f"Enter a date between {DATE_MIN.year} and {DATE_MAX.year}."


def has_control_characters(text: str) -> bool:
    """Whether `text` holds characters the database cannot store or people cannot see."""
    return bool(_CONTROL.search(text))


def without_control_characters(text: str) -> str:
    """`text` with them removed: for values nobody typed (a browser's User-Agent header)."""
    return _CONTROL.sub("", text)


def holds_control_characters(value) -> bool:
    """`has_control_characters` for any JSON-like value: strings, and the keys and values inside."""
    if isinstance(value, str):
        return has_control_characters(value)
    if isinstance(value, dict):
        return any(holds_control_characters(k) or holds_control_characters(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_control_characters(v) for v in value)
    return False


def parse_id(text) -> int | None:
    """The id `text` spells in plain digits, if the database could hold it; None otherwise."""
    if not isinstance(text, str) or not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if number <= DB_INT_MAX else None


def in_date_range(day: date) -> bool:
    return DATE_MIN <= day <= DATE_MAX


def parse_date(text) -> date | None:
    """The YYYY-MM-DD date `text` names, if it is in the supported range; None otherwise."""
    if not isinstance(text, str) or len(text) != 10:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if in_date_range(day) else None


def _numbers_up_to(limit: int) -> str:
    """A regular expression matching plain decimal numbers from 0 to `limit`."""
    digits = str(limit)
    shorter = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    # Same length: equal to the limit up to some position, then a smaller digit, then any digits.
    lower = [
        f"{digits[:i]}[0-{int(d) - 1}][0-9]{{{len(digits) - i - 1}}}" for i, d in enumerate(digits) if d != "0"
    ]
    return "(?:" + "|".join([*shorter, *lower, digits]) + ")"


class IdConverter(IntegerConverter):
    """`<int:...>` in URL rules: plain digits up to DB_INT_MAX, anything else is not found.

    The bound is in the pattern itself, so a larger number matches no rule at all: 404 for every
    method, never a 405 from a sibling rule on the same path."""

    regex = _numbers_up_to(DB_INT_MAX)

    def __init__(self, map, fixed_digits=0, min=None, max=DB_INT_MAX, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits, min, max, signed)


def int_arg(name: str) -> int | None:
    """An id in the query string (`?party=3`), or None when absent or not one."""
    return parse_id(request.args.get(name, ""))


def page_arg(name: str = "page") -> int:
    """The page number asked for: 1 unless it is a positive number; 404 beyond any page that can exist."""
    raw = request.args.get(name, "")
    if not re.fullmatch(r"[0-9]+", raw):
        return 1
    number = parse_id(raw)
    if number is None:
        abort(404)
    return max(number, 1)


FORM_CHANGED = (
    "This form was changed after the page gave it out, or the page is out of date. "
    "Go back, reload the page and try again."
)


def form_id(name: str, *, required: bool = True) -> int | None:
    """A hidden id that a form of the app's own pages posts (a revision, a version…).

    400 with a clear message when it is not one, so a tampered value can never be taken for
    "none" or for another record. Whether the id belongs where it is used is the service's check."""
    raw = request.form.get(name, "")
    if raw == "" and not required:
        return None
    number = parse_id(raw)
    if number is None:
        abort(400, FORM_CHANGED)
    return number


def form_choice(name: str, allowed, default: str | None = None) -> str:
    """A hidden choice or a button's value (a stage, an action…): one of `allowed`, or 400."""
    value = request.form.get(name, default)
    if value not in allowed:
        abort(400, FORM_CHANGED)
    return value


def refuse_unreadable_urls():
    """before_request hook: a path or query string carrying control characters is refused (400).

    No link the app makes carries them, and nothing read from such a URL could be looked up."""
    if has_control_characters(request.path) or any(
        has_control_characters(key) or has_control_characters(value) for key, value in request.args.items(multi=True)
    ):
        abort(400)


class _StrictJSON:
    """json for request bodies: strings holding control characters are refused like malformed JSON."""

    @staticmethod
    def loads(data, **kwargs):
        value = json.loads(data, **kwargs)
        if holds_control_characters(value):
            raise ValueError("control characters in JSON text")
        return value

    dumps = staticmethod(json.dumps)


class JointlyRequest(Request):
    """The app's request: JSON bodies are read by the same text rule as forms."""

    @property
    def json_module(self):
        return _StrictJSON

    @json_module.setter
    def json_module(self, _provider):
        """Flask hands each request the app's JSON provider; bodies keep the strict reader."""

    def on_json_loading_failed(self, e):
        if e is None:  # not sent as JSON at all
            return super().on_json_loading_failed(e)
        raise BadRequest("The data sent is not valid JSON, or holds control characters that cannot be saved.")
