"""What features contribute at start-up (tabs, panels, audit actions, notification kinds,
portfolio columns, reminder sources, jobs...), kept on the app that `create_app` builds.

A feature's `init_app(app)` adds its entries; pages and services read them through
`current_app`. Each app starts empty, so test apps never share what another one added.
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import Flask, current_app

T = TypeVar("T")


class Registry(Generic[T]):
    """One kind of entry, kept in `app.extensions["jointly.<name>"]`.

    With `key`, an entry is found by its key and a second entry with the same key is refused;
    with `order`, entries are listed in that order (else in the order they were added).
    """

    def __init__(self, name: str, *, key: Callable[[T], Hashable] | None = None,
                 order: Callable[[T], Any] | None = None) -> None:
        self.name = f"jointly.{name}"
        self._key = key
        self._order = order

    def add(self, app: Flask, entry: T) -> T:
        entries: dict[Hashable, T] = app.extensions.setdefault(self.name, {})
        key = self._key(entry) if self._key is not None else len(entries)
        if key in entries:
            raise ValueError(f"{self.name}: {key!r} is already registered")
        entries[key] = entry
        if self._order is not None:
            ordered = sorted(entries.items(), key=lambda item: self._order(item[1]))
            entries.clear()
            entries.update(ordered)
        return entry

    def all(self, app: Flask | None = None) -> list[T]:
        return list(self._entries(app).values())

    def get(self, key: Hashable, app: Flask | None = None) -> T | None:
        if self._key is None:
            raise TypeError(f"{self.name} has no keys")
        return self._entries(app).get(key)

    def _entries(self, app: Flask | None) -> dict[Hashable, T]:
        return (app or current_app).extensions.get(self.name, {})


# --- Registries whose readers sit above the features that fill them ----------------
# Declared here so that a feature adds its entry without importing the feature that reads it.


@dataclass(frozen=True)
class Metric:
    """A column of the portfolio dashboard (app/portfolio), loaded in one batch.

    `load(partnership_ids)` answers {partnership_id: value} with a fixed number of queries
    (GROUP BY / IN), never one per partnership: a test asserts the page's query count does not
    grow with the portfolio. Partnerships missing from its answer get None. Values are about
    the partnership, the same for every member, so they are safe to show to anyone who sees
    the row. The cell is `{% macro <macro>(value, partnership) %}` in `template`.
    """

    key: str  # also the ?sort= value
    label: str  # column heading
    load: Callable[[list[int]], dict[int, Any]]
    template: str
    macro: str
    order: int = 50
    sort_key: Callable[[Any], Any] | None = None  # makes the column sortable
    # Larger first when a user first sorts by it (health, risk); smaller first otherwise.
    descending_first: bool = False
    # False: sortable and loaded, but shown inside the partnership's own cell, not as a column
    # (the table must stay readable on a laptop as features add columns).
    column: bool = True

    @property
    def sortable(self) -> bool:
        return self.sort_key is not None


PORTFOLIO_METRICS = Registry[Metric]("portfolio_metrics", key=lambda metric: metric.key,
                                     order=lambda metric: metric.order)

# Checks run after every restore (app/backup.py): fn(report) appends to report.problems.
# For example, plan versions add "every stored signed PDF still verifies".
INTEGRITY_CHECKS = Registry[Callable[[Any], None]]("integrity_checks")

# Where a person lands after signing in: fn(user) -> a URL, or None to let the next one answer
# (accounts asks each in turn; my work offers its page).
# The files a plan version issued now rests on: each source gives the partnership's current
# evidence as rows of the version's canonical document (app/attachments fills it; app/plan_versions
# freezes what it gives in every version it issues and lists it in the PDF's annex).
PLAN_EVIDENCE = Registry[Callable[[int], list[dict]]]("plan_evidence")

LANDING_PAGES = Registry[Callable[[Any], str | None]]("landing_pages")

# Trust as earned, beside trust as felt on a review's results and in its report: fn(cycle, today)
# -> {party_id: figures} for the promises each party of the cycle had due in the cycle's period
# (app/promises fills it; app/review_cycle shows what the first source gives, nothing without one).
TRUST_EARNED = Registry[Callable[[Any, Any], dict]]("trust_earned")

# What the Adapt stage of a review suggests adapting: fn(cycle, today) -> [AdaptSuggestion]. The
# promise ledger offers its special-cause drops and the bodies that drift from the plan's cadence;
# each becomes an adaptation only when someone records it.
@dataclass(frozen=True)
class AdaptSuggestion:
    what: str
    why: str
    section_key: str | None = None


# Where the signed plan no longer describes what the partners do, for a review's results:
# fn(cycle, today) -> [DriftItem] (app/promises fills it: bodies, measures).
@dataclass(frozen=True)
class DriftItem:
    kind: str  # what the plan declares about it, as a verb: "Meets", "Measured", "Reviewed"
    name: str
    declared: str  # "monthly"
    practice: str  # "met in 4 of its last 8 windows; last on 2 June 2026"
    link: str
    section_key: str | None = None  # the plan section that declares it


PLAN_DRIFT = Registry[Callable[[Any, Any], list[DriftItem]]]("plan_drift")


ADAPT_SUGGESTIONS = Registry[Callable[[Any, Any], list[AdaptSuggestion]]]("adapt_suggestions")


@dataclass(frozen=True)
class UploadVerifier:
    """Another kind of file the /verify page checks besides plan PDFs (app/plan_versions reads
    these; app/evidence adds evidence packs). A file is matched by its first bytes, never its
    name; `verify(data, name, sha256)` returns a result that `template` shows as `result`."""

    key: str
    label: str  # in the form's help and messages: "an evidence pack (ZIP)"
    noun: str  # in the page's title: "evidence pack"
    intro: str  # a sentence for the page's introduction: what checking one tells
    sniff: Callable[[bytes], bool]
    verify: Callable[[bytes, str, str], Any]
    template: str


UPLOAD_VERIFIERS = Registry[UploadVerifier]("upload_verifiers", key=lambda verifier: verifier.key)
