"""A section's items as CSV: one file per item kind (the asset register, the risk register, the
people…), headed by the fields' labels, in the plan's own order.

Every field is a column (the ones the page shows under an item's title too), then the values
computed from an item (a risk's score); cells are plain text (`Field.plain`): whole addresses,
ISO dates and plain numbers, so a spreadsheet can sort and add them up.
"""

from app.downloads import csv_text
from app.plan_sections.context import PlanContext
from app.plan_sections.schema import ItemKind

ID_LABEL = "ID"


def items_header(kind: ItemKind) -> list[str]:
    return [ID_LABEL, *(f.label for f in kind.fields), *(d.label for d in kind.derived.values())]


def item_cells(kind: ItemKind, item: dict, ctx: PlanContext) -> list:
    derived = [d.compute(item) for d in kind.derived.values()]
    return [item["id"], *(f.plain(item.get(f.name), ctx) for f in kind.fields),
            *("" if value is None else value for value in derived)]


def items_csv(kind: ItemKind, items: list[dict], ctx: PlanContext) -> str:
    return csv_text(items_header(kind), (item_cells(kind, item, ctx) for item in items))
