"""The tabs of a partnership's pages, the panels of its home page and of its members page, and
a new partnership's first steps. Each feature adds its own to the app's registries from its
`init_app`."""

from dataclasses import dataclass

from flask import Flask

from app.partnerships.access import Permission
from app.registries import Registry


@dataclass(frozen=True)
class Tab:
    order: int
    label: str
    endpoint: str
    permission: Permission = Permission.VIEW
    # Endpoints that also highlight this tab (pages below it).
    also_for: tuple[str, ...] = ()


TABS = Registry[Tab]("partnership_tabs", order=lambda t: t.order)


@dataclass(frozen=True)
class Panel:
    """A block on the partnership's home page, contributed by a feature.

    `load(membership)` returns the template's context, or None to hide the panel.
    """

    order: int
    template: str
    load: object
    permission: Permission = Permission.VIEW


PANELS = Registry[Panel]("partnership_panels", order=lambda p: p.order)
# The members page's blocks below the parties (the invitations and proposed new parties).
MEMBER_PANELS = Registry[Panel]("member_panels", order=lambda p: p.order)


def panels_shown(registry: Registry[Panel], membership) -> list[tuple[str, object]]:
    """(template, context) of each panel the member may see and whose `load` answers."""
    from app.partnerships.access import has_permission

    shown = []
    for panel in registry.all():
        if has_permission(membership, panel.permission):
            context = panel.load(membership)
            if context is not None:
                shown.append((panel.template, context))
    return shown


@dataclass(frozen=True)
class StepState:
    done: bool
    progress: str | None = None  # "3 of 10 sections written"
    url: str | None = None  # where to do it, for those allowed to


@dataclass(frozen=True)
class FirstStep:
    """One of the things a new partnership does first, contributed by the feature it belongs
    to; `check(membership)` returns its StepState. The home page lists them, with progress,
    until every one is done."""

    order: int
    title: str
    explanation: str
    check: object


FIRST_STEPS = Registry[FirstStep]("first_steps", order=lambda s: s.order)


def once_per_request(key: str, compute):
    """`compute()` once per request: a panel and a first step reading the same state share it."""
    from flask import g

    memo = g.setdefault("partnership_home_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def first_steps(membership) -> list[tuple[FirstStep, StepState]]:
    return [(step, step.check(membership)) for step in FIRST_STEPS.all()]


def _other_party_invited(membership) -> StepState:
    from flask import url_for

    from app.partnerships.access import has_permission

    done = len(membership.partnership.parties) > 1
    url = url_for("invitations.new", partnership_id=membership.partnership_id) if has_permission(
        membership, Permission.INVITE) else None
    return StepState(done, None if done else "Only your organisation is in it yet", url)


def init_app(app: Flask) -> None:
    """The partnership's own tabs, and its first step."""
    for tab in (
        Tab(0, "Overview", "partnerships.show"),
        Tab(90, "Members", "partnerships.members", also_for=("invitations.new",)),
    ):
        TABS.add(app, tab)
    FIRST_STEPS.add(app, FirstStep(
        10, "Invite the other party", "The alliance manager of your partner organisation joins as a new party.",
        _other_party_invited,
    ))
