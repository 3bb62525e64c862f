"""Valid values for any declared field, so tests can fill every section type generically."""

from app.plan_sections.fields import (
    Boolean,
    Choice,
    Date,
    Email,
    Integer,
    ItemRef,
    LongText,
    MemberRef,
    Money,
    Number,
    PartyRef,
    PerParty,
    Scale,
    Text,
    Url,
)
from app.plan_sections.registry import section_types


def sample_value(f, ctx, n: int = 1):
    if isinstance(f, Email):
        return f"person{n}@example.com"
    if isinstance(f, Url):
        return f"https://docs.example.com/{n}"
    if isinstance(f, LongText):
        return f"{f.label}: longer text number {n}."
    if isinstance(f, Text):
        return f"{f.label} {n}"
    if isinstance(f, Scale):
        return 1 + n % 5
    if isinstance(f, Integer):
        return max(f.minimum, min(n, f.maximum))
    if isinstance(f, Number):
        return f"{n}.5"
    if isinstance(f, Money):
        return {"amount": f"{n * 1000}.00", "currency": "EUR"}
    if isinstance(f, Date):
        # Term dates in an order the commercial agreement's rule accepts.
        return {"start_date": "2025-01-01", "end_date": "2029-12-31", "renewal_date": "2029-06-30"}.get(
            f.name, f"2026-0{1 + n % 9}-1{n % 10}"
        )
    if isinstance(f, Choice):
        return list(f.choices)[n % len(f.choices)]
    if isinstance(f, Boolean):
        return True
    if isinstance(f, PartyRef):
        return list(ctx.parties)[n % len(ctx.parties)]
    if isinstance(f, MemberRef):
        return list(ctx.members)[n % len(ctx.members)]
    if isinstance(f, PerParty):
        return {str(party_id): f"{f.label} for party {party_id}" for party_id in ctx.parties}
    if isinstance(f, ItemRef):
        return next(iter(ctx.item_titles(f.target_section, f.target_kind)))
    raise AssertionError(f"no sample for {f!r}")


def sample_item(kind, ctx, n: int = 1) -> dict:
    return {f.name: sample_value(f, ctx, n) for f in kind.fields}


def sample_content(section_type, ctx, items_per_kind: int = 1) -> dict:
    return {
        "narrative": f"The {section_type.title} narrative, with **bold** text.",
        "fields": {f.name: sample_value(f, ctx) for f in section_type.fields},
        "items": {
            kind.key: [sample_item(kind, ctx, n) for n in range(1, items_per_kind + 1)]
            for kind in section_type.item_kinds
        },
    }


def all_item_kinds() -> list[tuple[str, str]]:
    return [(t.key, k.key) for t in section_types() for k in t.item_kinds]
