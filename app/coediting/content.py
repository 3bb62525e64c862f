"""How the co-editing engine reads section content: its three parts, lines and word tokens.

A section revision's content is {"narrative": str, "fields": {name: value},
"items": {kind: [{"id": str, ...}, ...]}}; a missing part counts as empty.
"""

import re
from typing import Any

# Words, whitespace runs and punctuation runs: together they cover every character,
# so joining the tokens gives the text back exactly.
WORD_TOKENS = re.compile(r"\w+|\s+|[^\w\s]+")


def narrative_of(content: dict) -> str:
    return content.get("narrative") or ""


def fields_of(content: dict) -> dict[str, Any]:
    return content.get("fields") or {}


def items_of(content: dict) -> dict[str, list[dict]]:
    return content.get("items") or {}


def normalise_content(content: dict) -> dict:
    """The content with all three parts present (a shallow copy; values are shared)."""
    return {
        "narrative": narrative_of(content),
        "fields": dict(fields_of(content)),
        "items": {kind: list(items) for kind, items in items_of(content).items()},
    }


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split at "\\n" only, so "\\r\\n" stays whole and joining gives the text back."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def split_words(text: str) -> list[str]:
    return WORD_TOKENS.findall(text)


def index_items(kind: str, items: list[dict]) -> dict[str, dict]:
    """Items of one kind by id; a missing or repeated id is a caller's bug, so it raises."""
    try:
        by_id = {item["id"]: item for item in items}
    except (KeyError, TypeError):
        by_id = {}
    if len(by_id) != len(items) or not all(type(item_id) is str for item_id in by_id):
        _explain_bad_ids(kind, items)
    return by_id


def _explain_bad_ids(kind: str, items: list[dict]) -> None:
    seen = set()
    for item in items:
        item_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item_id, str):
            raise ValueError(f"every {kind} item needs a string id, got {item!r}")
        if item_id in seen:
            raise ValueError(f"{kind} item id {item_id!r} appears twice")
        seen.add(item_id)

