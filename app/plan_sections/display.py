"""How section content reads on the page: item tables (sortable where declared) and the
section-level facts, built from the declarations alone, and a section's body, which holds them."""

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from markupsafe import Markup

from app.plan_sections.context import PlanContext
from app.plan_sections.fields import Date, Integer, ItemRef, LongText, Money, Number, PerParty
from app.plan_sections.models import SectionRevision
from app.plan_sections.schema import ItemKind, SectionType

NUMERIC = (Integer, Number, Money)


@dataclass
class Column:
    name: str
    label: str
    sortable: bool
    numeric: bool
    nowrap: bool = False
    # "ascending" / "descending" when the table is sorted by this column.
    sorted: str | None = None


@dataclass
class Detail:
    label: str
    value: Any
    long: bool
    double: bool = False


@dataclass
class ItemRow:
    id: str
    number: int  # position in the plan's own order, 1-based
    title: str
    cells: dict[str, Any]
    details: list[Detail] = field(default_factory=list)


@dataclass
class ItemTable:
    kind: ItemKind
    columns: list[Column]
    rows: list[ItemRow]
    sort: str | None
    direction: str


def _cell(kind: ItemKind, name: str, item: dict, ctx: PlanContext, partnership_id: int | None):
    if name in kind.derived:
        derived = kind.derived[name]
        return derived.display(item) if derived.display else str(derived.compute(item) or "")
    f = kind.by_name[name]
    value = item.get(f.name)
    shown = f.display(value, ctx)
    linkable = isinstance(f, ItemRef) and value and partnership_id is not None
    if linkable and value in ctx.item_titles(f.target_section, f.target_kind):
        section_key, anchor = f.link(value)
        href = url_for("coediting.section", partnership_id=partnership_id, section_key=section_key, _anchor=anchor)
        return Markup('<a href="{0}">{1}</a>').format(href, shown)
    return shown


def item_table(
    kind: ItemKind,
    items: list[dict],
    ctx: PlanContext,
    *,
    sort: str | None = None,
    direction: str = "asc",
    partnership_id: int | None = None,
) -> ItemTable:
    """The kind's items as table rows, in the plan's order unless sorted by a sortable column."""
    numbered = list(enumerate(items, start=1))
    if sort in kind.sortable:
        if sort in kind.derived:
            key = lambda pair: kind.derived[sort].sort_key(pair[1])  # noqa: E731
        else:
            f = kind.by_name[sort]
            key = lambda pair: f.sort_key(pair[1].get(sort), ctx)  # noqa: E731
        # Blank values stay last in either direction.
        present = [p for p in numbered if key(p)[0] is False]
        blank = [p for p in numbered if key(p)[0] is not False]
        present.sort(key=key, reverse=direction == "desc")
        numbered = present + blank
    else:
        sort = None
    columns = []
    for name in kind.columns:
        if name in kind.derived:
            label, numeric = kind.derived[name].label, True
        else:
            label, numeric = kind.by_name[name].label, isinstance(kind.by_name[name], NUMERIC)
        state = None
        if name == sort:
            state = "descending" if direction == "desc" else "ascending"
        nowrap = numeric or isinstance(kind.by_name.get(name), Date)
        columns.append(Column(name, label, name in kind.sortable, numeric, nowrap, state))
    rows = []
    for number, item in numbered:
        cells = {name: _cell(kind, name, item, ctx, partnership_id) for name in kind.columns}
        details = [
            Detail(f.label, f.display(item.get(f.name), ctx), isinstance(f, LongText | PerParty))
            for f in kind.details
            if item.get(f.name) not in (None, "", {})
        ]
        rows.append(ItemRow(item["id"], number, kind.item_title(item, ctx), cells, details))
    return ItemTable(kind, columns, rows, sort, direction)


def section_facts(section_type: SectionType, content: dict, ctx: PlanContext) -> list[Detail]:
    """Section-level values (the commercial agreement's terms) as label/value pairs."""
    return [
        Detail(
            f.label,
            f.display(content["fields"].get(f.name), ctx),
            isinstance(f, LongText | PerParty),
            getattr(f, "max_length", 0) >= 150,
        )
        for f in section_type.fields
        if content["fields"].get(f.name) not in (None, "", {})
    ]


def missing_facts(section_type: SectionType, content: dict) -> list[str]:
    return [f.label for f in section_type.fields if content["fields"].get(f.name) in (None, "", {})]


@dataclass(frozen=True)
class SectionBody:
    """A section as it reads: its narrative, summary, facts and item tables. The section_body
    macro (templates/plan_sections/_macros.html) shows it on the section page, the whole plan,
    a single revision and the plan document; the Word file writes the same."""

    type: SectionType
    revision: SectionRevision | None  # the revision read; None while nobody has written the section
    facts: tuple[Detail, ...]
    tables: tuple[ItemTable, ...]
    summary: dict | None  # the type's summary (the risk heat map…) of a written section

    @property
    def key(self) -> str:
        return self.type.key

    @property
    def is_started(self) -> bool:
        return self.revision is not None

    @property
    def narrative_html(self) -> str:
        return self.revision.narrative_html if self.revision is not None else ""


def section_body(
    section_type: SectionType,
    revision: SectionRevision | None,
    ctx: PlanContext,
    *,
    content: dict | None = None,
    partnership_id: int | None = None,
    sort: str | None = None,
    direction: str = "asc",
) -> SectionBody:
    """How `revision` of a section reads (None: not written yet).

    `content` is the revision's content as a plan version froze it, for a version's document;
    otherwise the revision's own is read. `partnership_id` links item references to their items
    (not in the document). `sort` ("kind.column", as in the section page's address) and
    `direction` order one of the tables.
    """
    if content is None:
        content = revision.content if revision is not None else section_type.empty_content()
    sort_kind, _, sort_column = (sort or "").partition(".")
    tables = tuple(
        item_table(
            kind,
            content["items"][kind.key],
            ctx,
            sort=sort_column if sort_kind == kind.key else None,
            direction=direction,
            partnership_id=partnership_id,
        )
        for kind in section_type.item_kinds
    )
    summary = section_type.summary(content, ctx) if section_type.summary and revision is not None else None
    return SectionBody(section_type, revision, tuple(section_facts(section_type, content, ctx)), tables, summary)
