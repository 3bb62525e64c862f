"""What an imported plan's parts become: headings matched to sections, tables to items.

`split_parts` cuts a document's blocks at its section-level headings; `suggest_section`
names the section a heading most likely is; `section_import` turns the parts a person
mapped to one section into that section's narrative and items. A table becomes items of
one of the section's item kinds when its header names that kind's title field and every
row reads as a valid item (each cell read the way people write it in Word: "High" for a
likelihood, "€125,000" for a value, a party's name for a party); otherwise it stays, whole,
as a Markdown table in the narrative, with the reason shown in the preview.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from app.plan_import.reading import table_markdown
from app.plan_import.synonyms import (
    COLUMN_SYNONYMS,
    KIND_COLUMN_SYNONYMS,
    NO,
    NOT_SECTIONS,
    SCALE_WORDS,
    SECTION_SYNONYMS,
    YES,
    normal,
)
from app.plan_sections.fields import (
    CURRENCIES,
    Boolean,
    Choice,
    Date,
    Field,
    FieldError,
    Integer,
    ItemRef,
    MemberRef,
    Money,
    Number,
    PartyRef,
    PerParty,
    Scale,
)
from app.plan_sections.registry import get_section_type, section_types
from app.plan_sections.schema import ITEMS_MAX, ItemKind, SectionType

# -- headings -----------------------------------------------------------------------------------


def _phrases(section_type: SectionType) -> list[str]:
    own = [section_type.title, section_type.subtitle, section_type.key.replace("_", " ")]
    return [normal(p) for p in (*own, *SECTION_SYNONYMS.get(section_type.key, ()))]


def suggest_section(heading: str) -> str | None:
    """The section a heading names, by its title or a common synonym; None if none does.

    An exact match wins; otherwise the longest known phrase found as whole words in the
    heading ("Risk register and heat map" → risk assessment)."""
    words = normal(heading)
    if not words or any(re.search(rf"(?<!\w){re.escape(normal(p))}(?!\w)", words) for p in NOT_SECTIONS):
        return None
    best: tuple[int, str] | None = None
    for section_type in section_types():
        for phrase in _phrases(section_type):
            if not phrase:
                continue
            if phrase == words:
                return section_type.key
            found = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", words)
            if found and (best is None or len(phrase) > best[0]):
                best = (len(phrase), section_type.key)
    return best[1] if best else None


def split_parts(blocks: list[dict]) -> list[dict]:
    """The document cut at its section-level headings: [{"heading", "level", "suggested", "blocks"}].

    The section level is the highest level at which a heading names a section (so a title
    above them, or subheadings below, stay what they are); what comes before the first
    such heading is a part of its own, suggested to be skipped."""
    headings = [b for b in blocks if b["type"] == "heading" and b["text"]]
    matched = [b["level"] for b in headings if suggest_section(b["text"])]
    level = min(matched) if matched else min((b["level"] for b in headings), default=1)
    parts: list[dict] = [{"heading": "", "level": 0, "suggested": None, "blocks": []}]
    for block in blocks:
        if block["type"] == "heading" and block["text"] and block["level"] <= level:
            parts.append({"heading": block["text"], "level": block["level"],
                          "suggested": suggest_section(block["text"]) if block["level"] == level else None,
                          "blocks": []})
        else:
            parts[-1]["blocks"].append(block)
    # The first part (before any heading) goes when empty; a title heading's text shows as its name.
    if not parts[0]["blocks"]:
        parts.pop(0)
    return parts


# -- table columns ------------------------------------------------------------------------------


def _column_words(kind: ItemKind, f: Field) -> list[list[str]]:
    """Ways a header can name field `f`, strongest first."""
    return [
        [normal(f.label), normal(f.name.replace("_", " "))],
        [normal(w) for w in KIND_COLUMN_SYNONYMS.get(kind.key, {}).get(f.name, ())],
        [normal(w) for w in COLUMN_SYNONYMS.get(f.name, ())],
    ]


def match_columns(kind: ItemKind, header: list[str]) -> dict[int, str]:
    """{column index: field name} for the header cells that name one of the kind's fields.

    Each field is taken once, by the strongest naming first (its label, then the kind's
    synonyms, then the general ones), left to right."""
    headers = [normal(h) for h in header]
    taken: dict[int, str] = {}
    for strength in range(3):
        for f in kind.fields:
            if f.name in taken.values():
                continue
            words = _column_words(kind, f)[strength]
            for index, text in enumerate(headers):
                if index not in taken and text and text in words:
                    taken[index] = f.name
                    break
    return dict(sorted(taken.items()))


# -- cells --------------------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    value: object = None
    note: str | None = None  # what happened to the text, when not simply taken


class Unreadable(Exception):  # noqa: N818 - a cell's text, not a program error
    pass


def _words_match(text: str, choices: dict[str, str]) -> str | None:
    """The choice whose key or label the text names (exactly, or as the label's first words)."""
    words = normal(text)
    for key, label in choices.items():
        if words in (normal(key.replace("_", " ")), normal(label)):
            return key
    starts = [key for key, label in choices.items() if words and normal(label).startswith(words)]
    if len(starts) == 1:
        return starts[0]
    inside = [key for key, label in choices.items()
              if words and re.search(rf"(?<!\w){re.escape(words)}(?!\w)", normal(label))]
    return inside[0] if len(inside) == 1 else None


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y",
                 "%d/%m/%y")
_MONTH_FORMATS = ("%B %Y", "%b %Y", "%m/%Y", "%Y-%m")
_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY"}


def _date(text: str) -> str:
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.replace(",", " "))
    cleaned = " ".join(cleaned.split())
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).date().isoformat()  # noqa: DTZ007 - a calendar day
        except ValueError:
            continue
    for pattern in _MONTH_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).date().replace(day=1).isoformat()  # noqa: DTZ007
        except ValueError:
            continue
    raise Unreadable("is not a date")


def _money(text: str, ctx) -> dict:
    compact = text.replace(",", "").replace(" ", "")
    currency = None
    for symbol, code in _SYMBOLS.items():
        if symbol in compact:
            currency, compact = code, compact.replace(symbol, "")
    code = re.search(r"[A-Za-z]{3}", compact)
    if code and code.group(0).upper() in CURRENCIES:
        currency, compact = code.group(0).upper(), compact.replace(code.group(0), "")
    number = re.fullmatch(r"(-?[0-9]+(?:\.[0-9]+)?)([kKmM]|bn)?(?:/(?:yr|year|y))?", compact)
    if not number:
        raise Unreadable("is not an amount")
    amount = Decimal(number.group(1))
    amount *= {"k": 1000, "m": 1_000_000, "bn": 1_000_000_000}.get((number.group(2) or "").lower(), 1)
    return {"amount": format(amount, "f"), "currency": currency or ctx.default_currency}


def read_cell(f: Field, text: str, ctx, party_id: int):
    """The field's value for a cell's text, or Unreadable saying why not."""
    text = " ".join(text.split()) if not f.wide else text.strip()
    if isinstance(f, Boolean):
        words = normal(text)
        if words in YES or text in YES:
            return True
        if words in NO:
            return False
        raise Unreadable("is not yes or no")
    if not text:
        return None
    raw: object = text
    if isinstance(f, Scale):
        digits = re.match(r"^([1-5])\b", text)
        if digits:
            raw = digits.group(1)
        else:
            words = normal(text)
            labels = {normal(label): n for n, label in enumerate(f.labels, start=1)}
            raw = str(labels.get(words) or SCALE_WORDS.get(words) or "")
            if not raw:
                raise Unreadable("is not a rating from 1 to 5")
    elif isinstance(f, Integer):
        digits = re.search(r"-?[0-9][0-9,]*", text)
        if not digits:
            raise Unreadable("is not a whole number")
        raw = digits.group(0)
    elif isinstance(f, Number):
        raw = text.replace("%", "").strip()
    elif isinstance(f, Money):
        raw = _money(text, ctx)
    elif isinstance(f, Date):
        raw = _date(text)
    elif isinstance(f, Choice):
        raw = _words_match(text, f.choices)
        if raw is None:
            raise Unreadable("is not one of the choices")
    elif isinstance(f, PartyRef):
        names = {str(pid): party.name for pid, party in ctx.parties.items() if party.left_at is None}
        raw = _words_match(text, names) or _first_word_party(text, names)
        if raw is None:
            raise Unreadable("names no party of this partnership")
    elif isinstance(f, MemberRef):
        people = {str(uid): m.user.full_name for uid, m in ctx.members.items()}
        raw = next((uid for uid, name in people.items() if normal(name) == normal(text)), None)
        if raw is None:
            raise Unreadable("is no member of this partnership")
    elif isinstance(f, PerParty):
        raw = _per_party(text, ctx)
    elif isinstance(f, ItemRef):
        titles = ctx.item_titles(f.target_section, f.target_kind)
        raw = next((item_id for item_id, title in titles.items() if normal(title) == normal(text)), None)
        if raw is None:
            raise Unreadable("names nothing in the register")
    try:
        return f.parse(raw, ctx)
    except FieldError as error:
        raise Unreadable(str(error)) from None


def _first_word_party(text: str, names: dict[str, str]) -> str | None:
    first = normal(text).split(" ")[0] if normal(text) else ""
    found = [pid for pid, name in names.items() if first and normal(name).split(" ")[0] == first]
    return found[0] if len(found) == 1 else None


def _per_party(text: str, ctx) -> dict:
    """"Northwind: runs the depot; Contoso: plans the loads" → {party id: text}."""
    names = {str(pid): party.name for pid, party in ctx.parties.items() if party.left_at is None}
    value = {}
    for piece in re.split(r"[;\n]", text):
        who, colon, what = piece.partition(":")
        if not colon or not what.strip():
            continue
        party = _words_match(who, names) or _first_word_party(who, names)
        if party is None:
            raise Unreadable("does not say each party's part as “Party: …; Party: …”")
        value[party] = what.strip()
    if not value:
        raise Unreadable("does not say each party's part as “Party: …; Party: …”")
    return value


# -- tables and sections --------------------------------------------------------------------------


@dataclass
class TablePreview:
    """One table of a part, as it will be imported."""

    header: list[str]
    rows: list[list[str]]
    kind: ItemKind | None = None  # None: the table goes into the narrative
    columns: dict[int, str] = field(default_factory=dict)  # column index → field name
    cells: list[list[Cell]] = field(default_factory=list)  # per row, per matched column
    items: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why it is not items
    filled: dict[str, str] = field(default_factory=dict)  # required field without a column → the value given

    @property
    def unmatched(self) -> list[str]:
        return [h or f"Column {i + 1}" for i, h in enumerate(self.header) if i not in self.columns]

    @property
    def fields(self) -> list[Field]:
        return [self.kind.by_name[name] for name in self.columns.values()] if self.kind else []


def table_preview(section_type: SectionType, rows: list[list[str]], ctx, party_id: int) -> TablePreview:
    header, body = rows[0], rows[1:]
    preview = TablePreview(header=header, rows=body)
    candidates = []
    for kind in section_type.item_kinds:
        columns = match_columns(kind, header)
        if kind.title in columns.values():
            candidates.append((len(columns), kind, columns))
    if not candidates:
        if section_type.item_kinds:
            names = " or ".join(f"“{kind.by_name[kind.title].label}”" for kind in section_type.item_kinds)
            preview.problems.append(f"No column is headed {names}, so the table is kept as it is, in the text.")
        return preview
    _count, kind, columns = max(candidates, key=lambda c: c[0])
    columns = _people_or_parties(kind, columns, body, ctx, party_id)
    preview.kind, preview.columns = kind, columns
    if not body:
        preview.problems.append("The table has a header but no rows.")
    elif len(body) > ITEMS_MAX:
        preview.problems.append(f"A section holds at most {ITEMS_MAX} {kind.label.lower()}.")
    for number, row in enumerate(body, start=1):
        item, cells, before = {}, [], len(preview.problems)
        for index, name in columns.items():
            f = kind.by_name[name]
            text = row[index] if index < len(row) else ""
            cell = Cell(text)
            try:
                cell.value = read_cell(f, text, ctx, party_id)
            except Unreadable as why:
                cell.note = f"“{text}” {why}" + ("" if f.required else ": left blank")
                if f.required:
                    preview.problems.append(f"Row {number}: {f.label} “{text}” {why}.")
            item[name] = cell.value
            cells.append(cell)
        _fill_required(kind, item, cells, columns, ctx, party_id, number, preview)
        if len(preview.problems) == before:
            preview.problems.extend(f"Row {number}: {message}" for message in kind.rule_errors(item).values())
        preview.cells.append(cells)
        preview.items.append(item)
    if preview.problems:
        preview.items = []
    return preview


def _people_or_parties(kind: ItemKind, columns: dict[int, str], body, ctx, party_id) -> dict[int, str]:
    """A column matched to a person ("Owner") whose cells all name parties, not members, is the
    kind's party field instead (a risk's owner party), when no column of its own fills that."""
    columns = dict(columns)
    for index, name in list(columns.items()):
        if not isinstance(kind.by_name[name], MemberRef):
            continue
        party_field = next((f for f in kind.fields if isinstance(f, PartyRef) and f.name not in columns.values()), None)
        texts = [row[index] for row in body if index < len(row) and row[index].strip()]
        if party_field is None or not texts:
            continue
        person = kind.by_name[name]
        if all(_reads(party_field, t, ctx, party_id) and not _reads(person, t, ctx, party_id) for t in texts):
            columns[index] = party_field.name
    return columns


def _reads(f: Field, text: str, ctx, party_id: int) -> bool:
    try:
        read_cell(f, text, ctx, party_id)
    except Unreadable:
        return False
    return True


def _fill_required(kind, item, cells, columns, ctx, party_id, number, preview) -> None:
    """Required fields the row leaves empty: their default, the importing party for a party, or a problem."""
    for f in kind.fields:
        if not f.required or item.get(f.name) not in (None, "", {}):
            continue
        position = list(columns.values()).index(f.name) if f.name in columns.values() else None
        if position is not None and cells[position].text:
            continue  # its text could not be read: already reported
        if f.default is not None:
            item[f.name] = f.default
        elif isinstance(f, PartyRef) and party_id in ctx.parties:
            item[f.name] = party_id
        else:
            preview.problems.append(f"Row {number}: no {f.label.lower()}, which every {kind.singular.lower()} needs.")
            continue
        if position is not None:
            cells[position].value = item[f.name]
            cells[position].note = f"empty: set to {f.display(item[f.name], ctx)}"
        else:
            preview.filled.setdefault(f.label, str(f.display(item[f.name], ctx)))


@dataclass
class SectionImport:
    """What one section receives: narrative text and items per kind, with each table's preview."""

    section_type: SectionType
    narrative: str
    items: dict[str, list[dict]]
    tables: list[TablePreview]

    @property
    def item_count(self) -> int:
        return sum(len(v) for v in self.items.values())


def section_import(section_key: str, parts: list[dict], ctx, party_id: int) -> SectionImport:
    """The parts mapped to one section, as that section's narrative and items."""
    section_type = get_section_type(section_key)
    pieces: list[str] = []
    items: dict[str, list[dict]] = {}
    tables: list[TablePreview] = []
    for part in parts:
        if len(parts) > 1 and part["heading"]:
            pieces.append(f"# {_escape_heading(part['heading'])}")
        for block in part["blocks"]:
            if block["type"] == "heading":
                depth = max(1, min(4, block["level"] - part["level"] + (1 if len(parts) > 1 else 0)))
                pieces.append("#" * depth + " " + _escape_heading(block["text"]))
            elif block["type"] == "text":
                pieces.append(block["markdown"])
            elif block["type"] == "table":
                preview = table_preview(section_type, block["rows"], ctx, party_id)
                tables.append(preview)
                if preview.items:
                    items.setdefault(preview.kind.key, []).extend(preview.items)
                else:
                    pieces.append(table_markdown(block["rows"]))
    return SectionImport(section_type, "\n\n".join(p for p in pieces if p.strip()), items, tables)


def _escape_heading(text: str) -> str:
    return re.sub(r"([\\`*_\[\]])", r"\\\1", " ".join(text.split()))


def merged_content(base: dict, imported: SectionImport) -> dict:
    """The section's content with the import added: its text after the existing narrative,
    its items after the existing ones (new items, given ids when saved)."""
    content = {"narrative": base.get("narrative") or "", "fields": dict(base.get("fields") or {}),
               "items": {k: list(v) for k, v in (base.get("items") or {}).items()}}
    if imported.narrative:
        content["narrative"] = (content["narrative"].rstrip() + "\n\n" + imported.narrative).strip()
    for kind_key, new in imported.items.items():
        content["items"].setdefault(kind_key, []).extend(dict(item) for item in new)
    return content

