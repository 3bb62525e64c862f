"""What each searchable thing reads as: the entries (title, text, link…) made from one record.

Pure functions of the records they are given (and the section types' declarations): the indexer
(app/search/indexing.py) calls them as records are written, and again when it rebuilds an index.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from app.links import path_for
from app.partnerships.parties import record_parties
from app.plan_sections.fields import Text
from app.plan_sections.registry import get_section_type

TITLE_MAX = 300
# A whole section can be long; what a search needs of it fits well within this.
BODY_MAX = 100_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKDOWN_NOISE = re.compile(r"(^|\s)(#{1,6}|>|[-*+]|\d+\.)\s+|[*_`~]{1,3}|!?\[([^\]]*)\]\([^)]*\)", re.MULTILINE)


@dataclass
class Entry:
    """One row of the index, before it is written."""

    partnership_id: int
    kind: str
    source: str
    label: str
    title: str
    link: str
    occurred_at: datetime
    body: str = ""
    section_key: str | None = None
    party_id: int | None = None
    cycle_id: int | None = None
    revision_id: int | None = None

    def same_text(self, other: "Entry") -> bool:
        """Whether `other` reads the same (found by the same words, shown and linked the same)."""
        return (self.label, self.title, self.body, self.link) == (other.label, other.title, other.body, other.link)

    def row(self) -> dict:
        title = _CONTROL.sub(" ", self.title).strip() or self.label
        return {
            "partnership_id": self.partnership_id, "kind": self.kind, "source": self.source,
            "label": self.label[:60], "title": title[:TITLE_MAX],
            # Control characters never reach the index: the search marks matched words with two.
            "body": _CONTROL.sub(" ", self.body[:BODY_MAX]), "link": self.link, "occurred_at": self.occurred_at,
            "section_key": self.section_key, "party_id": self.party_id, "cycle_id": self.cycle_id,
            "revision_id": self.revision_id,
        }


def plain(markdown_text: str) -> str:
    """Markdown as words: the link texts kept, the markup dropped (snippets read as prose)."""

    def keep(match: re.Match) -> str:
        if match.group(3) is not None:
            return match.group(3)
        return match.group(1) or ""

    return _MARKDOWN_NOISE.sub(keep, markdown_text or "")


def _join(*parts: str) -> str:
    return "\n".join(p.strip() for p in parts if p and p.strip())


def _texts_of(fields, values: dict) -> list[str]:
    """The words typed into text fields (choices, numbers and dates are not prose)."""
    return [values[f.name] for f in fields if isinstance(f, Text) and isinstance(values.get(f.name), str)]


def section_entries(section, revision, unchanged: frozenset[str] = frozenset(),
                    same_section: bool = False) -> list["Entry"]:
    """A section's current text: the section itself (narrative and fields) and each of its items;
    but the items whose ids are `unchanged`, and the section itself when `same_section`."""
    section_type = get_section_type(section.section_key)
    if section_type is None:
        return []
    content = revision.content or {}
    page = path_for("coediting.section", partnership_id=section.partnership_id, section_key=section.section_key)
    common = {"partnership_id": section.partnership_id, "section_key": section.section_key,
              "party_id": revision.author_party_id, "occurred_at": revision.created_at}
    entries = [] if same_section else [Entry(
        kind="section", source=str(section.id), label="Section", title=section_type.title, link=page,
        body=_join(plain(content.get("narrative", "")), *_texts_of(section_type.fields, content.get("fields") or {})),
        **common)]
    for kind in section_type.item_kinds:
        for item in (content.get("items") or {}).get(kind.key) or []:
            if item["id"] in unchanged:
                continue
            title = item.get(kind.title)
            entries.append(Entry(
                kind="item", source=f"{section.id}:{item['id']}", label=kind.singular,
                title=title if isinstance(title, str) and title.strip() else f"Untitled {kind.singular.lower()}",
                link=f"{page}#item-{item['id']}",
                body=_join(*(plain(t) for t in _texts_of(kind.fields, item) if t != title)), **common,
            ))
    return entries


def revision_entry(section, revision, replaced: list["Entry"]) -> "Entry":
    """What a newer revision no longer says of `revision` (the `replaced` entries, as they read in
    it), found when someone asks for older text and linked to the revision that said it."""
    section_type = get_section_type(section.section_key)
    texts = [text for entry in replaced for text in (entry.title if entry.kind == "item" else "", entry.body)]
    return Entry(
        partnership_id=section.partnership_id, kind="revision", source=str(revision.id), label="Earlier revision",
        title=f"{section_type.title}, revision {revision.number}", body=_join(*texts),
        link=path_for("coediting.revision", partnership_id=section.partnership_id,
                      section_key=section.section_key, number=revision.number),
        occurred_at=revision.created_at, section_key=section.section_key, party_id=revision.author_party_id,
        revision_id=revision.id,
    )


def comment_entry(comment, thread, section_key: str) -> "Entry":
    return Entry(
        partnership_id=thread.partnership_id, kind="comment", source=str(comment.id), label="Comment",
        title="Comment", body=comment.body,
        link=path_for("coediting.comments", partnership_id=thread.partnership_id, section_key=section_key,
                      _anchor=f"comment-{comment.id}"),
        occurred_at=comment.created_at, section_key=section_key, party_id=comment.party_id,
    )


def action_entry(action) -> "Entry":
    return Entry(
        partnership_id=action.partnership_id, kind="action", source=str(action.id), label="Improvement action",
        title=action.title, body=action.description or "",
        link=path_for("review_cycle.action", partnership_id=action.partnership_id, cycle_id=action.cycle_id,
                      action_id=action.id),
        occurred_at=action.opened_at, party_id=action.owner_party_id,
    )


def adaptation_entry(adaptation, cycle) -> "Entry":
    return Entry(
        partnership_id=cycle.partnership_id, kind="adaptation", source=str(adaptation.id), label="Adaptation",
        title=adaptation.what.splitlines()[0] if adaptation.what.strip() else "Adaptation",
        body=_join(adaptation.what, adaptation.why),
        link=path_for("review_cycle.show", partnership_id=cycle.partnership_id, cycle_id=cycle.id,
                      _anchor=f"adaptation-{adaptation.id}"),
        occurred_at=adaptation.created_at, section_key=adaptation.section_key, party_id=adaptation.party_id,
    )


def review_entry(submission, assessment, cycle) -> "Entry":
    """What a party submitted in a review or maturity assessment: entered only once revealed."""
    names = {p.id: p.name for p in record_parties(cycle.parties)}
    dimensions = {str(d["id"]): d["name"] for d in cycle.dimensions or []}
    measures = {str(m.get("id")): m.get("name", "") for m in cycle.measures or []}
    comments = [
        f"{dimensions.get(key, '')}: {entry['comment']}" for key, entry in sorted((submission.scores or {}).items())
        if isinstance(entry, dict) and (entry.get("comment") or "").strip()
    ]
    reasons = [
        f"{measures.get(key, '')}: {entry['reason']}" for key, entry in sorted((submission.measures or {}).items())
        if isinstance(entry, dict) and (entry.get("reason") or "").strip()
    ]
    party = names.get(assessment.party_id, "A party")
    corrected = " (corrected)" if submission.number > 1 else ""
    return Entry(
        partnership_id=cycle.partnership_id, kind="review", source=str(submission.id),
        label="Maturity assessment" if cycle.is_maturity else "Review",
        title=f"{party}'s {cycle.name}{corrected}",
        body=_join(submission.achievements, submission.concerns, *comments, *reasons),
        link=path_for("review_cycle.results", partnership_id=cycle.partnership_id, cycle_id=cycle.id),
        occurred_at=submission.submitted_at, party_id=assessment.party_id, cycle_id=cycle.id,
    )


def version_entry(version) -> "Entry":
    return Entry(
        partnership_id=version.partnership_id, kind="version", source=str(version.id), label="Plan version",
        title=f"Version {version.major}.{version.minor}", body=version.summary or "",
        link=path_for("plan_versions.show", partnership_id=version.partnership_id, version_id=version.id),
        occurred_at=version.issued_at, party_id=version.issued_by_party_id,
    )
