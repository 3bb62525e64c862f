"""Field kinds: what a value in a plan section is, how it is typed, checked, shown and sorted.

A field reads its raw value from the edit form (`raw_from_form`), turns it into the
JSON value stored in a revision (`parse`), checks a JSON value from any source
(`validate`) and shows it (`display`). Values that refer to something outside the
section (a party, a member, another section's item) are checked against the
partnership (`PlanContext`); a reference that was valid when it was saved stays
acceptable when the row is saved unchanged, so a person leaving never blocks a save.
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from markupsafe import Markup

from app.formatting import format_date
from app.inputs import CONTROL_MESSAGE, holds_control_characters, parse_id

# Currencies a partnership can state values in: the ones alliances commonly contract in.
CURRENCIES = {
    "EUR": "Euro", "USD": "US dollar", "GBP": "Pound sterling", "CHF": "Swiss franc",
    "CAD": "Canadian dollar", "MXN": "Mexican peso", "BRL": "Brazilian real", "AUD": "Australian dollar",
    "NZD": "New Zealand dollar", "JPY": "Japanese yen", "CNY": "Chinese yuan", "HKD": "Hong Kong dollar",
    "SGD": "Singapore dollar", "INR": "Indian rupee", "KRW": "South Korean won", "AED": "UAE dirham",
    "SAR": "Saudi riyal", "ZAR": "South African rand", "SEK": "Swedish krona", "NOK": "Norwegian krone",
    "DKK": "Danish krone", "PLN": "Polish złoty", "CZK": "Czech koruna", "HUF": "Hungarian forint",
    "TRY": "Turkish lira",
}
# Currencies without minor units; every other listed currency has two decimals.
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "HUF"})
MAX_AMOUNT = Decimal("1000000000000")  # a trillion: anything larger is a typing slip


class FieldError(ValueError):
    """A value the field cannot accept; the message is shown beside the input."""


def canonical_number(value: Decimal) -> str:
    """The one way a decimal is written in content: no exponent, no trailing zeros."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def group_digits(value: Decimal, places: int | None = None) -> str:
    """1234567.5 -> '1,234,567.50' (places fixed) or '1,234,567.5' (places None)."""
    if places is not None:
        return f"{value:,.{places}f}"
    text = format(value.normalize(), "f")
    whole, _, fraction = text.partition(".")
    grouped = f"{int(whole):,}" if whole not in ("", "-") else whole
    if whole.startswith("-") and grouped[0] != "-":
        grouped = "-" + grouped
    return f"{grouped}.{fraction}" if fraction else grouped


def format_money(value: dict | None) -> str:
    if not value:
        return ""
    amount = Decimal(value["amount"])
    places = 0 if value["currency"] in ZERO_DECIMAL_CURRENCIES or amount == amount.to_integral() else 2
    return f"{value['currency']} {group_digits(amount, places)}"


class Field:
    """A named value. Subclasses say how it is typed and checked."""

    widget = "text"
    input_type = "text"
    wide = False
    empty = None

    def __init__(
        self,
        name: str,
        label: str,
        *,
        required: bool = False,
        help: str | None = None,  # noqa: A002 - the word forms use
        complete: bool = False,
        wide: bool | None = None,
        placeholder: str | None = None,
        default=None,
    ):
        self.name = name
        # What a new item starts with (a new risk is "Open", its response "Mitigate"): the first
        # save does not fail on choices nobody has had reason to make yet.
        self.default = default
        self.label = label
        self.required = required
        self.help = help
        # Counts towards the section's completeness (section-level fields).
        self.complete = complete
        self.placeholder = placeholder
        if wide is not None:
            self.wide = wide
        # Set by the item kind or section type that declares the field.
        self.scope = "fields"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.scope}.{self.name}>"

    # -- the edit form -----------------------------------------------------------------
    def raw_from_form(self, form, key: str, ctx):
        return form.get(key, "")

    def raw_from_value(self, value, ctx):
        return "" if value is None else str(value)

    def untouched(self, raw, ctx) -> bool:
        """`raw` is what a new item starts with: blank, or this field's default."""
        return self.is_blank(raw) or (self.default is not None and raw == self.raw_from_value(self.default, ctx))

    def is_blank(self, raw) -> bool:
        return not str(raw or "").strip()

    def parse(self, raw, ctx):
        """The JSON value for what was typed, or FieldError."""
        if holds_control_characters(raw):
            raise FieldError(CONTROL_MESSAGE)
        if self.is_blank(raw):
            if self.required:
                raise FieldError(self.required_message)
            return self.empty
        value = self.coerce(raw, ctx)
        self.check(value, ctx)
        return value

    @property
    def required_message(self) -> str:
        return f"Enter {self.label[0].lower() + self.label[1:]}."

    def coerce(self, raw, ctx):
        return str(raw).strip()

    # -- JSON values from any source ---------------------------------------------------
    def validate(self, value, ctx):
        """The stored value checked (None allowed unless required), or FieldError."""
        if holds_control_characters(value):
            raise FieldError(CONTROL_MESSAGE)
        if value is None or value == self.empty:
            if self.required:
                raise FieldError(self.required_message)
            return self.empty
        self.check(value, ctx)
        return value

    def check(self, value, ctx) -> None:
        raise NotImplementedError

    def previously(self, value, ctx) -> bool:
        """True when the value was already stored in this field of the section being edited."""
        return value in ctx.previous.get((self.scope, self.name), ())

    # -- reading -----------------------------------------------------------------------
    def display(self, value, ctx):
        return "" if value is None else str(value)

    def plain(self, value, ctx) -> str:
        """The value as plain text for a spreadsheet cell (CSV exports): what `display` shows,
        without markup; kinds whose display shortens or formats the value give it whole."""
        shown = self.display(value, ctx)
        return shown.striptags() if isinstance(shown, Markup) else str(shown)

    def sort_key(self, value, ctx):
        text = self.display(value, ctx)
        return (value is None or text == "", str(text).lower())

    def options(self, ctx) -> list[tuple[str, str]]:
        return []


class Text(Field):
    def __init__(self, name, label, *, max_length: int = 200, **kwargs):
        super().__init__(name, label, **kwargs)
        self.max_length = max_length

    def coerce(self, raw, ctx):
        return " ".join(str(raw).split())  # one line: newlines and runs of spaces collapse

    def check(self, value, ctx):
        if not isinstance(value, str):
            raise FieldError(f"{self.label} must be text.")
        if len(value) > self.max_length:
            raise FieldError(f"Keep {self.label.lower()} to {self.max_length} characters (it has {len(value)}).")


class LongText(Text):
    widget = "textarea"
    wide = True

    def __init__(self, name, label, *, max_length: int = 4000, **kwargs):
        super().__init__(name, label, max_length=max_length, **kwargs)

    def coerce(self, raw, ctx):
        lines = str(raw).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return "\n".join(line.rstrip() for line in lines).strip()


class Email(Text):
    input_type = "email"

    def __init__(self, name, label, **kwargs):
        super().__init__(name, label, max_length=254, **kwargs)

    def check(self, value, ctx):
        super().check(value, ctx)
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError as error:
            raise FieldError(f"Enter a valid email address ({error}).") from error

    def display(self, value, ctx):
        if not value:
            return ""
        return Markup('<a href="mailto:{0}">{0}</a>').format(value)

    def plain(self, value, ctx) -> str:
        return value or ""


class Url(Text):
    input_type = "url"

    def __init__(self, name, label, **kwargs):
        super().__init__(name, label, max_length=500, **kwargs)

    def check(self, value, ctx):
        super().check(value, ctx)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
            raise FieldError("Enter a full web address starting with https:// (or http://).")

    def display(self, value, ctx):
        if not value:
            return ""
        host = urlsplit(value).netloc
        return Markup('<a href="{0}" rel="noopener noreferrer" target="_blank">{1}</a>').format(value, host)

    def plain(self, value, ctx) -> str:
        return value or ""  # the whole address, not only its host


class Integer(Field):
    input_type = "number"

    def __init__(self, name, label, *, minimum: int = 0, maximum: int = 1_000_000, unit: str | None = None, **kwargs):
        super().__init__(name, label, **kwargs)
        self.minimum, self.maximum, self.unit = minimum, maximum, unit

    def coerce(self, raw, ctx):
        text = str(raw).strip().replace(",", "").replace(" ", "")
        if not re.fullmatch(r"-?[0-9]+", text):
            raise FieldError(f"Enter {self.label.lower()} as a whole number.")
        if len(text.lstrip("-0")) > len(str(self.maximum)) + 1:  # far out of range: no need to read it
            raise FieldError(f"{self.label} must be between {self.minimum} and {self.maximum:,}.")
        return int(text)

    def check(self, value, ctx):
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(f"{self.label} must be a whole number.")
        if not self.minimum <= value <= self.maximum:
            raise FieldError(f"{self.label} must be between {self.minimum} and {self.maximum:,}.")

    def display(self, value, ctx):
        if value is None:
            return ""
        return f"{value:,} {self.unit}" if self.unit else f"{value:,}"

    def plain(self, value, ctx) -> str:
        return "" if value is None else str(value)  # a number a spreadsheet can add up

    def sort_key(self, value, ctx):
        return (value is None, value or 0)


class Scale(Integer):
    """1 to 5, each step with its meaning (likelihood, impact)."""

    widget = "select"
    input_type = "select"

    def __init__(self, name, label, *, labels: tuple[str, str, str, str, str], **kwargs):
        super().__init__(name, label, minimum=1, maximum=5, **kwargs)
        self.labels = labels

    @property
    def required_message(self) -> str:
        return f"Choose {self.label.lower()} from 1 to 5."

    def coerce(self, raw, ctx):
        try:
            return super().coerce(raw, ctx)
        except FieldError as error:
            raise FieldError(f"Choose {self.label.lower()} from 1 to 5.") from error

    def check(self, value, ctx):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise FieldError(f"{self.label} must be from 1 to 5.")

    def options(self, ctx):
        return [(str(i), f"{i} — {label}") for i, label in enumerate(self.labels, start=1)]

    def meaning(self, value) -> str:
        return self.labels[value - 1] if isinstance(value, int) and 1 <= value <= 5 else ""

    def display(self, value, ctx):
        return "" if value is None else f"{value} — {self.meaning(value)}"

    def plain(self, value, ctx) -> str:
        return self.display(value, ctx)


class Number(Field):
    """A decimal quantity (baselines, targets), stored as a decimal string so it stays exact."""

    input_type = "text"

    def __init__(self, name, label, *, places: int = 4, **kwargs):
        super().__init__(name, label, **kwargs)
        self.places = places

    def coerce(self, raw, ctx):
        text = str(raw).strip().replace(",", "").replace(" ", "")
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise FieldError(f"Enter {self.label.lower()} as a number, e.g. 97.5.") from error
        if not number.is_finite():
            raise FieldError(f"Enter {self.label.lower()} as a number, e.g. 97.5.")
        if number.as_tuple().exponent < -self.places:
            raise FieldError(f"Use at most {self.places} decimal places for {self.label.lower()}.")
        if number.copy_abs() >= MAX_AMOUNT:  # before writing it out: 1e999999999 has a billion digits
            raise FieldError(f"{self.label} is too large.")
        return canonical_number(number)

    def check(self, value, ctx):
        try:
            number = Decimal(value) if isinstance(value, str) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise FieldError(f"{self.label} must be a number written plainly, e.g. 97.5.")
        if number.copy_abs() >= MAX_AMOUNT or number.as_tuple().exponent < -self.places:  # before writing it out
            raise FieldError(f"{self.label} is too large, or has more than {self.places} decimal places.")
        if canonical_number(number) != value:
            raise FieldError(f"{self.label} must be a number written plainly, e.g. 97.5.")

    def display(self, value, ctx):
        return "" if value is None else group_digits(Decimal(value))

    def plain(self, value, ctx) -> str:
        return value or ""  # stored plainly ("97.5"), so a spreadsheet reads a number

    def sort_key(self, value, ctx):
        return (value is None, Decimal(value) if value is not None else Decimal(0))


class Money(Field):
    """An amount with its currency: {"amount": "125000.00", "currency": "EUR"}."""

    widget = "money"

    def __init__(self, name, label, *, minimum: Decimal | None = Decimal(0), **kwargs):
        super().__init__(name, label, **kwargs)
        self.minimum = minimum

    def raw_from_form(self, form, key, ctx):
        return {"amount": form.get(f"{key}-amount", ""), "currency": form.get(f"{key}-currency", "")}

    def raw_from_value(self, value, ctx):
        if not value:
            return {"amount": "", "currency": ctx.default_currency}
        # Grouped for reading ("1,250,000.00"); the parser accepts the separators back.
        return {"amount": group_digits(Decimal(value["amount"]), len(value["amount"].partition(".")[2])),
                "currency": value["currency"]}

    def is_blank(self, raw) -> bool:
        return not str((raw or {}).get("amount", "")).strip()

    def coerce(self, raw, ctx):
        currency = str(raw.get("currency", "")).strip().upper()
        if currency not in CURRENCIES:
            raise FieldError("Choose the currency from the list.")
        text = str(raw.get("amount", "")).strip().replace(",", "").replace(" ", "")
        if text.upper().startswith(currency):
            text = text[len(currency):]
        try:
            amount = Decimal(text.lstrip("€$£"))
        except InvalidOperation as error:
            raise FieldError(f"Enter {self.label.lower()} as an amount, e.g. 125000 or 125000.50.") from error
        if not amount.is_finite():
            raise FieldError(f"Enter {self.label.lower()} as an amount, e.g. 125000.")
        places = 0 if currency in ZERO_DECIMAL_CURRENCIES else 2
        if amount.as_tuple().exponent < -places:
            raise FieldError(f"{currency} amounts have {places or 'no'} decimal places.")
        if amount.copy_abs() >= MAX_AMOUNT:  # before rounding it to its places, which cannot hold 1e309
            raise FieldError(f"{self.label} is too large; check the amount (at most {MAX_AMOUNT - 1:,}).")
        return {"amount": self._canonical(amount, currency), "currency": currency}

    @staticmethod
    def _canonical(amount: Decimal, currency: str) -> str:
        places = 0 if currency in ZERO_DECIMAL_CURRENCIES else 2
        return str(amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))

    def check(self, value, ctx):
        if not isinstance(value, dict) or set(value) != {"amount", "currency"}:
            raise FieldError(f"{self.label} must be an amount with a currency.")
        currency = value["currency"]
        if currency not in CURRENCIES:
            raise FieldError("Choose the currency from the list.")
        try:
            amount = Decimal(value["amount"]) if isinstance(value["amount"], str) else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise FieldError(f"{self.label} must be an amount with {currency}'s decimal places.")
        if amount.copy_abs() >= MAX_AMOUNT:
            raise FieldError(f"{self.label} is too large; check the amount.")
        if self._canonical(amount, currency) != value["amount"]:
            raise FieldError(f"{self.label} must be an amount with {currency}'s decimal places.")
        if self.minimum is not None and amount < self.minimum:
            raise FieldError(f"{self.label} cannot be negative.")

    def display(self, value, ctx):
        return format_money(value)

    def sort_key(self, value, ctx):
        if not value:
            return (True, "", Decimal(0))
        return (False, value["currency"], Decimal(value["amount"]))

    def options(self, ctx):
        return [(code, f"{code} — {name}") for code, name in CURRENCIES.items()]


class Date(Field):
    input_type = "date"

    def coerce(self, raw, ctx):
        text = str(raw).strip()
        try:
            day = date.fromisoformat(text)
        except ValueError as error:
            raise FieldError(f"Enter {self.label.lower()} as a date (YYYY-MM-DD).") from error
        return day.isoformat()

    def check(self, value, ctx):
        try:
            day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise FieldError(f"{self.label} must be a date (YYYY-MM-DD).")
        if not 1900 <= day.year <= 2200:
            raise FieldError(f"{self.label} must be between 1900 and 2200.")

    def display(self, value, ctx):
        return "" if not value else format_date(date.fromisoformat(value))

    def plain(self, value, ctx) -> str:
        return value or ""  # ISO 8601, which spreadsheets read as a date

    def sort_key(self, value, ctx):
        return (value is None, value or "")


class Choice(Field):
    widget = "select"

    def __init__(self, name, label, *, choices: list[tuple[str, str]], **kwargs):
        super().__init__(name, label, **kwargs)
        self.choices = dict(choices)

    @property
    def required_message(self) -> str:
        return f"Choose {self.label[0].lower() + self.label[1:]}."

    def coerce(self, raw, ctx):
        value = str(raw).strip()
        if value not in self.choices:
            raise FieldError(f"Choose {self.label.lower()} from the list.")
        return value

    def check(self, value, ctx):
        if value not in self.choices:
            raise FieldError(f"Choose {self.label.lower()} from the list.")

    def options(self, ctx):
        return list(self.choices.items())

    def display(self, value, ctx):
        return self.choices.get(value, "") if value is not None else ""

    def sort_key(self, value, ctx):
        keys = list(self.choices)
        return (value is None, keys.index(value) if value in self.choices else len(keys))


class Boolean(Field):
    widget = "checkbox"
    input_type = "checkbox"
    empty = False

    def raw_from_form(self, form, key, ctx):
        return "y" if form.get(key) else ""

    def raw_from_value(self, value, ctx):
        return "y" if value else ""

    def parse(self, raw, ctx):
        return bool(raw)

    def validate(self, value, ctx):
        if not isinstance(value, bool):
            raise FieldError(f"{self.label} must be yes or no.")
        return value

    def check(self, value, ctx):
        if not isinstance(value, bool):
            raise FieldError(f"{self.label} must be yes or no.")

    def display(self, value, ctx):
        return "Yes" if value else "No"


class PartyRef(Field):
    """One of the partnership's parties, stored as the Party's id."""

    widget = "select"

    @property
    def required_message(self) -> str:
        return f"Choose {self.label[0].lower() + self.label[1:]}."

    def coerce(self, raw, ctx):
        party_id = parse_id(str(raw).strip())
        if party_id is None:
            raise FieldError("Choose a party of this partnership.")
        return party_id

    def check(self, value, ctx):
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError("Choose a party of this partnership.")
        if value not in ctx.parties and not self.previously(value, ctx):
            raise FieldError("Choose a party of this partnership.")
        party = ctx.parties.get(value)
        if party is not None and party.left_at is not None and not self.previously(value, ctx):
            raise FieldError(f"{party.name} left the partnership: choose a party taking part.")

    def options(self, ctx):
        # A party that left stays listed (items it was given keep showing it), marked as such.
        return [(str(party_id), party.name + (" (left the partnership)" if party.left_at else ""))
                for party_id, party in ctx.parties.items()]

    def display(self, value, ctx):
        if value is None:
            return ""
        party = ctx.parties.get(value)
        return party.name if party is not None else "A former party"


class MemberRef(Field):
    """A person with access to the partnership, stored as the User's id."""

    widget = "member"

    @property
    def required_message(self) -> str:
        return f"Choose {self.label[0].lower() + self.label[1:]}."

    def coerce(self, raw, ctx):
        user_id = parse_id(str(raw).strip())
        if user_id is None:
            raise FieldError("Choose a member of this partnership.")
        return user_id

    def check(self, value, ctx):
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError("Choose a member of this partnership.")
        if value not in ctx.members and not self.previously(value, ctx):
            raise FieldError("Choose a member of this partnership.")

    def options(self, ctx):
        return [(str(user_id), m.user.full_name) for user_id, m in ctx.members.items()]

    def display(self, value, ctx):
        if value is None:
            return ""
        return ctx.person_name(value)


class PerParty(Field):
    """A short text for each party ("who handles it on our side"): {"<party id>": "text"}."""

    widget = "per_party"
    wide = True

    def __init__(self, name, label, *, max_length: int = 300, **kwargs):
        super().__init__(name, label, **kwargs)
        self.max_length = max_length

    def raw_from_form(self, form, key, ctx):
        return {str(party_id): form.get(f"{key}-{party_id}", "") for party_id in ctx.parties}

    def raw_from_value(self, value, ctx):
        value = value or {}
        raw = {str(party_id): value.get(str(party_id), "") for party_id in ctx.parties}
        # Keep what was written for a party that is no longer listed, so nothing is lost.
        raw.update({k: v for k, v in value.items() if k not in raw})
        return raw

    def is_blank(self, raw) -> bool:
        return not any(str(v).strip() for v in (raw or {}).values())

    def coerce(self, raw, ctx):
        return {k: " ".join(str(v).split()) for k, v in raw.items() if str(v).strip()}

    def check(self, value, ctx):
        if not isinstance(value, dict) or not value:
            raise FieldError(f"{self.label} must name each party's part.")
        previous_keys = {k for v in ctx.previous.get((self.scope, self.name), ()) for k in dict(v)}
        for key, text in value.items():
            if parse_id(key) not in ctx.parties and key not in previous_keys:
                raise FieldError(f"{self.label}: only the partnership's parties can be named.")
            if not isinstance(text, str) or not text.strip():
                raise FieldError(f"{self.label} must be text for each party.")
            if len(text) > self.max_length:
                raise FieldError(f"Keep each party's {self.label.lower()} to {self.max_length} characters.")

    def previously(self, value, ctx) -> bool:
        return False

    def entries(self, value, ctx) -> list[tuple[str, str]]:
        """(party name, text) pairs in the partnership's party order."""
        value = value or {}
        pairs = []
        for party_id, party in ctx.parties.items():
            if value.get(str(party_id)):
                pairs.append((party.name, value[str(party_id)]))
        pairs += [
            ("A former party", text) for key, text in value.items() if parse_id(key) not in ctx.parties
        ]
        return pairs

    def display(self, value, ctx):
        pairs = self.entries(value, ctx)
        if not pairs:
            return ""
        return Markup("").join(
            Markup('<span class="per-party"><span class="per-party__who">{0}</span> {1}</span>').format(who, text)
            for who, text in pairs
        )

    def plain(self, value, ctx) -> str:
        return "\n".join(f"{who}: {text}" for who, text in self.entries(value, ctx))

    def sort_key(self, value, ctx):
        return (not value, "")


class ItemRef(Field):
    """An item of another section (an asset, a measure…), stored as that item's stable id."""

    widget = "select"

    def __init__(self, name, label, *, section: str, kind: str, **kwargs):
        super().__init__(name, label, **kwargs)
        self.target_section, self.target_kind = section, kind

    @property
    def required_message(self) -> str:
        return f"Choose {self.label[0].lower() + self.label[1:]}."

    def coerce(self, raw, ctx):
        return str(raw).strip()

    def check(self, value, ctx):
        if not isinstance(value, str):
            raise FieldError(f"Choose {self.label.lower()} from the list.")
        if value not in ctx.item_titles(self.target_section, self.target_kind) and not self.previously(value, ctx):
            raise FieldError(f"Choose {self.label.lower()} from the list.")

    def options(self, ctx):
        return list(ctx.item_titles(self.target_section, self.target_kind).items())

    def display(self, value, ctx):
        if value is None:
            return ""
        title = ctx.item_titles(self.target_section, self.target_kind).get(value)
        return title if title is not None else "(no longer in the register)"

    def link(self, value) -> tuple[str, str] | None:
        """(section key, anchor) of the referenced item, for a link to it."""
        return (self.target_section, f"item-{value}") if value else None
