"""The tabs of a partnership's pages. Each feature registers its own tab here."""

from dataclasses import dataclass

from app.partnerships.access import Permission


@dataclass(frozen=True)
class Tab:
    order: int
    label: str
    endpoint: str
    permission: Permission = Permission.VIEW
    # Endpoints that also highlight this tab (pages below it).
    also_for: tuple[str, ...] = ()


TABS: list[Tab] = []


def register_tab(tab: Tab) -> None:
    TABS.append(tab)
    TABS.sort(key=lambda t: t.order)


register_tab(Tab(0, "Overview", "partnerships.show"))
register_tab(
    Tab(90, "Members", "partnerships.members", also_for=("invitations.new",))
)
register_tab(Tab(100, "Settings", "partnerships.settings", permission=Permission.EDIT_PARTNERSHIP))


@dataclass(frozen=True)
class Panel:
    """A block on the partnership's home page, contributed by a feature.

    `load(membership)` returns the template's context, or None to hide the panel.
    """

    order: int
    template: str
    load: object
    permission: Permission = Permission.VIEW


PANELS: list[Panel] = []


def register_panel(panel: Panel) -> None:
    PANELS.append(panel)
    PANELS.sort(key=lambda p: p.order)
