"""What section content is read and checked against: the partnership's parties and people,
and the current items of other sections that content may point at."""

from collections import Counter
from dataclasses import dataclass, field, replace

from app.partnerships.models import Membership, Party


@dataclass
class PlanContext:
    partnership_id: int
    parties: dict[int, Party]
    # Members by user id, in party order then by name.
    members: dict[int, Membership]
    # Current content of the sections loaded with this context, by section key.
    contents: dict[str, dict] = field(default_factory=dict)
    # Names of people referred to in content who are no longer members.
    former_people: dict[int, str] = field(default_factory=dict)
    # Values stored in the content being edited, per (scope, field): still accepted unchanged.
    previous: dict[tuple[str, str], list] = field(default_factory=dict)

    def __post_init__(self):
        self._titles: dict[tuple[str, str], dict[str, str]] = {}
        self._currency: str | None = None

    def with_base(self, *contents: dict | None) -> "PlanContext":
        """This context, accepting the references already stored in `contents` (the base an
        editor started from, and for merges and restores the other versions being combined)."""
        previous: dict[tuple[str, str], list] = {}
        for content in contents:
            if not content:
                continue
            for name, value in (content.get("fields") or {}).items():
                if value is not None:
                    previous.setdefault(("fields", name), []).append(value)
            for kind, items in (content.get("items") or {}).items():
                for item in items:
                    for name, value in item.items():
                        if value is not None and name != "id":
                            previous.setdefault((kind, name), []).append(value)
        twin = replace(self, previous=previous)
        twin._titles = self._titles
        return twin

    def item_titles(self, section_key: str, kind_key: str) -> dict[str, str]:
        """{item id: title} of another section's current items of one kind."""
        cache_key = (section_key, kind_key)
        if cache_key not in self._titles:
            from app.plan_sections.registry import get_section_type

            kind = get_section_type(section_key).kind_by_key[kind_key]
            items = ((self.contents.get(section_key) or {}).get("items") or {}).get(kind_key, [])
            self._titles[cache_key] = {item["id"]: kind.item_title(item, self) for item in items}
        return self._titles[cache_key]

    def person_name(self, user_id: int) -> str:
        membership = self.members.get(user_id)
        if membership is not None:
            return membership.user.full_name
        name = self.former_people.get(user_id)
        return f"{name} (former member)" if name else "A former member"

    def members_by_party(self) -> list[tuple[Party, list[Membership]]]:
        return [
            (party, [m for m in self.members.values() if m.party_id == party_id])
            for party_id, party in self.parties.items()
        ]

    @property
    def default_currency(self) -> str:
        """The currency the plan already uses most, so new amounts start in it."""
        if self._currency is None:
            self._currency = self._most_used_currency()
        return self._currency

    def _most_used_currency(self) -> str:
        counts: Counter[str] = Counter()

        def walk(value):
            if isinstance(value, dict):
                if set(value) == {"amount", "currency"}:
                    counts[value["currency"]] += 1
                else:
                    for v in value.values():
                        walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        walk(self.contents)
        return counts.most_common(1)[0][0] if counts else "EUR"
