"""Item kinds and section types: the declarations each ERMP section module is made of.

A revision's content is JSON of one shape for every section type:

    {"narrative": "<markdown>",
     "fields": {<section-level field>: <value>, ...},
     "items": {"<item kind key>": [{"id": "<stable id>", <field>: <value>, ...}, ...], ...}}

`SectionType.validate` checks content from any source against the declaration and
returns it normalised (every declared key present, new items given their stable id),
so equal content always has the same canonical JSON and hash.
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.inputs import CONTROL_MESSAGE, has_control_characters
from app.plan_sections.fields import Field, FieldError

ITEM_ID = re.compile(r"^[a-z]{2,5}-[0-9a-f]{8}$")
NARRATIVE_MAX = 60_000
ITEMS_MAX = 500  # per kind: far beyond any real plan, small enough to keep pages usable


def _declare(condition, message) -> None:
    """Section type declarations are checked when the module loads: a mistake fails fast."""
    if not condition:
        raise ValueError(f"invalid section type declaration: {message}")



class ContentError(ValueError):
    """Content that does not match its section type; `errors` maps input names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Derived:
    """A value computed from an item on read (a risk's score), never typed or stored.

    `display(item)` shows it; `compute(item)` is the value itself, used to sort.
    """

    name: str
    label: str
    compute: Callable[[dict], Any]
    display: Callable[[dict], Any] | None = None

    def sort_key(self, item: dict):
        value = self.compute(item)
        return (value is None, value if value is not None else 0)


class ItemKind:
    """A list of structured items within a section (people, risks, measures…)."""

    def __init__(
        self,
        key: str,
        label: str,
        singular: str,
        *,
        id_prefix: str,
        fields: list[Field],
        title: str,
        min_items: int = 0,
        columns: tuple[str, ...] | None = None,
        details: tuple[str, ...] | None = None,
        sortable: tuple[str, ...] = (),
        derived: tuple[Derived, ...] = (),
        rules: tuple[Callable[[dict], dict[str, str]], ...] = (),
        help: str | None = None,  # noqa: A002
    ):
        _declare(key != "fields" and re.fullmatch(r"[a-z_]+", key), key)
        _declare(re.fullmatch(r"[a-z]{2,5}", id_prefix), id_prefix)
        self.key, self.label, self.singular = key, label, singular
        self.id_prefix = id_prefix
        self.fields = list(fields)
        self.title = title
        self.min_items = min_items
        self.derived = {d.name: d for d in derived}
        # rule(item) -> {field name: message}: checks across an item's fields.
        self.rules = tuple(rules)
        self.help = help
        for f in self.fields:
            f.scope = key
        self.by_name = {f.name: f for f in self.fields}
        _declare(title in self.by_name, title)
        self.columns = columns or tuple(f.name for f in self.fields if not f.wide)
        # Shown under each item's title; by default every field without a column.
        self.detail_names = details if details is not None else tuple(
            f.name for f in self.fields if f.name not in self.columns
        )
        self.sortable = tuple(sortable)
        for name in (*self.columns, *self.sortable, *self.detail_names):
            _declare(name in self.by_name or name in self.derived, f"{key}: unknown column {name}")
        _declare(set(self.sortable) <= set(self.columns), f"{key}: sortable columns must be shown")

    def __repr__(self) -> str:
        return f"<ItemKind {self.key}>"

    @property
    def details(self) -> list[Field]:
        """Fields shown under an item's title rather than in a column of their own."""
        return [self.by_name[name] for name in self.detail_names]

    def new_id(self, taken: set[str]) -> str:
        while True:
            candidate = f"{self.id_prefix}-{secrets.token_hex(4)}"
            if candidate not in taken:
                return candidate

    def item_title(self, item: dict, ctx) -> str:
        value = item.get(self.title)
        text = self.by_name[self.title].display(value, ctx) if value is not None else ""
        return str(text) or f"Untitled {self.singular.lower()}"

    def rule_errors(self, item: dict) -> dict[str, str]:
        errors: dict[str, str] = {}
        for rule in self.rules:
            errors.update(rule(item))
        return errors


@dataclass
class Completeness:
    done: int
    total: int
    missing: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else round(100 * self.done / self.total)

    @property
    def is_complete(self) -> bool:
        return self.done >= self.total


@dataclass
class SectionType:
    """One of the plan's ten sections, declared by its module and registered once."""

    key: str
    number: int
    title: str
    subtitle: str
    guidance: str
    fields: list[Field] = field(default_factory=list)
    item_kinds: list[ItemKind] = field(default_factory=list)
    narrative_required: bool = True
    # summary(content, ctx) -> dict for templates/plan_sections/types/<key>.html
    summary: Callable[[dict, Any], dict] | None = None
    # rule(content) -> {section field name: message}: checks across section-level fields.
    rules: tuple[Callable[[dict], dict[str, str]], ...] = ()

    def __post_init__(self):
        for f in self.fields:
            f.scope = "fields"
        self.field_by_name = {f.name: f for f in self.fields}
        self.kind_by_key = {k.key: k for k in self.item_kinds}
        _declare(len(self.kind_by_key) == len(self.item_kinds), f"{self.key}: item kind keys must be unique")

    def __repr__(self) -> str:
        return f"<SectionType {self.number} {self.key}>"

    @property
    def summary_template(self) -> str | None:
        return f"plan_sections/types/{self.key}.html" if self.summary else None

    def empty_content(self) -> dict:
        return {
            "narrative": "",
            "fields": {f.name: f.empty for f in self.fields},
            "items": {k.key: [] for k in self.item_kinds},
        }

    # -- validation ----------------------------------------------------------------------
    def validate(self, content: Any, ctx, base: dict | None = None) -> dict:
        """`content` checked and normalised, or ContentError.

        Items keep an id only if the base content (what the editor started from) had
        it for the same kind; any other item is new and gets a fresh id, so ids are
        never chosen by a client, reused or moved between items.
        """
        errors: dict[str, str] = {}
        if not isinstance(content, dict) or set(content) - {"narrative", "fields", "items"}:
            raise ContentError({"content": "The section's content is not in the expected form."})
        clean = self.empty_content()
        clean["narrative"] = normalise_narrative(content.get("narrative") or "", errors)

        fields_in = content.get("fields") or {}
        if not isinstance(fields_in, dict) or set(fields_in) - set(self.field_by_name):
            raise ContentError({"content": "The section has fields its type does not declare."})
        for f in self.fields:
            try:
                clean["fields"][f.name] = f.validate(fields_in.get(f.name, f.empty), ctx)
            except FieldError as error:
                errors[f"fields-{f.name}"] = str(error)

        items_in = content.get("items") or {}
        if not isinstance(items_in, dict) or set(items_in) - set(self.kind_by_key):
            raise ContentError({"content": "The section has items of a kind its type does not declare."})
        base_items = (base or {}).get("items") or {}
        for kind in self.item_kinds:
            rows = items_in.get(kind.key) or []
            if not isinstance(rows, list):
                raise ContentError({"content": f"{kind.label} must be a list."})
            if len(rows) > ITEMS_MAX:
                errors[f"items-{kind.key}"] = f"A section holds at most {ITEMS_MAX} {kind.label.lower()}."
                continue
            known = {i.get("id") for i in base_items.get(kind.key, []) if isinstance(i, dict)}
            taken = {i.get("id") for i in rows if isinstance(i, dict) and i.get("id") in known}
            used: set[str] = set()
            for position, item in enumerate(rows):
                if not isinstance(item, dict) or set(item) - {"id", *kind.by_name}:
                    raise ContentError({"content": f"A {kind.singular.lower()} has fields its kind does not declare."})
                item_id = item.get("id")
                if not (isinstance(item_id, str) and ITEM_ID.match(item_id) and item_id in known) or item_id in used:
                    item_id = kind.new_id(taken | used)
                used.add(item_id)
                cleaned = {"id": item_id}
                item_errors = {}
                for f in kind.fields:
                    try:
                        cleaned[f.name] = f.validate(item.get(f.name, f.empty), ctx)
                    except FieldError as error:
                        item_errors[f.name] = str(error)
                if not item_errors:
                    item_errors = kind.rule_errors(cleaned)
                errors.update({f"items-{kind.key}-{position}-{name}": m for name, m in item_errors.items()})
                clean["items"][kind.key].append(cleaned)
        if not errors:
            errors.update({f"fields-{name}": m for name, m in self.rule_errors(clean).items()})
        if errors:
            raise ContentError(errors)
        return clean

    def rule_errors(self, content: dict) -> dict[str, str]:
        errors: dict[str, str] = {}
        for rule in self.rules:
            errors.update(rule(content))
        return errors

    # -- completeness --------------------------------------------------------------------
    def completeness(self, content: dict) -> Completeness:
        """What the section needs before it can be called complete, declared by its type."""
        done, total, missing = 0, 0, []
        if self.narrative_required:
            total += 1
            if (content.get("narrative") or "").strip():
                done += 1
            else:
                missing.append("Write the narrative")
        for f in self.fields:
            if f.complete:
                total += 1
                value = content["fields"].get(f.name)
                if value not in (None, "", {}, []):
                    done += 1
                else:
                    missing.append(f"Fill in {f.label.lower()}")
        for kind in self.item_kinds:
            if kind.min_items:
                total += 1
                count = len(content["items"].get(kind.key, []))
                if count >= kind.min_items:
                    done += 1
                else:
                    what = kind.singular.lower() if kind.min_items == 1 else kind.label.lower()
                    missing.append(f"Add at least {kind.min_items} {what}" if kind.min_items > 1 else f"Add a {what}")
        return Completeness(done, total, missing)


def normalise_narrative(text: Any, errors: dict[str, str]) -> str:
    if not isinstance(text, str):
        errors["narrative"] = "The narrative must be text."
        return ""
    # Browsers send CRLF from textareas: one spelling, so unchanged text hashes the same.
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    text = text.lstrip("\n")
    if has_control_characters(text):
        errors["narrative"] = CONTROL_MESSAGE
    elif len(text) > NARRATIVE_MAX:
        errors["narrative"] = f"Keep the narrative to {NARRATIVE_MAX:,} characters (it has {len(text):,})."
    return text

