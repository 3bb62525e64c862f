"""Finding things: one query over the index, by PostgreSQL's full-text search or SQLite's FTS5.

People type what they would type into a web search engine: words, "an exact phrase", -word to
leave out, OR between alternatives. PostgreSQL reads that itself (`websearch_to_tsquery`); for
SQLite the same syntax is turned into an FTS5 expression here, every term quoted so that nothing
typed is read as FTS5's own syntax. Both stem English words ("risks" finds "risk").

The boundaries, in the one statement every search runs:
- only partnerships the person is a member of now (a party that left takes its people out);
- a review's text, and the evidence of a party's actuals, only once its cycle is revealed (neither
  is indexed before, and entries of a cycle are checked here);
- older revisions only when asked for (a revision is entered when a newer one replaces it).
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.dialects.postgresql import TSQUERY

from app.accounts.models import Organisation
from app.extensions import db
from app.partnerships.models import Membership, Partnership, Party
from app.plan_sections.registry import get_section_type
from app.review_cycle.models import ReviewCycle
from app.search.models import FTS_TABLE, SearchEntry, document_sql, scope_lexeme

PAGE_SIZE = 20
QUERY_MAX = 200
# What ranking and snippets read again of each hit's text (see _postgresql).
RANK_CHARS = 4_000
SNIPPET_CHARS = 20_000
# Markers around matched words, chosen because nobody types them: the snippet is escaped as text
# first and only these become <mark>, so a stored "<script>" stays text.
START, STOP = "\x02", "\x03"

KIND_LABELS = {
    "section": "Plan sections",
    "item": "Items (risks, assets, measures…)",
    "comment": "Comments",
    "action": "Improvement actions",
    "adaptation": "Adaptations",
    "review": "Reviews and maturity assessments",
    "version": "Plan versions",
    "attachment": "Files",
}

# Headings of hits that belong to no plan section.
GROUP_HEADINGS = {
    "action": "Improvement actions",
    "adaptation": "Adaptations",
    "review": "Reviews and maturity assessments",
    "version": "Plan versions",
    "attachment": "Files",
}

_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ParsedQuery:
    """A typed query as alternatives of required terms, and terms to leave out."""

    alternatives: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not any(self.alternatives)


def parse(text: str) -> ParsedQuery:
    groups: list[list[str]] = [[]]
    excluded: list[str] = []
    for match in _TERM.finditer(text or ""):
        negative, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None:
            if word.upper() == "OR":
                if groups[-1]:
                    groups.append([])
                continue
            negative, term = ("-", word[1:]) if word.startswith("-") and len(word) > 1 else ("", word)
        else:
            term = phrase
        if not re.search(r"\w", term):
            continue
        (excluded if negative else groups[-1]).append(term.strip())
    return ParsedQuery(tuple(tuple(g) for g in groups if g), tuple(excluded))


def fts5_expression(parsed: ParsedQuery) -> str:
    """The parsed query as FTS5 syntax: every term a quoted string (FTS5 reads it as a phrase)."""

    def quoted(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'

    positive = " OR ".join("(" + " AND ".join(quoted(t) for t in group) + ")" for group in parsed.alternatives)
    return f"({positive})" + "".join(f" NOT {quoted(t)}" for t in parsed.excluded)


@dataclass
class Filters:
    partnership_id: int | None = None
    section_key: str | None = None
    kind: str | None = None
    organisation_id: int | None = None
    since: date | None = None
    until: date | None = None
    older: bool = False
    page: int = 1
    zone: tzinfo = UTC  # the reader's: `since` and `until` are whole days where they are

    @property
    def active(self) -> bool:
        return any(v not in (None, False) for v in (self.partnership_id, self.section_key, self.kind,
                                                     self.organisation_id, self.since, self.until, self.older))


@dataclass
class Hit:
    id: int
    partnership_id: int
    kind: str
    label: str
    title: Markup
    snippet: Markup
    link: str
    section_key: str | None
    party_name: str | None
    occurred_at: datetime

    @property
    def section_title(self) -> str | None:
        section_type = get_section_type(self.section_key) if self.section_key else None
        return section_type.title if section_type else None

    @property
    def heading(self) -> str:
        """Where it is listed on the page: its plan section, else what it is ("Improvement actions")."""
        return self.section_title or GROUP_HEADINGS.get(self.kind, self.label)


@dataclass
class Group:
    partnership_id: int
    partnership_name: str
    sections: list[tuple[str | None, list[Hit]]] = field(default_factory=list)


@dataclass
class Results:
    hits: list[Hit]
    total: int
    page: int
    partnership_names: dict[int, str]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def groups(self) -> list[Group]:
        """Hits by partnership, then by section, each in the order of its best hit."""
        groups: dict[int, Group] = {}
        for hit in self.hits:
            group = groups.setdefault(hit.partnership_id, Group(hit.partnership_id,
                                                                self.partnership_names.get(hit.partnership_id, "")))
            for heading, hits in group.sections:
                if heading == hit.heading:
                    hits.append(hit)
                    break
            else:
                group.sections.append((hit.heading, [hit]))
        return list(groups.values())


def member_partnerships(user_id: int):
    return sa.select(Membership.partnership_id).where(Membership.user_id == user_id)


def _visible(user_id: int, filters: Filters) -> list:
    entry = SearchEntry
    conditions = [entry.partnership_id.in_(member_partnerships(user_id))]
    revealed = sa.select(ReviewCycle.id).where(ReviewCycle.id == entry.cycle_id, ReviewCycle.revealed_at.is_not(None))
    # Entries of a cycle (revealed reviews, the evidence of revealed actuals) are checked again here.
    conditions.append(sa.or_(entry.cycle_id.is_(None), revealed.exists()))
    if not filters.older:  # a "revision" entry is one a section replaced (the current one is the section)
        conditions.append(entry.kind != "revision")
    if filters.partnership_id is not None:
        conditions.append(entry.partnership_id == filters.partnership_id)
    if filters.section_key:
        conditions.append(entry.section_key == filters.section_key)
    if filters.kind:
        conditions.append(entry.kind == filters.kind)
    if filters.organisation_id is not None:
        of_organisation = sa.select(Party.id).where(Party.organisation_id == filters.organisation_id)
        conditions.append(entry.party_id.in_(of_organisation))
    if filters.since is not None:
        conditions.append(entry.occurred_at >= datetime.combine(filters.since, time.min, tzinfo=filters.zone))
    if filters.until is not None:
        day_after = datetime.combine(filters.until + timedelta(days=1), time.min, tzinfo=filters.zone)
        conditions.append(entry.occurred_at < day_after)
    return conditions


def _marked(text: str | None) -> Markup:
    # Escaped first: only the markers the engine put around matched words become markup.
    return Markup(str(escape(text or "")).replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704  # nosec B704


def _columns():
    return (SearchEntry.id, SearchEntry.partnership_id, SearchEntry.kind, SearchEntry.label, SearchEntry.link,
            SearchEntry.section_key, SearchEntry.occurred_at, Organisation.name.label("party_name"))


def _postgresql(user_id: int, text: str, filters: Filters, scope: list[int], limit: int, offset: int):
    """One statement: the page's entries found, ranked and counted (inner), then marked and
    snippeted (outer), so the text of only the page's entries is read again for the snippets."""
    english = sa.literal_column("'english'::regconfig")
    query = sa.func.websearch_to_tsquery(english, text)
    # The member's partnerships ANDed into the query: the index leaves out every other entry.
    in_scope = sa.cast(sa.literal(" | ".join(f"'{scope_lexeme(i)}'" for i in scope), sa.Text()), TSQUERY)
    document = sa.literal_column(document_sql(SearchEntry.__tablename__))
    # Ranking reads the text again for every hit, snippets for the page's: each over an opening
    # only (RANK_CHARS, SNIPPET_CHARS), so that long attached files cost little more than sections
    # (a match further in still finds its entry, ranked by its title and opening, shown by them).
    opening = sa.func.left(SearchEntry.body, SNIPPET_CHARS)
    rank = sa.func.ts_rank_cd(
        sa.func.to_tsvector(english, SearchEntry.title + " " + sa.func.left(SearchEntry.body, RANK_CHARS)), query)
    found = (
        sa.select(SearchEntry.id.label("entry_id"), rank.label("rank"), sa.func.count().over().label("total"))
        # A query of stop words only ("the") is empty: it finds nothing, not the whole scope.
        .where(sa.func.numnode(query) > 0, document.op("@@")(query.op("&&")(in_scope)), *_visible(user_id, filters))
        .order_by(rank.desc(), SearchEntry.occurred_at.desc(), SearchEntry.id.desc())
        .limit(limit).offset(offset)
        .subquery("found")
    )
    options = f"StartSel={START}, StopSel={STOP}, MaxWords=32, MinWords=12, MaxFragments=2, FragmentDelimiter=\" … \""
    return (
        sa.select(
            *_columns(),
            sa.func.ts_headline(english, SearchEntry.title, query,
                                f"StartSel={START}, StopSel={STOP}, HighlightAll=true").label("title"),
            sa.func.ts_headline(english, opening, query, options).label("snippet"),
            found.c.total,
        )
        .join(found, found.c.entry_id == SearchEntry.id)
        .outerjoin(Party, Party.id == SearchEntry.party_id)
        .outerjoin(Organisation, Organisation.id == Party.organisation_id)
        .order_by(found.c.rank.desc(), SearchEntry.occurred_at.desc(), SearchEntry.id.desc())
    )


def _sqlite(user_id: int, parsed, filters: Filters, scope: list[int]):
    """The page's statement and the count's: FTS5's ranking and snippets cannot run beside a
    window function, so the total is a statement of its own. The typed words are looked for in
    the title and text only, and the member's partnerships ANDed in through the scope column."""
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    partnerships = " OR ".join(f'"p{i}"' for i in scope)
    expression = f"{{title body}} : ({fts5_expression(parsed)}) AND scope : ({partnerships})"
    match = sa.text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=expression)
    joined = fts.join(SearchEntry, SearchEntry.id == fts.c.rowid)
    count = sa.select(sa.func.count()).select_from(joined).where(match, *_visible(user_id, filters))
    return count, (
        sa.select(
            *_columns(),
            sa.literal_column(f"highlight({FTS_TABLE}, 0, '{START}', '{STOP}')").label("title"),
            sa.literal_column(f"snippet({FTS_TABLE}, 1, '{START}', '{STOP}', ' … ', 24)").label("snippet"),
            # bm25: smaller is better; a word in the title counts five times one in the text.
            sa.literal_column(f"bm25({FTS_TABLE}, 5.0, 1.0)").label("rank"),
        )
        .select_from(joined)
        .outerjoin(Party, Party.id == SearchEntry.party_id)
        .outerjoin(Organisation, Organisation.id == Party.organisation_id)
        .where(match, *_visible(user_id, filters))
        .order_by(sa.literal_column("rank"), SearchEntry.occurred_at.desc(), SearchEntry.id.desc())
    )


def search(user_id: int, text: str, filters: Filters | None = None) -> Results:
    """One page of what `text` finds among the user's partnerships, best first."""
    filters = filters or Filters()
    text = _CONTROL.sub(" ", text[:QUERY_MAX])  # neither engine takes a NUL; nobody means one
    parsed = parse(text)
    if parsed.is_empty:
        return Results([], 0, 1, {})
    scope = list(db.session.scalars(member_partnerships(user_id)))
    if filters.partnership_id is not None:
        scope = [i for i in scope if i == filters.partnership_id]
    if not scope:
        return Results([], 0, 1, {})
    page = max(1, filters.page)
    window = {"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
    if db.engine.dialect.name == "postgresql":
        rows = db.session.execute(_postgresql(user_id, text, filters, scope, **window)).all()
        total = rows[0].total if rows else 0
    else:
        count, statement = _sqlite(user_id, parsed, filters, scope)
        rows = db.session.execute(statement.limit(window["limit"]).offset(window["offset"])).all()
        total = db.session.execute(count).scalar_one() if rows or page > 1 else 0
    hits = [
        Hit(id=r.id, partnership_id=r.partnership_id, kind=r.kind, label=r.label, title=_marked(r.title),
            snippet=_marked(r.snippet), link=r.link, section_key=r.section_key, party_name=r.party_name,
            occurred_at=r.occurred_at)
        for r in rows
    ]
    names = {}
    if hits:
        names = dict(db.session.execute(
            sa.select(Partnership.id, Partnership.name).where(Partnership.id.in_({h.partnership_id for h in hits}))
        ).all())
    return Results(hits, total, page, names)
